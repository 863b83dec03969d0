/* SPDX-License-Identifier: GPL-2.0-only */
/* LVM's command line (vd-lvm.c): every lvm run of the logical pools, and its JSON reports. */
#ifndef VD_LVM_H
#define VD_LVM_H

#include "vd-storage-private.h"

/* A volume group as `vgs` reports it, in bytes. */
typedef struct vd_lvm_vg {
    uint64_t size, free, extent;
} vd_lvm_vg;

/* A logical volume as `lvs` reports it. */
typedef struct vd_lvm_lv {
    char *name;
    uint64_t size; /* bytes */
} vd_lvm_lv;

/* A physical volume as `pvs` reports it: its device and its volume group ("" for none). */
typedef struct vd_lvm_pv {
    char *device;
    char *vg;
} vd_lvm_pv;

/* The argv (NULL-terminated) of `lvm CMD --config ... ARGS...`. The program is $VIREO_LVM
 * when set (the unit tests' fake), else lvm from PATH. */
GPtrArray *vd_lvm_argv(const char *cmd, const char *const *args);
/* Runs it; a failure is VIR_ERR_INTERNAL_ERROR with `what` (the pool or volume) and lvm's
 * stderr. out may be NULL. */
bool vd_lvm_run(const char *cmd, const char *const *args, const char *what, char **out,
                vd_error **err);

/* LVM's names: letters, digits, "+_.-", not starting with '-' (which lvm would take for an
 * option). Fails with VIR_ERR_XML_ERROR naming `what`. */
bool vd_lvm_check_name(const char *name, const char *what, vd_error **err);

/* Report readers (`--reportformat json --units b --nosuffix`). */
bool vd_lvm_parse_vg(const char *json, vd_lvm_vg *out, vd_error **err);
GPtrArray *vd_lvm_parse_lvs(const char *json, vd_error **err); /* of vd_lvm_lv* */
GPtrArray *vd_lvm_parse_pvs(const char *json, vd_error **err); /* of vd_lvm_pv* */

/* The reports themselves. */
bool vd_lvm_vg_info(const char *vg, vd_lvm_vg *out, vd_error **err);
GPtrArray *vd_lvm_lv_list(const char *vg, const char *lv, vd_error **err); /* lv NULL: all */
GPtrArray *vd_lvm_pv_list(vd_error **err);

#endif /* VD_LVM_H */
