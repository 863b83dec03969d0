/* SPDX-License-Identifier: GPL-2.0-only */
/* libxml2 helpers: strict reading, the unconsumed-construct sweep, serialization. */
#include "vd-xml.h"
#include "vd-error.h"

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <string.h>

xmlDoc *vd_xml_read(const char *xml, const char *what, vd_error **err)
{
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        vd_fail(err, VIR_ERR_NO_MEMORY, VIR_FROM_XML, "cannot allocate an XML parser");
        return NULL;
    }
    /* No network, no DTD loading, no entity substitution: the input is untrusted. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR;
    xmlDoc *doc = xmlCtxtReadMemory(ctxt, xml, (int)strlen(xml), what, NULL, opts);
    if (!doc || !xmlDocGetRootElement(doc)) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (e && e->message) {
            g_autofree char *msg = g_strchomp(g_strdup(e->message));
            vd_fail(err, VIR_ERR_XML_DETAIL, VIR_FROM_XML, "%s line %d: %s", what, e->line, msg);
        } else {
            vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_XML, "%s: empty XML document", what);
        }
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    return doc;
}

void vd_xml_mark_subtree(GHashTable *seen, xmlNode *node)
{
    g_hash_table_add(seen, node);
    for (xmlAttr *a = node->properties; a; a = a->next)
        g_hash_table_add(seen, a);
    for (xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            vd_xml_mark_subtree(seen, c);
}

static char *node_path(xmlNode *node)
{
    GString *path = g_string_new((const char *)node->name);
    for (xmlNode *p = node->parent; p && p->type == XML_ELEMENT_NODE; p = p->parent) {
        g_string_prepend_c(path, '/');
        g_string_prepend(path, (const char *)p->name);
    }
    return g_string_free(path, FALSE);
}

static char *qualified_name(const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix)
        return g_strdup_printf("%s:%s", (const char *)ns->prefix, (const char *)name);
    return g_strdup((const char *)name);
}

bool vd_xml_refuse_unconsumed(GHashTable *seen, xmlNode *node, vd_error **err)
{
    g_autofree char *path = node_path(node);
    g_autofree char *name = qualified_name(node->ns, node->name);
    if (!g_hash_table_contains(seen, node)) {
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
                "element <%s> (%s, line %ld) is not supported by Vireo", name, path,
                xmlGetLineNo(node));
        return false;
    }
    for (xmlAttr *a = node->properties; a; a = a->next) {
        if (g_hash_table_contains(seen, a))
            continue;
        g_autofree char *aname = qualified_name(a->ns, a->name);
        vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
                "attribute '%s' of <%s> (%s, line %ld) is not supported by Vireo", aname, name,
                path, xmlGetLineNo(node));
        return false;
    }
    for (xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && !vd_xml_refuse_unconsumed(seen, c, err))
            return false;
    return true;
}

static char *save_node(xmlNode *node)
{
    xmlBuffer *buf = xmlBufferCreate();
    xmlSaveCtxt *save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
    xmlSaveTree(save, node);
    xmlSaveClose(save);
    GString *out = g_string_new_len((const char *)xmlBufferContent(buf), xmlBufferLength(buf));
    xmlBufferFree(buf);
    if (out->len == 0 || out->str[out->len - 1] != '\n')
        g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

char *vd_xml_node_to_string(xmlNode *node)
{
    return save_node(node);
}

char *vd_xml_doc_to_string(xmlDoc *doc)
{
    return save_node(xmlDocGetRootElement(doc));
}

xmlNode *vd_xml_add_text(xmlNode *parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

xmlNode *vd_xml_add_printf(xmlNode *parent, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return vd_xml_add_text(parent, name, text);
}

void vd_xml_set_attr(xmlNode *node, const char *name, const char *value)
{
    xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)value);
}

void vd_xml_set_attr_printf(xmlNode *node, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    vd_xml_set_attr(node, name, value);
}
