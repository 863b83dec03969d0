/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage pool XML (libvirt's formatstorage): read into a vd_pool_def and written back.
 * Vireo offers `dir`, `logical` and `netfs` (NFS) pools; any other type is refused by name,
 * never half-understood.
 */
#include <string.h>
#include <sys/stat.h>

#include "vd-domain-def.h"
#include "vd-error.h"
#include "vd-lvm.h"
#include "vd-storage-xml.h"
#include "vd-xml.h"

void vd_pool_def_free(vd_pool_def *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->target);
    g_free(def->vg);
    g_strfreev(def->devices);
    g_free(def->host);
    g_free(def->source_dir);
    g_free(def->fs_format);
    g_free(def);
}

vd_pool_def *vd_pool_def_copy(const vd_pool_def *def)
{
    vd_pool_def *c = g_memdup2(def, sizeof(*def));
    c->name = g_strdup(def->name);
    c->target = g_strdup(def->target);
    c->vg = g_strdup(def->vg);
    c->devices = g_strdupv(def->devices);
    c->host = g_strdup(def->host);
    c->source_dir = g_strdup(def->source_dir);
    c->fs_format = g_strdup(def->fs_format);
    return c;
}

static const char *const type_names[] = {
    [VD_POOL_DIR] = "dir", [VD_POOL_LOGICAL] = "logical", [VD_POOL_NETFS] = "netfs"};

static bool read_type(xmlNode *root, vd_pool_def *def, vd_error **err)
{
    g_autofree char *type = vd_sx_attr(root, "type");
    if (!type) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "storage pool missing type attribute");
        return false;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(type_names); i++) {
        if (strcmp(type, type_names[i]) == 0) {
            def->type = i;
            return true;
        }
    }
    vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
            "storage pool type '%s' is not supported by Vireo (it offers 'dir', 'logical' and "
            "'netfs')",
            type);
    return false;
}

/* <source> of a logical pool: its PVs, its VG (the pool's name unless given), lvm2. */
static bool read_logical_source(xmlNode *root, vd_pool_def *def, vd_error **err)
{
    xmlNode *source = vd_sx_child(root, "source");
    g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func(g_free);
    for (xmlNode *n = source ? source->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "device") != 0)
            continue;
        g_autofree char *path = vd_sx_attr(n, "path");
        if (!path || !g_path_is_absolute(path)) {
            vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                    "missing or relative storage pool source device path");
            return false;
        }
        g_ptr_array_add(devices, g_steal_pointer(&path));
    }
    g_ptr_array_add(devices, NULL);
    def->devices = (char **)g_ptr_array_steal(devices, NULL);
    def->vg = vd_sx_text(source, "name");
    if (!def->vg)
        def->vg = g_strdup(def->name);
    if (!vd_lvm_check_name(def->vg, "volume group", err))
        return false;
    g_autofree char *format = vd_sx_attr(vd_sx_child(source, "format"), "type");
    if (format && strcmp(format, "lvm2") != 0) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "unsupported storage pool format type '%s': logical pools are 'lvm2'", format);
        return false;
    }
    return true;
}

static bool read_uint_attr(xmlNode *n, const char *attr, unsigned max, unsigned *out,
                           vd_error **err)
{
    g_autofree char *text = vd_sx_attr(n, attr);
    guint64 v = 0;
    if (!text)
        return true;
    if (!g_ascii_string_to_unsigned(text, 10, 1, max, &v, NULL)) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "invalid %s '%s' in <%s>", attr, text,
                (const char *)n->name);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* <source> of a netfs pool: <host name port>, <dir path>, <format type='auto|nfs'>,
 * <protocol ver>. CIFS and GlusterFS exports are refused. */
static bool read_netfs_source(xmlNode *root, vd_pool_def *def, vd_error **err)
{
    xmlNode *source = vd_sx_child(root, "source");
    xmlNode *host = vd_sx_child(source, "host");
    def->host = vd_sx_attr(host, "name");
    def->source_dir = vd_sx_attr(vd_sx_child(source, "dir"), "path");
    def->fs_format = vd_sx_attr(vd_sx_child(source, "format"), "type");
    if (!def->fs_format)
        def->fs_format = g_strdup("auto");
    if (strcmp(def->fs_format, "auto") != 0 && strcmp(def->fs_format, "nfs") != 0) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "unsupported storage pool format type '%s': Vireo's netfs pools are 'nfs'",
                def->fs_format);
        return false;
    }
    return read_uint_attr(host, "port", 65535, &def->port, err) &&
           read_uint_attr(vd_sx_child(source, "protocol"), "ver", 4, &def->nfs_version, err) &&
           vd_netfs_check_source(def, err);
}

static bool read_target(xmlNode *root, vd_pool_def *def, vd_error **err)
{
    xmlNode *target = vd_sx_child(root, "target");
    g_autofree char *path = vd_sx_text(target, "path");
    if ((!path || !*path) && def->type == VD_POOL_LOGICAL) {
        g_free(path);
        path = g_strconcat("/dev/", def->vg, NULL); /* where LVM puts the VG's LVs */
    }
    if (!path || !*path) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "missing storage pool target path");
        return false;
    }
    if (!g_path_is_absolute(path)) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "storage pool target path '%s' must be absolute", path);
        return false;
    }
    def->target = g_canonicalize_filename(path, "/");
    return vd_sx_perms(target, &def->perms, err);
}

vd_pool_def *vd_pool_def_parse(const char *xml, vd_error **err)
{
    g_autoptr(xmlDoc) doc = vd_xml_read(xml, "storage pool", err);
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "pool") != 0) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "unexpected root element <%s>, expecting <pool>", root ? (char *)root->name : "");
        return NULL;
    }
    g_autoptr(vd_pool_def) def = g_new0(vd_pool_def, 1);
    def->name = vd_sx_text(root, "name");
    g_autofree char *uuid = vd_sx_text(root, "uuid");
    if (!read_type(root, def, err) || !vd_sx_check_name(def->name, "storage pool", err))
        return NULL;
    if (uuid && !vd_uuid_parse(uuid, def->uuid)) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "malformed uuid element");
        return NULL;
    }
    if (!uuid)
        vd_uuid_generate(def->uuid);
    if (def->type == VD_POOL_LOGICAL && !read_logical_source(root, def, err))
        return NULL;
    if (def->type == VD_POOL_NETFS && !read_netfs_source(root, def, err))
        return NULL;
    if (!read_target(root, def, err))
        return NULL;
    return g_steal_pointer(&def);
}

static void add_logical_source(xmlNode *source, const vd_pool_def *def)
{
    for (char **d = def->devices; d && *d; d++)
        vd_xml_set_attr(xmlNewChild(source, NULL, (const xmlChar *)"device", NULL), "path", *d);
    vd_xml_add_text(source, "name", def->vg);
    vd_xml_set_attr(xmlNewChild(source, NULL, (const xmlChar *)"format", NULL), "type", "lvm2");
}

static void add_netfs_source(xmlNode *source, const vd_pool_def *def)
{
    xmlNode *host = xmlNewChild(source, NULL, (const xmlChar *)"host", NULL);
    vd_xml_set_attr(host, "name", def->host);
    if (def->port) {
        char port[12];
        g_snprintf(port, sizeof(port), "%u", def->port);
        vd_xml_set_attr(host, "port", port);
    }
    vd_xml_set_attr(xmlNewChild(source, NULL, (const xmlChar *)"dir", NULL), "path",
                    def->source_dir);
    vd_xml_set_attr(xmlNewChild(source, NULL, (const xmlChar *)"format", NULL), "type",
                    def->fs_format);
    if (def->nfs_version) {
        char ver[12];
        g_snprintf(ver, sizeof(ver), "%u", def->nfs_version);
        vd_xml_set_attr(xmlNewChild(source, NULL, (const xmlChar *)"protocol", NULL), "ver", ver);
    }
}

char *vd_pool_def_format(const vd_pool_def *def, const vd_pool_info *sizes)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"pool");
    xmlDocSetRootElement(doc, root);
    vd_xml_set_attr(root, "type", type_names[def->type]);
    vd_xml_add_text(root, "name", def->name);
    char uuid[37];
    vd_uuid_format(def->uuid, uuid);
    vd_xml_add_text(root, "uuid", uuid);
    if (sizes) {
        vd_sx_add_bytes(root, "capacity", sizes->capacity);
        vd_sx_add_bytes(root, "allocation", sizes->allocation);
        vd_sx_add_bytes(root, "available", sizes->available);
    }
    xmlNode *source = xmlNewChild(root, NULL, (const xmlChar *)"source", NULL);
    if (def->type == VD_POOL_LOGICAL)
        add_logical_source(source, def);
    else if (def->type == VD_POOL_NETFS)
        add_netfs_source(source, def);
    xmlNode *target = xmlNewChild(root, NULL, (const xmlChar *)"target", NULL);
    vd_xml_add_text(target, "path", def->target);
    if (def->perms.mode || def->perms.owner >= 0 || def->perms.group >= 0)
        vd_sx_add_perms(target, def->perms.mode ? def->perms.mode : 0755, def->perms.owner,
                        def->perms.group);
    return vd_xml_doc_to_string(doc);
}
