/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libxml2 helpers shared by the XML readers and writers: reading a document with errors
 * that name the line, refusing whatever a reader did not understand, serializing.
 */
#ifndef VD_XML_H
#define VD_XML_H

#include <glib.h>
#include <libxml/tree.h>

#include "vd-driver.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* Parses a document without network access or entity expansion. Malformed input fails
 * with VIR_ERR_XML_DETAIL "XML error: <what> line N: <libxml2's message>". */
xmlDoc *vd_xml_read(const char *xml, const char *what, vd_error **err);

/* Marks node, its attributes and everything below it as understood. */
void vd_xml_mark_subtree(GHashTable *seen, xmlNode *node);

/* Fails with VIR_ERR_CONFIG_UNSUPPORTED naming the first element or attribute, in
 * document order, that is not in `seen`. */
bool vd_xml_refuse_unconsumed(GHashTable *seen, xmlNode *root, vd_error **err);

/* Serializes one element (and its subtree), or a whole document's root, indented. */
char *vd_xml_node_to_string(xmlNode *node);
char *vd_xml_doc_to_string(xmlDoc *doc);

/* Adds <name>text</name> under parent (text escaped). */
xmlNode *vd_xml_add_text(xmlNode *parent, const char *name, const char *text);
xmlNode *vd_xml_add_printf(xmlNode *parent, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void vd_xml_set_attr(xmlNode *node, const char *name, const char *value);
void vd_xml_set_attr_printf(xmlNode *node, const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

#endif /* VD_XML_H */
