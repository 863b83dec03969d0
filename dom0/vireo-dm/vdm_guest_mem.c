/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest RAM regions, the one checked translation every guest pointer goes through, and
 * the way back from a host pointer to the frames the dirty log marks.
 */
#include "vdm_guest_mem.h"

#include <errno.h>
#include <string.h>

#include "public/vireo.h"

void vdm_guest_mem_layout(uint64_t mem_bytes, uint64_t *low_bytes, uint64_t *high_bytes)
{
    uint64_t low = mem_bytes < VIREO_PLAT_LOW_RAM_END ? mem_bytes : VIREO_PLAT_LOW_RAM_END;

    *low_bytes = low;
    *high_bytes = mem_bytes - low;
}

void vdm_guest_mem_init(struct vdm_guest_mem *m)
{
    memset(m, 0, sizeof(*m));
}

static bool ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
    return a < b + b_size && b < a + a_size;
}

int vdm_guest_mem_add(struct vdm_guest_mem *m, uint64_t gpa, uint64_t size, void *host)
{
    if (size == 0 || gpa + size < gpa || host == NULL)
        return -EINVAL;
    if (m->nr == VDM_GUEST_MEM_REGIONS)
        return -ENOSPC;
    for (unsigned i = 0; i < m->nr; i++) {
        if (ranges_overlap(gpa, size, m->region[i].gpa, m->region[i].size))
            return -EINVAL;
    }
    m->region[m->nr++] = (struct vdm_mem_region){ .gpa = gpa, .size = size, .host = host };
    return 0;
}

void *vdm_guest_mem_ptr(const struct vdm_guest_mem *m, uint64_t gpa, uint64_t len)
{
    if (len == 0)
        return NULL;
    for (unsigned i = 0; i < m->nr; i++) {
        const struct vdm_mem_region *r = &m->region[i];

        /* Written so that no sum can wrap: gpa - r->gpa only once gpa >= r->gpa. */
        if (gpa < r->gpa || gpa - r->gpa >= r->size)
            continue;
        if (len > r->size - (gpa - r->gpa))
            return NULL; /* runs past the region's end: never into the next one */
        return r->host + (gpa - r->gpa);
    }
    return NULL;
}

uint64_t vdm_guest_mem_frames(const struct vdm_guest_mem *m)
{
    uint64_t end = 0;

    for (unsigned i = 0; i < m->nr; i++) {
        if (m->region[i].gpa + m->region[i].size > end)
            end = m->region[i].gpa + m->region[i].size;
    }
    return (end + (1ull << VDM_DIRTY_FRAME_SHIFT) - 1) >> VDM_DIRTY_FRAME_SHIFT;
}

void vdm_guest_mem_log_host(const struct vdm_guest_mem *m, const void *host, size_t len)
{
    uintptr_t p = (uintptr_t)host;

    for (unsigned i = 0; i < m->nr && len > 0; i++) {
        const struct vdm_mem_region *r = &m->region[i];
        uintptr_t base = (uintptr_t)r->host;

        if (p < base || p - base >= r->size)
            continue;
        if (len > r->size - (p - base))
            len = r->size - (p - base); /* our pointers never cross a region's end */
        vdm_dirty_log_mark(&m->dirty, r->gpa + (p - base), len);
        return;
    }
}

void vdm_guest_mem_log_iov(const struct vdm_guest_mem *m, const struct iovec *iov, unsigned nr,
                           size_t skip, size_t len)
{
    for (unsigned i = 0; i < nr && len > 0; i++) {
        size_t n;

        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        n = iov[i].iov_len - skip < len ? iov[i].iov_len - skip : len;
        vdm_guest_mem_log_host(m, (const uint8_t *)iov[i].iov_base + skip, n);
        len -= n;
        skip = 0;
    }
}
