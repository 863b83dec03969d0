/* SPDX-License-Identifier: GPL-2.0-only */
/* Resolving volume references and holding a volume for unlocked work (vd-volume-job.c). */
#ifndef VD_VOLUME_JOB_H
#define VD_VOLUME_JOB_H

#include "vd-storage-private.h"

/* The volume `ref` names in its active pool (lock held), or NULL with libvirt's error. */
vd_vol *vd_vol_resolve_locked(vd_storage *s, const vd_vol_ref *ref, vd_pool **pool, vd_error **err);
/* Its file, looked up under the lock. */
char *vd_vol_path_of(vd_daemon *d, const vd_vol_ref *ref, vd_error **err);

typedef struct vd_vol_job {
    vd_pool *pool;
    vd_vol *vol;
    char *path; /* a copy, usable unlocked */
} vd_vol_job;

/* Marks the volume busy and counts a job on its pool; fails if it is busy already. */
bool vd_vol_job_begin(vd_daemon *d, const vd_vol_ref *ref, vd_vol_job *job, vd_error **err);
/* Ends it; with remove the volume also leaves its pool's list (its file is gone). */
void vd_vol_job_end(vd_daemon *d, vd_vol_job *job, bool remove);

#endif /* VD_VOLUME_JOB_H */
