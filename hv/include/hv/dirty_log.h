/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's dirty-page log: one bit per guest frame of its RAM, over the two places a
 * domU's RAM can be ([0, low) and [4 GiB, 4 GiB + high), docs/guest-platform.md), so the
 * MMIO hole below 4 GiB costs no bitmap. Pure bookkeeping: the caller owns the memory and
 * the locking; the nested tables are log_dirty.c's.
 */
#ifndef HV_DIRTY_LOG_H
#define HV_DIRTY_LOG_H

#include <stdbool.h>
#include <stdint.h>

#define DIRTY_LOG_HIGH_GFN (1ull << 20) /* 4 GiB: where RAM above the hole starts */

struct dirty_log {
    uint64_t *bits;     /* low_span + high_span bits, low part first */
    uint64_t low_span;  /* frames logged from gfn 0; a multiple of 64, <= 4 GiB */
    uint64_t high_span; /* frames logged from DIRTY_LOG_HIGH_GFN; a multiple of 64 */
};

/* Lays the log out for a domain of at most max_frames frames of RAM: max_frames from gfn
 * 0 (at most up to 4 GiB) and max_frames from 4 GiB, which covers any split of RAM between
 * the two as long as each part starts at its base (the builders' layouts). Returns the
 * bytes the bitmap needs; the caller sets bits. */
uint64_t dirty_log_layout(struct dirty_log *l, uint64_t max_frames);
/* One past the last gfn the log covers. */
uint64_t dirty_log_end(const struct dirty_log *l);
/* Sets gfn's bit; a gfn the log does not cover is ignored. */
void dirty_log_mark(struct dirty_log *l, uint64_t gfn);
/* Marks every covered frame dirty. */
void dirty_log_mark_all(struct dirty_log *l);
/*
 * Takes the bits of [first_gfn, first_gfn + nr) out of the log: each set bit is cleared,
 * copied to out (bit i = first_gfn + i, out zeroed first unless NULL: ceil(nr/64) words)
 * and passed to taken(gfn, arg). Frames the log does not cover read as clean. Returns how
 * many were dirty.
 */
uint64_t dirty_log_take(struct dirty_log *l, uint64_t first_gfn, uint64_t nr, uint64_t *out,
                        void (*taken)(uint64_t gfn, void *arg), void *arg);

#endif
