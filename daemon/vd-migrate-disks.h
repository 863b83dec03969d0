/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `virsh migrate --copy-storage-all` (docs/migration.md "Local disks"): before the memory
 * goes, every local writable disk is mirrored to the destination by QEMU's block layer.
 * The destination makes the images that are missing and serves them over NBD from a
 * qemu-storage-daemon of its own; on the source each disk's qemu-storage-daemon under
 * vireo-dm mirrors it there (blockdev-mirror) while the guest writes, and the mirror ends
 * in sync once the guest is paused and its devices quiesced.
 *
 * The two daemons agree on it over the data connection, before the stream, in lines:
 *   source:      copy-storage TARGET=BYTES ...   (each disk copied and its virtual size)
 *   destination: nbd PORT | error: MESSAGE
 *   source:      copying DONE TOTAL               (about every second, while mirroring)
 *   source:      synced                           (every mirror is in step: the stream follows)
 */
#ifndef VD_MIGRATE_DISKS_H
#define VD_MIGRATE_DISKS_H

#include "vd-config.h"
#include "vd-domain-def.h"
#include "vd-driver.h"

/* Whether --copy-storage-all copies the disk: a writable, unshared file or block device. */
bool vd_migrate_disk_copied(const vd_disk_def *disk);

/* ---- source ---- */

/* Called as the mirrors progress: bytes of the copied disks in step, and their total. */
typedef void (*vd_disk_copy_progress)(void *data, uint64_t done, uint64_t total);

/* The disks to copy, as a mask of indices in live->disks: the n_only targets named
 * (`virsh migrate --migrate-disks`), each of which must be one that can be copied, or with
 * none named every disk that can. False with err. */
bool vd_disk_copy_select(const vd_domain_def *live, const char *const *only, unsigned n_only,
                         uint32_t *mask, vd_error **err);
/* Mirrors the disks of mask through vireo-dm (domid) to the destination on data connection
 * fd (whose host is `host`) and returns once every mirror is in step and the destination
 * was told so. After a failure, vd_disk_copy_cancel. */
bool vd_disk_copy_start(const vd_config *cfg, int domid, const vd_domain_def *live, uint32_t mask,
                        int fd, const char *host, vd_disk_copy_progress progress, void *data,
                        vd_error **err);
/* The guest paused and its devices quiesced: ends every mirror with the copy in sync. */
bool vd_disk_copy_complete(const vd_config *cfg, int domid, const vd_domain_def *live,
                           uint32_t mask, vd_error **err);
/* Drops any mirror of the disks of mask (none is fine); what fails is logged. */
void vd_disk_copy_cancel(const vd_config *cfg, int domid, const vd_domain_def *live, uint32_t mask);

/* ---- destination ---- */

typedef struct vd_disk_server vd_disk_server;

/* Reads the source's disk list from fd, makes the images of def's disks that are missing
 * (qemu-img, the source's format and size), serves them over NBD on listen_address at
 * port (0: a free one of the migration range), answers the port, and waits until the source says it
 * is in sync. NULL with err (told to the source too) on failure, with nothing left behind. */
vd_disk_server *vd_disk_server_run(const vd_config *cfg, const vd_domain_def *def, int fd,
                                   const char *listen_address, unsigned port, vd_error **err);
/* The stream is in: stops serving, so that the guest's own device model can open the
 * images. NULL is fine. */
void vd_disk_server_let_go(vd_disk_server *s);
/* Stops serving if it still does and frees s; drop_created also removes the images it made
 * (the migration failed). NULL is fine. */
void vd_disk_server_end(vd_disk_server *s, bool drop_created);

#endif /* VD_MIGRATE_DISKS_H */
