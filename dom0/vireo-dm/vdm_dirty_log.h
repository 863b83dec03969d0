/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dirty log: one bit per 4 KiB guest frame that vireo-dm wrote while logging is on, for
 * live migration. hv logs the guest's own writes in its nested page tables; ours go through
 * our mapping of guest RAM and bypass them (docs/device-model.md, "Dirty log").
 * The words are atomics: a mark from any thread is never lost to a fetch taking the bitmap.
 */
#ifndef VDM_DIRTY_LOG_H
#define VDM_DIRTY_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define VDM_DIRTY_FRAME_SHIFT 12 /* 4 KiB guest frames */

struct vdm_dirty_log {
    atomic_bool on;
    uint64_t frames;         /* frames the bitmap covers, from gfn 0; fixed at the first start */
    _Atomic uint64_t *words; /* (frames + 63) / 64; bit i of word w is gfn 64 * w + i */
};

static inline uint64_t vdm_dirty_log_nr_words(const struct vdm_dirty_log *log)
{
    return (log->frames + 63) / 64;
}

/* Acquire: a writer that sees the log on also sees the words start allocated. */
static inline bool vdm_dirty_log_on(const struct vdm_dirty_log *log)
{
    return atomic_load_explicit(&log->on, memory_order_acquire);
}

/* Clears the bitmap (allocated for `frames` the first time) and turns logging on; starting
 * again just clears. 0, or -ENOMEM. */
int vdm_dirty_log_start(struct vdm_dirty_log *log, uint64_t frames);
/* Turns logging off; what was logged stays for a last take. */
void vdm_dirty_log_stop(struct vdm_dirty_log *log);
void vdm_dirty_log_free(struct vdm_dirty_log *log);
/* Marks the frames of guest-physical [gpa, gpa + len); frames past the bitmap are ignored.
 * Callers check vdm_dirty_log_on first (the log's one branch while it is off). */
void vdm_dirty_log_mark(const struct vdm_dirty_log *log, uint64_t gpa, uint64_t len);
/* Moves the bitmap into words[] (vdm_dirty_log_nr_words of them) and clears it; returns the
 * frames that were marked. A mark made meanwhile lands in this take or the next. */
uint64_t vdm_dirty_log_take(struct vdm_dirty_log *log, uint64_t *words);
/* Puts bits taken back into the log (the taker could not hand them on). */
void vdm_dirty_log_put_back(struct vdm_dirty_log *log, const uint64_t *words);

#endif /* VDM_DIRTY_LOG_H */
