/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one ext filesystem boots, as pygrub decided it: its grub.cfg's default entry, else
 * Debian's /vmlinuz and /initrd.img links (then the same under /boot).
 */
#ifndef VBL_FIND_H
#define VBL_FIND_H

#include <stdint.h>

#include <glib.h>

#include "vbl_extfs.h"

/* What vireo-bootloader reads at most: more is refused, not truncated. */
#define VBL_GRUB_CFG_MAX (UINT64_C(1) << 20)
#define VBL_KERNEL_MAX (UINT64_C(64) << 20)
#define VBL_INITRD_MAX (UINT64_C(512) << 20)

struct vbl_boot {
    char *kernel; /* paths inside the filesystem */
    char *initrd; /* NULL: none */
    char *cmdline;
    char *source; /* for people: "/boot/grub/grub.cfg entry 'Debian GNU/Linux'", "/vmlinuz" */
};

/* False with *error saying why this filesystem boots nothing (VBL_ERROR_NO_KERNEL) or
 * could not be read. */
bool vbl_find_boot(struct vbl_extfs *fs, struct vbl_boot *boot, GError **error);
void vbl_boot_clear(struct vbl_boot *boot);

#endif /* VBL_FIND_H */
