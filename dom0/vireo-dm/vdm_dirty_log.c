/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dirty log's bitmap (vdm_dirty_log.h). No GLib: the virtqueue fuzz target links it.
 */
#include "vdm_dirty_log.h"

#include <errno.h>
#include <stdlib.h>

int vdm_dirty_log_start(struct vdm_dirty_log *log, uint64_t frames)
{
    if (log->words == NULL) {
        log->frames = frames;
        /* One spare word: never calloc(0), which may answer NULL. */
        log->words = calloc(vdm_dirty_log_nr_words(log) + 1, sizeof(*log->words));
        if (log->words == NULL)
            return -ENOMEM;
    }
    for (uint64_t w = 0; w < vdm_dirty_log_nr_words(log); w++)
        atomic_store_explicit(&log->words[w], 0, memory_order_relaxed);
    atomic_store_explicit(&log->on, true, memory_order_release);
    return 0;
}

void vdm_dirty_log_stop(struct vdm_dirty_log *log)
{
    atomic_store_explicit(&log->on, false, memory_order_release);
}

void vdm_dirty_log_free(struct vdm_dirty_log *log)
{
    vdm_dirty_log_stop(log);
    free(log->words);
    log->words = NULL;
    log->frames = 0;
}

/* Sets `bits` in word w. Read first: the same frames (a used ring) are written over and
 * over, and a locked OR of a bit already set would only bounce the cache line. */
static void set_bits(const struct vdm_dirty_log *log, uint64_t w, uint64_t bits)
{
    if ((atomic_load_explicit(&log->words[w], memory_order_relaxed) & bits) != bits)
        atomic_fetch_or_explicit(&log->words[w], bits, memory_order_relaxed);
}

void vdm_dirty_log_mark(const struct vdm_dirty_log *log, uint64_t gpa, uint64_t len)
{
    uint64_t first = gpa >> VDM_DIRTY_FRAME_SHIFT, last;

    if (len == 0 || first >= log->frames)
        return;
    last = (gpa + (len - 1)) >> VDM_DIRTY_FRAME_SHIFT;
    if (last < first || last >= log->frames) /* wrapped, or past the bitmap */
        last = log->frames - 1;
    for (uint64_t f = first; f <= last;) {
        uint64_t w = f / 64, lo = f % 64;
        uint64_t hi = last / 64 == w ? last % 64 : 63;
        uint64_t bits = (hi == 63 ? ~0ull : (1ull << (hi + 1)) - 1) & ~((1ull << lo) - 1);

        set_bits(log, w, bits);
        f = (w + 1) * 64;
    }
}

uint64_t vdm_dirty_log_take(struct vdm_dirty_log *log, uint64_t *words)
{
    uint64_t marked = 0;

    for (uint64_t w = 0; w < vdm_dirty_log_nr_words(log); w++) {
        words[w] = atomic_exchange_explicit(&log->words[w], 0, memory_order_relaxed);
        marked += (uint64_t)__builtin_popcountll(words[w]);
    }
    return marked;
}

void vdm_dirty_log_put_back(struct vdm_dirty_log *log, const uint64_t *words)
{
    for (uint64_t w = 0; w < vdm_dirty_log_nr_words(log); w++) {
        if (words[w] != 0)
            atomic_fetch_or_explicit(&log->words[w], words[w], memory_order_relaxed);
    }
}
