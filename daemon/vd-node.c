/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Connection and node calls: type, version, hostname, node info (from hv when present,
 * else from /proc and sysconf), capabilities and domain capabilities XML.
 */
#include "vd-daemon-private.h"
#include "vd-host.h"
#include "vd-schema.h"
#include "vd-xml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *vd_connect_get_type(vd_daemon *d)
{
    (void)d;
    return "Vireo";
}

static uint64_t version_number(const char *text)
{
    unsigned major = 0, minor = 0, micro = 0;
    sscanf(text, "%u.%u.%u", &major, &minor, &micro);
    return major * 1000000ull + minor * 1000ull + micro;
}

/* hv's version when it runs, else the daemon's own (they are released together). */
uint64_t vd_connect_get_version(vd_daemon *d)
{
    vd_hv_physinfo phys;
    g_autoptr(vd_error) err = NULL;
    if (vd_hv_present(d->hv) && d->hv->ops->physinfo(d->hv, &phys, &err))
        return version_number(phys.version);
    return version_number(VD_VERSION);
}

char *vd_connect_get_hostname(vd_daemon *d, vd_error **err)
{
    (void)d;
    char name[256];
    if (gethostname(name, sizeof(name) - 1) != 0) {
        vd_fail_errno(err, errno, "cannot get the host name");
        return NULL;
    }
    name[sizeof(name) - 1] = '\0';
    return g_strdup(name);
}

/* Fields of /proc/cpuinfo's first processor, and the number of processors. */
typedef struct cpuinfo {
    unsigned processors, mhz, cores_per_socket, siblings;
    GHashTable *sockets; /* "physical id" values */
} cpuinfo;

static void read_cpuinfo(cpuinfo *ci)
{
    g_autofree char *text = NULL;
    ci->sockets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (!g_file_get_contents("/proc/cpuinfo", &text, NULL, NULL))
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        char *colon = strchr(*l, ':');
        if (!colon)
            continue;
        g_autofree char *key = g_strstrip(g_strndup(*l, colon - *l));
        const char *value = colon + 1;
        if (strcmp(key, "processor") == 0)
            ci->processors++;
        else if (strcmp(key, "cpu MHz") == 0 && !ci->mhz)
            ci->mhz = (unsigned)g_ascii_strtod(value, NULL);
        else if (strcmp(key, "cpu cores") == 0 && !ci->cores_per_socket)
            ci->cores_per_socket = strtoul(value, NULL, 10);
        else if (strcmp(key, "siblings") == 0 && !ci->siblings)
            ci->siblings = strtoul(value, NULL, 10);
        else if (strcmp(key, "physical id") == 0)
            g_hash_table_add(ci->sockets, g_strstrip(g_strdup(value)));
    }
}

/* One "Key:  N kB" line of /proc/meminfo; fallback when the file cannot be read. */
static uint64_t meminfo_kib(const char *key, uint64_t fallback)
{
    g_autofree char *text = NULL;
    g_autofree char *line = g_strconcat("\n", key, ":", NULL); /* keys start a line */
    if (!g_file_get_contents("/proc/meminfo", &text, NULL, NULL))
        return fallback;
    const char *label = line + 1;
    const char *p = g_str_has_prefix(text, label) ? text : strstr(text, line);
    if (p && *p == '\n')
        p++;
    return p ? g_ascii_strtoull(p + strlen(label), NULL, 10) : fallback;
}

static uint64_t mem_total_kib(void)
{
    return meminfo_kib("MemTotal",
                       (uint64_t)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) / 1024);
}

bool vd_node_get_memory(vd_daemon *d, int cell, unsigned flags, vd_node_memory *out, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, false);
    if (cell != 0 && cell != VIR_NODE_MEMORY_STATS_ALL_CELLS) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_NONE,
                "cell %d out of range: Vireo's node has one NUMA cell, 0", cell);
        return false;
    }
    vd_hv_physinfo phys;
    if (vd_hv_present(d->hv)) {
        if (!d->hv->ops->physinfo(d->hv, &phys, err))
            return false;
        out->total_kib = phys.domu_kib;
        out->free_kib = phys.free_kib;
        return true;
    }
    /* No hv: this Linux owns the machine, so its own figures are the node's. */
    out->total_kib = mem_total_kib();
    out->free_kib =
        meminfo_kib("MemFree", (uint64_t)sysconf(_SC_AVPHYS_PAGES) * sysconf(_SC_PAGESIZE) / 1024);
    return true;
}

int vd_connect_get_max_vcpus(vd_daemon *d, const char *type, vd_error **err)
{
    (void)d;
    if (type && g_ascii_strcasecmp(type, "vireo") != 0) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "unknown type '%s'", type);
        return -1;
    }
    return VD_MAX_VCPUS;
}

bool vd_node_get_info(vd_daemon *d, vd_node_info *out, vd_error **err)
{
    (void)err;
    memset(out, 0, sizeof(*out));
    struct utsname u;
    uname(&u);
    g_strlcpy(out->model, u.machine, sizeof(out->model));

    cpuinfo ci = {0};
    read_cpuinfo(&ci);
    out->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    out->mhz = ci.mhz;
    out->memory_kib = mem_total_kib();
    out->nodes = 1;
    out->sockets = MAX(1u, g_hash_table_size(ci.sockets));
    out->cores = ci.cores_per_socket ? (int)ci.cores_per_socket : out->cpus / out->sockets;
    out->threads = ci.cores_per_socket && ci.siblings >= ci.cores_per_socket
                       ? (int)(ci.siblings / ci.cores_per_socket)
                       : 1;
    if (out->sockets * out->cores * out->threads != out->cpus) {
        /* Offline or hidden CPUs: report a flat topology that multiplies out. */
        out->sockets = 1;
        out->cores = out->cpus;
        out->threads = 1;
    }
    g_hash_table_unref(ci.sockets);

    /* Under hv the node is what hv manages, not what dom0 sees. */
    vd_hv_physinfo phys;
    g_autoptr(vd_error) hv_err = NULL;
    if (vd_hv_present(d->hv) && d->hv->ops->physinfo(d->hv, &phys, &hv_err)) {
        out->cpus = phys.nr_cpus;
        out->sockets = 1;
        out->cores = phys.nr_cpus;
        out->threads = 1;
        out->memory_kib = phys.memory_kib;
        if (phys.mhz)
            out->mhz = phys.mhz;
    }
    return true;
}

static char *finish_document(xmlDoc *doc, vd_schema schema, vd_error **err)
{
    /* What we advertise must match our own published schema. */
    if (!vd_schema_validate(doc, schema, err))
        return NULL;
    return vd_xml_doc_to_string(doc);
}

/*
 * One guest of the capabilities: every domU is the same directly booted x86_64 machine,
 * 'vireo', whose platform always has ACPI and local APICs (docs/guest-platform.md): the
 * XML cannot turn them off. os_type 'linux' is the same guest under libvirt's name for a
 * directly booted Linux kernel.
 */
static void add_guest(xmlNode *root, const char *os_type, const char *emulator)
{
    xmlNode *guest = xmlNewChild(root, NULL, (const xmlChar *)"guest", NULL);
    vd_xml_add_text(guest, "os_type", os_type);
    xmlNode *arch = xmlNewChild(guest, NULL, (const xmlChar *)"arch", NULL);
    vd_xml_set_attr(arch, "name", "x86_64");
    vd_xml_add_text(arch, "wordsize", "64");
    vd_xml_add_text(arch, "emulator", emulator);
    xmlNode *machine = vd_xml_add_text(arch, "machine", "vireo");
    vd_xml_set_attr_printf(machine, "maxCpus", "%d", VD_MAX_VCPUS);
    vd_xml_set_attr(xmlNewChild(arch, NULL, (const xmlChar *)"domain", NULL), "type", "vireo");
    xmlNode *features = xmlNewChild(guest, NULL, (const xmlChar *)"features", NULL);
    static const char *const always_on[] = {"acpi", "apic"};
    for (unsigned i = 0; i < G_N_ELEMENTS(always_on); i++) {
        xmlNode *f = xmlNewChild(features, NULL, (const xmlChar *)always_on[i], NULL);
        vd_xml_set_attr(f, "default", "on");
        vd_xml_set_attr(f, "toggle", "no");
    }
}

char *vd_connect_get_capabilities(vd_daemon *d, vd_error **err)
{
    vd_node_info node;
    vd_node_get_info(d, &node, err);
    char uuid[37];
    vd_uuid_format(d->host_uuid, uuid);

    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"capabilities");
    xmlDocSetRootElement(doc, root);

    xmlNode *host = xmlNewChild(root, NULL, (const xmlChar *)"host", NULL);
    vd_xml_add_text(host, "uuid", uuid);
    xmlNode *cpu = xmlNewChild(host, NULL, (const xmlChar *)"cpu", NULL);
    vd_xml_add_text(cpu, "arch", "x86_64");
    xmlNode *topo = xmlNewChild(cpu, NULL, (const xmlChar *)"topology", NULL);
    vd_xml_set_attr_printf(topo, "sockets", "%d", node.sockets);
    vd_xml_set_attr(topo, "dies", "1");
    vd_xml_set_attr_printf(topo, "cores", "%d", node.cores);
    vd_xml_set_attr_printf(topo, "threads", "%d", node.threads);
    xmlNewChild(host, NULL, (const xmlChar *)"power_management", NULL);
    vd_xml_set_attr(xmlNewChild(host, NULL, (const xmlChar *)"iommu", NULL), "support", "no");
    xmlNode *cells = xmlNewChild(xmlNewChild(host, NULL, (const xmlChar *)"topology", NULL), NULL,
                                 (const xmlChar *)"cells", NULL);
    vd_xml_set_attr(cells, "num", "1");
    xmlNode *cell = xmlNewChild(cells, NULL, (const xmlChar *)"cell", NULL);
    vd_xml_set_attr(cell, "id", "0");
    xmlNode *mem = vd_xml_add_printf(cell, "memory", "%" G_GUINT64_FORMAT, node.memory_kib);
    vd_xml_set_attr(mem, "unit", "KiB");
    xmlNode *cpus = xmlNewChild(cell, NULL, (const xmlChar *)"cpus", NULL);
    vd_xml_set_attr_printf(cpus, "num", "%d", node.cpus);
    for (int i = 0; i < node.cpus; i++) {
        xmlNode *c = xmlNewChild(cpus, NULL, (const xmlChar *)"cpu", NULL);
        vd_xml_set_attr_printf(c, "id", "%d", i);
    }
    xmlNode *secmodel = xmlNewChild(host, NULL, (const xmlChar *)"secmodel", NULL);
    vd_xml_add_text(secmodel, "model", "none");
    vd_xml_add_text(secmodel, "doi", "0");

    /* hvm first: clients that ask for no os type (virt-install) take the first guest. */
    add_guest(root, "hvm", d->cfg->emulator);
    add_guest(root, "linux", d->cfg->emulator);
    return finish_document(doc, VD_SCHEMA_CAPABILITIES, err);
}

char *vd_connect_get_sysinfo(vd_daemon *d, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, NULL);
    return vd_host_sysinfo(NULL, d->host_uuid);
}

static void add_unsupported(xmlNode *parent, const char *name)
{
    vd_xml_set_attr(xmlNewChild(parent, NULL, (const xmlChar *)name, NULL), "supported", "no");
}

static xmlNode *add_enum(xmlNode *parent, const char *name, const char *const *values)
{
    xmlNode *e = xmlNewChild(parent, NULL, (const xmlChar *)"enum", NULL);
    vd_xml_set_attr(e, "name", name);
    for (; values && *values; values++)
        vd_xml_add_text(e, "value", *values);
    return e;
}

static bool check_domcaps_args(vd_daemon *d, const char *emulator, const char *arch,
                               const char *machine, const char *virttype, vd_error **err)
{
    if (emulator && strcmp(emulator, d->cfg->emulator) != 0) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_CAPABILITIES,
                "emulator '%s' is not Vireo's device model '%s'", emulator, d->cfg->emulator);
        return false;
    }
    if (arch && strcmp(arch, "x86_64") != 0) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_CAPABILITIES,
                "architecture '%s' is not supported by Vireo (only 'x86_64')", arch);
        return false;
    }
    if (machine && !vd_machine_is_supported(machine)) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_CAPABILITIES,
                "machine type '%s' is not supported by Vireo (use 'vireo')", machine);
        return false;
    }
    if (virttype && strcmp(virttype, "vireo") != 0 && strcmp(virttype, "kvm") != 0) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_CAPABILITIES,
                "virttype '%s' is not supported by this daemon (use 'vireo')", virttype);
        return false;
    }
    return true;
}

char *vd_connect_get_domain_capabilities(vd_daemon *d, const char *emulator, const char *arch,
                                         const char *machine, const char *virttype, unsigned flags,
                                         vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, NULL);
    if (!check_domcaps_args(d, emulator, arch, machine, virttype, err))
        return NULL;
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"domainCapabilities");
    xmlDocSetRootElement(doc, root);
    /* Clients key their caches on these four: echo what was asked. */
    vd_xml_add_text(root, "path", d->cfg->emulator);
    vd_xml_add_text(root, "domain", virttype ? virttype : "vireo");
    vd_xml_add_text(root, "machine", machine ? machine : "vireo");
    vd_xml_add_text(root, "arch", "x86_64");
    vd_xml_set_attr_printf(xmlNewChild(root, NULL, (const xmlChar *)"vcpu", NULL), "max", "%d",
                           VD_MAX_VCPUS);
    add_unsupported(root, "iothreads");
    /* Direct kernel boot (<kernel>, <initrd>, <cmdline>): no firmware, no loader. */
    xmlNode *os = xmlNewChild(root, NULL, (const xmlChar *)"os", NULL);
    vd_xml_set_attr(os, "supported", "yes");
    add_enum(os, "firmware", NULL);
    add_unsupported(os, "loader");
    xmlNode *cpu = xmlNewChild(root, NULL, (const xmlChar *)"cpu", NULL);
    static const char *const modes[] = {"host-passthrough", "maximum", "host-model", "custom"};
    for (unsigned i = 0; i < G_N_ELEMENTS(modes); i++) {
        xmlNode *m = xmlNewChild(cpu, NULL, (const xmlChar *)"mode", NULL);
        vd_xml_set_attr(m, "name", modes[i]);
        vd_xml_set_attr(m, "supported", "no");
    }
    add_unsupported(root, "memoryBacking");
    /* COM1 is the console; the device model (vireo-dm) serves virtio disks (a cdrom is a
     * read-only one; other buses are presented as virtio), virtio NICs on bridges and
     * libvirt networks, and a virtio rng reading a host random device. */
    xmlNode *devices = xmlNewChild(root, NULL, (const xmlChar *)"devices", NULL);
    xmlNode *disk = xmlNewChild(devices, NULL, (const xmlChar *)"disk", NULL);
    vd_xml_set_attr(disk, "supported", "yes");
    static const char *const disk_devices[] = {"disk", "cdrom", NULL};
    static const char *const virtio[] = {"virtio", NULL};
    add_enum(disk, "diskDevice", disk_devices);
    add_enum(disk, "bus", virtio);
    add_enum(disk, "model", virtio);
    static const char *const absent_devices[] = {"graphics", "video",    "hostdev", "filesystem",
                                                 "tpm",      "redirdev", "channel", "crypto"};
    for (unsigned i = 0; i < G_N_ELEMENTS(absent_devices); i++)
        add_unsupported(devices, absent_devices[i]);
    xmlNode *rng = xmlNewChild(devices, NULL, (const xmlChar *)"rng", NULL);
    vd_xml_set_attr(rng, "supported", "yes");
    static const char *const random_backend[] = {"random", NULL};
    add_enum(rng, "model", virtio);
    add_enum(rng, "backendModel", random_backend);
    xmlNode *iface = xmlNewChild(devices, NULL, (const xmlChar *)"interface", NULL);
    vd_xml_set_attr(iface, "supported", "yes");
    static const char *const default_backend[] = {"default", NULL};
    add_enum(iface, "backendType", default_backend);
    add_unsupported(devices, "panic");
    xmlNode *console = xmlNewChild(devices, NULL, (const xmlChar *)"console", NULL);
    vd_xml_set_attr(console, "supported", "yes");
    static const char *const console_types[] = {"pty", NULL};
    add_enum(console, "type", console_types);
    xmlNode *features = xmlNewChild(root, NULL, (const xmlChar *)"features", NULL);
    static const char *const absent_features[] = {"gic", "vmcoreinfo", "genid", "sev"};
    for (unsigned i = 0; i < G_N_ELEMENTS(absent_features); i++)
        add_unsupported(features, absent_features[i]);
    return finish_document(doc, VD_SCHEMA_DOMAINCAPS, err);
}
