/* SPDX-License-Identifier: GPL-2.0-only */
/* Space-separated `key=value` command lines (hv's own and boot modules'). */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include <stddef.h>
#include <stdbool.h>

/* Copies the value of the first `key=value` word into buf (NUL-terminated, truncated to
 * len-1). Returns true if the key is present; a bare `key` gives an empty value. Only
 * the part before a ` -- ` separator is searched. */
bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t len);
/* The text after the first ` -- ` (or "" if none). */
const char *cmdline_tail(const char *cmdline);
/* True if the first word is `word`. */
bool cmdline_first_word_is(const char *cmdline, const char *word);

#endif
