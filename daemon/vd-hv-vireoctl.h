/* SPDX-License-Identifier: GPL-2.0-only */
/* The libvireoctl backend (vd-hv-vireoctl.c), chosen by vd_hv_open() when it is built. */
#ifndef VD_HV_VIREOCTL_H
#define VD_HV_VIREOCTL_H

#include "vd-hv.h"

/* NULL with *why set (a libvirt-worded reason) when the device cannot be opened. */
vd_hv *vd_hv_vireoctl_open(const char *device, char **why);

#endif /* VD_HV_VIREOCTL_H */
