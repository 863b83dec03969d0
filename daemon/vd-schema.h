/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RelaxNG validation against the schemas in xml-schemas/, compiled into the daemon as a
 * GResource so a running daemon never depends on where the files were installed.
 */
#ifndef VD_SCHEMA_H
#define VD_SCHEMA_H

#include <libxml/tree.h>

#include "vd-driver.h"

typedef enum {
    VD_SCHEMA_DOMAIN,       /* domain.rng */
    VD_SCHEMA_CAPABILITIES, /* capabilities.rng */
    VD_SCHEMA_DOMAINCAPS,   /* domaincaps.rng */
} vd_schema;

/* VIR_ERR_XML_INVALID_SCHEMA naming the line of the first violation. */
bool vd_schema_validate(xmlDoc *doc, vd_schema which, vd_error **err);

#endif /* VD_SCHEMA_H */
