/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl internals: writing a paused domain's RAM through foreign mappings. */
#ifndef VCTL_GUEST_MEMORY_H
#define VCTL_GUEST_MEMORY_H

#include "guest_build.h"
#include "vireoctl.h"

/* Frames mapped at a time: bounds the foreign-window slots one builder holds. */
#define VCTL_GUEST_CHUNK_FRAMES 512u

struct vctl_guest_memory {
    vctl_t *h;
    uint32_t domid;
    uint64_t mem_bytes;
    uint64_t chunk_gfn; /* first frame of the mapped chunk */
    uint64_t chunk_nr;  /* frames mapped, 0 when nothing is */
    uint8_t *chunk;
    int last_error;     /* negated errno of the last failed write, 0 if none */
};

void vctl_guest_memory_init(struct vctl_guest_memory *m, vctl_t *h, uint32_t domid,
                            uint64_t mem_bytes);
void vctl_guest_memory_fini(struct vctl_guest_memory *m);
/* Copies len bytes to guest-physical gpa; -EFAULT outside [0, mem_bytes). */
int vctl_guest_memory_write(struct vctl_guest_memory *m, uint64_t gpa, const void *src,
                            size_t len);
/* The same as the shared builders' gb_write_fn (ctx is the vctl_guest_memory; src NULL
 * writes zeroes). */
int vctl_guest_memory_writer(void *ctx, uint64_t gpa, const void *src, uint64_t len);

/*
 * Lays the guest out as hv/include/public/vireo.h specifies for ELF domains (segments,
 * page tables, GDT, stacks, start info, command line) and fills one start context per
 * vCPU. Backed by hv's shared builder; on failure *err says what was wrong.
 */
int vctl_guest_layout(struct vctl_guest_memory *m, uint32_t domid,
                      const struct vctl_build_config *cfg, struct vireo_vcpu_context *ctx,
                      const char **err);

#endif /* VCTL_GUEST_MEMORY_H */
