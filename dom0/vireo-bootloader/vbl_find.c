/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boot choice within one filesystem. grub.cfg's paths are relative to the filesystem
 * holding it: /boot/grub/grub.cfg on a root filesystem, /grub/grub.cfg on a separate /boot.
 */
#include "vbl_find.h"

#include <inttypes.h>
#include <string.h>

#include "vbl_grub.h"

static const char *const grub_cfgs[] = {"/boot/grub/grub.cfg", "/grub/grub.cfg"};

static const struct {
    const char *kernel, *initrd;
} links[] = {
    {"/vmlinuz", "/initrd.img"},
    {"/boot/vmlinuz", "/boot/initrd.img"},
};

/* The kernel must be there and small enough; so must the initrd if one is named. */
static bool check_files(struct vbl_extfs *fs, const struct vbl_boot *boot, GError **error)
{
    return vbl_extfs_check(fs, boot->kernel, VBL_KERNEL_MAX, error) &&
           (boot->initrd == NULL || vbl_extfs_check(fs, boot->initrd, VBL_INITRD_MAX, error));
}

static bool from_grub_cfg(struct vbl_extfs *fs, const char *cfg, struct vbl_boot *boot,
                          GError **error)
{
    g_autofree char *text = NULL;
    struct vbl_grub_entry entry;
    GError *err = NULL;

    if (!vbl_extfs_read(fs, cfg, VBL_GRUB_CFG_MAX, &text, error))
        return false;
    if (!vbl_grub_default_entry(text, &entry, &err)) {
        g_set_error(error, VBL_ERROR, err->code, "%s: %s", cfg, err->message);
        g_error_free(err);
        return false;
    }
    boot->kernel = g_steal_pointer(&entry.kernel);
    boot->initrd = g_steal_pointer(&entry.initrd);
    boot->cmdline = g_steal_pointer(&entry.cmdline);
    boot->source = g_strdup_printf("%s entry '%s'", cfg, entry.title);
    vbl_grub_entry_clear(&entry);
    if (!check_files(fs, boot, &err)) {
        g_set_error(error, VBL_ERROR, err->code, "%s: %s", boot->source, err->message);
        g_error_free(err);
        return false;
    }
    return true;
}

static bool exists(struct vbl_extfs *fs, const char *path, bool *found, GError **error)
{
    GError *err = NULL;

    *found = vbl_extfs_check(fs, path, UINT64_MAX, &err);
    if (*found || g_error_matches(err, VBL_ERROR, VBL_ERROR_NOT_FOUND)) {
        g_clear_error(&err);
        return true;
    }
    g_propagate_error(error, err);
    return false;
}

/* Debian's links with the kernel's usual arguments for this filesystem as root. */
static bool from_links(struct vbl_extfs *fs, unsigned i, struct vbl_boot *boot, GError **error)
{
    g_autofree char *uuid = vbl_extfs_uuid(fs);
    bool has_initrd;

    if (!exists(fs, links[i].initrd, &has_initrd, error))
        return false;
    boot->kernel = g_strdup(links[i].kernel);
    boot->initrd = has_initrd ? g_strdup(links[i].initrd) : NULL;
    boot->cmdline = g_strdup_printf("root=UUID=%s ro", uuid);
    boot->source = g_strdup(links[i].kernel);
    return check_files(fs, boot, error);
}

bool vbl_find_boot(struct vbl_extfs *fs, struct vbl_boot *boot, GError **error)
{
    bool found;

    memset(boot, 0, sizeof(*boot));
    for (unsigned i = 0; i < G_N_ELEMENTS(grub_cfgs); i++) {
        if (!exists(fs, grub_cfgs[i], &found, error))
            return false;
        if (found)
            return from_grub_cfg(fs, grub_cfgs[i], boot, error);
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(links); i++) {
        if (!exists(fs, links[i].kernel, &found, error))
            return false;
        if (found)
            return from_links(fs, i, boot, error);
    }
    g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL,
                "has no /boot/grub/grub.cfg, /grub/grub.cfg, /vmlinuz or /boot/vmlinuz");
    return false;
}

void vbl_boot_clear(struct vbl_boot *boot)
{
    g_free(boot->kernel);
    g_free(boot->initrd);
    g_free(boot->cmdline);
    g_free(boot->source);
    memset(boot, 0, sizeof(*boot));
}
