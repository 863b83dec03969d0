/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage pool XML (libvirt's formatstorage): read into a vd_pool_def and written back.
 * Vireo offers `dir` pools; any other type is refused by name, never half-understood.
 */
#include <string.h>
#include <sys/stat.h>

#include "vd-domain-def.h"
#include "vd-error.h"
#include "vd-storage-xml.h"
#include "vd-xml.h"

void vd_pool_def_free(vd_pool_def *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->target);
    g_free(def);
}

vd_pool_def *vd_pool_def_copy(const vd_pool_def *def)
{
    vd_pool_def *c = g_memdup2(def, sizeof(*def));
    c->name = g_strdup(def->name);
    c->target = g_strdup(def->target);
    return c;
}

static bool read_type(xmlNode *root, vd_error **err)
{
    g_autofree char *type = vd_sx_attr(root, "type");
    if (!type) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "storage pool missing type attribute");
        return false;
    }
    if (strcmp(type, "dir") == 0)
        return true;
    vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_STORAGE,
            "storage pool type '%s' is not supported by Vireo (it offers 'dir')", type);
    return false;
}

static bool read_target(xmlNode *root, vd_pool_def *def, vd_error **err)
{
    xmlNode *target = vd_sx_child(root, "target");
    g_autofree char *path = vd_sx_text(target, "path");
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
    if (!read_type(root, err) || !vd_sx_check_name(def->name, "storage pool", err))
        return NULL;
    if (uuid && !vd_uuid_parse(uuid, def->uuid)) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "malformed uuid element");
        return NULL;
    }
    if (!uuid)
        vd_uuid_generate(def->uuid);
    if (!read_target(root, def, err))
        return NULL;
    return g_steal_pointer(&def);
}

char *vd_pool_def_format(const vd_pool_def *def, const vd_pool_info *sizes)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"pool");
    xmlDocSetRootElement(doc, root);
    vd_xml_set_attr(root, "type", "dir");
    vd_xml_add_text(root, "name", def->name);
    char uuid[37];
    vd_uuid_format(def->uuid, uuid);
    vd_xml_add_text(root, "uuid", uuid);
    if (sizes) {
        vd_sx_add_bytes(root, "capacity", sizes->capacity);
        vd_sx_add_bytes(root, "allocation", sizes->allocation);
        vd_sx_add_bytes(root, "available", sizes->available);
    }
    xmlNewChild(root, NULL, (const xmlChar *)"source", NULL);
    xmlNode *target = xmlNewChild(root, NULL, (const xmlChar *)"target", NULL);
    vd_xml_add_text(target, "path", def->target);
    if (def->perms.mode || def->perms.owner >= 0 || def->perms.group >= 0)
        vd_sx_add_perms(target, def->perms.mode ? def->perms.mode : 0755, def->perms.owner,
                        def->perms.group);
    return vd_xml_doc_to_string(doc);
}
