/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reads libvirt domain XML into a vd_domain_def. Every element and attribute the reader
 * understands is marked as consumed; whatever is left unconsumed afterwards is something
 * Vireo cannot honour, and the whole definition is refused naming it. Nothing is dropped.
 */
#include "vd-domain-xml.h"
#include "vd-error.h"
#include "vd-schema.h"
#include "vd-xml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

typedef struct reader {
    GHashTable *seen; /* xmlNode* / xmlAttr* the reader understood */
    vd_error *err;    /* first failure */
} reader;

static bool failed(const reader *r)
{
    return r->err != NULL;
}

static void fail(reader *r, int code, xmlNode *node, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void fail(reader *r, int code, xmlNode *node, const char *fmt, ...)
{
    if (r->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    vd_fail(&r->err, code, VIR_FROM_DOMAIN, "%s (line %ld)", what, xmlGetLineNo(node));
}

static bool is_element(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && n->ns == NULL && strcmp((const char *)n->name, name) == 0;
}

/* The single child element `name`, marked consumed; NULL if absent. */
static xmlNode *child(reader *r, xmlNode *parent, const char *name)
{
    xmlNode *found = NULL;
    for (xmlNode *n = parent->children; n; n = n->next) {
        if (!is_element(n, name))
            continue;
        if (found) {
            fail(r, VIR_ERR_XML_ERROR, n, "element <%s> may appear only once in <%s>", name,
                 (const char *)parent->name);
            return NULL;
        }
        found = n;
    }
    if (found)
        g_hash_table_add(r->seen, found);
    return found;
}

/* Attribute value (newly allocated), marked consumed; NULL if absent. */
static char *attr(reader *r, xmlNode *node, const char *name)
{
    xmlAttr *a = xmlHasNsProp(node, (const xmlChar *)name, NULL);
    if (!a)
        return NULL;
    g_hash_table_add(r->seen, a);
    xmlChar *v = xmlNodeGetContent((xmlNode *)a);
    char *copy = g_strdup(v ? (const char *)v : "");
    xmlFree(v);
    return copy;
}

/* Text content with surrounding white space removed. */
static char *text(xmlNode *node)
{
    xmlChar *v = xmlNodeGetContent(node);
    char *copy = g_strstrip(g_strdup(v ? (const char *)v : ""));
    xmlFree(v);
    return copy;
}

static char *child_text(reader *r, xmlNode *parent, const char *name)
{
    xmlNode *n = child(r, parent, name);
    return n ? text(n) : NULL;
}

static bool parse_uint(reader *r, xmlNode *node, const char *value, const char *what, uint64_t max,
                       uint64_t *out)
{
    guint64 v;
    if (!value || !g_ascii_string_to_unsigned(value, 10, 0, max, &v, NULL)) {
        fail(r, VIR_ERR_XML_ERROR, node, "invalid value '%s' for %s", value ? value : "", what);
        return false;
    }
    *out = v;
    return true;
}

/* libvirt's memory units: powers of 1000 for "KB".."EB", of 1024 otherwise. */
static bool unit_scale(const char *unit, uint64_t *scale)
{
    static const char *const decimal[] = {"KB", "MB", "GB", "TB", "PB", "EB"};
    static const char *const binary[][2] = {{"k", "KiB"}, {"M", "MiB"}, {"G", "GiB"},
                                            {"T", "TiB"}, {"P", "PiB"}, {"E", "EiB"}};
    if (!unit || strcmp(unit, "KiB") == 0 || strcmp(unit, "k") == 0) {
        *scale = 1024;
        return true;
    }
    if (strcmp(unit, "b") == 0 || strcmp(unit, "bytes") == 0) {
        *scale = 1;
        return true;
    }
    uint64_t d = 1, b = 1;
    for (unsigned i = 0; i < G_N_ELEMENTS(decimal); i++) {
        d *= 1000;
        b *= 1024;
        if (strcmp(unit, decimal[i]) == 0 || strcmp(unit, binary[i][0]) == 0 ||
            strcmp(unit, binary[i][1]) == 0) {
            *scale = strcmp(unit, decimal[i]) == 0 ? d : b;
            return true;
        }
    }
    return false;
}

/* <memory unit='...'>N</memory> and friends, in KiB (rounded up, as libvirt does). */
static bool parse_memory(reader *r, xmlNode *node, uint64_t *kib)
{
    g_autofree char *unit = attr(r, node, "unit");
    g_autofree char *value = text(node);
    uint64_t scale, n;
    if (!unit_scale(unit, &scale)) {
        fail(r, VIR_ERR_XML_ERROR, node, "unknown memory unit '%s' in <%s>", unit,
             (const char *)node->name);
        return false;
    }
    if (!parse_uint(r, node, value, (const char *)node->name, G_MAXUINT64, &n))
        return false;
    if (n > G_MAXUINT64 / scale) {
        fail(r, VIR_ERR_XML_ERROR, node, "value of <%s> is too large", (const char *)node->name);
        return false;
    }
    *kib = (n * scale + 1023) / 1024;
    return true;
}

static void parse_identity(reader *r, xmlNode *root, vd_domain_def *def)
{
    def->name = child_text(r, root, "name");
    if (!failed(r) && (!def->name || !*def->name)) {
        fail(r, VIR_ERR_XML_ERROR, root, "missing domain name in <name>");
        return;
    }
    g_autofree char *uuid = child_text(r, root, "uuid");
    if (uuid && !vd_uuid_parse(uuid, def->uuid))
        fail(r, VIR_ERR_XML_ERROR, child(r, root, "uuid"), "malformed uuid '%s'", uuid);
    else if (!uuid)
        vd_uuid_generate(def->uuid);
    def->title = child_text(r, root, "title");
    def->description = child_text(r, root, "description");

    xmlNode *metadata = child(r, root, "metadata");
    if (metadata) {
        /* Applications' own data: kept verbatim, never interpreted. */
        vd_xml_mark_subtree(r->seen, metadata);
        def->metadata = vd_xml_node_to_string(metadata);
    }
}

static void parse_memory_and_vcpus(reader *r, xmlNode *root, vd_domain_def *def)
{
    xmlNode *memory = child(r, root, "memory");
    if (!memory) {
        if (!failed(r))
            fail(r, VIR_ERR_XML_ERROR, root, "missing <memory> element");
        return;
    }
    if (!parse_memory(r, memory, &def->memory_kib))
        return;
    xmlNode *current = child(r, root, "currentMemory");
    def->current_kib = def->memory_kib;
    if (current && !parse_memory(r, current, &def->current_kib))
        return;
    xmlNode *max = child(r, root, "maxMemory");
    if (max) {
        if (!parse_memory(r, max, &def->max_memory_kib))
            return;
        g_autofree char *slots = attr(r, max, "slots");
        uint64_t n = 0;
        if (slots && !parse_uint(r, max, slots, "<maxMemory slots>", 255, &n))
            return;
        def->max_memory_slots = n;
    }

    def->vcpus = def->vcpus_current = 1;
    xmlNode *vcpu = child(r, root, "vcpu");
    if (!vcpu)
        return;
    g_autofree char *count = text(vcpu);
    uint64_t n;
    if (!parse_uint(r, vcpu, count, "<vcpu>", VD_MAX_VCPUS, &n))
        return;
    def->vcpus = def->vcpus_current = n;
    g_autofree char *placement = attr(r, vcpu, "placement");
    if (placement && strcmp(placement, "static") != 0)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, vcpu,
             "vcpu placement '%s' is not supported by Vireo (only 'static')", placement);
    g_autofree char *cur = attr(r, vcpu, "current");
    if (cur && parse_uint(r, vcpu, cur, "<vcpu current>", VD_MAX_VCPUS, &n))
        def->vcpus_current = n;
}

static void parse_os(reader *r, xmlNode *root, vd_domain_def *def)
{
    xmlNode *os = child(r, root, "os");
    xmlNode *type = os ? child(r, os, "type") : NULL;
    if (!type) {
        if (!failed(r))
            fail(r, VIR_ERR_XML_ERROR, os ? os : root, "missing <os><type> element");
        return;
    }
    g_autofree char *os_type = text(type);
    /* 'linux' is libvirt's name for a directly booted Linux kernel (Xen's PV guests): on
     * Vireo that is the guest platform every domU gets, written back as 'hvm'. */
    if (strcmp(os_type, "hvm") != 0 && strcmp(os_type, "linux") != 0) {
        fail(r, VIR_ERR_OS_TYPE, type,
             "os type '%s' is not supported by Vireo (only 'hvm', or 'linux' for a directly "
             "booted kernel)",
             os_type);
        return;
    }
    g_autofree char *arch = attr(r, type, "arch");
    if (arch && strcmp(arch, "x86_64") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, type,
             "architecture '%s' is not supported by Vireo (only 'x86_64')", arch);
        return;
    }
    g_autofree char *machine = attr(r, type, "machine");
    if (machine && !vd_machine_is_supported(machine)) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, type,
             "machine type '%s' is not supported by Vireo (use 'vireo')", machine);
        return;
    }
    def->machine = g_strdup("vireo");
    def->kernel = child_text(r, os, "kernel");
    def->initrd = child_text(r, os, "initrd");
    def->cmdline = child_text(r, os, "cmdline");

    for (xmlNode *n = os->children; n && !failed(r); n = n->next) {
        if (!is_element(n, "boot"))
            continue;
        g_hash_table_add(r->seen, n);
        g_autofree char *dev = attr(r, n, "dev");
        if (!dev || strcmp(dev, "hd") != 0) {
            fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
                 "boot device '%s' is not supported by Vireo (only 'hd', or a direct "
                 "<kernel>)",
                 dev ? dev : "");
            return;
        }
        def->boot_hd = true;
    }
}

static void parse_features_and_clock(reader *r, xmlNode *root, vd_domain_def *def)
{
    xmlNode *features = child(r, root, "features");
    if (features) {
        def->acpi = child(r, features, "acpi") != NULL;
        def->apic = child(r, features, "apic") != NULL;
    }
    xmlNode *clock = child(r, root, "clock");
    if (!clock)
        return;
    g_autofree char *offset = attr(r, clock, "offset");
    if (!offset || strcmp(offset, "utc") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, clock,
             "clock offset '%s' is not supported by Vireo (only 'utc')", offset ? offset : "");
        return;
    }
    def->clock_utc = true;
}

static void parse_action(reader *r, xmlNode *root, const char *name, bool allow_preserve,
                         vd_lifecycle_action dflt, vd_lifecycle_action *out)
{
    *out = dflt;
    xmlNode *n = child(r, root, name);
    if (!n)
        return;
    g_autofree char *v = text(n);
    if (strcmp(v, "destroy") == 0)
        *out = VD_ACTION_DESTROY;
    else if (strcmp(v, "restart") == 0)
        *out = VD_ACTION_RESTART;
    else if (strcmp(v, "preserve") == 0 && allow_preserve)
        *out = VD_ACTION_PRESERVE;
    else if (strcmp(v, "rename-restart") == 0 || g_str_has_prefix(v, "coredump-"))
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "<%s> action '%s' is not supported by Vireo: hv keeps no renamed copy of a stopped "
             "domain and takes no memory dumps",
             name, v);
    else
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "<%s> action '%s' is not supported by Vireo (only destroy, restart%s)", name, v,
             allow_preserve ? " or preserve" : "");
}

/* <cputune>: <shares> is the credit weight; <quota>/<period> give the cap in % of a CPU. */
static void parse_cputune(reader *r, xmlNode *root, vd_domain_def *def)
{
    xmlNode *cputune = child(r, root, "cputune");
    if (!cputune)
        return;
    uint64_t v;
    g_autofree char *shares = child_text(r, cputune, "shares");
    if (shares) {
        if (!parse_uint(r, cputune, shares, "<cputune><shares>", 65535, &v))
            return;
        if (v == 0) {
            fail(r, VIR_ERR_CONFIG_UNSUPPORTED, cputune,
                 "<cputune><shares> must be 1..65535 (Vireo's credit weight)");
            return;
        }
        def->weight = v;
    }
    g_autofree char *period = child_text(r, cputune, "period");
    g_autofree char *quota = child_text(r, cputune, "quota");
    if (!quota || strcmp(quota, "-1") == 0 || strcmp(quota, "0") == 0)
        return;
    uint64_t p = VD_CAP_PERIOD_US, q;
    if (period && !parse_uint(r, cputune, period, "<cputune><period>", 1000000, &p))
        return;
    if (!parse_uint(r, cputune, quota, "<cputune><quota>", G_MAXINT64, &q))
        return;
    if (p < 1000) {
        fail(r, VIR_ERR_XML_ERROR, cputune, "<cputune><period> must be 1000..1000000");
        return;
    }
    uint64_t cap = (q * 100 + p / 2) / p;
    def->cap = cap ? (unsigned)MIN(cap, 100u * VD_MAX_VCPUS) : 1;
}

static vd_net_def *net_new(void)
{
    return g_new0(vd_net_def, 1);
}

/* `value` is one of the NULL-terminated `allowed`, or absent. */
static bool one_of(const char *value, const char *const *allowed)
{
    if (!value)
        return true;
    for (; *allowed; allowed++)
        if (strcmp(value, *allowed) == 0)
            return true;
    return false;
}

/* <source protocol='nbd' name='export'><host name= port=/> or <host transport='unix'
 * socket=/>: qemu-storage-daemon's NBD client, the one network protocol served yet. */
static void parse_network_source(reader *r, xmlNode *source, vd_disk_def *disk)
{
    disk->protocol = attr(r, source, "protocol");
    if (!disk->protocol || strcmp(disk->protocol, "nbd") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, source,
             "disk source protocol '%s' is not supported by Vireo (only 'nbd')",
             disk->protocol ? disk->protocol : "");
        return;
    }
    disk->export_name = attr(r, source, "name");
    xmlNode *host = child(r, source, "host");
    if (!host) {
        if (!failed(r))
            fail(r, VIR_ERR_XML_ERROR, source, "nbd disk source has no <host>");
        return;
    }
    g_autofree char *transport = attr(r, host, "transport");
    if (transport && strcmp(transport, "unix") == 0) {
        disk->socket = attr(r, host, "socket");
        if (!disk->socket || disk->socket[0] != '/')
            fail(r, VIR_ERR_XML_ERROR, host, "nbd unix transport needs <host socket='/path'>");
        return;
    }
    if (transport && strcmp(transport, "tcp") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, host,
             "nbd transport '%s' is not supported by Vireo (only 'tcp' and 'unix')", transport);
        return;
    }
    disk->host = attr(r, host, "name");
    disk->port = attr(r, host, "port");
    uint64_t port;
    if (!disk->host || !*disk->host)
        fail(r, VIR_ERR_XML_ERROR, host, "nbd disk source has no <host name='...'>");
    else if (disk->port && !parse_uint(r, host, disk->port, "<host port>", 65535, &port))
        return;
}

static void parse_disk_source(reader *r, xmlNode *n, const char *type, vd_disk_def *disk)
{
    xmlNode *source = child(r, n, "source");
    if (type && strcmp(type, "network") == 0) {
        disk->type = VD_DISK_NETWORK;
        if (!source && !failed(r))
            fail(r, VIR_ERR_XML_ERROR, n, "network disk has no <source protocol='...'>");
        else if (source)
            parse_network_source(r, source, disk);
        return;
    }
    const char *source_attr;
    if (type && strcmp(type, "file") == 0) {
        disk->type = VD_DISK_FILE;
        source_attr = "file";
    } else if (type && strcmp(type, "block") == 0) {
        disk->type = VD_DISK_BLOCK;
        source_attr = "dev";
    } else {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "disk type '%s' is not supported by Vireo (only 'file', 'block' and 'network')",
             type ? type : "");
        return;
    }
    disk->source = source ? attr(r, source, source_attr) : NULL;
    if (!disk->source || !*disk->source)
        fail(r, VIR_ERR_XML_ERROR, n, "disk has no <source %s='...'>%s", source_attr,
             disk->cdrom ? " (an empty cdrom drive is not supported by Vireo yet)" : "");
}

/* The bus a target name implies when <target bus> is absent, as libvirt reads it: hdX
 * IDE, sdX SCSI, vdX virtio, xvdX Xen, anything else IDE. */
static const char *bus_of_prefix(const char *dev)
{
    return g_str_has_prefix(dev, "vd")    ? "virtio"
           : g_str_has_prefix(dev, "sd")  ? "scsi"
           : g_str_has_prefix(dev, "xvd") ? "xen"
                                          : "ide";
}

/* vd followed by lowercase letters: the names Linux gives virtio disks. */
static bool is_vd_name(const char *dev)
{
    if (!g_str_has_prefix(dev, "vd") || !dev[2])
        return false;
    for (const char *p = dev + 2; *p; p++)
        if (!g_ascii_islower(*p))
            return false;
    return true;
}

static void parse_disk_target(reader *r, xmlNode *n, vd_disk_def *disk)
{
    xmlNode *target = child(r, n, "target");
    disk->target = target ? attr(r, target, "dev") : NULL;
    if (!disk->target || !*disk->target) {
        if (!failed(r))
            fail(r, VIR_ERR_XML_ERROR, n, "disk '%s' has no <target dev='...'>",
                 disk->source ? disk->source : "");
        return;
    }
    g_autofree char *bus = attr(r, target, "bus");
    static const char *const buses[] = {"virtio", "ide", "sata", "scsi", "xen", NULL};
    if (!one_of(bus, buses)) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, target,
             "disk bus '%s' is not supported by Vireo (disks are virtio; ide, sata, scsi and "
             "xen are presented as virtio)",
             bus);
        return;
    }
    /* A disk asked for on another bus becomes virtio; it gets a vdX name later. */
    if (strcmp(bus ? bus : bus_of_prefix(disk->target), "virtio") != 0)
        disk->target[0] = '\0';
    else if (!is_vd_name(disk->target))
        fail(r, VIR_ERR_XML_ERROR, target, "virtio disk target '%s' must be named vdX",
             disk->target);
}

static void parse_disk_driver(reader *r, xmlNode *n, vd_disk_def *disk)
{
    xmlNode *driver = child(r, n, "driver");
    if (!driver)
        return;
    g_autofree char *name = attr(r, driver, "name");
    disk->format = attr(r, driver, "type");
    disk->cache = attr(r, driver, "cache");
    disk->discard = attr(r, driver, "discard");
    /* Formats QEMU's block layer reads without secrets or extra files. */
    static const char *const formats[] = {"raw", "qcow2", "qcow", "qed", "vmdk",
                                          "vdi", "vpc",   "vhdx", NULL};
    static const char *const caches[] = {"default",    "none",   "writeback", "writethrough",
                                         "directsync", "unsafe", NULL};
    static const char *const discards[] = {"unmap", "ignore", NULL};
    if (name && strcmp(name, "qemu") != 0)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, driver,
             "disk driver '%s' is not supported by Vireo (only 'qemu')", name);
    else if (!one_of(disk->format, formats))
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, driver,
             "disk format '%s' is not supported by Vireo (raw, qcow2, qcow, qed, vmdk, vdi, vpc, "
             "vhdx)",
             disk->format);
    else if (!one_of(disk->cache, caches))
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, driver, "disk cache mode '%s' is not supported",
             disk->cache);
    else if (!one_of(disk->discard, discards))
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, driver,
             "disk discard mode '%s' is not supported (only 'unmap' and 'ignore')", disk->discard);
}

static void parse_disk(reader *r, xmlNode *n, vd_domain_def *def)
{
    g_autofree char *type = attr(r, n, "type");
    g_autofree char *device = attr(r, n, "device");
    if (device && strcmp(device, "disk") != 0 && strcmp(device, "cdrom") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "disk device '%s' is not supported by Vireo (only 'disk' and 'cdrom')", device);
        return;
    }
    vd_disk_def *disk = g_new0(vd_disk_def, 1);
    g_ptr_array_add(def->disks, disk);
    disk->cdrom = device && strcmp(device, "cdrom") == 0;
    parse_disk_source(r, n, type, disk);
    if (!failed(r))
        parse_disk_target(r, n, disk);
    if (!failed(r))
        parse_disk_driver(r, n, disk);
    /* A cdrom is a read-only virtio disk: the guest sees no tray. */
    disk->readonly = child(r, n, "readonly") != NULL || disk->cdrom;
    disk->shareable = child(r, n, "shareable") != NULL;
    disk->serial = child_text(r, n, "serial");
}

static bool parse_mac(const char *text, unsigned char mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6)
        return false;
    for (int i = 0; i < 6; i++)
        mac[i] = v[i];
    return (mac[0] & 1) == 0; /* multicast addresses cannot name a NIC */
}

static void generate_mac(unsigned char mac[6])
{
    /* QEMU's locally administered prefix, as libvirt uses for its guests. */
    mac[0] = 0x52;
    mac[1] = 0x54;
    mac[2] = 0x00;
    for (int i = 3; i < 6; i++)
        mac[i] = g_random_int_range(0, 256);
}

static void parse_interface(reader *r, xmlNode *n, vd_domain_def *def)
{
    g_autofree char *type = attr(r, n, "type");
    vd_net_def *net = net_new();
    g_ptr_array_add(def->nets, net);
    const char *source_attr;
    if (type && strcmp(type, "bridge") == 0) {
        net->type = VD_NET_BRIDGE;
        source_attr = "bridge";
    } else if (type && strcmp(type, "network") == 0) {
        net->type = VD_NET_NETWORK;
        source_attr = "network";
    } else {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "interface type '%s' is not supported by Vireo (only 'bridge' and 'network')",
             type ? type : "");
        return;
    }
    xmlNode *source = child(r, n, "source");
    g_autofree char *src = source ? attr(r, source, source_attr) : NULL;
    if (!src || !*src) {
        fail(r, VIR_ERR_XML_ERROR, n, "interface has no <source %s='...'>", source_attr);
        return;
    }
    net->source = g_steal_pointer(&src);
    xmlNode *mac = child(r, n, "mac");
    g_autofree char *address = mac ? attr(r, mac, "address") : NULL;
    if (address && !parse_mac(address, net->mac)) {
        fail(r, VIR_ERR_INVALID_MAC, mac, "invalid MAC address '%s'", address);
        return;
    }
    if (!address)
        generate_mac(net->mac);
    /* The tap is always vif<domid>.<n> (as Xen names it): a <target dev> is read (a running
     * domain's XML carries it) but only shown while the domain runs. */
    xmlNode *target = child(r, n, "target");
    net->ifname = target ? attr(r, target, "dev") : NULL;
    xmlNode *model = child(r, n, "model");
    g_autofree char *model_type = model ? attr(r, model, "type") : NULL;
    static const char *const models[] = {"virtio", "e1000", "e1000e", "rtl8139", "netfront"};
    bool ok = model_type == NULL;
    for (unsigned i = 0; i < G_N_ELEMENTS(models) && !ok; i++)
        ok = strcmp(model_type, models[i]) == 0;
    if (!ok)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, model,
             "interface model '%s' is not supported by Vireo (NICs are virtio; e1000, e1000e, "
             "rtl8139 and netfront are presented as virtio)",
             model_type);
}

/* <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>: vireo-dm reads
 * the host device it names. */
static void parse_rng(reader *r, xmlNode *n, vd_domain_def *def)
{
    g_autofree char *model = attr(r, n, "model");
    if (!model || strcmp(model, "virtio") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "rng model '%s' is not supported by Vireo (only 'virtio')", model ? model : "");
        return;
    }
    if (def->rng) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n, "Vireo domains have at most one <rng>");
        return;
    }
    xmlNode *backend = child(r, n, "backend");
    g_autofree char *bmodel = backend ? attr(r, backend, "model") : NULL;
    if (!backend || !bmodel || strcmp(bmodel, "random") != 0) {
        if (!failed(r))
            fail(r, VIR_ERR_CONFIG_UNSUPPORTED, backend ? backend : n,
                 "rng backend model '%s' is not supported by Vireo (only 'random')",
                 bmodel ? bmodel : "");
        return;
    }
    g_autofree char *dev = text(backend);
    static const char *const devices[] = {"/dev/urandom", "/dev/random", "/dev/hwrng", NULL};
    if (!*dev) {
        g_free(dev);
        dev = g_strdup("/dev/urandom"); /* libvirt's default for an empty backend */
    }
    if (!one_of(dev, devices)) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, backend,
             "rng backend '%s' is not supported (only /dev/urandom, /dev/random, /dev/hwrng)", dev);
        return;
    }
    def->rng = g_steal_pointer(&dev);
}

static void parse_memballoon(reader *r, xmlNode *n, vd_domain_def *def)
{
    g_autofree char *model = attr(r, n, "model");
    g_autofree char *autodeflate = attr(r, n, "autodeflate");
    if (def->balloon != VD_BALLOON_ABSENT) {
        fail(r, VIR_ERR_XML_ERROR, n, "element <memballoon> may appear only once");
        return;
    }
    if (model && strcmp(model, "virtio") == 0)
        def->balloon = VD_BALLOON_VIRTIO;
    else if (model && strcmp(model, "none") == 0)
        def->balloon = VD_BALLOON_NONE;
    else {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "memballoon model '%s' is not supported by Vireo (only 'virtio' and 'none')",
             model ? model : "");
        return;
    }
    if (autodeflate && strcmp(autodeflate, "on") != 0 && strcmp(autodeflate, "off") != 0) {
        fail(r, VIR_ERR_XML_ERROR, n, "invalid value '%s' for memballoon autodeflate",
             autodeflate);
        return;
    }
    def->balloon_autodeflate = autodeflate && strcmp(autodeflate, "on") == 0;
    xmlNode *stats = child(r, n, "stats");
    g_autofree char *period = stats ? attr(r, stats, "period") : NULL;
    uint64_t seconds;
    if (period && parse_uint(r, stats, period, "memballoon stats period", 86400, &seconds))
        def->balloon_period = (int)seconds;
}

/* A serial port is COM1, a 16550A on the ISA bus: libvirt's isa-serial, its one model. */
static void parse_serial_target(reader *r, xmlNode *target, const char *type)
{
    xmlNode *model = target ? child(r, target, "model") : NULL;
    g_autofree char *model_name = model ? attr(r, model, "name") : NULL;
    const char *bad = type && strcmp(type, "isa-serial") != 0 ? type
                      : model && (!model_name || strcmp(model_name, "isa-serial") != 0)
                          ? (model_name ? model_name : "")
                          : NULL;
    if (bad)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, target,
             "serial target '%s' is not supported by Vireo (only 'isa-serial': COM1)", bad);
}

/* <serial>/<console> type='pty': the domain's one console (hv's console ring). */
static void parse_chardev(reader *r, xmlNode *n, vd_domain_def *def)
{
    bool is_console = is_element(n, "console");
    g_autofree char *type = attr(r, n, "type");
    if (!type || strcmp(type, "pty") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
             "<%s> type '%s' is not supported by Vireo (only 'pty')", (const char *)n->name,
             type ? type : "");
        return;
    }
    if (is_console ? def->console : def->serial) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n, "Vireo domains have only one <%s>",
             (const char *)n->name);
        return;
    }
    xmlNode *target = child(r, n, "target");
    g_autofree char *port = target ? attr(r, target, "port") : NULL;
    g_autofree char *ttype = target ? attr(r, target, "type") : NULL;
    if (port && strcmp(port, "0") != 0) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, target,
             "<%s> port '%s' is not supported by Vireo (only port 0)", (const char *)n->name, port);
        return;
    }
    if (!is_console) {
        parse_serial_target(r, target, ttype);
        def->serial = true;
        return;
    }
    def->console = true;
    if (!ttype || strcmp(ttype, "serial") == 0)
        def->console_target = VD_CONSOLE_TARGET_SERIAL;
    else if (strcmp(ttype, "virtio") == 0)
        def->console_target = VD_CONSOLE_TARGET_VIRTIO;
    else
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, target,
             "console target type '%s' is not supported by Vireo (only 'serial' and 'virtio')",
             ttype);
}

static void parse_graphics(reader *r, xmlNode *n, vd_domain_def *def)
{
    g_autofree char *type = attr(r, n, "type");
    if (type && strcmp(type, "none") == 0) {
        def->graphics_none = true;
        return;
    }
    fail(r, VIR_ERR_CONFIG_UNSUPPORTED, n,
         "graphics type '%s' is not supported by Vireo: guests have no display; use the "
         "serial console (virt-install --graphics none)",
         type ? type : "");
}

/* As libvirt does: a serial console is serial port 0, and serial port 0 is the console. */
static void pair_console_and_serial(vd_domain_def *def)
{
    if (def->serial && !def->console) {
        def->console = true;
        def->console_target = VD_CONSOLE_TARGET_SERIAL;
    }
    if (def->console && def->console_target == VD_CONSOLE_TARGET_SERIAL)
        def->serial = true;
}

static void parse_devices(reader *r, xmlNode *root, vd_domain_def *def)
{
    xmlNode *devices = child(r, root, "devices");
    if (!devices)
        return;
    for (xmlNode *n = devices->children; n && !failed(r); n = n->next) {
        if (n->type != XML_ELEMENT_NODE || n->ns)
            continue;
        if (is_element(n, "disk"))
            parse_disk(r, n, def);
        else if (is_element(n, "interface"))
            parse_interface(r, n, def);
        else if (is_element(n, "console") || is_element(n, "serial"))
            parse_chardev(r, n, def);
        else if (is_element(n, "graphics"))
            parse_graphics(r, n, def);
        else if (is_element(n, "rng"))
            parse_rng(r, n, def);
        else if (is_element(n, "memballoon"))
            parse_memballoon(r, n, def);
        else if (is_element(n, "emulator")) {
            if (def->emulator) {
                fail(r, VIR_ERR_XML_ERROR, n, "element <emulator> may appear only once");
                break;
            }
            def->emulator = text(n);
        } else
            continue; /* left unconsumed: the sweep refuses it by name */
        g_hash_table_add(r->seen, n);
    }
}

/* Virtio disks keep their vdX; the others get the next free names in document order. */
static void assign_disk_targets(reader *r, xmlNode *root, vd_domain_def *def)
{
    g_autoptr(GHashTable) used = g_hash_table_new(g_str_hash, g_str_equal);
    for (unsigned i = 0; i < def->disks->len; i++) {
        vd_disk_def *disk = def->disks->pdata[i];
        if (!disk->target[0])
            continue;
        vd_disk_def *other = g_hash_table_lookup(used, disk->target);
        if (other) {
            /* libvirt's words, so scripts matching them keep working. */
            g_autofree char *a = vd_disk_describe(other);
            g_autofree char *b = vd_disk_describe(disk);
            fail(r, VIR_ERR_XML_ERROR, root,
                 "target '%s' duplicated for disk sources '%s' and '%s'", disk->target, a, b);
            return;
        }
        g_hash_table_insert(used, disk->target, disk);
    }
    unsigned next = 0;
    for (unsigned i = 0; i < def->disks->len; i++) {
        vd_disk_def *disk = def->disks->pdata[i];
        if (disk->target[0])
            continue;
        for (;; next++) {
            char name[8];
            if (next < 26)
                g_snprintf(name, sizeof(name), "vd%c", 'a' + next);
            else
                g_snprintf(name, sizeof(name), "vd%c%c", 'a' + next / 26 - 1, 'a' + next % 26);
            if (!g_hash_table_contains(used, name)) {
                g_free(disk->target);
                disk->target = g_strdup(name);
                g_hash_table_insert(used, disk->target, disk);
                break;
            }
        }
    }
}

static bool name_is_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > VD_NAME_MAX || name[0] == '.')
        return false;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

static void check_consistency(reader *r, xmlNode *root, vd_domain_def *def)
{
    if (!name_is_valid(def->name))
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, root,
             "domain name '%s' is not supported by Vireo: use at most %d letters, digits, "
             "'_', '.' or '-', not starting with '.'",
             def->name, VD_NAME_MAX);
    else if (def->memory_kib < 4096)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, root,
             "memory %" G_GUINT64_FORMAT " KiB is below Vireo's minimum of 4096 KiB",
             def->memory_kib);
    else if (def->current_kib > def->memory_kib)
        fail(r, VIR_ERR_XML_ERROR, root, "<currentMemory> is larger than <memory>");
    else if (def->max_memory_kib && def->max_memory_kib < def->memory_kib)
        fail(r, VIR_ERR_XML_ERROR, root, "<maxMemory> is smaller than <memory>");
    else if (def->vcpus == 0 || def->vcpus_current == 0 || def->vcpus_current > def->vcpus)
        fail(r, VIR_ERR_XML_ERROR, root, "<vcpu current> must be 1..%u", def->vcpus);
    else if (!def->kernel && !def->boot_hd && def->disks->len == 0)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, root,
             "Vireo boots a domain from <os><kernel> or from the kernel in its first disk: "
             "this domain has neither");
    else if (def->initrd && !def->kernel)
        fail(r, VIR_ERR_XML_ERROR, root, "<initrd> given without <kernel>");
    else if (vd_domain_dm_device_count(def) > VD_DM_SLOTS)
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, root,
             "domain '%s' has %u virtio devices (disks, interfaces, rng, memballoon): Vireo's "
             "device model serves at most %u",
             def->name, vd_domain_dm_device_count(def), VD_DM_SLOTS);
}

static void parse_root(reader *r, xmlNode *root, vd_domain_def *def, int *id_out)
{
    if (!is_element(root, "domain")) {
        fail(r, VIR_ERR_XML_ERROR, root, "expected root element <domain>, not <%s>",
             (const char *)root->name);
        return;
    }
    g_hash_table_add(r->seen, root);
    g_autofree char *type = attr(r, root, "type");
    if (!type || (strcmp(type, "vireo") != 0 && strcmp(type, "kvm") != 0)) {
        fail(r, VIR_ERR_CONFIG_UNSUPPORTED, root,
             "domain type '%s' is not supported by this daemon (use 'vireo')", type ? type : "");
        return;
    }
    /* The id of a running domain is state, not configuration: read for status files. */
    g_autofree char *id = attr(r, root, "id");
    if (id_out)
        *id_out = id ? (int)g_ascii_strtoll(id, NULL, 10) : -1;

    parse_identity(r, root, def);
    parse_memory_and_vcpus(r, root, def);
    parse_os(r, root, def);
    parse_features_and_clock(r, root, def);
    parse_action(r, root, "on_poweroff", false, VD_ACTION_DESTROY, &def->on_poweroff);
    parse_action(r, root, "on_reboot", false, VD_ACTION_RESTART, &def->on_reboot);
    parse_action(r, root, "on_crash", true, VD_ACTION_DESTROY, &def->on_crash);
    parse_cputune(r, root, def);
    parse_devices(r, root, def);
    pair_console_and_serial(def);
    if (!failed(r))
        assign_disk_targets(r, root, def);
}

vd_domain_def *vd_domain_def_parse(const char *xml, int *id_out, vd_error **err)
{
    g_autoptr(xmlDoc) doc = vd_xml_read(xml, "domain", err);
    if (!doc)
        return NULL;
    reader r = {.seen = g_hash_table_new(NULL, NULL)};
    g_autoptr(vd_domain_def) def = vd_domain_def_new();
    xmlNode *root = xmlDocGetRootElement(doc);

    parse_root(&r, root, def, id_out);
    if (!failed(&r))
        vd_xml_refuse_unconsumed(r.seen, root, &r.err);
    if (!failed(&r))
        check_consistency(&r, root, def);
    /* Last: the schema catches what the reader let through (text in empty elements,
     * malformed values it does not look at), naming the line. */
    if (!failed(&r))
        vd_schema_validate(doc, VD_SCHEMA_DOMAIN, &r.err);
    g_hash_table_unref(r.seen);
    if (r.err) {
        vd_error_propagate(err, r.err);
        return NULL;
    }
    return g_steal_pointer(&def);
}
