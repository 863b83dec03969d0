/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writes a vd_domain_def as libvirt domain XML: what the guest really gets (virtio buses
 * and vdX names, machine 'vireo'), in the element order libvirt uses.
 */
#include "vd-domain-xml.h"
#include "vd-xml.h"

#include <libxml/parser.h>
#include <string.h>

static const char *action_name(vd_lifecycle_action a)
{
    switch (a) {
    case VD_ACTION_RESTART:
        return "restart";
    case VD_ACTION_PRESERVE:
        return "preserve";
    case VD_ACTION_DESTROY:
        break;
    }
    return "destroy";
}

static void add_memory(xmlNode *root, const char *name, uint64_t kib)
{
    xmlNode *n = vd_xml_add_printf(root, name, "%" G_GUINT64_FORMAT, kib);
    vd_xml_set_attr(n, "unit", "KiB");
}

static void add_metadata(xmlNode *root, const char *metadata)
{
    xmlDoc *doc = xmlReadMemory(metadata, (int)strlen(metadata), "metadata", NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!doc)
        return; /* cannot happen: it was serialized from a parsed document */
    xmlNode *copy = xmlDocCopyNode(xmlDocGetRootElement(doc), root->doc, 1);
    xmlAddChild(root, copy);
    xmlFreeDoc(doc);
}

static void add_os(xmlNode *root, const vd_domain_def *def)
{
    xmlNode *os = xmlNewChild(root, NULL, (const xmlChar *)"os", NULL);
    xmlNode *type = vd_xml_add_text(os, "type", "hvm");
    vd_xml_set_attr(type, "arch", "x86_64");
    vd_xml_set_attr(type, "machine", def->machine ? def->machine : "vireo");
    if (def->kernel)
        vd_xml_add_text(os, "kernel", def->kernel);
    if (def->initrd)
        vd_xml_add_text(os, "initrd", def->initrd);
    if (def->cmdline)
        vd_xml_add_text(os, "cmdline", def->cmdline);
    if (def->boot_hd)
        vd_xml_set_attr(xmlNewChild(os, NULL, (const xmlChar *)"boot", NULL), "dev", "hd");
}

static void add_cputune(xmlNode *root, const vd_domain_def *def)
{
    if (!def->weight && !def->cap)
        return;
    xmlNode *cputune = xmlNewChild(root, NULL, (const xmlChar *)"cputune", NULL);
    if (def->weight)
        vd_xml_add_printf(cputune, "shares", "%u", def->weight);
    if (def->cap) {
        vd_xml_add_printf(cputune, "period", "%u", VD_CAP_PERIOD_US);
        vd_xml_add_printf(cputune, "quota", "%u", def->cap * (VD_CAP_PERIOD_US / 100));
    }
}

static void add_disk_source(xmlNode *n, const vd_disk_def *disk)
{
    xmlNode *source = xmlNewChild(n, NULL, (const xmlChar *)"source", NULL);
    if (disk->type != VD_DISK_NETWORK) {
        vd_xml_set_attr(source, disk->type == VD_DISK_FILE ? "file" : "dev", disk->source);
        return;
    }
    vd_xml_set_attr(source, "protocol", disk->protocol);
    if (disk->export_name)
        vd_xml_set_attr(source, "name", disk->export_name);
    xmlNode *host = xmlNewChild(source, NULL, (const xmlChar *)"host", NULL);
    if (disk->socket) {
        vd_xml_set_attr(host, "transport", "unix");
        vd_xml_set_attr(host, "socket", disk->socket);
        return;
    }
    vd_xml_set_attr(host, "name", disk->host);
    if (disk->port)
        vd_xml_set_attr(host, "port", disk->port);
}

static void add_disk(xmlNode *devices, const vd_disk_def *disk)
{
    xmlNode *n = xmlNewChild(devices, NULL, (const xmlChar *)"disk", NULL);
    vd_xml_set_attr(n, "type", vd_disk_type_name(disk->type));
    vd_xml_set_attr(n, "device", disk->cdrom ? "cdrom" : "disk");
    if (disk->format || disk->cache || disk->discard) {
        xmlNode *driver = xmlNewChild(n, NULL, (const xmlChar *)"driver", NULL);
        vd_xml_set_attr(driver, "name", "qemu");
        if (disk->format)
            vd_xml_set_attr(driver, "type", disk->format);
        if (disk->cache)
            vd_xml_set_attr(driver, "cache", disk->cache);
        if (disk->discard)
            vd_xml_set_attr(driver, "discard", disk->discard);
    }
    add_disk_source(n, disk);
    xmlNode *target = xmlNewChild(n, NULL, (const xmlChar *)"target", NULL);
    vd_xml_set_attr(target, "dev", disk->target);
    vd_xml_set_attr(target, "bus", "virtio");
    if (disk->readonly)
        xmlNewChild(n, NULL, (const xmlChar *)"readonly", NULL);
    if (disk->shareable)
        xmlNewChild(n, NULL, (const xmlChar *)"shareable", NULL);
    if (disk->serial)
        vd_xml_add_text(n, "serial", disk->serial);
}

/* The tap's name is shown only while the domain runs (id >= 0), as libvirt does for
 * names it generated. */
static void add_interface(xmlNode *devices, const vd_net_def *net, bool running)
{
    bool bridge = net->type == VD_NET_BRIDGE;
    xmlNode *n = xmlNewChild(devices, NULL, (const xmlChar *)"interface", NULL);
    vd_xml_set_attr(n, "type", bridge ? "bridge" : "network");
    vd_xml_set_attr_printf(xmlNewChild(n, NULL, (const xmlChar *)"mac", NULL), "address",
                           "%02x:%02x:%02x:%02x:%02x:%02x", net->mac[0], net->mac[1], net->mac[2],
                           net->mac[3], net->mac[4], net->mac[5]);
    xmlNode *source = xmlNewChild(n, NULL, (const xmlChar *)"source", NULL);
    vd_xml_set_attr(source, bridge ? "bridge" : "network", net->source);
    if (running && net->ifname)
        vd_xml_set_attr(xmlNewChild(n, NULL, (const xmlChar *)"target", NULL), "dev", net->ifname);
    vd_xml_set_attr(xmlNewChild(n, NULL, (const xmlChar *)"model", NULL), "type", "virtio");
}

/* libvirt's order: <memballoon> before <rng>. */
static void add_balloon_and_rng(xmlNode *devices, const vd_domain_def *def)
{
    if (def->balloon != VD_BALLOON_ABSENT) {
        xmlNode *b = xmlNewChild(devices, NULL, (const xmlChar *)"memballoon", NULL);
        vd_xml_set_attr(b, "model", def->balloon == VD_BALLOON_VIRTIO ? "virtio" : "none");
        if (def->balloon_autodeflate)
            vd_xml_set_attr(b, "autodeflate", "on");
        if (def->balloon_period >= 0) {
            char period[16];
            g_snprintf(period, sizeof(period), "%d", def->balloon_period);
            vd_xml_set_attr(xmlNewChild(b, NULL, (const xmlChar *)"stats", NULL), "period",
                            period);
        }
    }
    if (def->rng) {
        xmlNode *rng = xmlNewChild(devices, NULL, (const xmlChar *)"rng", NULL);
        vd_xml_set_attr(rng, "model", "virtio");
        vd_xml_set_attr(vd_xml_add_text(rng, "backend", def->rng), "model", "random");
    }
}

static void add_devices(xmlNode *root, const vd_domain_def *def, bool running)
{
    xmlNode *devices = xmlNewChild(root, NULL, (const xmlChar *)"devices", NULL);
    if (def->emulator)
        vd_xml_add_text(devices, "emulator", def->emulator);
    for (unsigned i = 0; i < def->disks->len; i++)
        add_disk(devices, def->disks->pdata[i]);
    for (unsigned i = 0; i < def->nets->len; i++)
        add_interface(devices, def->nets->pdata[i], running);
    if (def->serial) {
        xmlNode *serial = xmlNewChild(devices, NULL, (const xmlChar *)"serial", NULL);
        vd_xml_set_attr(serial, "type", "pty");
        xmlNode *target = xmlNewChild(serial, NULL, (const xmlChar *)"target", NULL);
        vd_xml_set_attr(target, "type", "isa-serial");
        vd_xml_set_attr(target, "port", "0");
        vd_xml_set_attr(xmlNewChild(target, NULL, (const xmlChar *)"model", NULL), "name",
                        "isa-serial");
    }
    if (def->console) {
        xmlNode *console = xmlNewChild(devices, NULL, (const xmlChar *)"console", NULL);
        vd_xml_set_attr(console, "type", "pty");
        xmlNode *target = xmlNewChild(console, NULL, (const xmlChar *)"target", NULL);
        vd_xml_set_attr(target, "type",
                        def->console_target == VD_CONSOLE_TARGET_VIRTIO ? "virtio" : "serial");
        vd_xml_set_attr(target, "port", "0");
    }
    if (def->graphics_none)
        vd_xml_set_attr(xmlNewChild(devices, NULL, (const xmlChar *)"graphics", NULL), "type",
                        "none");
    add_balloon_and_rng(devices, def);
}

char *vd_domain_def_format(const vd_domain_def *def, int id)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"domain");
    xmlDocSetRootElement(doc, root);
    vd_xml_set_attr(root, "type", "vireo");
    if (id >= 0)
        vd_xml_set_attr_printf(root, "id", "%d", id);

    char uuid[37];
    vd_uuid_format(def->uuid, uuid);
    vd_xml_add_text(root, "name", def->name);
    vd_xml_add_text(root, "uuid", uuid);
    if (def->title)
        vd_xml_add_text(root, "title", def->title);
    if (def->description)
        vd_xml_add_text(root, "description", def->description);
    if (def->metadata)
        add_metadata(root, def->metadata);
    if (def->max_memory_kib) {
        xmlNode *max =
            vd_xml_add_printf(root, "maxMemory", "%" G_GUINT64_FORMAT, def->max_memory_kib);
        if (def->max_memory_slots)
            vd_xml_set_attr_printf(max, "slots", "%u", def->max_memory_slots);
        vd_xml_set_attr(max, "unit", "KiB");
    }
    add_memory(root, "memory", def->memory_kib);
    add_memory(root, "currentMemory", def->current_kib);
    xmlNode *vcpu = vd_xml_add_printf(root, "vcpu", "%u", def->vcpus);
    vd_xml_set_attr(vcpu, "placement", "static");
    if (def->vcpus_current != def->vcpus)
        vd_xml_set_attr_printf(vcpu, "current", "%u", def->vcpus_current);
    add_cputune(root, def);
    add_os(root, def);
    if (def->acpi || def->apic) {
        xmlNode *features = xmlNewChild(root, NULL, (const xmlChar *)"features", NULL);
        if (def->acpi)
            xmlNewChild(features, NULL, (const xmlChar *)"acpi", NULL);
        if (def->apic)
            xmlNewChild(features, NULL, (const xmlChar *)"apic", NULL);
    }
    if (def->clock_utc)
        vd_xml_set_attr(xmlNewChild(root, NULL, (const xmlChar *)"clock", NULL), "offset", "utc");
    vd_xml_add_text(root, "on_poweroff", action_name(def->on_poweroff));
    vd_xml_add_text(root, "on_reboot", action_name(def->on_reboot));
    vd_xml_add_text(root, "on_crash", action_name(def->on_crash));
    add_devices(root, def, id >= 0);
    return vd_xml_doc_to_string(doc);
}
