/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the bridge to hv's shared guest builder (hv/lib/guest_build.c, compiled
 * into this library), which owns the ELF start-state layout so hv's boot-time domains and
 * dom0-built domains start alike. This file only gives it a memory writer.
 */
#include <errno.h>

#include "guest_build.h"
#include "vctl_guest_memory.h"

int vctl_guest_layout(struct vctl_guest_memory *m, uint32_t domid,
                      const struct vctl_build_config *cfg, struct vireo_vcpu_context *ctx,
                      const char **err)
{
    struct gb_layout layout = {
        .mem_bytes = cfg->memory_bytes,
        .nr_vcpus = cfg->nr_vcpus,
        .domid = domid,
        .cmdline = cfg->cmdline,
    };
    struct gb_image img;

    *err = NULL;
    if (gb_build(cfg->kernel, cfg->kernel_size, &layout, vctl_guest_memory_writer, m, &img, err) <
        0) {
        /* The builder names what was wrong; a failed write shows up as errno. */
        if (!*err)
            *err = "writing guest memory failed";
        return m->last_error ? m->last_error : -EINVAL;
    }
    for (uint32_t v = 0; v < cfg->nr_vcpus; v++)
        gb_vcpu_context(&layout, img.entry, v, &ctx[v]);
    return 0;
}
