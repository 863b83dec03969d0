/* SPDX-License-Identifier: GPL-2.0-only */
/* The libvireoctl backend (vd-hv-vireoctl.c), chosen by vd_hv_open() when it is built. */
#ifndef VD_HV_VIREOCTL_H
#define VD_HV_VIREOCTL_H

#include "vd-hv.h"

/* NULL with *why set (a libvirt-worded reason) when the device cannot be opened. */
vd_hv *vd_hv_vireoctl_open(const char *device, char **why);

/* Its save, restore and migration ops (vd-hv-vireoctl-save.c); see vd_hv_ops. */
bool vd_hv_vireoctl_save(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w,
                         vd_error **err);
int vd_hv_vireoctl_restore(vd_hv *hv, const vd_domain_def *def, vd_save_reader *r, bool *platform,
                           GBytes **dm_state, vd_error **err);
bool vd_hv_vireoctl_migrate_shape(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                                  vd_save_writer *w, vd_error **err);
int64_t vd_hv_vireoctl_migrate_memory(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                                      const uint64_t *dirty, vd_save_writer *w, vd_error **err);
bool vd_hv_vireoctl_migrate_contexts(vd_hv *hv, int domid, const vd_domain_def *def,
                                     vd_save_writer *w, vd_error **err);
bool vd_hv_vireoctl_migrate_log_dirty(vd_hv *hv, int domid, bool on, vd_error **err);
int64_t vd_hv_vireoctl_migrate_fetch_dirty(vd_hv *hv, int domid, const vd_domain_def *def,
                                           bool platform, uint64_t *dirty, vd_error **err);

#endif /* VD_HV_VIREOCTL_H */
