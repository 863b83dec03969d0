/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain definition as libvirt domain XML: vd-domain-parse.c reads it (refusing by name
 * whatever Vireo cannot honour), vd-domain-format.c writes it back.
 */
#ifndef VD_DOMAIN_XML_H
#define VD_DOMAIN_XML_H

#include "vd-domain-def.h"

/* Parses libvirt domain XML. The document is validated against xml-schemas/domain.rng
 * after every element and attribute has been understood; anything Vireo cannot honour
 * fails with VIR_ERR_CONFIG_UNSUPPORTED naming it. *id_out (may be NULL) receives the
 * <domain id=> attribute of status files, -1 when absent. */
vd_domain_def *vd_domain_def_parse(const char *xml, int *id_out, vd_error **err);

/* Formats libvirt domain XML. id >= 0 adds <domain id=> (running domains). */
char *vd_domain_def_format(const vd_domain_def *def, int id);

#endif /* VD_DOMAIN_XML_H */
