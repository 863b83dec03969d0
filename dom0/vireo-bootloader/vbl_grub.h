/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * grub.cfg's default entry, read the way pygrub did: the menu entries at the top level,
 * `set default=`, and each entry's linux and initrd commands. Pure: text in, entry out.
 */
#ifndef VBL_GRUB_H
#define VBL_GRUB_H

#include <stdbool.h>

#include <glib.h>

#include "vbl_error.h"

struct vbl_grub_entry {
    char *title;
    char *kernel;  /* the path as written, without a "(hd0,msdos1)" device in front */
    char *cmdline; /* the kernel's plain-text arguments, space separated; may be "" */
    char *initrd;  /* the first plain-text initrd path, or NULL */
};

/*
 * The entry grub would boot without a user at the keyboard: `set default=` by index, title
 * or id; a default grub cannot know without its environment block ("saved", variables) or
 * that names no top-level entry means the first. False with *error when the text has no
 * usable entry.
 */
bool vbl_grub_default_entry(const char *text, struct vbl_grub_entry *entry, GError **error);
void vbl_grub_entry_clear(struct vbl_grub_entry *entry);

#endif /* VBL_GRUB_H */
