/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From a domain definition to libvireoctl's build configuration, and from the builder's
 * refusals to libvirt errors that name the file and the reason. No I/O here.
 */
#include "vd-hv-build.h"
#include "vd-dm.h"
#include "vd-error.h"

#include <errno.h>
#include <string.h>

/* What the builder cannot do yet is refused by name. Disks, interfaces, the rng and the
 * balloon are the device model's (vd-dm.h): the builder only describes their slots. */
static const char *unbuildable(const vd_domain_def *def)
{
    return !def->kernel ? "a domain without <os><kernel> or a kernel read from its disk"
           : def->console && def->console_target == VD_CONSOLE_TARGET_VIRTIO
               ? "a <console> on a virtio target"
               : NULL;
}

bool vd_hv_build_config(const vd_domain_def *def, struct vctl_build_config *cfg, vd_error **err)
{
    const char *missing = unbuildable(def);
    if (missing) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
                "this node cannot start %s yet: Vireo's domain builder loads a kernel (a Linux "
                "bzImage or an ELF test guest), an initrd and a command line",
                missing);
        return false;
    }
    *cfg = (struct vctl_build_config){
        .name = def->name,
        /* hv builds guest RAM in 2 MiB pages; the live definition was rounded to match.
         * <memory> is hv's hard limit (setmaxmem raises it, up to <maxMemory>) and
         * <currentMemory> the balloon target the guest starts with. */
        .memory_bytes = def->memory_kib * 1024,
        .maxmem_bytes = def->memory_kib * 1024,
        .target_bytes = MIN(def->current_kib, def->memory_kib) * 1024,
        .nr_vcpus = def->vcpus,
        .weight = vd_domain_def_effective_weight(def),
        .cap = def->cap,
        .cmdline = def->cmdline,
        .kernel_path = def->kernel,
        .initrd_path = def->initrd,
        .dm_slots = vd_dm_slot_mask(def),
    };
    memcpy(cfg->uuid, def->uuid, 16);
    return true;
}

/* The refusals vctl_domain_build documents for a kernel, initrd or command line. */
static bool is_image_refusal(int rc)
{
    return rc == -ENOEXEC || rc == -ENOMEM || rc == -E2BIG || rc == -EINVAL;
}

void vd_hv_build_fail(vd_error **err, const char *name, bool reading, int rc, const char *why)
{
    const char *reason = why && *why ? why : g_strerror(-rc);
    if (reading)
        vd_fail(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_DOMAIN, "cannot start domain '%s': %s", name,
                reason);
    else if (why && *why && is_image_refusal(rc))
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN, "cannot start domain '%s': %s",
                name, reason);
    else
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "cannot build domain '%s': %s",
                name, reason);
}
