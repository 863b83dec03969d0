/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl internals: the handle and the one path every hypercall takes. */
#ifndef VCTL_PRIVATE_H
#define VCTL_PRIVATE_H

#include "vireoctl.h"

struct vctl {
    int fd;
    char build_error[512]; /* why the last vctl_domain_build failed, or "" */
    struct vireo_ioreq_page *dm_page; /* vctl_ioreq_attach's shared page, or NULL */
};

/* A pointer argument of a hypercall: what the module bounces and where its GPA goes. */
struct vctl_buf {
    void *ptr;
    uint32_t size;
    uint32_t flags;     /* VIREO_DEV_BUF_IN | VIREO_DEV_BUF_OUT */
    int arg;            /* argument register index, or -1 for a nested field */
    uint32_t in_buf;    /* nested: index of the buffer holding the GPA field */
    uint32_t in_offset; /* nested: byte offset of that u64 field */
};

/*
 * Makes hypercall nr with up to five scalar arguments (buffer slots are filled in by the
 * module). Returns hv's value (>= 0) or a negated errno (hv's or the module's).
 */
int64_t vctl_hypercall(vctl_t *h, uint64_t nr, const uint64_t args[VIREO_DEV_MAX_ARGS],
                       const struct vctl_buf *bufs, unsigned nr_bufs);

/* Shorthands for calls without buffers. */
int64_t vctl_hypercall0(vctl_t *h, uint64_t nr);
int64_t vctl_hypercall3(vctl_t *h, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3);

/* This host's Unix time at hv time 0 in ns (vireo_domain_config's wallclock_ns): a new
 * platform domain's wall clock, and what hv measures a loaded clock's pause by. */
int vctl_wallclock_offset(vctl_t *h, int64_t *out);

/* The directory for run-time state ($VIREO_RUN_DIR or /run/vireo). */
const char *vctl_run_dir(void);

#endif /* VCTL_PRIVATE_H */
