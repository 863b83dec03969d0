/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A running vireo-dm's balloon, from the `balloon` file in its runtime directory (written
 * whole and renamed by dom0/vireo-dm/vdm_balloon.c; keys in docs/device-model.md): the
 * balloon's size and the guest's own memory statistics, as virDomainMemoryStats gives them.
 */
#include "vd-dm.h"

#include <errno.h>

#include "vd-libvirt.h"

/* The guest's figures: the file's key, libvirt's tag, and bytes (to KiB) or a count. */
static const struct {
    const char *key;
    int tag;
    bool bytes;
} guest_stats[] = {
    {"swap-in-bytes", VIR_DOMAIN_MEMORY_STAT_SWAP_IN, true},
    {"swap-out-bytes", VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, true},
    {"major-faults", VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, false},
    {"minor-faults", VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, false},
    {"free-bytes", VIR_DOMAIN_MEMORY_STAT_UNUSED, true},
    {"total-bytes", VIR_DOMAIN_MEMORY_STAT_AVAILABLE, true},
    {"available-bytes", VIR_DOMAIN_MEMORY_STAT_USABLE, true},
    {"last-update", VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, false},
    {"disk-caches-bytes", VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, true},
    {"hugetlb-allocations", VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, false},
    {"hugetlb-failures", VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, false},
};

static int by_tag(const void *a, const void *b)
{
    return ((const vd_memory_stat *)a)->tag - ((const vd_memory_stat *)b)->tag;
}

int vd_dm_balloon_stats_parse(const char *text, size_t len, vd_memory_stat *out,
                              unsigned max, char **why)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    vd_memory_stat all[VD_MEMORY_STATS_MAX];
    unsigned n = 0;

    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &error)) {
        *why = g_strdup(error->message);
        return -1;
    }
    guint64 actual = g_key_file_get_uint64(kf, "balloon", "actual-kib", &error);
    if (error) {
        *why = g_strdup_printf("actual-kib: %s", error->message);
        return -1;
    }
    all[n++] = (vd_memory_stat){VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, actual};
    for (unsigned i = 0; i < G_N_ELEMENTS(guest_stats); i++) {
        g_autoptr(GError) missing = NULL;
        guint64 v = g_key_file_get_uint64(kf, "guest", guest_stats[i].key, &missing);
        if (missing)
            continue; /* the guest did not report it (or has not reported yet) */
        all[n++] = (vd_memory_stat){guest_stats[i].tag, guest_stats[i].bytes ? v / 1024 : v};
    }
    qsort(all, n, sizeof(all[0]), by_tag);
    n = MIN(n, max);
    memcpy(out, all, n * sizeof(all[0]));
    return (int)n;
}

int vd_dm_balloon_stats_read(const vd_config *cfg, int domid, vd_memory_stat *out,
                             unsigned max, vd_error **err)
{
    g_autofree char *dir = vd_dm_runtime_dir(cfg, domid);
    g_autofree char *path = g_build_filename(dir, "balloon", NULL);
    g_autofree char *text = NULL, *why = NULL;
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &text, &len, &error)) {
        if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return 0; /* no balloon served */
        why = g_strdup(error->message);
    } else {
        int n = vd_dm_balloon_stats_parse(text, len, out, max, &why);
        if (n >= 0)
            return n;
    }
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "cannot read the balloon's statistics from %s: %s", path, why);
    return -1;
}

bool vd_dm_balloon_set_period(const vd_config *cfg, int domid, const vd_domain_def *live,
                              int period, vd_error **err)
{
    vd_dm_device devices[VD_DM_SLOTS];
    unsigned n = vd_dm_assign_slots(live, devices);
    for (unsigned slot = 0; slot < n; slot++) {
        if (devices[slot].kind != VD_DM_BALLOON)
            continue;
        g_autofree char *request = g_strdup_printf("device.%u stats-period %d", slot, period);
        return vd_dm_request(cfg, domid, live->name, request, NULL, err);
    }
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
            "domain '%s' has no virtio memory balloon to collect statistics", live->name);
    return false;
}
