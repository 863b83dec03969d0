/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A disk's mirror to an NBD export on another node (virsh migrate --copy-storage-all):
 * QEMU's blockdev-mirror in the disk's qemu-storage-daemon, driven over its QMP monitor,
 * while the guest keeps writing. The control verbs are in docs/device-model.md, "Disk
 * mirror (copy-storage migration)".
 */
#ifndef VDM_BLK_MIRROR_H
#define VDM_BLK_MIRROR_H

#include <stdbool.h>

#include <glib.h>

#include "vdm_blk.h"
#include "vdm_qmp.h"

struct vdm_blk_mirror {
    struct vdm_qmp *qmp; /* the qsd's monitor while a mirror exists, else NULL */
    char *name;          /* the disk in log lines, while a mirror exists */
};

/*
 * Serves a disk's mirror-* control request: `verb` with `arg` ("" when none), the answer
 * (if any) appended to `reply`. `name` names the disk in log lines.
 */
bool vdm_blk_mirror_control(struct vdm_blk_mirror *m, const struct vdm_qsd *qsd, const char *name,
                            const char *verb, const char *arg, GString *reply, GError **error);

/* Mirrors the qsd's node "fmt" to export `export` of the NBD server host:port, all of it
 * and then every write. Refused while a mirror exists; on failure nothing is left. */
bool vdm_blk_mirror_start(struct vdm_blk_mirror *m, const struct vdm_qsd *qsd, const char *name,
                          const char *host, const char *port, const char *export, GError **error);
/* Appends "copying DONE TOTAL", "ready DONE TOTAL" (bytes) or, once the job ended well,
 * "done" (the mirror is then gone). A job that failed is gone too, with its error. */
bool vdm_blk_mirror_status(struct vdm_blk_mirror *m, GString *reply, GError **error);
/* Ends a ready mirror with the target in sync and the disk still served from the source;
 * returns at once, mirror-status says "done" when it has. */
bool vdm_blk_mirror_complete(struct vdm_blk_mirror *m, GError **error);
/* Stops a mirror at once and removes it; true when there is none. */
bool vdm_blk_mirror_cancel(struct vdm_blk_mirror *m, GError **error);
/* Forgets the mirror without a word to the qsd: for a disk going away with its qsd. */
void vdm_blk_mirror_drop(struct vdm_blk_mirror *m);

#endif /* VDM_BLK_MIRROR_H */
