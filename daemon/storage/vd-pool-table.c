/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pool table: every pool the daemon knows (persistent, transient, active), its lock,
 * lookups in libvirt's words, and each active pool's list of volumes (the files of its
 * directory, or its volume group's LVs, as libvirt's backends list them).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "vd-error.h"
#include "vd-storage-private.h"

vd_storage *vd_storage_of(vd_daemon *d)
{
    vd_note_activity(d);
    return d->storage;
}

const vd_pool_def *vd_pool_cur_def(const vd_pool *p)
{
    return p->live ? p->live : p->def;
}

bool vd_pool_active(const vd_pool *p)
{
    return p->live != NULL;
}

vd_pool_ref *vd_pool_make_ref(const vd_pool *p)
{
    const vd_pool_def *def = vd_pool_cur_def(p);
    return vd_pool_ref_new(def->name, def->uuid);
}

vd_vol_ref *vd_vol_make_ref(const vd_pool *p, const vd_vol *v)
{
    return vd_vol_ref_new(vd_pool_cur_def(p)->name, v->name, v->path);
}

vd_pool *vd_pool_find(vd_storage *s, const vd_pool_ref *ref, vd_error **err)
{
    for (unsigned i = 0; i < s->pools->len; i++) {
        vd_pool *p = g_ptr_array_index(s->pools, i);
        if (memcmp(vd_pool_cur_def(p)->uuid, ref->uuid, 16) == 0)
            return p;
    }
    char uuid[37];
    vd_uuid_format(ref->uuid, uuid);
    vd_fail(err, VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE,
            "no storage pool with matching uuid '%s' (%s)", uuid, ref->name ? ref->name : "");
    return NULL;
}

vd_pool *vd_pool_find_active(vd_storage *s, const vd_pool_ref *ref, vd_error **err)
{
    vd_pool *p = vd_pool_find(s, ref, err);
    if (p && !vd_pool_active(p)) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE, "storage pool '%s' is not active",
                vd_pool_cur_def(p)->name);
        return NULL;
    }
    return p;
}

vd_vol *vd_vol_find(vd_pool *p, const char *name)
{
    for (unsigned i = 0; p->vols && i < p->vols->len; i++) {
        vd_vol *v = g_ptr_array_index(p->vols, i);
        if (strcmp(v->name, name) == 0)
            return v;
    }
    return NULL;
}

static void vol_free(vd_vol *v)
{
    g_free(v->name);
    g_free(v->path);
    g_free(v);
}

vd_vol *vd_pool_add_vol_locked(vd_pool *p, const char *name)
{
    vd_vol *v = g_new0(vd_vol, 1);
    v->name = g_strdup(name);
    v->path = g_build_filename(p->live->target, name, NULL);
    g_ptr_array_add(p->vols, v);
    return v;
}

void vd_pool_remove_vol_locked(vd_pool *p, vd_vol *v)
{
    g_ptr_array_remove(p->vols, v);
}

static int by_name(gconstpointer a, gconstpointer b)
{
    return strcmp((*(vd_vol *const *)a)->name, (*(vd_vol *const *)b)->name);
}

/* Regular files are volumes; dot files are not (an upload's temporary is one). */
static GPtrArray *dir_volume_names(const char *target, vd_error **err)
{
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GDir) dir = g_dir_open(target, 0, &gerr);
    if (!dir) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE, "cannot open directory '%s': %s",
                target, gerr->message);
        return NULL;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *entry;
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(target, entry, NULL);
        struct stat st;
        if (entry[0] != '.' && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
            g_ptr_array_add(names, g_strdup(entry));
    }
    return names;
}

/* Volumes being built keep their entry while their file or LV may not exist yet. */
bool vd_pool_scan_locked(vd_pool *p, vd_error **err)
{
    g_autoptr(GPtrArray) names = p->live->type == VD_POOL_LOGICAL
                                     ? vd_logical_volume_names(p->live, err)
                                     : dir_volume_names(p->live->target, err);
    if (!names)
        return false;
    GPtrArray *vols = g_ptr_array_new_with_free_func((GDestroyNotify)vol_free);
    for (unsigned i = 0; p->vols && i < p->vols->len; i++) {
        vd_vol *v = g_ptr_array_index(p->vols, i);
        if (v->busy)
            g_ptr_array_add(vols, g_ptr_array_steal_index(p->vols, i--));
    }
    if (p->vols)
        g_ptr_array_unref(p->vols);
    p->vols = vols;
    for (unsigned i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        if (!vd_vol_find(p, name))
            vd_pool_add_vol_locked(p, name);
    }
    g_ptr_array_sort(p->vols, by_name);
    return true;
}
