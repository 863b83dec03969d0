/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where the filesystems on a disk are: libblkid reads the partition table (MBR, GPT) if
 * there is one, and each partition's (or else the whole disk's) filesystem type.
 */
#ifndef VBL_PROBE_H
#define VBL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vbl_error.h"

struct vbl_candidate {
    unsigned partno; /* 1-based as the table numbers it; 0: the whole disk */
    uint64_t offset; /* bytes from the start of the disk */
    char *type;      /* libblkid's name ("ext4", "vfat", "swap"), or NULL: none it knows */
};

/* The candidates in partition order (an MBR's extended container left out); an array of
 * struct vbl_candidate, which frees them. */
bool vbl_probe_disk(const char *disk, GArray **candidates, GError **error);

#endif /* VBL_PROBE_H */
