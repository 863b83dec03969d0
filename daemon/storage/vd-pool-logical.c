/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The logical backend: a pool is an LVM volume group on its source devices, its volumes the
 * group's logical volumes (/dev/VG/LV). Every change is one lvm command (vd-lvm.c); sizes are
 * what LVM reports, so a volume is as big as its extents, not as the client asked.
 */
#include <stdlib.h>
#include <string.h>

#include "vd-error.h"
#include "vd-lvm.h"

static char *pool_what(const vd_pool_def *def)
{
    return g_strdup_printf("pool '%s'", def->name);
}

static char *vol_what(const vd_pool_def *def, const char *name)
{
    return g_strdup_printf("volume '%s' of pool '%s'", name, def->name);
}

static char *lv_of(const vd_pool_def *def, const char *name)
{
    return g_strdup_printf("%s/%s", def->vg, name);
}

/* Without overwrite, libvirt refuses devices that already hold something; here, a PV. */
static bool check_devices_unused(const vd_pool_def *def, vd_error **err)
{
    g_autoptr(GPtrArray) pvs = vd_lvm_pv_list(err);
    if (!pvs)
        return false;
    for (char **d = def->devices; *d; d++) {
        g_autofree char *dev = realpath(*d, NULL);
        for (unsigned i = 0; dev && i < pvs->len; i++) {
            vd_lvm_pv *pv = g_ptr_array_index(pvs, i);
            g_autofree char *pv_dev = realpath(pv->device, NULL);
            if (!pv_dev || strcmp(pv_dev, dev) != 0)
                continue;
            vd_fail(err, VIR_ERR_STORAGE_POOL_BUILT, VIR_FROM_STORAGE,
                    "device '%s' of pool '%s' already holds an LVM physical volume%s%s: build "
                    "with overwrite to reuse it",
                    *d, def->name, *pv->vg ? " of volume group " : "", pv->vg);
            return false;
        }
    }
    return true;
}

/* Takes the PV labels off the first `count` devices (a build that failed half-way). */
static void remove_pvs(const vd_pool_def *def, unsigned count)
{
    g_autofree char *what = pool_what(def);
    for (unsigned i = 0; i < count; i++) {
        const char *args[] = {"-y", def->devices[i], NULL};
        g_autoptr(vd_error) err = NULL;
        if (!vd_lvm_run("pvremove", args, what, NULL, &err))
            g_warning("storage pool '%s': %s", def->name, err->message);
    }
}

bool vd_logical_build(const vd_pool_def *def, unsigned flags, vd_error **err)
{
    g_autofree char *what = pool_what(def);
    bool overwrite = flags & VIR_STORAGE_POOL_BUILD_OVERWRITE;
    if (!def->devices[0]) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_STORAGE,
                "cannot build logical pool '%s' without source devices", def->name);
        return false;
    }
    if (!overwrite && !check_devices_unused(def, err))
        return false;
    unsigned made = 0;
    for (; def->devices[made]; made++) {
        const char *plain[] = {def->devices[made], NULL};
        const char *forced[] = {"-ff", "-y", def->devices[made], NULL};
        if (!vd_lvm_run("pvcreate", overwrite ? forced : plain, what, NULL, err))
            break;
    }
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    g_ptr_array_add(args, def->vg);
    for (char **d = def->devices; *d; d++)
        g_ptr_array_add(args, *d);
    g_ptr_array_add(args, NULL);
    if (!def->devices[made] &&
        vd_lvm_run("vgcreate", (const char *const *)args->pdata, what, NULL, err))
        return true;
    remove_pvs(def, made);
    return false;
}

/* The group must exist: start activates its LVs so their device nodes appear. */
bool vd_logical_start(const vd_pool_def *def, vd_error **err)
{
    g_autofree char *what = pool_what(def);
    const char *args[] = {"-ay", def->vg, NULL};
    return vd_lvm_run("vgchange", args, what, NULL, err);
}

bool vd_logical_stop(const vd_pool_def *def, vd_error **err)
{
    g_autofree char *what = pool_what(def);
    const char *args[] = {"-an", def->vg, NULL};
    return vd_lvm_run("vgchange", args, what, NULL, err);
}

/* The group and its LVs go, then the PV labels of its devices, as libvirt's delete does. */
bool vd_logical_delete(const vd_pool_def *def, vd_error **err)
{
    g_autofree char *what = pool_what(def);
    const char *args[] = {"-f", def->vg, NULL};
    if (!vd_lvm_run("vgremove", args, what, NULL, err))
        return false;
    for (char **d = def->devices; *d; d++) {
        const char *pv[] = {"-y", *d, NULL};
        if (!vd_lvm_run("pvremove", pv, what, NULL, err))
            return false;
    }
    return true;
}

bool vd_logical_sizes(const vd_pool_def *def, vd_pool_info *out, vd_error **err)
{
    vd_lvm_vg vg;
    if (!vd_lvm_vg_info(def->vg, &vg, err))
        return false;
    out->capacity = vg.size;
    out->allocation = vg.size - MIN(vg.free, vg.size);
    out->available = vg.free;
    return true;
}

GPtrArray *vd_logical_volume_names(const vd_pool_def *def, vd_error **err)
{
    g_autoptr(GPtrArray) lvs = vd_lvm_lv_list(def->vg, NULL, err);
    if (!lvs)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < lvs->len; i++)
        g_ptr_array_add(names, g_strdup(((vd_lvm_lv *)g_ptr_array_index(lvs, i))->name));
    return names;
}

/* ---- volumes ------------------------------------------------------------------------------ */

/* LVM rounds the size up to whole extents; the caller reads the real size back. */
bool vd_logical_vol_create(const vd_pool_def *def, const char *name, uint64_t capacity,
                           vd_error **err)
{
    g_autofree char *what = vol_what(def, name);
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", capacity);
    const char *args[] = {"-y", "--name", name, "--size", size, def->vg, NULL};
    return vd_lvm_check_name(name, "volume", err) && vd_lvm_run("lvcreate", args, what, NULL, err);
}

bool vd_logical_vol_remove(const vd_pool_def *def, const char *name, vd_error **err)
{
    g_autofree char *what = vol_what(def, name);
    g_autofree char *lv = lv_of(def, name);
    const char *args[] = {"-f", lv, NULL};
    return vd_lvm_run("lvremove", args, what, NULL, err);
}

/* -f: a shrink was asked for with VIR_STORAGE_VOL_RESIZE_SHRINK; lvm must not ask again. */
bool vd_logical_vol_resize(const vd_pool_def *def, const char *name, uint64_t capacity,
                           vd_error **err)
{
    g_autofree char *what = vol_what(def, name);
    g_autofree char *lv = lv_of(def, name);
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT "b", capacity);
    const char *args[] = {"-f", "--size", size, lv, NULL};
    return vd_lvm_run("lvresize", args, what, NULL, err);
}

bool vd_logical_vol_size(const vd_pool_def *def, const char *name, uint64_t *out, vd_error **err)
{
    g_autoptr(GPtrArray) lvs = vd_lvm_lv_list(def->vg, name, err);
    for (unsigned i = 0; lvs && i < lvs->len; i++) {
        vd_lvm_lv *lv = g_ptr_array_index(lvs, i);
        if (strcmp(lv->name, name) == 0) {
            *out = lv->size;
            return true;
        }
    }
    if (lvs)
        vd_fail(err, VIR_ERR_NO_STORAGE_VOL, VIR_FROM_STORAGE,
                "no storage vol with matching name '%s'", name);
    return false;
}
