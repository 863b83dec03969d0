/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which device sits in which slot of the device model's window, and the configuration file
 * vireo-dm reads (the contract with dom0/vireo-dm, docs/device-model.md). Pure: unit-tested
 * against the exact expected text.
 */
#include "vd-dm.h"

#include <stdlib.h>
#include <string.h>

/* vda < vdb < ... < vdz < vdaa: shorter names first, then alphabetical. */
static int target_order(const vd_disk_def *a, const vd_disk_def *b)
{
    size_t la = strlen(a->target), lb = strlen(b->target);
    return la != lb ? (la < lb ? -1 : 1) : strcmp(a->target, b->target);
}

unsigned vd_dm_assign_slots(const vd_domain_def *def, vd_dm_device out[VD_DM_SLOTS])
{
    unsigned n = 0;
    unsigned order[VD_DM_SLOTS];
    unsigned ndisks = MIN(def->disks->len, VD_DM_SLOTS);
    /* Insertion sort of the disks' indices by target: at most eight. */
    for (unsigned i = 0; i < ndisks; i++) {
        unsigned j = i;
        for (; j > 0 && target_order(def->disks->pdata[i], def->disks->pdata[order[j - 1]]) < 0;
             j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    for (unsigned i = 0; i < ndisks; i++)
        out[n++] = (vd_dm_device){VD_DM_DISK, order[i]};
    for (unsigned i = 0; i < def->nets->len && n < VD_DM_SLOTS; i++)
        out[n++] = (vd_dm_device){VD_DM_NET, i};
    if (def->rng && n < VD_DM_SLOTS)
        out[n++] = (vd_dm_device){VD_DM_RNG, 0};
    if (def->balloon == VD_BALLOON_VIRTIO && n < VD_DM_SLOTS)
        out[n++] = (vd_dm_device){VD_DM_BALLOON, 0};
    return n;
}

uint32_t vd_dm_slot_mask(const vd_domain_def *def)
{
    vd_dm_device devices[VD_DM_SLOTS];
    unsigned n = vd_dm_assign_slots(def, devices);
    return n ? (1u << n) - 1 : 0;
}

char *vd_dm_ifname(int domid, unsigned n)
{
    return g_strdup_printf("vif%d.%u", domid, n);
}

static void write_disk(GKeyFile *kf, const char *group, const vd_disk_def *disk)
{
    g_key_file_set_string(kf, group, "type", "disk");
    g_key_file_set_string(kf, group, "target", disk->target);
    g_key_file_set_string(kf, group, "source_type", vd_disk_type_name(disk->type));
    if (disk->type == VD_DISK_NETWORK) {
        g_key_file_set_string(kf, group, "protocol", disk->protocol);
        if (disk->socket) {
            g_key_file_set_string(kf, group, "socket", disk->socket);
        } else {
            g_key_file_set_string(kf, group, "host", disk->host);
            g_key_file_set_string(kf, group, "port", disk->port ? disk->port : "10809");
        }
        g_key_file_set_string(kf, group, "export", disk->export_name ? disk->export_name : "");
    } else {
        g_key_file_set_string(kf, group, "path", disk->source);
    }
    g_key_file_set_string(kf, group, "format", disk->format ? disk->format : "raw");
    g_key_file_set_boolean(kf, group, "readonly", disk->readonly);
    g_key_file_set_string(kf, group, "cache", disk->cache ? disk->cache : "default");
    g_key_file_set_string(kf, group, "discard", disk->discard ? disk->discard : "ignore");
    g_key_file_set_string(kf, group, "serial", disk->serial ? disk->serial : "");
}

const vd_disk_def *vd_dm_boot_disk(const vd_domain_def *def)
{
    const vd_disk_def *first = NULL;
    for (unsigned i = 0; i < def->disks->len; i++) {
        const vd_disk_def *disk = def->disks->pdata[i];
        if (!disk->cdrom && (!first || target_order(disk, first) < 0))
            first = disk;
    }
    return first;
}

char *vd_dm_disk_config_text(const vd_disk_def *disk, const char *group)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    write_disk(kf, group, disk);
    return g_key_file_to_data(kf, NULL, NULL);
}

/* The tap is the daemon's to make and join to its bridge (vd-dm.c); vireo-dm inherits it
 * open at tap_fd and runs only the datapath. */
static void write_net(GKeyFile *kf, const char *group, const vd_net_def *net, unsigned n)
{
    g_autofree char *mac =
        g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1], net->mac[2],
                        net->mac[3], net->mac[4], net->mac[5]);
    g_key_file_set_string(kf, group, "type", "net");
    g_key_file_set_string(kf, group, "mac", mac);
    g_key_file_set_string(kf, group, "ifname", net->ifname ? net->ifname : "");
    g_key_file_set_integer(kf, group, "tap_fd", (int)(VD_DM_TAP_FD_FIRST + n));
}

char *vd_dm_config_text(const vd_domain_def *live, int domid, const char *runtime_dir)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_set_integer(kf, "vireo-dm", "domid", domid);
    g_key_file_set_string(kf, "vireo-dm", "name", live->name);
    g_key_file_set_uint64(kf, "vireo-dm", "memory_bytes", live->memory_kib * 1024);
    g_key_file_set_string(kf, "vireo-dm", "runtime_dir", runtime_dir);

    vd_dm_device devices[VD_DM_SLOTS];
    unsigned n = vd_dm_assign_slots(live, devices);
    for (unsigned slot = 0; slot < n; slot++) {
        g_autofree char *group = g_strdup_printf("device.%u", slot);
        g_key_file_set_integer(kf, group, "slot", (int)slot);
        const vd_dm_device *dev = &devices[slot];
        switch (dev->kind) {
        case VD_DM_DISK:
            write_disk(kf, group, live->disks->pdata[dev->index]);
            break;
        case VD_DM_NET:
            write_net(kf, group, live->nets->pdata[dev->index], dev->index);
            break;
        case VD_DM_RNG:
            g_key_file_set_string(kf, group, "type", "rng");
            g_key_file_set_string(kf, group, "source", live->rng);
            break;
        case VD_DM_BALLOON:
            g_key_file_set_string(kf, group, "type", "balloon");
            if (live->balloon_period >= 0)
                g_key_file_set_integer(kf, group, "stats_period", live->balloon_period);
            if (live->balloon_autodeflate)
                g_key_file_set_boolean(kf, group, "deflate_on_oom", true);
            break;
        }
    }
    return g_key_file_to_data(kf, NULL, NULL);
}

char *vd_dm_runtime_dir(const vd_config *cfg, int domid)
{
    return g_strdup_printf("%s/dm/%d", cfg->state_dir, domid);
}
