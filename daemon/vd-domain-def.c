/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain definition object: construction, a deep copy that needs no XML round trip,
 * and the small helpers every reader of a definition shares (UUIDs, machine names).
 */
#include "vd-domain-def.h"

#include <string.h>

static void disk_free(gpointer p)
{
    vd_disk_def *d = p;
    g_free(d->source);
    g_free(d->protocol);
    g_free(d->export_name);
    g_free(d->host);
    g_free(d->port);
    g_free(d->socket);
    g_free(d->target);
    g_free(d->format);
    g_free(d->cache);
    g_free(d->discard);
    g_free(d->serial);
    g_free(d);
}

static void net_free(gpointer p)
{
    vd_net_def *net = p;
    g_free(net->source);
    g_free(net->ifname);
    g_free(net);
}

vd_domain_def *vd_domain_def_new(void)
{
    vd_domain_def *def = g_new0(vd_domain_def, 1);
    def->disks = g_ptr_array_new_with_free_func(disk_free);
    def->nets = g_ptr_array_new_with_free_func(net_free);
    def->vcpus = def->vcpus_current = 1;
    def->on_reboot = VD_ACTION_RESTART;
    def->balloon_period = -1;
    return def;
}

void vd_domain_def_free(vd_domain_def *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    g_free(def->metadata);
    g_free(def->machine);
    g_free(def->kernel);
    g_free(def->initrd);
    g_free(def->cmdline);
    g_free(def->emulator);
    g_free(def->rng);
    g_ptr_array_unref(def->disks);
    g_ptr_array_unref(def->nets);
    g_free(def);
}

static gpointer disk_copy(gconstpointer src, gpointer unused)
{
    (void)unused;
    const vd_disk_def *s = src;
    vd_disk_def *d = g_memdup2(s, sizeof(*s));
    d->source = g_strdup(s->source);
    d->protocol = g_strdup(s->protocol);
    d->export_name = g_strdup(s->export_name);
    d->host = g_strdup(s->host);
    d->port = g_strdup(s->port);
    d->socket = g_strdup(s->socket);
    d->target = g_strdup(s->target);
    d->format = g_strdup(s->format);
    d->cache = g_strdup(s->cache);
    d->discard = g_strdup(s->discard);
    d->serial = g_strdup(s->serial);
    return d;
}

static gpointer net_copy(gconstpointer src, gpointer unused)
{
    (void)unused;
    const vd_net_def *s = src;
    vd_net_def *n = g_memdup2(s, sizeof(*s));
    n->source = g_strdup(s->source);
    n->ifname = g_strdup(s->ifname);
    return n;
}

vd_domain_def *vd_domain_def_copy(const vd_domain_def *def)
{
    /* Scalars by value, then every pointer replaced by its own copy. */
    vd_domain_def *copy = g_memdup2(def, sizeof(*def));
    copy->name = g_strdup(def->name);
    copy->title = g_strdup(def->title);
    copy->description = g_strdup(def->description);
    copy->metadata = g_strdup(def->metadata);
    copy->machine = g_strdup(def->machine);
    copy->kernel = g_strdup(def->kernel);
    copy->initrd = g_strdup(def->initrd);
    copy->cmdline = g_strdup(def->cmdline);
    copy->emulator = g_strdup(def->emulator);
    copy->rng = g_strdup(def->rng);
    copy->disks = g_ptr_array_copy(def->disks, disk_copy, NULL);
    g_ptr_array_set_free_func(copy->disks, disk_free);
    copy->nets = g_ptr_array_copy(def->nets, net_copy, NULL);
    g_ptr_array_set_free_func(copy->nets, net_free);
    return copy;
}

/* Machine names clients send for a PC: all mean Vireo's one platform. */
bool vd_machine_is_supported(const char *m)
{
    return strcmp(m, "vireo") == 0 || strcmp(m, "pc") == 0 || strcmp(m, "q35") == 0 ||
           g_str_has_prefix(m, "pc-i440fx-") || g_str_has_prefix(m, "pc-q35-");
}

unsigned vd_domain_def_effective_weight(const vd_domain_def *def)
{
    return def->weight ? def->weight : VD_DEFAULT_WEIGHT;
}

const char *vd_disk_type_name(vd_disk_type type)
{
    switch (type) {
    case VD_DISK_BLOCK:
        return "block";
    case VD_DISK_NETWORK:
        return "network";
    case VD_DISK_FILE:
        break;
    }
    return "file";
}

char *vd_disk_describe(const vd_disk_def *disk)
{
    if (disk->type != VD_DISK_NETWORK)
        return g_strdup(disk->source ? disk->source : "");
    const char *export_name = disk->export_name ? disk->export_name : "";
    if (disk->socket)
        return g_strdup_printf("nbd+unix:///%s?socket=%s", export_name, disk->socket);
    return g_strdup_printf("nbd://%s:%s/%s", disk->host ? disk->host : "",
                           disk->port ? disk->port : "10809", export_name);
}

char *vd_disk_share_refusal(const vd_disk_def *disk)
{
    if (!disk->shareable || disk->readonly || !disk->format || strcmp(disk->format, "raw") == 0)
        return NULL;
    /* qcow2 and its kin keep metadata a second writer would corrupt. */
    return g_strdup_printf("shared access for disk '%s' requires use of supported storage "
                           "format (raw), not '%s'",
                           disk->target, disk->format);
}

/* The image a file or block disk opens, its path in canonical form; NULL for NBD. Only
 * the text is looked at (callers hold the table lock, which no file-system call may
 * stall), so two symlinks to one image are two images here. */
static char *disk_image(const vd_disk_def *disk)
{
    if (disk->type == VD_DISK_NETWORK || !disk->source)
        return NULL;
    return g_canonicalize_filename(disk->source, "/");
}

static bool disks_collide(const vd_disk_def *x, const vd_disk_def *y)
{
    if (x->readonly || y->readonly || (x->shareable && y->shareable))
        return false;
    g_autofree char *xi = disk_image(x);
    g_autofree char *yi = disk_image(y);
    return xi && yi && strcmp(xi, yi) == 0;
}

const vd_disk_def *vd_domain_disk_collision(const vd_domain_def *a, const vd_domain_def *b,
                                            const vd_disk_def **theirs)
{
    for (unsigned i = 0; i < a->disks->len; i++) {
        for (unsigned j = 0; j < b->disks->len; j++) {
            if (disks_collide(a->disks->pdata[i], b->disks->pdata[j])) {
                *theirs = b->disks->pdata[j];
                return a->disks->pdata[i];
            }
        }
    }
    return NULL;
}

unsigned vd_domain_dm_device_count(const vd_domain_def *def)
{
    return def->disks->len + def->nets->len + (def->rng != NULL) +
           (def->balloon == VD_BALLOON_VIRTIO);
}

void vd_uuid_format(const unsigned char uuid[16], char out[37])
{
    g_snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
               uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6], uuid[7], uuid[8],
               uuid[9], uuid[10], uuid[11], uuid[12], uuid[13], uuid[14], uuid[15]);
}

/* 32 hex digits; like libvirt, '-' and spaces between them are ignored. */
bool vd_uuid_parse(const char *text, unsigned char uuid[16])
{
    unsigned n = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        int v = g_ascii_xdigit_value(*p);
        if (v < 0 || n >= 32)
            return false;
        if (n % 2 == 0)
            uuid[n / 2] = v << 4;
        else
            uuid[n / 2] |= v;
        n++;
    }
    return n == 32;
}

void vd_uuid_generate(unsigned char uuid[16])
{
    g_autofree char *s = g_uuid_string_random();
    vd_uuid_parse(s, uuid);
}
