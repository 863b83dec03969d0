/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Freestanding string and formatting helpers shared by hv and the freestanding test
 * guests. Standard C names and semantics (a subset), so code reads like ordinary C.
 */
#ifndef VIREO_LIB_FMT_H
#define VIREO_LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/*
 * printf-style formatting: %d %i %u %x %X %o %p %s %c %%, flags '-' '0', field width
 * and precision (also '*'), length modifiers hh h l ll z. Returns the length the full
 * output would have; never writes more than size bytes (always terminated if size > 0).
 */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Parses an unsigned number in base 10, or 16 with a 0x prefix, with an optional size
 * suffix K/M/G (powers of 1024) when `allow_suffix`. Returns 0 and stores it, or -1 on a
 * malformed or overflowing number. `end` (may be NULL) receives the first unused char.
 */
int parse_u64(const char *s, uint64_t *out, const char **end, int allow_suffix);

#endif
