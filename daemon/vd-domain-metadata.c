/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's metadata as libvirt's virDomainGetMetadata/virDomainSetMetadata see it: the
 * <title>, the <description>, and applications' own elements under <metadata>, one per
 * namespace. Changes go through the same live/config frame as every other setting.
 */
#include "vd-daemon-private.h"
#include "vd-xml.h"

#include <string.h>

/* The child of <metadata> in namespace uri, or NULL. */
static xmlNode *find_element(xmlNode *metadata, const char *uri)
{
    for (xmlNode *n = metadata->children; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
            strcmp((const char *)n->ns->href, uri) == 0)
            return n;
    }
    return NULL;
}

static char *get_element(const vd_domain_def *def, const char *uri, vd_error **err)
{
    if (!def->metadata)
        return NULL;
    g_autoptr(xmlDoc) doc = vd_xml_read(def->metadata, "metadata", err);
    xmlNode *found = doc ? find_element(xmlDocGetRootElement(doc), uri) : NULL;
    return found ? vd_xml_node_to_string(found) : NULL;
}

static bool check_type(int type, vd_error **err)
{
    if (type >= VIR_DOMAIN_METADATA_DESCRIPTION && type <= VIR_DOMAIN_METADATA_ELEMENT)
        return true;
    vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "unknown metadata type '%d'", type);
    return false;
}

char *vd_domain_get_metadata(vd_daemon *d, const vd_domain_ref *ref, int type, const char *uri,
                             unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, err, NULL);
    if (!check_type(type, err))
        return NULL;
    if (type == VIR_DOMAIN_METADATA_ELEMENT && !uri) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "a metadata element needs its uri");
        return NULL;
    }
    if ((flags & VIR_DOMAIN_AFFECT_LIVE) && (flags & VIR_DOMAIN_AFFECT_CONFIG)) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually "
                "exclusive");
        return NULL;
    }
    char *out = NULL;
    bool live, config, failed = true;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && vd_affect(dom, flags, &live, &config, err)) {
        const vd_domain_def *def = live ? dom->live : dom->def;
        failed = false;
        if (type == VIR_DOMAIN_METADATA_DESCRIPTION)
            out = g_strdup(def->description);
        else if (type == VIR_DOMAIN_METADATA_TITLE)
            out = g_strdup(def->title);
        else
            failed = !(out = get_element(def, uri, err)) && err && *err;
    }
    vd_read_unlock(d);
    if (!out && !failed)
        vd_fail(err, VIR_ERR_NO_DOMAIN_METADATA, VIR_FROM_DOMAIN,
                "Requested metadata element is not present");
    return out;
}

typedef struct metadata_change {
    int type;
    const char *value; /* NULL removes */
    const char *key, *uri;
} metadata_change;

/* Replaces the element in c->uri's namespace under <metadata> (or removes it). */
static bool set_element(vd_domain_def *def, const metadata_change *c, vd_error **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlDoc) fragment = NULL;
    if (def->metadata) {
        doc = vd_xml_read(def->metadata, "metadata", err);
    } else {
        doc = xmlNewDoc((const xmlChar *)"1.0");
        xmlDocSetRootElement(doc, xmlNewNode(NULL, (const xmlChar *)"metadata"));
    }
    if (c->value && !(fragment = vd_xml_read(c->value, "metadata element", err)))
        return false;
    if (!doc)
        return false;
    xmlNode *root = xmlDocGetRootElement(doc);
    for (xmlNode *old; (old = find_element(root, c->uri));) {
        xmlUnlinkNode(old);
        xmlFreeNode(old);
    }
    if (fragment) {
        xmlNode *el = xmlDocCopyNode(xmlDocGetRootElement(fragment), doc, 1);
        xmlSetNs(el, xmlNewNs(el, (const xmlChar *)c->uri, (const xmlChar *)c->key));
        xmlAddChild(root, el);
    }
    g_free(def->metadata);
    def->metadata = xmlFirstElementChild(root) ? vd_xml_node_to_string(root) : NULL;
    return true;
}

static bool change_metadata(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                            const void *arg, vd_error **err)
{
    (void)d;
    (void)dom;
    (void)live; /* nothing of it reaches hv */
    const metadata_change *c = arg;
    if (c->type == VIR_DOMAIN_METADATA_ELEMENT)
        return set_element(def, c, err);
    char **field = c->type == VIR_DOMAIN_METADATA_TITLE ? &def->title : &def->description;
    g_free(*field);
    *field = g_strdup(c->value);
    return true;
}

static bool check_set_args(const metadata_change *c, vd_error **err)
{
    if (!check_type(c->type, err))
        return false;
    if (c->type != VIR_DOMAIN_METADATA_ELEMENT && (c->key || c->uri)) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "key and uri apply only to metadata elements");
        return false;
    }
    if (c->type == VIR_DOMAIN_METADATA_TITLE && c->value && strchr(c->value, '\n')) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "title can't contain newlines");
        return false;
    }
    if (c->type == VIR_DOMAIN_METADATA_ELEMENT &&
        (!c->uri || (c->value && (!c->key || xmlValidateNCName((const xmlChar *)c->key, 0))))) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "a metadata element needs its uri and, to set it, a key that is an XML name");
        return false;
    }
    return true;
}

bool vd_domain_set_metadata(vd_daemon *d, const vd_domain_ref *ref, int type, const char *metadata,
                            const char *key, const char *uri, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, err, false);
    /* libvirt treats an empty string as removal. */
    metadata_change c = {type, metadata && *metadata ? metadata : NULL, key, uri};
    return check_set_args(&c, err) &&
           vd_domain_apply_change(d, ref, flags, "virDomainSetMetadata", change_metadata, &c, err);
}
