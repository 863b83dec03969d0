/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Volumes: files in a dir pool's directory, made, copied, resized and wiped through
 * qemu-img, described from qemu-img info; or a logical pool's LVs, made, resized and
 * removed through lvm (vd-pool-logical.c), always raw, filled by qemu-img convert when
 * copied. A change that fails leaves no new file or LV behind and the old one as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vd-error.h"
#include "vd-volume-job.h"

/* ---- lookups ------------------------------------------------------------------------------ */

vd_vol_ref *vd_vol_lookup_by_name(vd_daemon *d, const vd_pool_ref *pool, const char *name,
                                  vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_vol_ref *ref = NULL;
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find_active(s, pool, err);
    vd_vol *v = p ? vd_vol_find(p, name) : NULL;
    if (v && (!v->busy || g_file_test(v->path, G_FILE_TEST_EXISTS)))
        ref = vd_vol_make_ref(p, v);
    else if (p)
        vd_fail(err, VIR_ERR_NO_STORAGE_VOL, VIR_FROM_STORAGE,
                "no storage vol with matching name '%s'", name);
    g_mutex_unlock(&s->lock);
    return ref;
}

/* Keys are paths, so both lookups search every active pool for the file. */
static vd_vol_ref *find_path(vd_daemon *d, const char *path)
{
    vd_storage *s = vd_storage_of(d);
    g_autofree char *canon = g_canonicalize_filename(path, "/");
    vd_vol_ref *ref = NULL;
    g_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->pools->len && !ref; i++) {
        vd_pool *p = g_ptr_array_index(s->pools, i);
        for (unsigned j = 0; vd_pool_active(p) && j < p->vols->len && !ref; j++) {
            vd_vol *v = g_ptr_array_index(p->vols, j);
            if (strcmp(v->path, canon) == 0)
                ref = vd_vol_make_ref(p, v);
        }
    }
    g_mutex_unlock(&s->lock);
    return ref;
}

vd_vol_ref *vd_vol_lookup_by_key(vd_daemon *d, const char *key, vd_error **err)
{
    vd_vol_ref *ref = find_path(d, key);
    if (!ref)
        vd_fail(err, VIR_ERR_NO_STORAGE_VOL, VIR_FROM_STORAGE,
                "no storage vol with matching key %s", key);
    return ref;
}

vd_vol_ref *vd_vol_lookup_by_path(vd_daemon *d, const char *path, vd_error **err)
{
    vd_vol_ref *ref = find_path(d, path);
    if (!ref)
        vd_fail(err, VIR_ERR_NO_STORAGE_VOL, VIR_FROM_STORAGE,
                "no storage vol with matching path '%s'", path);
    return ref;
}

/* ---- description ------------------------------------------------------------------------ */

/* The definition of the active pool holding vol, copied under the lock. */
static vd_pool_def *pool_def_of(vd_daemon *d, const vd_vol_ref *vol, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_pool *p;
    g_mutex_lock(&s->lock);
    vd_pool_def *def = vd_vol_resolve_locked(s, vol, &p, err) ? vd_pool_def_copy(p->live) : NULL;
    g_mutex_unlock(&s->lock);
    return def;
}

/* What qemu-img info would say of an LV, from lvs: raw, all of it allocated. */
static vd_image_info *lv_info(const vd_pool_def *def, const char *name, vd_error **err)
{
    uint64_t size;
    if (!vd_logical_vol_size(def, name, &size, err))
        return NULL;
    vd_image_info *info = g_new0(vd_image_info, 1);
    info->format = g_strdup("raw");
    info->capacity = info->allocation = info->physical = size;
    return info;
}

static vd_image_info *vol_info(vd_daemon *d, const vd_vol_ref *vol, char **path, vd_error **err)
{
    g_autoptr(vd_pool_def) def = pool_def_of(d, vol, err);
    *path = vd_vol_path_of(d, vol, err);
    if (!def || !*path)
        return NULL;
    return def->type == VD_POOL_LOGICAL ? lv_info(def, vol->name, err)
                                        : vd_qemu_img_info(*path, err);
}

char *vd_vol_format_of_path(vd_daemon *d, const char *path)
{
    g_autoptr(vd_vol_ref) vol = vd_vol_lookup_by_path(d, path, NULL);
    g_autofree char *at = NULL;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_image_info) info = vol ? vol_info(d, vol, &at, &err) : NULL;
    if (!info || info->backing_path)
        return NULL;
    return g_strdup(info->format);
}

char *vd_vol_get_path(vd_daemon *d, const vd_vol_ref *vol, vd_error **err)
{
    return vd_vol_path_of(d, vol, err);
}

bool vd_vol_get_info(vd_daemon *d, const vd_vol_ref *vol, unsigned flags, vd_vol_info *out,
                     vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_VOL_GET_PHYSICAL, err, false);
    g_autofree char *path = NULL;
    g_autoptr(vd_image_info) info = vol_info(d, vol, &path, err);
    struct stat st;
    if (!info)
        return false;
    out->type =
        stat(path, &st) == 0 && S_ISBLK(st.st_mode) ? VIR_STORAGE_VOL_BLOCK : VIR_STORAGE_VOL_FILE;
    out->capacity = info->capacity;
    out->allocation = flags & VIR_STORAGE_VOL_GET_PHYSICAL ? info->physical : info->allocation;
    return true;
}

char *vd_vol_get_xml_desc(vd_daemon *d, const vd_vol_ref *vol, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, 0, err, NULL);
    g_autofree char *path = NULL;
    g_autoptr(vd_image_info) info = vol_info(d, vol, &path, err);
    struct stat st;
    if (!info)
        return NULL;
    if (stat(path, &st) != 0) {
        vd_fail_errno(err, errno, "cannot stat file '%s'", path);
        return NULL;
    }
    return vd_vol_format_xml(vol->name, path, info, &st);
}

/* ---- new volumes ------------------------------------------------------------------------- */

/* Claims `name` in the pool as a busy volume being built. */
static bool new_vol_begin(vd_daemon *d, const vd_pool_ref *pool, const char *name, vd_vol_job *job,
                          vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_pool *p = vd_pool_find_active(s, pool, err);
    g_autofree char *path = p ? g_build_filename(p->live->target, name, NULL) : NULL;
    bool ok = p != NULL;
    if (ok && (vd_vol_find(p, name) || g_file_test(path, G_FILE_TEST_EXISTS))) {
        vd_fail(err, VIR_ERR_STORAGE_VOL_EXIST, VIR_FROM_STORAGE, "'%s'", name);
        ok = false;
    }
    if (ok) {
        job->pool = p;
        job->vol = vd_pool_add_vol_locked(p, name);
        job->vol->busy = true;
        job->path = g_strdup(job->vol->path);
        p->jobs++;
    }
    g_mutex_unlock(&s->lock);
    return ok;
}

static bool is_logical(const vd_vol_job *job)
{
    return job->pool->live->type == VD_POOL_LOGICAL; /* live is stable while a job runs */
}

/* A failed build's LV, if lvcreate made it before the failure. */
static void remove_new_lv(const vd_vol_job *job)
{
    uint64_t size;
    g_autoptr(vd_error) err = NULL;
    if (vd_logical_vol_size(job->pool->live, job->vol->name, &size, NULL) &&
        !vd_logical_vol_remove(job->pool->live, job->vol->name, &err))
        g_warning("storage volume '%s': %s", job->path, err->message);
}

/* Ends the build: a failed one takes its file (or LV) and its entry away. */
static vd_vol_ref *new_vol_end(vd_daemon *d, vd_vol_job *job, bool ok)
{
    vd_vol_ref *ref = ok ? vd_vol_make_ref(job->pool, job->vol) : NULL;
    if (!ok && is_logical(job))
        remove_new_lv(job);
    else if (!ok)
        g_unlink(job->path);
    else
        g_message("storage volume '%s': created", job->path);
    vd_vol_job_end(d, job, !ok);
    return ref;
}

static bool apply_perms(const char *path, const vd_perms *perms, vd_error **err)
{
    if (chmod(path, perms->mode ? perms->mode : 0600) != 0 ||
        ((perms->owner >= 0 || perms->group >= 0) &&
         chown(path, perms->owner, perms->group) != 0)) {
        vd_fail_errno(err, errno, "cannot set permissions of '%s'", path);
        return false;
    }
    return true;
}

/* A logical pool's volumes are raw LVs: no other format, no backing store. */
static bool check_logical_def(const vd_vol_def *def, const char *pool, vd_error **err)
{
    if (strcmp(def->format, "raw") != 0) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "unknown volume format type %s: volumes of logical pool '%s' are raw", def->format,
                pool);
        return false;
    }
    if (def->backing_path) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "volumes of logical pool '%s' cannot have a backing store", pool);
        return false;
    }
    return true;
}

/* A new LV of at least capacity bytes (LVM rounds up to whole extents). */
static bool create_lv(const vd_vol_job *job, const vd_vol_def *def, uint64_t capacity,
                      vd_error **err)
{
    return check_logical_def(def, job->pool->live->name, err) &&
           vd_logical_vol_create(job->pool->live, job->vol->name, capacity, err);
}

static const char *preallocation(const vd_vol_def *def, unsigned flags)
{
    if (flags & VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA)
        return "metadata";
    /* A raw file asked to be fully allocated gets its blocks, as libvirt's fallocate. */
    if (strcmp(def->format, "raw") == 0 && def->has_allocation &&
        def->allocation >= def->capacity && def->capacity)
        return "falloc";
    return NULL;
}

vd_vol_ref *vd_vol_create_xml(vd_daemon *d, const vd_pool_ref *pool, const char *xml,
                              unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(
        flags, VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA | VIR_STORAGE_VOL_CREATE_VALIDATE, err,
        NULL);
    g_autoptr(vd_vol_def) def = vd_vol_def_parse(xml, err);
    vd_vol_job job;
    if (!def)
        return NULL;
    if (!def->has_capacity && !def->backing_path) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "missing capacity element");
        return NULL;
    }
    if ((flags & VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA) && strcmp(def->format, "qcow2") != 0) {
        vd_fail(err, VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_STORAGE,
                "metadata preallocation only available with qcow2");
        return NULL;
    }
    if (!new_vol_begin(d, pool, def->name, &job, err))
        return NULL;
    if (is_logical(&job))
        return new_vol_end(d, &job, create_lv(&job, def, def->capacity, err));
    bool ok = vd_qemu_img_create(job.path, def->format, def->capacity, def->backing_path,
                                 def->backing_format, preallocation(def, flags), err) &&
              apply_perms(job.path, &def->perms, err);
    return new_vol_end(d, &job, ok);
}

/* Copies from's data into the new file in the new format, then grows it if asked. An LV
 * is made first, as big as the source or as asked, and filled in place. */
static bool clone_into(const char *src, const vd_vol_job *job, const vd_vol_def *def,
                       vd_error **err)
{
    const char *dst = job->path;
    g_autoptr(vd_image_info) info = vd_qemu_img_info(src, err);
    if (info && is_logical(job))
        return create_lv(job, def, MAX(info->capacity, def->capacity), err) &&
               vd_qemu_img_convert(src, info->format, dst, "raw", err);
    if (!info || !vd_qemu_img_convert(src, info->format, dst, def->format, err))
        return false;
    if (def->has_capacity && def->capacity > info->capacity)
        return vd_qemu_img_resize(dst, def->format, def->capacity, false, NULL, err);
    return true;
}

vd_vol_ref *vd_vol_create_xml_from(vd_daemon *d, const vd_pool_ref *pool, const char *xml,
                                   const vd_vol_ref *from, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_VOL_CREATE_VALIDATE, err, NULL);
    g_autoptr(vd_vol_def) def = vd_vol_def_parse(xml, err);
    vd_vol_job src, job;
    if (!def)
        return NULL;
    if (def->backing_path) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "a volume copied from another cannot also have a backing store");
        return NULL;
    }
    if (!vd_vol_job_begin(d, from, &src, err))
        return NULL;
    vd_vol_ref *ref = NULL;
    if (new_vol_begin(d, pool, def->name, &job, err)) {
        bool ok = clone_into(src.path, &job, def, err) &&
                  (is_logical(&job) || apply_perms(job.path, &def->perms, err));
        ref = new_vol_end(d, &job, ok);
    }
    vd_vol_job_end(d, &src, false);
    return ref;
}

/* ---- changes --------------------------------------------------------------------------- */

/* Makes a zeroed image like path (format, size, backing) beside it and swaps it in: a
 * failure leaves the volume as it was. qemu-img does the format's part. */
static bool wipe_file(const char *path, vd_error **err)
{
    g_autoptr(vd_image_info) info = vd_qemu_img_info(path, err);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.vireo-wipe", dir, base);
    struct stat st;
    if (!info)
        return false;
    if (stat(path, &st) != 0) {
        vd_fail_errno(err, errno, "cannot stat file '%s'", path);
        return false;
    }
    if (!vd_qemu_img_create(tmp, info->format, info->capacity, info->backing_path,
                            info->backing_format, NULL, err))
        goto fail;
    if (chmod(tmp, st.st_mode & 07777) != 0 || rename(tmp, path) != 0) {
        vd_fail_errno(err, errno, "cannot replace '%s' with its wiped copy", path);
        goto fail;
    }
    return true;
fail:
    g_unlink(tmp);
    return false;
}

/* An LV is zeroed where it is, all of it. */
static bool wipe_device(const char *path, vd_error **err)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    uint64_t size;
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot open volume '%s'", path);
        return false;
    }
    bool ok = vd_block_dev_size(fd, path, &size, err) && vd_block_dev_zero(fd, path, 0, size, err);
    if (ok && fsync(fd) != 0) {
        vd_fail_errno(err, errno, "cannot flush volume '%s'", path);
        ok = false;
    }
    close(fd);
    return ok;
}

static bool wipe(const vd_vol_job *job, vd_error **err)
{
    return is_logical(job) ? wipe_device(job->path, err) : wipe_file(job->path, err);
}

bool vd_vol_wipe(vd_daemon *d, const vd_vol_ref *vol, unsigned algorithm, unsigned flags,
                 vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, 0, err, false);
    vd_vol_job job;
    if (algorithm != VIR_STORAGE_VOL_WIPE_ALG_ZERO) {
        vd_fail(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_STORAGE,
                "wiping algorithm %u is not supported: Vireo wipes with zeroes (0)", algorithm);
        return false;
    }
    if (!vd_vol_job_begin(d, vol, &job, err))
        return false;
    bool ok = wipe(&job, err);
    vd_vol_job_end(d, &job, false);
    return ok;
}

bool vd_vol_delete(vd_daemon *d, const vd_vol_ref *vol, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_VOL_DELETE_ZEROED, err, false);
    vd_vol_job job;
    if (!vd_vol_job_begin(d, vol, &job, err))
        return false;
    bool ok = !(flags & VIR_STORAGE_VOL_DELETE_ZEROED) || wipe(&job, err);
    if (ok && is_logical(&job))
        ok = vd_logical_vol_remove(job.pool->live, job.vol->name, err);
    else if (ok && g_unlink(job.path) != 0 && errno != ENOENT) {
        vd_fail_errno(err, errno, "cannot unlink file '%s'", job.path);
        ok = false;
    }
    if (ok)
        g_message("storage volume '%s': deleted", job.path);
    vd_vol_job_end(d, &job, ok);
    return ok;
}

static bool new_capacity(uint64_t cur, uint64_t arg, unsigned flags, uint64_t *out, vd_error **err)
{
    bool shrink = flags & VIR_STORAGE_VOL_RESIZE_SHRINK;
    *out = arg;
    if (flags & VIR_STORAGE_VOL_RESIZE_DELTA) {
        if (shrink && arg > cur) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_STORAGE, "can't shrink capacity below zero");
            return false;
        }
        *out = shrink ? cur - arg : cur + arg;
    }
    if (*out < cur && !shrink) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_STORAGE,
                "Can't shrink capacity below current capacity unless shrink flag explicitly "
                "specified");
        return false;
    }
    return true;
}

/* An LV has all its extents: ALLOCATE changes nothing; LVM rounds up to an extent. */
static bool resize_lv(const vd_vol_job *job, uint64_t capacity, unsigned flags, vd_error **err)
{
    uint64_t cur, size;
    return vd_logical_vol_size(job->pool->live, job->vol->name, &cur, err) &&
           new_capacity(cur, capacity, flags, &size, err) &&
           (size == cur || vd_logical_vol_resize(job->pool->live, job->vol->name, size, err));
}

bool vd_vol_resize(vd_daemon *d, const vd_vol_ref *vol, uint64_t capacity, unsigned flags,
                   vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags,
                           VIR_STORAGE_VOL_RESIZE_ALLOCATE | VIR_STORAGE_VOL_RESIZE_DELTA |
                               VIR_STORAGE_VOL_RESIZE_SHRINK,
                           err, false);
    vd_vol_job job;
    if (!vd_vol_job_begin(d, vol, &job, err))
        return false;
    if (is_logical(&job)) {
        bool ok = resize_lv(&job, capacity, flags, err);
        vd_vol_job_end(d, &job, false);
        return ok;
    }
    g_autoptr(vd_image_info) info = vd_qemu_img_info(job.path, err);
    uint64_t size;
    bool ok = info && new_capacity(info->capacity, capacity, flags, &size, err) &&
              vd_qemu_img_resize(job.path, info->format, size, size < info->capacity,
                                 flags & VIR_STORAGE_VOL_RESIZE_ALLOCATE ? "falloc" : NULL, err);
    vd_vol_job_end(d, &job, false);
    return ok;
}
