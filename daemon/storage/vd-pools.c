/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage pools as libvirt's storage driver keeps them: define, create (transient),
 * start, build, destroy, delete, undefine, refresh, autostart, with libvirt's checks and
 * messages, lifecycle events, and every change stored before it is published.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "vd-error.h"
#include "vd-storage-private.h"

#define POOL_NAME(p) (vd_pool_cur_def(p)->name)

/* What pool-start and pool-create accept: build first, overwriting or not. */
#define CREATE_BUILD_FLAGS                                                                         \
    (VIR_STORAGE_POOL_CREATE_WITH_BUILD | VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE |           \
     VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)

static void pool_free(vd_pool *p)
{
    vd_pool_def_free(p->def);
    vd_pool_def_free(p->live);
    if (p->vols)
        g_ptr_array_unref(p->vols);
    g_free(p);
}

static vd_pool *find_by_name(vd_storage *s, const char *name)
{
    for (unsigned i = 0; i < s->pools->len; i++) {
        vd_pool *p = g_ptr_array_index(s->pools, i);
        if (strcmp(POOL_NAME(p), name) == 0)
            return p;
    }
    return NULL;
}

static vd_pool *find_by_uuid(vd_storage *s, const unsigned char uuid[16])
{
    vd_pool_ref ref = {.name = NULL};
    memcpy(ref.uuid, uuid, 16);
    return vd_pool_find(s, &ref, NULL);
}

static vd_pool *find_by_target(vd_storage *s, const char *path)
{
    g_autofree char *canon = g_canonicalize_filename(path, "/");
    for (unsigned i = 0; i < s->pools->len; i++) {
        vd_pool *p = g_ptr_array_index(s->pools, i);
        if (strcmp(vd_pool_cur_def(p)->target, canon) == 0)
            return p;
    }
    return NULL;
}

static bool check_no_jobs(const vd_pool *p, vd_error **err)
{
    if (!p->jobs)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE,
            "pool '%s' has asynchronous jobs running.", POOL_NAME(p));
    return false;
}

/* Undefine and delete need the pool stopped. */
static bool check_stopped(const vd_pool *p, vd_error **err)
{
    if (!vd_pool_active(p))
        return true;
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE, "storage pool '%s' is still active",
            POOL_NAME(p));
    return false;
}

/* Start and build need it not started yet. */
static bool check_inactive(const vd_pool *p, vd_error **err)
{
    if (!vd_pool_active(p))
        return true;
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE, "storage pool '%s' is already active",
            POOL_NAME(p));
    return false;
}

/* libvirt's duplicate rules: same name and uuid is the same pool; one without the other
 * is refused; two pools never share a target directory. */
static bool check_unique(vd_storage *s, const vd_pool_def *def, vd_pool **existing, vd_error **err)
{
    char uuid[37];
    vd_pool *by_uuid = find_by_uuid(s, def->uuid);
    vd_pool *by_name = find_by_name(s, def->name);
    *existing = by_uuid;
    if (by_uuid && strcmp(POOL_NAME(by_uuid), def->name) != 0) {
        vd_uuid_format(def->uuid, uuid);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_STORAGE,
                "pool '%s' is already defined with uuid %s", POOL_NAME(by_uuid), uuid);
        return false;
    }
    if (by_name && by_name != by_uuid) {
        vd_uuid_format(vd_pool_cur_def(by_name)->uuid, uuid);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_STORAGE,
                "pool '%s' already exists with uuid %s", def->name, uuid);
        return false;
    }
    vd_pool *by_target = find_by_target(s, def->target);
    if (by_target && by_target != by_uuid) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_STORAGE,
                "Storage source conflict with pool: '%s'", POOL_NAME(by_target));
        return false;
    }
    return true;
}

/* ---- the dir backend --------------------------------------------------------------- */

static bool dir_build(const vd_pool_def *def, vd_error **err)
{
    unsigned mode = def->perms.mode ? def->perms.mode : 0711;
    if (g_mkdir_with_parents(def->target, mode) != 0) {
        vd_fail_errno(err, errno, "cannot create path '%s'", def->target);
        return false;
    }
    if ((chmod(def->target, mode) != 0) ||
        ((def->perms.owner >= 0 || def->perms.group >= 0) &&
         chown(def->target, def->perms.owner, def->perms.group) != 0)) {
        vd_fail_errno(err, errno, "cannot set permissions of '%s'", def->target);
        return false;
    }
    return true;
}

static bool dir_sizes(const char *target, vd_pool_info *out, vd_error **err)
{
    struct statvfs sv;
    if (statvfs(target, &sv) != 0) {
        vd_fail_errno(err, errno, "cannot statvfs path '%s'", target);
        return false;
    }
    out->capacity = (uint64_t)sv.f_blocks * sv.f_frsize;
    out->allocation = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
    out->available = (uint64_t)sv.f_bavail * sv.f_frsize;
    return true;
}

/* ---- each type's backend (logical: vd-pool-logical.c; netfs: vd-pool-netfs.c) --------- */

static bool pool_build(const vd_pool_def *def, unsigned flags, vd_error **err)
{
    if ((flags & VIR_STORAGE_POOL_BUILD_NO_OVERWRITE) &&
        (flags & VIR_STORAGE_POOL_BUILD_OVERWRITE)) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE,
                "Overwrite and no overwrite flags are mutually exclusive");
        return false;
    }
    return def->type == VD_POOL_LOGICAL ? vd_logical_build(def, flags, err) : dir_build(def, err);
}

static bool pool_sizes(const vd_pool_def *def, vd_pool_info *out, vd_error **err)
{
    return def->type == VD_POOL_LOGICAL ? vd_logical_sizes(def, out, err)
                                        : dir_sizes(def->target, out, err);
}

/* A logical pool's LVs are activated on start and deactivated on destroy, a netfs pool's
 * export mounted and unmounted; a directory needs neither. */
static bool pool_activate(const vd_pool_def *def, vd_error **err)
{
    switch (def->type) {
    case VD_POOL_LOGICAL:
        return vd_logical_start(def, err);
    case VD_POOL_NETFS:
        return vd_netfs_start(def, err);
    default:
        return true;
    }
}

static bool pool_deactivate(const vd_pool_def *def, vd_error **err)
{
    switch (def->type) {
    case VD_POOL_LOGICAL:
        return vd_logical_stop(def, err);
    case VD_POOL_NETFS:
        return vd_netfs_stop(def, err);
    default:
        return true;
    }
}

/* A netfs pool's delete removes its mount point, not the export: as for a dir pool. */
static bool pool_remove(const vd_pool_def *def, vd_error **err)
{
    if (def->type == VD_POOL_LOGICAL)
        return vd_logical_delete(def, err);
    if (rmdir(def->target) != 0 && errno != ENOENT) {
        vd_fail_errno(err, errno, "failed to remove pool '%s'", def->target);
        return false;
    }
    return true;
}

/* ---- state changes, lock held -------------------------------------------------------- */

static bool start_locked(vd_daemon *d, vd_pool *p, const vd_pool_def *def, unsigned flags,
                         vd_error **err)
{
    vd_storage *s = d->storage;
    unsigned build = flags & CREATE_BUILD_FLAGS;
    unsigned build_flags =
        (flags & VIR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE ? VIR_STORAGE_POOL_BUILD_OVERWRITE
                                                              : 0) |
        (flags & VIR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE
             ? VIR_STORAGE_POOL_BUILD_NO_OVERWRITE
             : 0);
    if ((build && !pool_build(def, build_flags, err)) || !pool_activate(def, err))
        return false;
    p->live = vd_pool_def_copy(def);
    if (!vd_pool_scan_locked(p, err) || !vd_pool_store_save_state(s, p->live, err)) {
        vd_pool_def_free(g_steal_pointer(&p->live));
        g_clear_pointer(&p->vols, g_ptr_array_unref);
        return false;
    }
    g_message("storage pool '%s': started on %s", def->name, def->target);
    vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, VIR_STORAGE_POOL_EVENT_STARTED, 0);
    return true;
}

static void stop_locked(vd_daemon *d, vd_pool *p)
{
    vd_storage *s = d->storage;
    vd_pool_store_delete_state(s, p->live->name);
    vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, VIR_STORAGE_POOL_EVENT_STOPPED, 0);
    g_message("storage pool '%s': stopped", p->live->name);
    vd_pool_def_free(g_steal_pointer(&p->live));
    g_clear_pointer(&p->vols, g_ptr_array_unref);
    if (!p->def)
        g_ptr_array_remove(s->pools, p); /* a transient pool ends when it stops */
}

static vd_pool *add_locked(vd_storage *s, vd_pool_def *def, bool persistent)
{
    vd_pool *p = g_new0(vd_pool, 1);
    if (persistent)
        p->def = def;
    else
        p->live = def;
    g_ptr_array_add(s->pools, p);
    return p;
}

/* ---- lookups and lists ----------------------------------------------------------------- */

#define LOCKED(s, expr)                                                                            \
    ({                                                                                             \
        g_mutex_lock(&(s)->lock);                                                                  \
        __auto_type locked_result_ = (expr);                                                       \
        g_mutex_unlock(&(s)->lock);                                                                \
        locked_result_;                                                                            \
    })

static vd_pool_ref *ref_or_null(vd_pool *p)
{
    return p ? vd_pool_make_ref(p) : NULL;
}

vd_pool_ref *vd_pool_lookup_by_name(vd_daemon *d, const char *name, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_pool_ref *ref = LOCKED(s, ref_or_null(find_by_name(s, name)));
    if (!ref)
        vd_fail(err, VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE,
                "no storage pool with matching name '%s'", name);
    return ref;
}

vd_pool_ref *vd_pool_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16], vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_pool_ref *ref = LOCKED(s, ref_or_null(find_by_uuid(s, uuid)));
    if (!ref) {
        char text[37];
        vd_uuid_format(uuid, text);
        vd_fail(err, VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE,
                "no storage pool with matching uuid '%s'", text);
    }
    return ref;
}

vd_pool_ref *vd_pool_lookup_by_volume(vd_daemon *d, const vd_vol_ref *vol, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_pool_ref *ref = LOCKED(s, ref_or_null(find_by_name(s, vol->pool)));
    if (!ref)
        vd_fail(err, VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE,
                "no storage pool with matching name '%s'", vol->pool);
    return ref;
}

vd_pool_ref *vd_pool_lookup_by_target_path(vd_daemon *d, const char *path, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_pool_ref *ref = LOCKED(s, ref_or_null(find_by_target(s, path)));
    if (!ref)
        vd_fail(err, VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE,
                "no storage pool with matching target path '%s'", path);
    return ref;
}

static bool pool_matches(vd_pool *p, unsigned flags)
{
    bool active = vd_pool_active(p);
    if ((flags & (VD_LIST_POOLS_ACTIVE | VD_LIST_POOLS_INACTIVE)) &&
        !((flags & VD_LIST_POOLS_ACTIVE && active) || (flags & VD_LIST_POOLS_INACTIVE && !active)))
        return false;
    if ((flags & (VD_LIST_POOLS_PERSISTENT | VD_LIST_POOLS_TRANSIENT)) &&
        !((flags & VD_LIST_POOLS_PERSISTENT && p->def) ||
          (flags & VD_LIST_POOLS_TRANSIENT && !p->def)))
        return false;
    if ((flags & (VD_LIST_POOLS_AUTOSTART | VD_LIST_POOLS_NO_AUTOSTART)) &&
        !((flags & VD_LIST_POOLS_AUTOSTART && p->autostart) ||
          (flags & VD_LIST_POOLS_NO_AUTOSTART && !p->autostart)))
        return false;
    static const unsigned type_flags[] = {[VD_POOL_DIR] = VD_LIST_POOLS_DIR,
                                          [VD_POOL_LOGICAL] = VD_LIST_POOLS_LOGICAL,
                                          [VD_POOL_NETFS] = VD_LIST_POOLS_NETFS};
    unsigned type_flag = type_flags[vd_pool_cur_def(p)->type];
    return !(flags & VD_LIST_POOLS_ALL_TYPES) || (flags & type_flag);
}

GPtrArray *vd_pool_list_all(vd_daemon *d, unsigned flags, vd_error **err)
{
    (void)err;
    vd_storage *s = vd_storage_of(d);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_pool_ref_free);
    g_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->pools->len; i++) {
        vd_pool *p = g_ptr_array_index(s->pools, i);
        if (pool_matches(p, flags))
            g_ptr_array_add(out, vd_pool_make_ref(p));
    }
    g_mutex_unlock(&s->lock);
    return out;
}

/* ---- definitions ------------------------------------------------------------------------ */

vd_pool_ref *vd_pool_define_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_POOL_DEFINE_VALIDATE, err, NULL);
    vd_storage *s = vd_storage_of(d);
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, err);
    vd_pool *p;
    vd_pool_ref *ref = NULL;
    if (!def)
        return NULL;
    g_mutex_lock(&s->lock);
    if (!check_unique(s, def, &p, err) || !vd_pool_store_save(s, def, err))
        goto out;
    if (p) {
        vd_pool_def_free(p->def);
        p->def = g_steal_pointer(&def);
    } else {
        p = add_locked(s, g_steal_pointer(&def), true);
    }
    g_message("storage pool '%s': defined", POOL_NAME(p));
    vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, VIR_STORAGE_POOL_EVENT_DEFINED, 0);
    ref = vd_pool_make_ref(p);
out:
    g_mutex_unlock(&s->lock);
    return ref;
}

vd_pool_ref *vd_pool_create_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, CREATE_BUILD_FLAGS, err, NULL);
    vd_storage *s = vd_storage_of(d);
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, err);
    vd_pool *p;
    vd_pool_ref *ref = NULL;
    if (!def)
        return NULL;
    g_mutex_lock(&s->lock);
    if (!check_unique(s, def, &p, err))
        goto out;
    if (p) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE, "pool is already %s as '%s'",
                vd_pool_active(p) ? "active" : "defined", POOL_NAME(p));
        goto out;
    }
    p = add_locked(s, NULL, false); /* start_locked gives it its live definition */
    if (!start_locked(d, p, def, flags, err)) {
        g_ptr_array_remove(s->pools, p);
        goto out;
    }
    ref = vd_pool_make_ref(p);
out:
    g_mutex_unlock(&s->lock);
    return ref;
}

bool vd_pool_undefine(vd_daemon *d, const vd_pool_ref *ref, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    bool ok = false;
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    if (!p || !check_no_jobs(p, err) || !check_stopped(p, err))
        goto out;
    if (!vd_pool_store_delete(s, p->def->name, err))
        goto out;
    g_message("storage pool '%s': undefined", p->def->name);
    vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, VIR_STORAGE_POOL_EVENT_UNDEFINED, 0);
    g_ptr_array_remove(s->pools, p);
    ok = true;
out:
    g_mutex_unlock(&s->lock);
    return ok;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

bool vd_pool_create(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, CREATE_BUILD_FLAGS, err, false);
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    bool ok = p && check_inactive(p, err) && start_locked(d, p, p->def, flags, err);
    g_mutex_unlock(&s->lock);
    return ok;
}

bool vd_pool_build(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(
        flags, VIR_STORAGE_POOL_BUILD_NO_OVERWRITE | VIR_STORAGE_POOL_BUILD_OVERWRITE, err, false);
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    bool ok = p && check_inactive(p, err) && pool_build(vd_pool_cur_def(p), flags, err);
    if (ok)
        vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, VIR_STORAGE_POOL_EVENT_CREATED, 0);
    g_mutex_unlock(&s->lock);
    return ok;
}

bool vd_pool_destroy(vd_daemon *d, const vd_pool_ref *ref, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find_active(s, ref, err);
    bool ok = p && check_no_jobs(p, err) && pool_deactivate(p->live, err);
    if (ok)
        stop_locked(d, p);
    g_mutex_unlock(&s->lock);
    return ok;
}

bool vd_pool_delete(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, 0, err, false);
    vd_storage *s = vd_storage_of(d);
    bool ok = false;
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    if (!p || !check_stopped(p, err) || !pool_remove(p->def, err))
        goto out;
    vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE, VIR_STORAGE_POOL_EVENT_DELETED, 0);
    ok = true;
out:
    g_mutex_unlock(&s->lock);
    return ok;
}

bool vd_pool_refresh(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, 0, err, false);
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find_active(s, ref, err);
    bool ok = p && check_no_jobs(p, err) && vd_pool_scan_locked(p, err);
    if (ok)
        vd_pool_emit(d, p, VIR_STORAGE_POOL_EVENT_ID_REFRESH, 0, 0);
    g_mutex_unlock(&s->lock);
    return ok;
}

/* ---- state and configuration ------------------------------------------------------------ */

bool vd_pool_get_info(vd_daemon *d, const vd_pool_ref *ref, vd_pool_info *out, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    g_autoptr(vd_pool_def) live = p && vd_pool_active(p) ? vd_pool_def_copy(p->live) : NULL;
    g_mutex_unlock(&s->lock);
    *out = (vd_pool_info){VIR_STORAGE_POOL_INACTIVE, 0, 0, 0};
    if (!p)
        return false;
    if (!live)
        return true;
    out->state = VIR_STORAGE_POOL_RUNNING;
    return pool_sizes(live, out, err);
}

char *vd_pool_get_xml_desc(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_XML_INACTIVE, err, NULL);
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    bool inactive = p && ((flags & VIR_STORAGE_XML_INACTIVE && p->def) || !vd_pool_active(p));
    g_autoptr(vd_pool_def) def = p ? vd_pool_def_copy(inactive ? p->def : p->live) : NULL;
    g_mutex_unlock(&s->lock);
    if (!def)
        return NULL;
    vd_pool_info sizes;
    if (inactive || !pool_sizes(def, &sizes, err))
        return inactive ? vd_pool_def_format(def, NULL) : NULL;
    return vd_pool_def_format(def, &sizes);
}

/* A pool's state as one look under the lock saw it. */
typedef struct pool_state {
    bool found, active, persistent, autostart;
} pool_state;

static pool_state state_of(vd_daemon *d, const vd_pool_ref *ref, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    pool_state st = {false, false, false, false};
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    if (p)
        st = (pool_state){true, vd_pool_active(p), p->def != NULL, p->autostart};
    g_mutex_unlock(&s->lock);
    return st;
}

bool vd_pool_get_autostart(vd_daemon *d, const vd_pool_ref *ref, bool *out, vd_error **err)
{
    pool_state st = state_of(d, ref, err);
    *out = st.autostart;
    return st.found;
}

int vd_pool_is_active(vd_daemon *d, const vd_pool_ref *ref, vd_error **err)
{
    pool_state st = state_of(d, ref, err);
    return st.found ? st.active : -1;
}

int vd_pool_is_persistent(vd_daemon *d, const vd_pool_ref *ref, vd_error **err)
{
    pool_state st = state_of(d, ref, err);
    return st.found ? st.persistent : -1;
}

bool vd_pool_set_autostart(vd_daemon *d, const vd_pool_ref *ref, bool on, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    bool ok = false;
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find(s, ref, err);
    if (p && !p->def)
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_STORAGE,
                "cannot set autostart for transient pool");
    else if (p && vd_pool_store_set_autostart(s, p->def->name, on, err)) {
        p->autostart = on;
        ok = true;
    }
    g_mutex_unlock(&s->lock);
    return ok;
}

GPtrArray *vd_pool_list_volumes(vd_daemon *d, const vd_pool_ref *ref, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    GPtrArray *out = NULL;
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find_active(s, ref, err);
    if (p) {
        out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_vol_ref_free);
        for (unsigned i = 0; i < p->vols->len; i++) {
            vd_vol *v = g_ptr_array_index(p->vols, i);
            if (!v->busy || g_file_test(v->path, G_FILE_TEST_EXISTS))
                g_ptr_array_add(out, vd_vol_make_ref(p, v));
        }
    }
    g_mutex_unlock(&s->lock);
    return out;
}

/* ---- start-up ---------------------------------------------------------------------------- */

/* libvirtd's hosts have a `default` dir pool at /var/lib/libvirt/images; a fresh Vireo
 * node does too (under the daemon's root), built and autostarted. */
static void define_default(vd_storage *s, const vd_config *cfg)
{
    g_autoptr(vd_error) err = NULL;
    vd_pool_def *def = g_new0(vd_pool_def, 1);
    def->name = g_strdup("default");
    vd_uuid_generate(def->uuid);
    def->target = g_strconcat(cfg->root, "/var/lib/libvirt/images", NULL);
    def->perms = (vd_perms){0711, -1, -1};
    if (!dir_build(def, &err) || !vd_pool_store_save(s, def, &err) ||
        !vd_pool_store_set_autostart(s, def->name, true, &err)) {
        g_warning("cannot make the default storage pool: %s", err->message);
        vd_pool_def_free(def);
        return;
    }
    g_message("storage pool 'default' defined on %s", def->target);
    add_locked(s, def, true)->autostart = true;
}

/* Pools that were active when the daemon stopped are active again (as libvirtd does with
 * its state files); transient ones come back transient. */
static void restore_active(vd_daemon *d, vd_storage *s)
{
    g_autoptr(GPtrArray) states = vd_pool_store_load(s->state_dir);
    for (unsigned i = 0; i < states->len; i++) {
        vd_pool_def *live = g_ptr_array_index(states, i);
        vd_pool *p = find_by_uuid(s, live->uuid);
        g_autoptr(vd_error) err = NULL;
        if (!p)
            p = add_locked(s, NULL, true);
        else if (strcmp(p->def->name, live->name) != 0)
            continue;
        if (!start_locked(d, p, live, 0, &err)) {
            g_warning("storage pool '%s' was active and cannot be now: %s", live->name,
                      err->message);
            if (!p->def)
                g_ptr_array_remove(s->pools, p);
        }
    }
}

static void autostart(vd_daemon *d, vd_storage *s)
{
    for (unsigned i = 0; i < s->pools->len; i++) {
        vd_pool *p = g_ptr_array_index(s->pools, i);
        g_autoptr(vd_error) err = NULL;
        if (p->autostart && !vd_pool_active(p) && !start_locked(d, p, p->def, 0, &err))
            g_warning("cannot autostart storage pool '%s': %s", p->def->name, err->message);
    }
}

void vd_storage_init(vd_daemon *d)
{
    const vd_config *cfg = d->cfg;
    vd_storage *s = g_new0(vd_storage, 1);
    d->storage = s;
    g_mutex_init(&s->lock);
    g_mutex_init(&s->events_lock);
    s->listeners = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    s->pending = g_hash_table_new(NULL, NULL);
    s->pools = g_ptr_array_new_with_free_func((GDestroyNotify)pool_free);
    s->config_dir = g_strconcat(cfg->root, "/etc/vireo/storage", NULL);
    s->autostart_dir = g_strconcat(s->config_dir, "/autostart", NULL);
    s->state_dir = g_strconcat(cfg->state_dir, "/storage", NULL);
    bool fresh = !g_file_test(s->config_dir, G_FILE_TEST_IS_DIR);
    if (g_mkdir_with_parents(s->autostart_dir, 0755) != 0 ||
        g_mkdir_with_parents(s->state_dir, 0755) != 0)
        g_warning("cannot create %s or %s: %s", s->autostart_dir, s->state_dir, g_strerror(errno));
    g_autoptr(GPtrArray) defs = vd_pool_store_load(s->config_dir);
    g_mutex_lock(&s->lock);
    for (unsigned i = 0; i < defs->len; i++) {
        vd_pool *p = add_locked(s, g_ptr_array_steal_index(defs, i--), true);
        p->autostart = vd_pool_store_get_autostart(s, p->def->name);
    }
    if (fresh)
        define_default(s, cfg);
    restore_active(d, s);
    autostart(d, s);
    g_message("%u storage pools defined or active", s->pools->len);
    g_mutex_unlock(&s->lock);
}

void vd_storage_free(vd_daemon *d)
{
    vd_storage *s = d->storage;
    if (!s)
        return;
    vd_pool_events_clear(s);
    g_ptr_array_unref(s->pools);
    g_hash_table_unref(s->pending);
    g_hash_table_unref(s->listeners);
    g_mutex_clear(&s->events_lock);
    g_mutex_clear(&s->lock);
    g_free(s->config_dir);
    g_free(s->autostart_dir);
    g_free(s->state_dir);
    g_free(s);
    d->storage = NULL;
}
