/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The storage driver's API: what the protocol layer may ask about storage pools and
 * volumes. Plain C and GLib types, libvirt's numbers, errors as vd_error (vd-driver.h).
 * Each function maps to one remote procedure; all are safe from any thread.
 */
#ifndef VD_STORAGE_H
#define VD_STORAGE_H

#include "vd-driver.h"

G_BEGIN_DECLS

/* What libvirt calls remote_nonnull_storage_pool. Lookups use the uuid. */
typedef struct vd_pool_ref {
    char *name;
    unsigned char uuid[16];
} vd_pool_ref;

vd_pool_ref *vd_pool_ref_new(const char *name, const unsigned char uuid[16]);
void vd_pool_ref_free(vd_pool_ref *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_pool_ref, vd_pool_ref_free)

/* remote_nonnull_storage_vol: the pool's name, the volume's name, its key (the path). */
typedef struct vd_vol_ref {
    char *pool;
    char *name;
    char *key;
} vd_vol_ref;

vd_vol_ref *vd_vol_ref_new(const char *pool, const char *name, const char *key);
void vd_vol_ref_free(vd_vol_ref *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_vol_ref, vd_vol_ref_free)

/* STORAGE_POOL_GET_INFO: state is virStoragePoolState (0 INACTIVE, 2 RUNNING); bytes. */
typedef struct vd_pool_info {
    int state;
    uint64_t capacity, allocation, available;
} vd_pool_info;

/* STORAGE_VOL_GET_INFO: type is virStorageVolType (0 FILE); bytes. */
typedef struct vd_vol_info {
    int type;
    uint64_t capacity, allocation;
} vd_vol_info;

/* ---- pools ---------------------------------------------------------------------------- */

/* flags: VIR_CONNECT_LIST_STORAGE_POOLS_*. Of vd_pool_ref*. */
GPtrArray *vd_pool_list_all(vd_daemon *d, unsigned flags, vd_error **err);
vd_pool_ref *vd_pool_lookup_by_name(vd_daemon *d, const char *name, vd_error **err);
vd_pool_ref *vd_pool_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16], vd_error **err);
vd_pool_ref *vd_pool_lookup_by_volume(vd_daemon *d, const vd_vol_ref *vol, vd_error **err);
/* The pool whose directory is path. */
vd_pool_ref *vd_pool_lookup_by_target_path(vd_daemon *d, const char *path, vd_error **err);

vd_pool_ref *vd_pool_define_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err);
/* A transient pool, started (flags VIR_STORAGE_POOL_CREATE_WITH_BUILD*). */
vd_pool_ref *vd_pool_create_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err);
bool vd_pool_undefine(vd_daemon *d, const vd_pool_ref *ref, vd_error **err);
bool vd_pool_create(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err);
bool vd_pool_build(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err);
bool vd_pool_destroy(vd_daemon *d, const vd_pool_ref *ref, vd_error **err);
bool vd_pool_delete(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err);
bool vd_pool_refresh(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err);
bool vd_pool_get_info(vd_daemon *d, const vd_pool_ref *ref, vd_pool_info *out, vd_error **err);
/* flags: VIR_STORAGE_XML_INACTIVE. */
char *vd_pool_get_xml_desc(vd_daemon *d, const vd_pool_ref *ref, unsigned flags, vd_error **err);
bool vd_pool_get_autostart(vd_daemon *d, const vd_pool_ref *ref, bool *out, vd_error **err);
bool vd_pool_set_autostart(vd_daemon *d, const vd_pool_ref *ref, bool on, vd_error **err);
/* 1 or 0, -1 on error. */
int vd_pool_is_active(vd_daemon *d, const vd_pool_ref *ref, vd_error **err);
int vd_pool_is_persistent(vd_daemon *d, const vd_pool_ref *ref, vd_error **err);
/* Of vd_vol_ref*, sorted by name; the pool must be active. */
GPtrArray *vd_pool_list_volumes(vd_daemon *d, const vd_pool_ref *ref, vd_error **err);

/* ---- volumes -------------------------------------------------------------------------- */

vd_vol_ref *vd_vol_lookup_by_name(vd_daemon *d, const vd_pool_ref *pool, const char *name,
                                  vd_error **err);
vd_vol_ref *vd_vol_lookup_by_key(vd_daemon *d, const char *key, vd_error **err);
vd_vol_ref *vd_vol_lookup_by_path(vd_daemon *d, const char *path, vd_error **err);
/*
 * The format of the volume at `path` in an active pool, as vol-dumpxml shows it: what a
 * domain's disk on that volume without <driver type> is opened as (virt-install writes
 * none for a hypervisor other than QEMU or Xen). NULL when path is no pool's volume, and
 * for an image with a backing file: a guest-written header must not make the host open
 * another file for it (such a disk stays raw unless its <driver type> says otherwise).
 */
char *vd_vol_format_of_path(vd_daemon *d, const char *path);
/* flags: VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA. */
vd_vol_ref *vd_vol_create_xml(vd_daemon *d, const vd_pool_ref *pool, const char *xml,
                              unsigned flags, vd_error **err);
/* A new volume holding a copy of `from`'s data (converted to the new format). */
vd_vol_ref *vd_vol_create_xml_from(vd_daemon *d, const vd_pool_ref *pool, const char *xml,
                                   const vd_vol_ref *from, unsigned flags, vd_error **err);
bool vd_vol_delete(vd_daemon *d, const vd_vol_ref *vol, unsigned flags, vd_error **err);
/* algorithm: virStorageVolWipeAlgorithm; only ZERO (0) is offered. */
bool vd_vol_wipe(vd_daemon *d, const vd_vol_ref *vol, unsigned algorithm, unsigned flags,
                 vd_error **err);
/* flags: VIR_STORAGE_VOL_RESIZE_* (ALLOCATE, DELTA, SHRINK). */
bool vd_vol_resize(vd_daemon *d, const vd_vol_ref *vol, uint64_t capacity, unsigned flags,
                   vd_error **err);
bool vd_vol_get_info(vd_daemon *d, const vd_vol_ref *vol, unsigned flags, vd_vol_info *out,
                     vd_error **err);
char *vd_vol_get_xml_desc(vd_daemon *d, const vd_vol_ref *vol, unsigned flags, vd_error **err);
char *vd_vol_get_path(vd_daemon *d, const vd_vol_ref *vol, vd_error **err);

/* ---- volume data: the file side of STORAGE_VOL_UPLOAD / _DOWNLOAD streams -------------- */

typedef struct vd_vol_transfer vd_vol_transfer;

/* Upload: data goes to a new file beside the volume, which replaces it only when
 * vd_vol_transfer_finish succeeds; an abort leaves the volume as it was. length 0 = up to
 * the end of the data sent. */
vd_vol_transfer *vd_vol_upload_begin(vd_daemon *d, const vd_vol_ref *vol, uint64_t offset,
                                     uint64_t length, unsigned flags, vd_error **err);
bool vd_vol_transfer_write(vd_vol_transfer *t, const void *buf, size_t len, vd_error **err);
/* A hole of len bytes in a sparse upload: they read back as zeroes. */
bool vd_vol_transfer_skip(vd_vol_transfer *t, uint64_t len, vd_error **err);
/* Download: length 0 = up to the end of the volume. */
vd_vol_transfer *vd_vol_download_begin(vd_daemon *d, const vd_vol_ref *vol, uint64_t offset,
                                       uint64_t length, unsigned flags, vd_error **err);
/* Fills buf with up to len bytes; returns how many, -1 on error. 0: the end, or, in a
 * sparse download, a hole of *hole bytes to send as such. */
gssize vd_vol_transfer_read(vd_vol_transfer *t, void *buf, size_t len, uint64_t *hole,
                            vd_error **err);
/* Upload: sync and put the data in place. Download: nothing more to do. Frees t. */
bool vd_vol_transfer_finish(vd_vol_transfer *t, vd_error **err);
/* Drops what was written; the volume stays as it was. Frees t. */
void vd_vol_transfer_abort(vd_vol_transfer *t);

/* ---- pool events ---------------------------------------------------------------------- */

/* event_id VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE (0, event/detail VIR_STORAGE_POOL_EVENT_*)
 * or _REFRESH (1, event and detail 0). Runs in the default main context. */
typedef void (*vd_pool_event_fn)(const vd_pool_ref *pool, int event_id, int event, int detail,
                                 void *user);
unsigned vd_storage_add_listener(vd_daemon *d, vd_pool_event_fn fn, void *user);
void vd_storage_remove_listener(vd_daemon *d, unsigned id);

G_END_DECLS

#endif /* VD_STORAGE_H */
