/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the storage driver: pool and volume definitions, the pool table and its lock,
 * and what its files share. Only daemon/storage/ includes this.
 *
 * Concurrency: one mutex guards the table (pools, their state, their volume lists). It is
 * held for bookkeeping only; qemu-img runs and file copies happen unlocked while the pool
 * counts a job (no destroy, delete or undefine meanwhile) and the volume is marked busy.
 */
#ifndef VD_STORAGE_PRIVATE_H
#define VD_STORAGE_PRIVATE_H

#include <sys/stat.h>

#include "vd-daemon-private.h"
#include "vd-storage.h"

/* virCheckFlags for the storage driver's calls. */
#define VD_STORAGE_CHECK_FLAGS(flags, allowed, err, ret)                                           \
    VD_CHECK_FLAGS_FROM(flags, allowed, VIR_FROM_STORAGE, err, ret)

/* ---- definitions (vd-pool-def.c, vd-vol-def.c) ---------------------------------------- */

typedef struct vd_perms {
    unsigned mode; /* 0 = the default */
    long owner;    /* -1 = the daemon's */
    long group;
} vd_perms;

typedef enum vd_pool_type {
    VD_POOL_DIR,     /* volumes are files in a directory */
    VD_POOL_LOGICAL, /* volumes are an LVM volume group's logical volumes */
    VD_POOL_NETFS,   /* volumes are files on an NFS export mounted on the target */
} vd_pool_type;

/* <pool type='dir|logical|netfs'>: the part of libvirt's pool XML they have. */
typedef struct vd_pool_def {
    char *name;
    unsigned char uuid[16];
    vd_pool_type type;
    char *target; /* dir: the directory; logical: /dev/VG where the LVs appear; netfs: the
                     mount point */
    vd_perms perms;
    char *vg;         /* logical: <source><name>, the volume group (default: the pool's name) */
    char **devices;   /* logical: <source><device path>s, the PVs (NULL-terminated, may be empty) */
    char *host;       /* netfs: <source><host name>, the NFS server */
    unsigned port;    /* netfs: <host port>, 0 = the server's usual one */
    char *source_dir; /* netfs: <source><dir path>, the export */
    char *fs_format;  /* netfs: <source><format type>, "auto" or "nfs" */
    unsigned nfs_version; /* netfs: <source><protocol ver>, 0 = negotiated */
} vd_pool_def;

vd_pool_def *vd_pool_def_parse(const char *xml, vd_error **err);
void vd_pool_def_free(vd_pool_def *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_pool_def, vd_pool_def_free)
vd_pool_def *vd_pool_def_copy(const vd_pool_def *def);
/* sizes: NULL for an inactive pool (no capacity elements). */
char *vd_pool_def_format(const vd_pool_def *def, const vd_pool_info *sizes);

/* <volume>: what a new volume is asked to be. */
typedef struct vd_vol_def {
    char *name;
    uint64_t capacity;
    uint64_t allocation;
    bool has_capacity, has_allocation;
    char *format; /* qemu-img's format name; "raw" when the XML names none */
    vd_perms perms;
    char *backing_path; /* <backingStore><path>, or NULL */
    char *backing_format;
} vd_vol_def;

vd_vol_def *vd_vol_def_parse(const char *xml, vd_error **err);
void vd_vol_def_free(vd_vol_def *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_vol_def, vd_vol_def_free)

/* What qemu-img says an image file is. */
typedef struct vd_image_info {
    char *format;
    uint64_t capacity;   /* virtual size */
    uint64_t allocation; /* bytes the file takes on disk */
    uint64_t physical;   /* the file's length */
    char *backing_path;  /* absolute, or NULL */
    char *backing_format;
} vd_image_info;

void vd_image_info_free(vd_image_info *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_image_info, vd_image_info_free)
char *vd_vol_format_xml(const char *name, const char *path, const vd_image_info *info,
                        const struct stat *st);

/* Sizes in libvirt's units: "bytes", "KiB", "G", ... (formatstorage's scaled integers). */
bool vd_storage_parse_size(const char *text, const char *unit, uint64_t *out);

/* ---- qemu-img (vd-qemu-img.c): every image format operation goes through it ------------ */

vd_image_info *vd_qemu_img_info(const char *path, vd_error **err);
/* preallocation: NULL or qemu-img's "metadata", "falloc", "full". */
bool vd_qemu_img_create(const char *path, const char *format, uint64_t capacity,
                        const char *backing, const char *backing_format, const char *preallocation,
                        vd_error **err);
bool vd_qemu_img_convert(const char *src, const char *src_format, const char *dst,
                         const char *dst_format, vd_error **err);
bool vd_qemu_img_resize(const char *path, const char *format, uint64_t capacity, bool shrink,
                        const char *preallocation, vd_error **err);

/* ---- logical pools (vd-pool-logical.c): a VG and its LVs, through lvm ------------------- */

bool vd_logical_build(const vd_pool_def *def, unsigned flags, vd_error **err);
bool vd_logical_start(const vd_pool_def *def, vd_error **err);
bool vd_logical_stop(const vd_pool_def *def, vd_error **err);
bool vd_logical_delete(const vd_pool_def *def, vd_error **err);
bool vd_logical_sizes(const vd_pool_def *def, vd_pool_info *out, vd_error **err);
GPtrArray *vd_logical_volume_names(const vd_pool_def *def, vd_error **err); /* of char* */
bool vd_logical_vol_create(const vd_pool_def *def, const char *name, uint64_t capacity,
                           vd_error **err);
bool vd_logical_vol_remove(const vd_pool_def *def, const char *name, vd_error **err);
bool vd_logical_vol_resize(const vd_pool_def *def, const char *name, uint64_t capacity,
                           vd_error **err);
bool vd_logical_vol_size(const vd_pool_def *def, const char *name, uint64_t *out, vd_error **err);

/* ---- netfs pools (vd-pool-netfs.c): an NFS export mounted on the target --------------- */

bool vd_netfs_check_source(const vd_pool_def *def, vd_error **err);
/* Mounts the export (nothing to do if it is mounted there already). */
bool vd_netfs_start(const vd_pool_def *def, vd_error **err);
bool vd_netfs_stop(const vd_pool_def *def, vd_error **err);

/* ---- block devices (vd-block-dev.c) --------------------------------------------------- */

bool vd_block_dev_size(int fd, const char *path, uint64_t *out, vd_error **err);
bool vd_block_dev_zero(int fd, const char *path, uint64_t offset, uint64_t len, vd_error **err);

/* ---- the pool table (vd-pools.c) ------------------------------------------------------ */

typedef struct vd_vol {
    char *name;
    char *path;
    bool busy; /* being built, wiped, resized or transferred: other changes must wait */
} vd_vol;

typedef struct vd_pool {
    vd_pool_def *def;  /* persistent definition; NULL for a transient pool */
    vd_pool_def *live; /* the definition it runs with; NULL when inactive */
    bool autostart;
    unsigned jobs;   /* unlocked work on its volumes in progress */
    GPtrArray *vols; /* vd_vol*, while active */
} vd_pool;

typedef struct vd_storage {
    GMutex lock;
    GPtrArray *pools; /* vd_pool* */
    char *config_dir; /* ROOT/etc/vireo/storage */
    char *autostart_dir;
    char *state_dir; /* ROOT/run/vireo/storage */
    GMutex events_lock;
    GHashTable *listeners; /* id -> listener */
    GHashTable *pending;   /* events not delivered yet -> idle source id */
    unsigned next_listener_id;
} vd_storage;

vd_storage *vd_storage_of(vd_daemon *d);
const vd_pool_def *vd_pool_cur_def(const vd_pool *p);
bool vd_pool_active(const vd_pool *p);
/* Lookups under the lock, failing with VIR_ERR_NO_STORAGE_POOL / _VOL in libvirt's words. */
vd_pool *vd_pool_find(vd_storage *s, const vd_pool_ref *ref, vd_error **err);
vd_pool *vd_pool_find_active(vd_storage *s, const vd_pool_ref *ref, vd_error **err);
vd_vol *vd_vol_find(vd_pool *p, const char *name);
vd_pool_ref *vd_pool_make_ref(const vd_pool *p);
vd_vol_ref *vd_vol_make_ref(const vd_pool *p, const vd_vol *v);
/* Lists the pool's volumes again: its directory's files or its VG's LVs (lock held). */
bool vd_pool_scan_locked(vd_pool *p, vd_error **err);
vd_vol *vd_pool_add_vol_locked(vd_pool *p, const char *name);
void vd_pool_remove_vol_locked(vd_pool *p, vd_vol *v);

/* ---- files (vd-pool-store.c) ---------------------------------------------------------- */

bool vd_pool_store_save(vd_storage *s, const vd_pool_def *def, vd_error **err);
bool vd_pool_store_delete(vd_storage *s, const char *name, vd_error **err);
bool vd_pool_store_set_autostart(vd_storage *s, const char *name, bool on, vd_error **err);
bool vd_pool_store_get_autostart(vd_storage *s, const char *name);
/* The running pools' definitions, so a restarted daemon knows what was active. */
bool vd_pool_store_save_state(vd_storage *s, const vd_pool_def *live, vd_error **err);
void vd_pool_store_delete_state(vd_storage *s, const char *name);
/* Of vd_pool_def*. */
GPtrArray *vd_pool_store_load(const char *dir);

/* ---- events (vd-pool-events.c) -------------------------------------------------------- */

void vd_pool_emit(vd_daemon *d, const vd_pool *p, int event_id, int event, int detail);
/* Drops events not delivered yet (the daemon is going away). */
void vd_pool_events_clear(vd_storage *s);

#endif /* VD_STORAGE_PRIVATE_H */
