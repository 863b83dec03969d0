/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest RAM as the device model sees it: a few regions of guest-physical space, each backed
 * by one contiguous host mapping. Every guest pointer goes through vdm_guest_mem_ptr, which
 * refuses anything not wholly inside one region: a guest address is hostile. Every write
 * vireo-dm makes through such a pointer is told to vdm_guest_mem_wrote (the dirty log).
 */
#ifndef VDM_GUEST_MEM_H
#define VDM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vdm_dirty_log.h"

#define VDM_GUEST_MEM_REGIONS 4

struct vdm_mem_region {
    uint64_t gpa;  /* first guest-physical byte */
    uint64_t size; /* bytes, > 0 */
    uint8_t *host; /* where gpa is mapped in this process */
};

struct vdm_guest_mem {
    struct vdm_mem_region region[VDM_GUEST_MEM_REGIONS];
    unsigned nr;
    /* Frames vireo-dm wrote, while on. Changed through a const vdm_guest_mem too: the
     * regions are what is constant, the log's words are atomics. */
    struct vdm_dirty_log dirty;
};

/* The guest platform's RAM layout: [0, low) and [4 GiB, 4 GiB + high). */
#define VDM_HIGH_RAM_BASE (1ull << 32)
void vdm_guest_mem_layout(uint64_t mem_bytes, uint64_t *low_bytes, uint64_t *high_bytes);

void vdm_guest_mem_init(struct vdm_guest_mem *m);
/* Adds a region; -EINVAL if it is empty, wraps or overlaps one already there, -ENOSPC. */
int vdm_guest_mem_add(struct vdm_guest_mem *m, uint64_t gpa, uint64_t size, void *host);
/*
 * The host address of [gpa, gpa + len) when that range lies inside one region, else NULL.
 * len 0 is refused too: callers ask for what they will touch.
 */
void *vdm_guest_mem_ptr(const struct vdm_guest_mem *m, uint64_t gpa, uint64_t len);

/* Frames from gfn 0 to the end of the highest region: what the dirty log covers. */
uint64_t vdm_guest_mem_frames(const struct vdm_guest_mem *m);

/* The out-of-line halves of the two below, for callers that checked the log is on. */
void vdm_guest_mem_log_host(const struct vdm_guest_mem *m, const void *host, size_t len);
void vdm_guest_mem_log_iov(const struct vdm_guest_mem *m, const struct iovec *iov, unsigned nr,
                           size_t skip, size_t len);

/*
 * vireo-dm wrote [host, host + len) in guest RAM (a pointer vdm_guest_mem_ptr gave; any
 * other address is ignored): its frames go into the dirty log while it is on. Costs one
 * branch while it is off.
 */
static inline void vdm_guest_mem_wrote(const struct vdm_guest_mem *m, const void *host,
                                       size_t len)
{
    if (vdm_dirty_log_on(&m->dirty))
        vdm_guest_mem_log_host(m, host, len);
}

/* The same for bytes [skip, skip + len) of the buffers iov[0 .. nr). */
static inline void vdm_guest_mem_wrote_iov(const struct vdm_guest_mem *m, const struct iovec *iov,
                                           unsigned nr, size_t skip, size_t len)
{
    if (vdm_dirty_log_on(&m->dirty))
        vdm_guest_mem_log_iov(m, iov, nr, skip, len);
}

#endif /* VDM_GUEST_MEM_H */
