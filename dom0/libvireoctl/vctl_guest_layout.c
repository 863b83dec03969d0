/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the bridge to hv's shared guest builder (hv/lib/guest_build), which owns
 * the ELF start-state layout so hv's boot-time domains and dom0-built domains match.
 * Until that builder is part of the tree, building a domain fails with ENOSYS rather
 * than a second, diverging layout.
 */
#include <errno.h>

#include "vctl_guest_memory.h"

int vctl_guest_layout(struct vctl_guest_memory *m, uint32_t domid,
                      const struct vctl_build_config *cfg, struct vireo_vcpu_context *ctx)
{
    (void)m;
    (void)domid;
    (void)cfg;
    (void)ctx;
    return -ENOSYS;
}
