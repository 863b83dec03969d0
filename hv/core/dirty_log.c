/* SPDX-License-Identifier: GPL-2.0-only */
/* The dirty-page log's bitmap (hv/dirty_log.h): layout over a domU's RAM, mark, take. */
#include "hv/hv.h"
#include "hv/dirty_log.h"

#define ROUND64(x) (((x) + 63) & ~63ull)

uint64_t dirty_log_layout(struct dirty_log *l, uint64_t max_frames)
{
    l->bits = NULL;
    l->low_span = MIN(ROUND64(max_frames), DIRTY_LOG_HIGH_GFN);
    l->high_span = ROUND64(max_frames);
    return (l->low_span + l->high_span) / 8;
}

uint64_t dirty_log_end(const struct dirty_log *l)
{
    return DIRTY_LOG_HIGH_GFN + l->high_span;
}

/* The bit of gfn, or ~0 if the log does not cover it. */
static uint64_t bit_of(const struct dirty_log *l, uint64_t gfn)
{
    if (gfn < l->low_span)
        return gfn;
    if (gfn >= DIRTY_LOG_HIGH_GFN && gfn - DIRTY_LOG_HIGH_GFN < l->high_span)
        return l->low_span + (gfn - DIRTY_LOG_HIGH_GFN);
    return ~0ull;
}

void dirty_log_mark(struct dirty_log *l, uint64_t gfn)
{
    uint64_t b = bit_of(l, gfn);
    if (b != ~0ull)
        l->bits[b / 64] |= 1ull << (b % 64);
}

void dirty_log_mark_all(struct dirty_log *l)
{
    memset(l->bits, 0xff, (l->low_span + l->high_span) / 8);
}

uint64_t dirty_log_take(struct dirty_log *l, uint64_t first_gfn, uint64_t nr, uint64_t *out,
                        void (*taken)(uint64_t gfn, void *arg), void *arg)
{
    uint64_t dirty = 0;

    if (out)
        memset(out, 0, ((nr + 63) / 64) * 8);
    for (uint64_t i = 0; i < nr;) {
        uint64_t gfn = first_gfn + i, b = bit_of(l, gfn);
        /* Spans are multiples of 64 and 4 GiB is one too: an aligned run of 64 gfns lies
         * in one part, its bits in one word. Clean words and holes go 64 at a time. */
        bool whole = gfn % 64 == 0 && nr - i >= 64;
        if (whole && (b == ~0ull || !l->bits[b / 64])) {
            i += 64;
            continue;
        }
        if (b != ~0ull && (l->bits[b / 64] >> (b % 64)) & 1) {
            l->bits[b / 64] &= ~(1ull << (b % 64));
            if (out)
                out[i / 64] |= 1ull << (i % 64);
            if (taken)
                taken(gfn, arg);
            dirty++;
        }
        i++;
    }
    return dirty;
}
