/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virDomainAttachDeviceFlags / virDomainDetachDeviceFlags on a domain's persistent
 * definition (virsh attach-disk, detach-disk, attach-interface, detach-interface,
 * attach-device, detach-device with --config). Changing a running guest's devices is
 * hotplug, which virtio-mmio cannot give (docs/device-model.md, "Hotplug"): a live change
 * is refused with libvirt's "not supported".
 */
#include "vd-daemon-private.h"
#include "vd-domain-xml.h"
#include "vd-xml.h"

#include <string.h>

/* The device element of `xml`, serialized again: one <disk> or <interface>, nothing else
 * (so no text can close <devices> in the definition it goes into). */
static char *device_element(const char *xml, xmlNode **kind_out, xmlDoc **doc_out,
                            vd_error **err)
{
    xmlDoc *doc = vd_xml_read(xml, "device", err);
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || (!xmlStrEqual(root->name, BAD_CAST "disk") &&
                  !xmlStrEqual(root->name, BAD_CAST "interface"))) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
                "Vireo attaches and detaches <disk> and <interface> devices, not <%s>",
                root ? (const char *)root->name : "");
        xmlFreeDoc(doc);
        return NULL;
    }
    *kind_out = root;
    *doc_out = doc;
    return vd_xml_node_to_string(root);
}

static bool refuse_live(bool live, const char *what, vd_error **err)
{
    if (live)
        vd_fail(err, VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_DOMAIN,
                "%s a running domain's devices needs hotplug, which Vireo does not offer yet: "
                "change the definition with --config and restart the domain",
                what);
    return !live;
}

/* `def` formatted with `element` added to its <devices>, parsed back: every check the
 * parser makes (names, targets, slots, buses) applies to the grown definition. */
static vd_domain_def *with_device(const vd_domain_def *def, const char *element, vd_error **err)
{
    g_autofree char *xml = vd_domain_def_format(def, -1);
    g_autoptr(xmlDoc) doc = vd_xml_read(xml, "domain", err);
    g_autoptr(xmlDoc) dev = doc ? vd_xml_read(element, "device", err) : NULL;
    if (!dev)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc), *devices = NULL;
    for (xmlNode *c = root->children; c && !devices; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "devices"))
            devices = c;
    if (!devices)
        devices = xmlNewChild(root, NULL, BAD_CAST "devices", NULL);
    xmlAddChild(devices, xmlDocCopyNode(xmlDocGetRootElement(dev), doc, 1));
    g_autofree char *grown = vd_xml_doc_to_string(doc);
    return vd_domain_def_parse(grown, NULL, err);
}

static bool change_attach(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                          const void *arg, vd_error **err)
{
    (void)d, (void)dom;
    if (!refuse_live(live, "attaching a device to", err))
        return false;
    g_autoptr(vd_domain_def) grown = with_device(def, arg, err);
    if (!grown)
        return false;
    /* Swap in the parsed device lists: the new device as the parser made it. */
    GPtrArray *disks = def->disks, *nets = def->nets;
    def->disks = grown->disks;
    def->nets = grown->nets;
    grown->disks = disks;
    grown->nets = nets;
    return true;
}

/* The one device an element describes, parsed in a definition of its own. */
static vd_domain_def *device_alone(const char *element, vd_error **err)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='vireo'><name>detach</name><memory unit='MiB'>16</memory>"
        "<os><type>hvm</type><kernel>/k</kernel></os><devices>%s</devices></domain>",
        element);
    return vd_domain_def_parse(xml, NULL, err);
}

static bool has_child(xmlNode *node, const char *name)
{
    for (xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST name))
            return true;
    return false;
}

/* Index in def of the disk `probe` names: by target (vdX after the parser's naming), else
 * by source; -1 when none. */
static int find_disk(const vd_domain_def *def, const vd_disk_def *probe)
{
    for (unsigned i = 0; i < def->disks->len; i++) {
        const vd_disk_def *disk = def->disks->pdata[i];
        if (strcmp(disk->target, probe->target) == 0)
            return (int)i;
    }
    for (unsigned i = 0; probe->source && i < def->disks->len; i++) {
        const vd_disk_def *disk = def->disks->pdata[i];
        if (disk->source && strcmp(disk->source, probe->source) == 0)
            return (int)i;
    }
    return -1;
}

/* Index of the interface `probe` names: by MAC when the element gives one, else the only
 * interface on its source; -1 when none (or, without a MAC, more than one). */
static int find_net(const vd_domain_def *def, const vd_net_def *probe, bool by_mac)
{
    int found = -1;
    for (unsigned i = 0; i < def->nets->len; i++) {
        const vd_net_def *net = def->nets->pdata[i];
        bool match = by_mac ? memcmp(net->mac, probe->mac, sizeof(net->mac)) == 0
                            : net->type == probe->type && g_strcmp0(net->source, probe->source) == 0;
        if (match && found >= 0)
            return -1;
        if (match)
            found = (int)i;
    }
    return found;
}

typedef struct detach_arg {
    const char *element;
    bool is_disk, by_mac;
} detach_arg;

static bool change_detach(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                          const void *arg, vd_error **err)
{
    (void)d, (void)dom;
    const detach_arg *a = arg;
    if (!refuse_live(live, "detaching a device from", err))
        return false;
    g_autoptr(vd_domain_def) probe = device_alone(a->element, err);
    if (!probe)
        return false;
    int i = a->is_disk ? find_disk(def, probe->disks->pdata[0])
                       : find_net(def, probe->nets->pdata[0], a->by_mac);
    if (i < 0) {
        vd_fail(err, VIR_ERR_DEVICE_MISSING, VIR_FROM_DOMAIN,
                a->is_disk ? "no disk matching target '%s' or its source in domain '%s'"
                           : "no single interface matching %s in domain '%s'",
                a->is_disk ? ((vd_disk_def *)probe->disks->pdata[0])->target
                : a->by_mac ? "its MAC address"
                            : "its source",
                def->name);
        return false;
    }
    g_ptr_array_remove_index(a->is_disk ? def->disks : def->nets, (unsigned)i);
    return true;
}

bool vd_domain_attach_device(vd_daemon *d, const vd_domain_ref *ref, const char *xml,
                             unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, err, false);
    xmlNode *kind;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *element = device_element(xml, &kind, &doc, err);
    return element && vd_domain_apply_change(d, ref, flags, "virDomainAttachDeviceFlags",
                                             change_attach, element, err);
}

bool vd_domain_detach_device(vd_daemon *d, const vd_domain_ref *ref, const char *xml,
                             unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, err, false);
    xmlNode *kind;
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *element = device_element(xml, &kind, &doc, err);
    if (!element)
        return false;
    detach_arg a = {.element = element,
                    .is_disk = xmlStrEqual(kind->name, BAD_CAST "disk"),
                    .by_mac = has_child(kind, "mac")};
    return vd_domain_apply_change(d, ref, flags, "virDomainDetachDeviceFlags", change_detach,
                                  &a, err);
}
