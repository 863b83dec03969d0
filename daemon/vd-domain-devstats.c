/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a domain's virtio devices hold and move: a disk's sizes (virsh domblkinfo, through
 * qemu-img like the storage driver), its I/O counters (virsh domblkstat, from vireo-dm's
 * blk-stats file), and an interface's traffic from its tap's counters in sysfs (virsh
 * domifstat).
 */
#include "vd-daemon-private.h"
#include "vd-dm.h"
#include "vd-storage-private.h"

#include <string.h>

/* A disk as these calls need it, copied out of the definition under the read lock. */
typedef struct disk_ref {
    vd_disk_type type;
    int domid; /* -1: not running */
    char *target;
    char *source; /* path, or the nbd URI qemu-img reads */
} disk_ref;

static void disk_ref_free(disk_ref *disk)
{
    g_free(disk->target);
    g_free(disk->source);
    g_free(disk);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(disk_ref, disk_ref_free)

/* The disk named by its target or its source, NULL with libvirt's error. */
static disk_ref *find_disk(vd_daemon *d, const vd_domain_ref *ref, const char *path, bool running,
                           vd_error **err)
{
    const vd_disk_def *found = NULL;
    vd_read_lock(d);
    vd_domain *dom = running ? vd_resolve_active(d, ref, err) : vd_resolve(d, ref, err);
    const vd_domain_def *def = dom ? vd_domain_current_def(dom) : NULL;
    for (unsigned i = 0; def && i < def->disks->len && !found; i++) {
        const vd_disk_def *disk = def->disks->pdata[i];
        if (strcmp(disk->target, path) == 0 || g_strcmp0(disk->source, path) == 0)
            found = disk;
    }
    if (def && !found)
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "invalid argument: domain '%s' has no disk with target or path '%s'", def->name,
                path);
    disk_ref *copy = NULL;
    if (found) {
        copy = g_new0(disk_ref, 1);
        copy->type = found->type;
        copy->domid = dom->id;
        copy->target = g_strdup(found->target);
        copy->source = vd_disk_describe(found);
    }
    vd_read_unlock(d);
    return copy;
}

bool vd_domain_get_block_info(vd_daemon *d, const vd_domain_ref *ref, const char *path,
                              unsigned flags, vd_block_info *out, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, false);
    g_autoptr(disk_ref) disk = find_disk(d, ref, path, false, err);
    if (!disk)
        return false;
    /* No lock held: qemu-img reads the image (--force-share: vireo-dm may hold it). */
    g_autoptr(vd_image_info) info = vd_qemu_img_info(disk->source, err);
    if (!info)
        return false;
    out->capacity = info->capacity;
    out->allocation = info->allocation;
    /* A block device's or an NBD export's length is what it offers. */
    out->physical = disk->type == VD_DISK_FILE && info->physical ? info->physical : info->capacity;
    if (disk->type != VD_DISK_FILE && !out->allocation)
        out->allocation = out->capacity;
    return true;
}

bool vd_domain_block_stats(vd_daemon *d, const vd_domain_ref *ref, const char *path,
                           vd_block_stats *out, vd_error **err)
{
    g_autoptr(disk_ref) disk = find_disk(d, ref, path, true, err);
    if (!disk)
        return false;
    struct vireo_dm_blk_stats st;
    if (!vd_dm_blk_stats_read(d->cfg, disk->domid, disk->target, &st, err))
        return false;
    *out = (vd_block_stats){.rd_req = (int64_t)st.rd_req,
                            .rd_bytes = (int64_t)st.rd_bytes,
                            .wr_req = (int64_t)st.wr_req,
                            .wr_bytes = (int64_t)st.wr_bytes,
                            .flush_req = (int64_t)st.flush_req,
                            .errs = (int64_t)st.errs};
    return true;
}

/* The tap of the running domain's interface named by its tap or MAC; NULL with err set. */
static char *find_tap(vd_daemon *d, const vd_domain_ref *ref, const char *device, vd_error **err)
{
    char *tap = NULL;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    for (unsigned i = 0; dom && i < dom->live->nets->len && !tap; i++) {
        const vd_net_def *net = dom->live->nets->pdata[i];
        g_autofree char *mac =
            g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1], net->mac[2],
                            net->mac[3], net->mac[4], net->mac[5]);
        if (net->ifname &&
            (strcmp(net->ifname, device) == 0 || g_ascii_strcasecmp(mac, device) == 0))
            tap = g_strdup(net->ifname);
    }
    if (dom && !tap)
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "invalid argument: domain '%s' has no interface '%s'", dom->live->name, device);
    vd_read_unlock(d);
    return tap;
}

static bool read_counter(const char *dir, const char *name, int64_t *out, vd_error **err)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) gerr = NULL;
    if (!g_file_get_contents(path, &text, NULL, &gerr)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "cannot read %s: %s", path,
                gerr->message);
        return false;
    }
    *out = g_ascii_strtoll(text, NULL, 10);
    return true;
}

bool vd_domain_interface_stats(vd_daemon *d, const vd_domain_ref *ref, const char *device,
                               vd_interface_stats *out, vd_error **err)
{
    g_autofree char *tap = find_tap(d, ref, device, err);
    if (!tap)
        return false;
    g_autofree char *dir = g_strdup_printf("%s/sys/class/net/%s/statistics", d->cfg->root, tap);
    /* A tap's counters are the host's side: what it transmits the guest receives. */
    return read_counter(dir, "tx_bytes", &out->rx_bytes, err) &&
           read_counter(dir, "tx_packets", &out->rx_packets, err) &&
           read_counter(dir, "tx_errors", &out->rx_errs, err) &&
           read_counter(dir, "tx_dropped", &out->rx_drop, err) &&
           read_counter(dir, "rx_bytes", &out->tx_bytes, err) &&
           read_counter(dir, "rx_packets", &out->tx_packets, err) &&
           read_counter(dir, "rx_errors", &out->tx_errs, err) &&
           read_counter(dir, "rx_dropped", &out->tx_drop, err);
}
