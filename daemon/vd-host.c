/* SPDX-License-Identifier: GPL-2.0-only */
/* The host UUID and SMBIOS sysinfo, read once at start from DMI and /etc. */
#include "vd-host.h"
#include "vd-domain-def.h"
#include "vd-store.h"
#include "vd-xml.h"

#include <string.h>

static const char *dmi_dir(const vd_host_sources *src)
{
    return src && src->dmi_dir ? src->dmi_dir : "/sys/class/dmi/id";
}

/* One DMI attribute, stripped; NULL when absent or empty. */
static char *dmi_field(const vd_host_sources *src, const char *name)
{
    g_autofree char *path = g_build_filename(dmi_dir(src), name, NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL) || !*g_strstrip(text))
        return NULL;
    return g_steal_pointer(&text);
}

/* A UUID that names something: firmware that leaves SMBIOS's unset fills it with 00 or ff
 * bytes, and libvirt refuses either as a host UUID. */
static bool uuid_from_text(const char *text, unsigned char out[16])
{
    if (!vd_uuid_parse(text, out))
        return false;
    bool zeros = true, ones = true;
    for (int i = 0; i < 16; i++) {
        zeros = zeros && out[i] == 0x00;
        ones = ones && out[i] == 0xff;
    }
    return !zeros && !ones;
}

static bool uuid_from_file(const char *path, unsigned char out[16])
{
    g_autofree char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) && uuid_from_text(g_strstrip(text), out);
}

/* A UUID made up on the first start and kept, so it stays the host's. */
static void kept_uuid(const vd_config *cfg, unsigned char out[16])
{
    g_autofree char *dir = g_path_get_dirname(cfg->domains_dir);
    g_autofree char *path = g_build_filename(dir, "host-uuid", NULL);
    if (uuid_from_file(path, out))
        return;
    do
        vd_uuid_generate(out);
    while (out[0] == 0 && out[1] == 0); /* never mistaken for an unset one */
    char text[37];
    vd_uuid_format(out, text);
    g_autofree char *line = g_strconcat(text, "\n", NULL);
    g_autoptr(vd_error) err = NULL;
    if (!vd_file_write_atomic(path, line, true, &err))
        g_warning("host UUID %s is not kept: %s", text, err->message);
}

void vd_host_uuid(const vd_config *cfg, const vd_host_sources *src, unsigned char out[16])
{
    if (cfg->host_uuid) {
        if (uuid_from_text(cfg->host_uuid, out))
            return;
        g_warning("host_uuid '%s' is not a usable UUID (malformed, all zeros or all ones): "
                  "ignored, the machine's is used",
                  cfg->host_uuid);
    }
    g_autofree char *product_uuid = g_build_filename(dmi_dir(src), "product_uuid", NULL);
    if (uuid_from_file(product_uuid, out))
        return;
    if (uuid_from_file(src && src->machine_id ? src->machine_id : "/etc/machine-id", out))
        return;
    kept_uuid(cfg, out);
}

static void add_entries(vd_host_sources const *src, xmlNode *parent, const char *const *map)
{
    for (; *map; map += 2) {
        g_autofree char *value = dmi_field(src, map[1]);
        if (value)
            vd_xml_set_attr(vd_xml_add_text(parent, "entry", value), "name", map[0]);
    }
}

char *vd_host_sysinfo(const vd_host_sources *src, const unsigned char uuid[16])
{
    static const char *const bios[] = {"vendor",       "bios_vendor",  "version",
                                       "bios_version", "date",         "bios_date",
                                       "release",      "bios_release", NULL};
    static const char *const system[] = {
        "manufacturer", "sys_vendor",     "product", "product_name",   "version", "product_version",
        "serial",       "product_serial", "family",  "product_family", NULL};
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"sysinfo");
    xmlDocSetRootElement(doc, root);
    vd_xml_set_attr(root, "type", "smbios");
    add_entries(src, xmlNewChild(root, NULL, (const xmlChar *)"bios", NULL), bios);
    xmlNode *sys = xmlNewChild(root, NULL, (const xmlChar *)"system", NULL);
    add_entries(src, sys, system);
    char text[37];
    vd_uuid_format(uuid, text);
    vd_xml_set_attr(vd_xml_add_text(sys, "entry", text), "name", "uuid");
    return vd_xml_doc_to_string(doc);
}
