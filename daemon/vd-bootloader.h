/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain without <os><kernel> boots what its first disk holds, as Xen's pygrub did:
 * vireo-bootloader (dom0, docs/dom0.md) opens the disk with QEMU's block layer and copies
 * the default entry's kernel and initrd into a scratch directory of the daemon's; the
 * domain is built from those and the directory goes away.
 */
#ifndef VD_BOOTLOADER_H
#define VD_BOOTLOADER_H

#include "vd-config.h"
#include "vd-domain-def.h"
#include "vd-error.h"

/* vireo-bootloader gets this long before SIGTERM (it then stops its qemu-storage-daemon). */
#define VD_BOOTLOADER_TIMEOUT_S 120

typedef struct vd_boot_image {
    char *dir;     /* ROOT/run/vireo/boot/<name>.XXXXXX, removed by vd_boot_image_clear */
    char *kernel;  /* files in dir */
    char *initrd;  /* NULL: the entry has none */
    char *cmdline; /* the disk's default command line, then the definition's <cmdline> */
    char *source;  /* the tool's words for what it booted ("grub.cfg entry '…'") */
} vd_boot_image;

/*
 * Runs cfg->bootloader on def's boot disk (vd_dm_boot_disk) and fills *out. False with
 * VIR_ERR_OPERATION_FAILED naming the domain and the disk, and the tool's own reason (a
 * disk with no bootable kernel, an image QEMU cannot open); nothing is left behind then.
 */
bool vd_bootloader_run(const vd_config *cfg, const vd_domain_def *def, vd_boot_image *out,
                       vd_error **err);
/* Removes the scratch directory and what is in it; frees the strings. */
void vd_boot_image_clear(vd_boot_image *img);

/*
 * Pure: the tool's stdout (a key file, group [boot]: kernel, initrd, cmdline, source) into
 * *out, whose dir is set. The files must lie in out->dir. False with *why (g_free it).
 */
bool vd_boot_image_parse(const char *text, vd_boot_image *out, char **why);

#endif /* VD_BOOTLOADER_H */
