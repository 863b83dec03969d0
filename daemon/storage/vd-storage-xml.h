/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers the storage XML readers and writers share (vd-storage-xml.c). */
#ifndef VD_STORAGE_XML_H
#define VD_STORAGE_XML_H

#include <errno.h>
#include <libxml/tree.h>

#include "vd-storage-private.h"

/* The first child element `name` (any namespace), or NULL. */
xmlNode *vd_sx_child(xmlNode *parent, const char *name);
/* Its trimmed text, or NULL when absent. */
char *vd_sx_text(xmlNode *parent, const char *name);
char *vd_sx_attr(xmlNode *node, const char *name);
/* <name unit='...'>N</name> below parent; absent leaves *out alone. */
bool vd_sx_size(xmlNode *parent, const char *name, uint64_t *out, bool *present, vd_error **err);
/* <permissions> below target. */
bool vd_sx_perms(xmlNode *target, vd_perms *out, vd_error **err);
void vd_sx_add_perms(xmlNode *target, unsigned mode, long owner, long group);
void vd_sx_add_bytes(xmlNode *parent, const char *name, uint64_t value);
/* Pool and volume names become file names: no '/', no leading '.', not empty. */
bool vd_sx_check_name(const char *name, const char *what, vd_error **err);

#endif /* VD_STORAGE_XML_H */
