/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage volume XML (libvirt's formatstorage): the <volume> a client asks for, read into
 * a vd_vol_def, and a volume described from what qemu-img reports about its file.
 */
#include <string.h>
#include <sys/stat.h>

#include "vd-error.h"
#include "vd-storage-xml.h"
#include "vd-xml.h"

/* Formats `qemu-img create` makes without extra secrets or options. */
static const char *const creatable[] = {"raw",  "qcow2", "qcow", "qed",
                                        "vmdk", "vdi",   "vpc",  "vhdx"};

static bool format_known(const char *format)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(creatable); i++)
        if (strcmp(format, creatable[i]) == 0)
            return true;
    return false;
}

void vd_vol_def_free(vd_vol_def *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->format);
    g_free(def->backing_path);
    g_free(def->backing_format);
    g_free(def);
}

static bool read_format(xmlNode *parent, char **out, vd_error **err)
{
    g_autofree char *format = vd_sx_attr(vd_sx_child(parent, "format"), "type");
    if (!format)
        return true;
    if (strcmp(format, "iso") == 0) /* libvirt's name for a raw image holding a CD */
    {
        g_free(format);
        format = g_strdup("raw");
    }
    if (!format_known(format)) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "volume format '%s' is not supported: Vireo creates raw, qcow2, qcow, qed, "
                "vmdk, vdi, vpc and vhdx volumes",
                format);
        return false;
    }
    *out = g_steal_pointer(&format);
    return true;
}

static bool read_backing(xmlNode *root, vd_vol_def *def, vd_error **err)
{
    xmlNode *backing = vd_sx_child(root, "backingStore");
    if (!backing)
        return true;
    def->backing_path = vd_sx_text(backing, "path");
    if (!def->backing_path || !g_path_is_absolute(def->backing_path)) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "<backingStore> needs an absolute <path>");
        return false;
    }
    if (!read_format(backing, &def->backing_format, err))
        return false;
    if (strcmp(def->format, "raw") == 0) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
                "a raw volume cannot have a backing store: use qcow2");
        return false;
    }
    return true;
}

vd_vol_def *vd_vol_def_parse(const char *xml, vd_error **err)
{
    g_autoptr(xmlDoc) doc = vd_xml_read(xml, "storage volume", err);
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "volume") != 0) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "unexpected root element <%s>, expecting <volume>", root ? (char *)root->name : "");
        return NULL;
    }
    g_autoptr(vd_vol_def) def = g_new0(vd_vol_def, 1);
    def->name = vd_sx_text(root, "name");
    if (!vd_sx_check_name(def->name, "volume", err))
        return NULL;
    xmlNode *target = vd_sx_child(root, "target");
    if (!vd_sx_size(root, "capacity", &def->capacity, &def->has_capacity, err) ||
        !vd_sx_size(root, "allocation", &def->allocation, &def->has_allocation, err) ||
        !read_format(target, &def->format, err) || !vd_sx_perms(target, &def->perms, err))
        return NULL;
    if (!def->format)
        def->format = g_strdup("raw");
    if (!read_backing(root, def, err))
        return NULL;
    return g_steal_pointer(&def);
}

void vd_image_info_free(vd_image_info *info)
{
    if (!info)
        return;
    g_free(info->format);
    g_free(info->backing_path);
    g_free(info->backing_format);
    g_free(info);
}

char *vd_vol_format_xml(const char *name, const char *path, const vd_image_info *info,
                        const struct stat *st)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"volume");
    xmlDocSetRootElement(doc, root);
    vd_xml_set_attr(root, "type", S_ISBLK(st->st_mode) ? "block" : "file");
    vd_xml_add_text(root, "name", name);
    vd_xml_add_text(root, "key", path);
    xmlNewChild(root, NULL, (const xmlChar *)"source", NULL);
    vd_sx_add_bytes(root, "capacity", info->capacity);
    vd_sx_add_bytes(root, "allocation", info->allocation);
    vd_sx_add_bytes(root, "physical", info->physical);
    xmlNode *target = xmlNewChild(root, NULL, (const xmlChar *)"target", NULL);
    vd_xml_add_text(target, "path", path);
    vd_xml_set_attr(xmlNewChild(target, NULL, (const xmlChar *)"format", NULL), "type",
                    info->format);
    vd_sx_add_perms(target, st->st_mode & 07777, st->st_uid, st->st_gid);
    if (info->backing_path) {
        xmlNode *backing = xmlNewChild(root, NULL, (const xmlChar *)"backingStore", NULL);
        vd_xml_add_text(backing, "path", info->backing_path);
        if (info->backing_format)
            vd_xml_set_attr(xmlNewChild(backing, NULL, (const xmlChar *)"format", NULL), "type",
                            info->backing_format);
    }
    return vd_xml_doc_to_string(doc);
}
