/* SPDX-License-Identifier: GPL-2.0-only */
/* The libvireoctl backend (vd-hv-vireoctl.c), chosen by vd_hv_open() when it is built. */
#ifndef VD_HV_VIREOCTL_H
#define VD_HV_VIREOCTL_H

#include "vd-hv.h"

/* NULL with *why set (a libvirt-worded reason) when the device cannot be opened. */
vd_hv *vd_hv_vireoctl_open(const char *device, char **why);

/* Its domain_save and domain_restore (vd-hv-vireoctl-save.c). */
bool vd_hv_vireoctl_save(int domid, const vd_domain_def *def, vd_save_writer *w, vd_error **err);
int vd_hv_vireoctl_restore(const vd_domain_def *def, vd_save_reader *r, bool *platform,
                           vd_error **err);

#endif /* VD_HV_VIREOCTL_H */
