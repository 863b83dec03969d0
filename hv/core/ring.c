/* SPDX-License-Identifier: GPL-2.0-only */
/* Byte rings that keep the newest output (hv/ring.h). */
#include "hv/ring.h"

void ring_put(struct byte_ring *r, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        r->buf[r->prod++ & (r->size - 1)] = s[i];
}

size_t ring_read(const struct byte_ring *r, uint64_t *pos, char *out, size_t len)
{
    size_t n = 0;
    if (*pos + r->size < r->prod)
        *pos = r->prod - r->size;
    if (*pos > r->prod)
        *pos = r->prod;
    for (uint64_t p = *pos; p < r->prod && n < len; p++)
        out[n++] = r->buf[p & (r->size - 1)];
    return n;
}
