/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: a paused domain's RAM as a write target for the builder. Maps one 2 MiB
 * chunk at a time so a large guest never needs a large slice of dom0's foreign window.
 */
#include <errno.h>
#include <string.h>

#include "vctl_guest_memory.h"

void vctl_guest_memory_init(struct vctl_guest_memory *m, vctl_t *h, uint32_t domid,
                            uint64_t mem_bytes)
{
    *m = (struct vctl_guest_memory){ .h = h, .domid = domid, .mem_bytes = mem_bytes };
}

static void unmap_chunk(struct vctl_guest_memory *m)
{
    if (m->chunk_nr)
        vctl_unmap_foreign(m->chunk, m->chunk_nr);
    m->chunk = NULL;
    m->chunk_nr = 0;
}

void vctl_guest_memory_fini(struct vctl_guest_memory *m)
{
    unmap_chunk(m);
}

static int map_chunk_for(struct vctl_guest_memory *m, uint64_t gfn)
{
    uint64_t first = gfn - gfn % VCTL_GUEST_CHUNK_FRAMES;
    if (m->chunk_nr && first == m->chunk_gfn)
        return 0;
    unmap_chunk(m);
    uint64_t total = m->mem_bytes / VIREO_PAGE_SIZE;
    uint64_t nr = total - first < VCTL_GUEST_CHUNK_FRAMES ? total - first
                                                           : VCTL_GUEST_CHUNK_FRAMES;
    m->chunk = vctl_map_foreign(m->h, m->domid, first, nr);
    if (!m->chunk)
        return -errno;
    m->chunk_gfn = first;
    m->chunk_nr = nr;
    return 0;
}

int vctl_guest_memory_write(struct vctl_guest_memory *m, uint64_t gpa, const void *src,
                            size_t len)
{
    const uint8_t *from = src;
    if (gpa > m->mem_bytes || len > m->mem_bytes - gpa)
        return m->last_error = -EFAULT;
    while (len) {
        int ret = map_chunk_for(m, gpa / VIREO_PAGE_SIZE);
        if (ret < 0)
            return m->last_error = ret;
        uint64_t offset = gpa - m->chunk_gfn * VIREO_PAGE_SIZE;
        uint64_t room = m->chunk_nr * VIREO_PAGE_SIZE - offset;
        size_t n = len < room ? len : (size_t)room;
        memcpy(m->chunk + offset, from, n);
        gpa += n;
        from += n;
        len -= n;
    }
    return 0;
}

/* Zeroes come from a static page: a domain's RAM can be far larger than any buffer. */
int vctl_guest_memory_writer(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    static const uint8_t zeroes[VIREO_PAGE_SIZE];
    struct vctl_guest_memory *m = ctx;

    if (src)
        return vctl_guest_memory_write(m, gpa, src, (size_t)len) < 0 ? -1 : 0;
    while (len) {
        uint64_t n = len < sizeof(zeroes) ? len : sizeof(zeroes);
        if (vctl_guest_memory_write(m, gpa, zeroes, (size_t)n) < 0)
            return -1;
        gpa += n;
        len -= n;
    }
    return 0;
}
