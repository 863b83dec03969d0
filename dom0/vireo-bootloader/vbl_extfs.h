/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Files out of an ext2/3/4 filesystem at an offset in the disk file, read-only, through
 * e2fsprogs' libext2fs. Paths are absolute within the filesystem; symlinks are followed
 * there and never on the host.
 */
#ifndef VBL_EXTFS_H
#define VBL_EXTFS_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vbl_error.h"

struct vbl_extfs;

bool vbl_extfs_open(const char *disk, uint64_t offset, struct vbl_extfs **fs, GError **error);
void vbl_extfs_close(struct vbl_extfs *fs);
/* The filesystem's UUID as root=UUID= spells it. */
char *vbl_extfs_uuid(const struct vbl_extfs *fs);
/* Whether path is a regular file of at most limit bytes; VBL_ERROR_NOT_FOUND when it (or a
 * link on the way) leads nowhere, VBL_ERROR_NO_KERNEL when it is something else or larger. */
bool vbl_extfs_check(struct vbl_extfs *fs, const char *path, uint64_t limit, GError **error);
/* The whole file, refused when larger than limit bytes; NUL-terminated. */
bool vbl_extfs_read(struct vbl_extfs *fs, const char *path, uint64_t limit, char **contents,
                    GError **error);
/* The file into a new file `name` in the directory dirfd, refused when larger than limit. */
bool vbl_extfs_copy(struct vbl_extfs *fs, const char *path, uint64_t limit, int dirfd,
                    const char *name, GError **error);

#endif /* VBL_EXTFS_H */
