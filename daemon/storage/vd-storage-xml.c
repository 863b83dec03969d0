/* SPDX-License-Identifier: GPL-2.0-only */
/* What the pool and volume XML readers and writers share: elements, sizes, permissions. */
#include "vd-storage-xml.h"

#include <string.h>

#include "vd-error.h"
#include "vd-xml.h"

xmlNode *vd_sx_child(xmlNode *parent, const char *name)
{
    for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
            return n;
    return NULL;
}

char *vd_sx_text(xmlNode *parent, const char *name)
{
    xmlNode *n = vd_sx_child(parent, name);
    if (!n)
        return NULL;
    xmlChar *t = xmlNodeGetContent(n);
    char *s = g_strstrip(g_strdup((const char *)t));
    xmlFree(t);
    return s;
}

char *vd_sx_attr(xmlNode *node, const char *name)
{
    if (!node)
        return NULL;
    xmlChar *v = xmlGetProp(node, (const xmlChar *)name);
    char *s = v ? g_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* formatstorage's scaled integers: bytes by default, k/K/KiB = 1024, KB = 1000, ... */
bool vd_storage_parse_size(const char *text, const char *unit, uint64_t *out)
{
    static const char powers[] = "bkmgtpe";
    char *end;
    if (!text || !*text || text[0] == '-')
        return false;
    errno = 0;
    guint64 v = g_ascii_strtoull(text, &end, 10);
    if (errno || *end)
        return false;
    if (!unit || !*unit || g_ascii_strcasecmp(unit, "bytes") == 0) {
        *out = v;
        return true;
    }
    const char *p = strchr(powers, g_ascii_tolower(unit[0]));
    if (!p)
        return false;
    unsigned base = 1024;
    const char *rest = unit + 1;
    if (g_ascii_strcasecmp(rest, "B") == 0 && p != powers)
        base = 1000;
    else if (*rest && g_ascii_strcasecmp(rest, "iB") != 0)
        return false;
    for (long i = 0; i < p - powers; i++) {
        if (v > G_MAXUINT64 / base)
            return false;
        v *= base;
    }
    *out = v;
    return true;
}

bool vd_sx_size(xmlNode *parent, const char *name, uint64_t *out, bool *present, vd_error **err)
{
    xmlNode *n = vd_sx_child(parent, name);
    *present = n != NULL;
    if (!n)
        return true;
    g_autofree char *text = vd_sx_text(parent, name);
    g_autofree char *unit = vd_sx_attr(n, "unit");
    if (vd_storage_parse_size(text, unit, out))
        return true;
    vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "malformed <%s> '%s'%s%s (line %ld)", name,
            text ? text : "", unit ? " unit " : "", unit ? unit : "", xmlGetLineNo(n));
    return false;
}

bool vd_sx_perms(xmlNode *target, vd_perms *out, vd_error **err)
{
    *out = (vd_perms){0, -1, -1};
    xmlNode *perms = vd_sx_child(target, "permissions");
    if (!perms)
        return true;
    g_autofree char *mode = vd_sx_text(perms, "mode");
    g_autofree char *owner = vd_sx_text(perms, "owner");
    g_autofree char *group = vd_sx_text(perms, "group");
    char *end = NULL;
    if (mode && *mode) {
        guint64 m = g_ascii_strtoull(mode, &end, 8);
        if (*end || m > 07777)
            goto bad;
        out->mode = m;
    }
    if (owner && *owner) {
        out->owner = g_ascii_strtoll(owner, &end, 10);
        if (*end || out->owner < -1)
            goto bad;
    }
    if (group && *group) {
        out->group = g_ascii_strtoll(group, &end, 10);
        if (*end || out->group < -1)
            goto bad;
    }
    return true;
bad:
    vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE, "malformed <permissions> (line %ld)",
            xmlGetLineNo(perms));
    return false;
}

void vd_sx_add_perms(xmlNode *target, unsigned mode, long owner, long group)
{
    xmlNode *perms = xmlNewChild(target, NULL, (const xmlChar *)"permissions", NULL);
    vd_xml_add_printf(perms, "mode", "%04o", mode);
    if (owner >= 0) /* -1: whoever the daemon runs as */
        vd_xml_add_printf(perms, "owner", "%ld", owner);
    if (group >= 0)
        vd_xml_add_printf(perms, "group", "%ld", group);
}

void vd_sx_add_bytes(xmlNode *parent, const char *name, uint64_t value)
{
    xmlNode *n = vd_xml_add_printf(parent, name, "%" G_GUINT64_FORMAT, value);
    vd_xml_set_attr(n, "unit", "bytes");
}

bool vd_sx_check_name(const char *name, const char *what, vd_error **err)
{
    if (name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
        name[0] != '.')
        return true;
    vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
            "%s name '%s' is missing or not a plain "
            "file name",
            what, name ? name : "");
    return false;
}
