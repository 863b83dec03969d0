/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `blk-stats` file: created, sized and mapped once at startup, records claimed by the
 * disks as they are built. The counting itself is vdm_stats_add, inline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdm_device.h"
#include "vdm_stats.h"

static struct vireo_dm_blk_stats *record(const struct vdm_stats *s, unsigned i)
{
    return (struct vireo_dm_blk_stats *)((char *)s->map + sizeof(*s->map)) + i;
}

bool vdm_stats_open(struct vdm_stats *s, const char *runtime_dir, unsigned records,
                    GError **error)
{
    g_autofree char *path = g_build_filename(runtime_dir, VIREO_DM_STATS_FILE, NULL);
    g_autofree char *fresh = g_strconcat(path, ".new", NULL);
    size_t len = sizeof(struct vireo_dm_stats_header) + records * sizeof(struct vireo_dm_blk_stats);
    int fd = open(fresh, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    void *map = MAP_FAILED;

    /* ftruncate zero-fills: every record starts unused, every counter at 0. */
    if (fd >= 0 && ftruncate(fd, (off_t)len) == 0)
        map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        g_set_error(error, VDM_ERROR, 0, "%s: %s", fresh, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    close(fd); /* the mapping keeps the file */
    s->map = map;
    s->len = len;
    *s->map = (struct vireo_dm_stats_header){ .magic = VIREO_DM_STATS_MAGIC,
                                              .version = VIREO_DM_STATS_VERSION,
                                              .header_size = sizeof(*s->map),
                                              .record_count = records,
                                              .record_size = sizeof(struct vireo_dm_blk_stats) };
    /* A new inode under the name, never a file shrunk under it: the daemon maps the file
     * to read it, and a mapping past a truncated end would fault. */
    if (rename(fresh, path) < 0) {
        g_set_error(error, VDM_ERROR, 0, "%s: %s", path, g_strerror(errno));
        vdm_stats_close(s);
        return false;
    }
    return true;
}

void vdm_stats_close(struct vdm_stats *s)
{
    if (s->map != NULL)
        munmap(s->map, s->len);
    s->map = NULL;
}

struct vireo_dm_blk_stats *vdm_stats_claim(struct vdm_stats *s, const char *target)
{
    if (s == NULL || s->map == NULL || target == NULL ||
        strlen(target) >= VIREO_DM_STATS_TARGET_MAX)
        return NULL;
    for (unsigned i = 0; i < s->map->record_count; i++) {
        struct vireo_dm_blk_stats *r = record(s, i);

        if (r->target[0] == '\0') {
            memcpy(r->target, target, strlen(target) + 1);
            return r;
        }
    }
    return NULL;
}
