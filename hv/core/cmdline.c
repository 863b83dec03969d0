/* SPDX-License-Identifier: GPL-2.0-only */
/* Command line parsing (see hv/cmdline.h). Pure, host-tested. */
#include "hv/cmdline.h"
#include "fmt.h"

static const char *head_end(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((p == s || p[-1] == ' ') && p[0] == '-' && p[1] == '-' && (p[2] == ' ' || !p[2]))
            return p;
    return s + strlen(s);
}

bool cmdline_get(const char *s, const char *key, char *buf, size_t len)
{
    const char *end = head_end(s);
    size_t klen = strlen(key);

    for (const char *p = s; p < end;) {
        while (p < end && *p == ' ')
            p++;
        const char *w = p;
        while (p < end && *p != ' ')
            p++;
        if ((size_t)(p - w) >= klen && !strncmp(w, key, klen) &&
            (w + klen == p || w[klen] == '=')) {
            const char *v = w + klen == p ? p : w + klen + 1;
            size_t n = (size_t)(p - v);
            if (len) {
                n = n < len - 1 ? n : len - 1;
                memcpy(buf, v, n);
                buf[n] = '\0';
            }
            return true;
        }
    }
    return false;
}

const char *cmdline_tail(const char *s)
{
    const char *p = head_end(s);
    if (!*p)
        return p;
    p += 2;
    while (*p == ' ')
        p++;
    return p;
}

bool cmdline_first_word_is(const char *s, const char *word)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(word);
    return !strncmp(s, word, n) && (s[n] == ' ' || s[n] == '\0');
}
