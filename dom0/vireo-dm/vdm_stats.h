/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The disks' I/O counters, published in the runtime directory's `blk-stats` file
 * (layout: dom0/include/vireo-dm-stats.h) for virtvireod to read. vireo-dm creates the
 * file at startup; each disk claims a record by its target and counts into it.
 */
#ifndef VDM_STATS_H
#define VDM_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#include "vireo-dm-stats.h"

struct vdm_stats {
    struct vireo_dm_stats_header *map; /* the whole file, MAP_SHARED; NULL: not open */
    size_t len;
};

/* Creates runtime_dir/blk-stats with `records` empty records and maps it. */
bool vdm_stats_open(struct vdm_stats *s, const char *runtime_dir, unsigned records,
                    GError **error);
void vdm_stats_close(struct vdm_stats *s);

/* The first unused record, named `target`; NULL when s is NULL or not open, the records are
 * all taken, or the target is NULL or does not fit (the disk is then counted unpublished). */
struct vireo_dm_blk_stats *vdm_stats_claim(struct vdm_stats *s, const char *target);

/* Adds n to a counter of a record: one atomic store, so a reader never sees half of it
 * (vireo-dm's one thread is the only writer). */
static inline void vdm_stats_add(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

#endif /* VDM_STATS_H */
