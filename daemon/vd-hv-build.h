/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A definition as libvireoctl's domain builder takes it (vd-hv-build.c): pure translation,
 * unit-tested, and the libvirt error a builder refusal becomes. The files themselves are
 * read and judged by libvireoctl (vctl_build_read_file, vctl_domain_build): one place
 * knows what a bootable kernel is.
 */
#ifndef VD_HV_BUILD_H
#define VD_HV_BUILD_H

#include "vd-domain-def.h"
#include "vireoctl.h"

/*
 * Fills cfg from def (everything but the kernel and initrd bytes, which the caller reads
 * from cfg->kernel_path and cfg->initrd_path). Strings point into def. False with a
 * VIR_ERR_CONFIG_UNSUPPORTED error naming what this node cannot start yet.
 */
bool vd_hv_build_config(const vd_domain_def *def, struct vctl_build_config *cfg, vd_error **err);

/*
 * The libvirt error for a failed vctl_build_read_file or vctl_domain_build of domain
 * `name`: rc is the builder's -errno, why its vctl_build_error text ("PATH: reason", or
 * ""). A file that cannot be read is VIR_ERR_SYSTEM_ERROR; a kernel, initrd or command
 * line that cannot start this way VIR_ERR_CONFIG_UNSUPPORTED; anything else (hv's own
 * refusals) VIR_ERR_OPERATION_FAILED.
 */
void vd_hv_build_fail(vd_error **err, const char *name, bool reading, int rc, const char *why);

#endif /* VD_HV_BUILD_H */
