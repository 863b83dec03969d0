/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A running vireo-dm's disk I/O counters, from the blk-stats file in its runtime directory
 * (layout and writer: dom0/include/vireo-dm-stats.h). Checking the file's contents is pure
 * (vd_dm_blk_stats_find, unit-tested); reading it maps it and copies it a 64-bit word at a
 * time, the way vireo-dm stores its counters, so no counter is seen half-written.
 */
#include "vd-dm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* vireo-dm writes one record per slot; anything far larger is not its file. */
#define STATS_FILE_MAX (64u * 1024)

static bool check_header(const struct vireo_dm_stats_header *h, size_t len, char **why)
{
    if (h->magic != VIREO_DM_STATS_MAGIC) {
        *why = g_strdup_printf("not a vireo-dm stats file (magic 0x%016" G_GINT64_MODIFIER "x)",
                               (guint64)h->magic);
        return false;
    }
    if (h->version != VIREO_DM_STATS_VERSION) {
        *why = g_strdup_printf("version %u, this daemon reads version %u", h->version,
                               VIREO_DM_STATS_VERSION);
        return false;
    }
    if (h->header_size != sizeof(*h) || h->record_size != sizeof(struct vireo_dm_blk_stats)) {
        *why = g_strdup_printf("header of %u bytes and records of %u bytes, expected %zu and %zu",
                               h->header_size, h->record_size, sizeof(*h),
                               sizeof(struct vireo_dm_blk_stats));
        return false;
    }
    if ((len - sizeof(*h)) / sizeof(struct vireo_dm_blk_stats) < h->record_count) {
        *why = g_strdup_printf("%zu bytes, too short for its %u records", len, h->record_count);
        return false;
    }
    return true;
}

bool vd_dm_blk_stats_find(const void *file, size_t len, const char *target,
                          struct vireo_dm_blk_stats *out, char **why)
{
    struct vireo_dm_stats_header h;
    if (len < sizeof(h)) {
        *why = g_strdup_printf("%zu bytes, shorter than its header", len);
        return false;
    }
    memcpy(&h, file, sizeof(h));
    if (!check_header(&h, len, why))
        return false;
    const char *records = (const char *)file + sizeof(h);
    for (unsigned i = 0; i < h.record_count; i++) {
        memcpy(out, records + (size_t)i * sizeof(*out), sizeof(*out));
        if (strncmp(out->target, target, sizeof(out->target)) == 0 && out->target[0] != '\0')
            return true;
    }
    *why = g_strdup_printf("no record for disk '%s'", target);
    return false;
}

/*
 * The whole file (at most STATS_FILE_MAX bytes, whole 64-bit words), copied out of a
 * shared mapping with one atomic load per word: read() promises no copy granularity, and
 * vireo-dm updates each counter with one atomic store. NULL with *why.
 */
static char *read_file(const char *path, size_t *len, char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        *why = g_strdup(g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    size_t words = MIN((size_t)st.st_size, STATS_FILE_MAX) / sizeof(uint64_t);
    uint64_t *buf = g_new0(uint64_t, MAX(words, 1));
    if (words > 0) {
        const uint64_t *map = mmap(NULL, words * sizeof(uint64_t), PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
            *why = g_strdup(g_strerror(errno));
            close(fd);
            g_free(buf);
            return NULL;
        }
        for (size_t i = 0; i < words; i++)
            buf[i] = __atomic_load_n(&map[i], __ATOMIC_RELAXED);
        munmap((void *)map, words * sizeof(uint64_t));
    }
    close(fd);
    *len = words * sizeof(uint64_t);
    return (char *)buf;
}

bool vd_dm_blk_stats_read(const vd_config *cfg, int domid, const char *target,
                          struct vireo_dm_blk_stats *out, vd_error **err)
{
    g_autofree char *dir = vd_dm_runtime_dir(cfg, domid);
    g_autofree char *path = g_build_filename(dir, VIREO_DM_STATS_FILE, NULL);
    g_autofree char *why = NULL;
    size_t len = 0;
    g_autofree char *file = read_file(path, &len, &why);
    if (file && vd_dm_blk_stats_find(file, len, target, out, &why))
        return true;
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "cannot read the I/O counters of disk '%s' from %s: %s", target, path, why);
    return false;
}
