/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libblkid over the disk file. Partition offsets come from the guest's own table, so a
 * partition is only probed where it lies inside the disk.
 */
#include "vbl_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <blkid/blkid.h>

/* GPT allows 128 entries and more; a boot disk uses a handful. */
#define MAX_CANDIDATES 128

static void candidate_clear(void *p)
{
    g_free(((struct vbl_candidate *)p)->type);
}

/* The filesystem type in [offset, offset + size) of the disk, or NULL. */
static char *filesystem_type(int fd, uint64_t offset, uint64_t size)
{
    blkid_probe pr = blkid_new_probe();
    const char *type = NULL;
    char *result = NULL;

    if (pr == NULL)
        return NULL;
    if (blkid_probe_set_device(pr, fd, offset, size) == 0 &&
        blkid_probe_enable_superblocks(pr, 1) == 0 &&
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE) == 0 &&
        blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
        result = g_strdup(type);
    blkid_free_probe(pr);
    return result;
}

static void add(GArray *list, int fd, unsigned partno, uint64_t offset, uint64_t size)
{
    struct vbl_candidate c = {
        .partno = partno,
        .offset = offset,
        .type = filesystem_type(fd, offset, size),
    };

    g_array_append_val(list, c);
}

static void add_partitions(GArray *list, int fd, blkid_partlist parts, uint64_t disk_size)
{
    uint64_t disk_sectors = disk_size / 512;
    int nr = blkid_partlist_numof_partitions(parts);

    for (int i = 0; i < nr && list->len < MAX_CANDIDATES; i++) {
        blkid_partition par = blkid_partlist_get_partition(parts, i);
        int64_t start, len;

        if (par == NULL || blkid_partition_is_extended(par))
            continue;
        start = blkid_partition_get_start(par);
        len = blkid_partition_get_size(par);
        if (start < 0 || len <= 0 || (uint64_t)start >= disk_sectors) {
            /* Outside the disk: nothing there to read, and said so as "no filesystem". */
            struct vbl_candidate c = {.partno = blkid_partition_get_partno(par)};

            g_array_append_val(list, c);
            continue;
        }
        add(list, fd, blkid_partition_get_partno(par), (uint64_t)start * 512,
            MIN((uint64_t)len, disk_sectors - start) * 512);
    }
}

bool vbl_probe_disk(const char *disk, GArray **candidates, GError **error)
{
    int fd = open(disk, O_RDONLY | O_CLOEXEC);
    blkid_probe pr = NULL;
    blkid_partlist parts;
    struct stat st;
    GArray *list;

    *candidates = NULL;
    if (fd < 0 || fstat(fd, &st) != 0) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "cannot read the disk: %s",
                    g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    pr = blkid_new_probe();
    if (pr == NULL || blkid_probe_set_device(pr, fd, 0, st.st_size) != 0 ||
        blkid_probe_enable_superblocks(pr, 0) != 0 || blkid_probe_enable_partitions(pr, 1) != 0) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED,
                    "libblkid cannot probe the disk (%" G_GINT64_FORMAT " bytes)",
                    (gint64)st.st_size);
        blkid_free_probe(pr);
        close(fd);
        return false;
    }
    list = g_array_new(false, true, sizeof(struct vbl_candidate));
    g_array_set_clear_func(list, candidate_clear);
    parts = blkid_probe_get_partitions(pr);
    if (parts != NULL)
        add_partitions(list, fd, parts, st.st_size);
    else
        add(list, fd, 0, 0, st.st_size);
    blkid_free_probe(pr);
    close(fd);
    *candidates = list;
    return true;
}
