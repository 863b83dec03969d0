/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding a volume from a client's reference, and the frame of every change that runs
 * unlocked (qemu-img, file copies): the volume is marked busy and its pool counts a job,
 * so no other change to it and no destroy of the pool happens meanwhile.
 */
#include <string.h>

#include "vd-error.h"
#include "vd-volume-job.h"

vd_vol *vd_vol_resolve_locked(vd_storage *s, const vd_vol_ref *ref, vd_pool **pool, vd_error **err)
{
    vd_pool *p = NULL;
    for (unsigned i = 0; i < s->pools->len && !p; i++) {
        vd_pool *c = g_ptr_array_index(s->pools, i);
        if (strcmp(vd_pool_cur_def(c)->name, ref->pool) == 0)
            p = c;
    }
    if (!p) {
        vd_fail(err, VIR_ERR_NO_STORAGE_POOL, VIR_FROM_STORAGE,
                "no storage pool with matching name '%s'", ref->pool);
        return NULL;
    }
    if (!vd_pool_active(p)) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE, "storage pool '%s' is not active",
                ref->pool);
        return NULL;
    }
    vd_vol *v = vd_vol_find(p, ref->name);
    if (!v) {
        vd_fail(err, VIR_ERR_NO_STORAGE_VOL, VIR_FROM_STORAGE,
                "no storage vol with matching name '%s'", ref->name);
        return NULL;
    }
    *pool = p;
    return v;
}

char *vd_vol_path_of(vd_daemon *d, const vd_vol_ref *ref, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    vd_pool *p;
    g_mutex_lock(&s->lock);
    vd_vol *v = vd_vol_resolve_locked(s, ref, &p, err);
    char *path = v ? g_strdup(v->path) : NULL;
    g_mutex_unlock(&s->lock);
    return path;
}

bool vd_vol_job_begin(vd_daemon *d, const vd_vol_ref *ref, vd_vol_job *job, vd_error **err)
{
    vd_storage *s = vd_storage_of(d);
    g_mutex_lock(&s->lock);
    vd_vol *v = vd_vol_resolve_locked(s, ref, &job->pool, err);
    if (v && v->busy) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE,
                "volume '%s' is busy: it is being built, changed or transferred", v->name);
        v = NULL;
    }
    if (v) {
        v->busy = true;
        job->pool->jobs++;
        job->vol = v;
        job->path = g_strdup(v->path);
    }
    g_mutex_unlock(&s->lock);
    return v != NULL;
}

void vd_vol_job_end(vd_daemon *d, vd_vol_job *job, bool remove)
{
    vd_storage *s = d->storage;
    g_mutex_lock(&s->lock);
    job->pool->jobs--;
    job->vol->busy = false;
    if (remove)
        vd_pool_remove_vol_locked(job->pool, job->vol);
    g_mutex_unlock(&s->lock);
    g_free(job->path);
    *job = (vd_vol_job){NULL, NULL, NULL};
}
