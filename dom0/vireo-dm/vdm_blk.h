/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk's backend side: what a disk's config group says, and the qemu-storage-daemon
 * child that opens the image with QEMU's block layer and exports it over NBD on a unix
 * socket in vireo-dm's runtime directory (vdm_blk_qsd.c). vdm_blk.c talks to it with
 * libnbd, and to its QMP monitor for a mirror (vdm_blk_mirror.h). vireo-bootloader has the
 * same child export the disk read-only as a FUSE file.
 */
#ifndef VDM_BLK_H
#define VDM_BLK_H

#include <stdbool.h>
#include <sys/types.h>

#include <glib.h>

enum vdm_blk_cache {
    VDM_CACHE_DEFAULT, /* libvirt's default for QEMU: writeback */
    VDM_CACHE_NONE,
    VDM_CACHE_WRITEBACK,
    VDM_CACHE_WRITETHROUGH,
    VDM_CACHE_DIRECTSYNC,
    VDM_CACHE_UNSAFE,
};

struct vdm_blk_source {
    char *target;      /* guest's name for the disk (vda), for messages */
    char *source_type; /* file | block | network */
    char *path;        /* file and block */
    char *protocol;    /* network: nbd */
    char *host, *port, *socket, *export;
    char *format;      /* NULL or "": raw */
    char *serial;      /* GET_ID answer, "" none */
    bool readonly;
    enum vdm_blk_cache cache;
    bool discard_unmap;
};

/* The cache mode's meaning (libvirt's table): O_DIRECT on the host, flushes ignored,
 * whether the guest sees a volatile write cache (VIRTIO_BLK_F_FLUSH) or gets every write
 * written through (FUA). */
bool vdm_blk_cache_direct(enum vdm_blk_cache c);
bool vdm_blk_cache_no_flush(enum vdm_blk_cache c);
bool vdm_blk_cache_writeback(enum vdm_blk_cache c);

/* Reads the group's disk keys; false with *error naming the key. */
bool vdm_blk_source_parse(struct vdm_blk_source *src, GKeyFile *kf, const char *group,
                          GError **error);
void vdm_blk_source_clear(struct vdm_blk_source *src);

struct vdm_qsd {
    pid_t pid;         /* 0: not running */
    char *socket_path; /* NBD export "disk" on this unix socket, or NULL */
    char *qmp_path;    /* with it, its QMP monitor on this unix socket (vdm_qmp.h), or NULL */
    char *mountpoint;  /* or the read-only FUSE export mounted on this regular file */
    char *pidfile;
    char *log_path;    /* the child's stdout and stderr */
};

#define VDM_QSD_EXPORT "disk"

/* The child's argv (NULL-terminated, g_strfreev it): qemu-storage-daemon, or $VDM_QSD,
 * with a QMP monitor on the unix socket qmp_path unless it is NULL. */
char **vdm_qsd_argv(const struct vdm_blk_source *src, const char *socket_path, const char *qmp_path,
                    const char *pidfile);
/* The same with a read-only FUSE export on the regular file `mountpoint` instead. */
char **vdm_qsd_fuse_argv(const struct vdm_blk_source *src, const char *mountpoint,
                         const char *pidfile);
/*
 * Starts qemu-storage-daemon for src with its files named after `id` in runtime_dir (the
 * NBD socket ID.nbd, the monitor ID.qmp) and waits (bounded) until its NBD socket accepts
 * connections, by which time the monitor, created first, listens too. On failure *error
 * carries the child's own last words.
 */
bool vdm_qsd_start(struct vdm_qsd *qsd, const struct vdm_blk_source *src,
                   const char *runtime_dir, const char *id, GError **error);
/*
 * The same with a read-only FUSE export on `mountpoint` (an existing regular file), ready
 * once mounted. The caller makes src read-only too, so QEMU opens the image read-only.
 */
bool vdm_qsd_start_fuse(struct vdm_qsd *qsd, const struct vdm_blk_source *src,
                        const char *mountpoint, const char *runtime_dir, const char *id,
                        GError **error);
/* Stops the child (SIGTERM, then SIGKILL after a grace period), reaps it, removes files and
 * any FUSE mount it left. */
void vdm_qsd_stop(struct vdm_qsd *qsd);

#endif /* VDM_BLK_H */
