/* SPDX-License-Identifier: GPL-2.0-only */
/* Loads the compiled-in RelaxNG schemas once and validates documents against them. */
#include "vd-schema.h"
#include "vd-error.h"

#include <gio/gio.h>
#include <libxml/relaxng.h>
#include <string.h>

static const char *const schema_files[] = {
    [VD_SCHEMA_DOMAIN] = "/org/vireo/schemas/domain.rng",
    [VD_SCHEMA_CAPABILITIES] = "/org/vireo/schemas/capabilities.rng",
    [VD_SCHEMA_DOMAINCAPS] = "/org/vireo/schemas/domaincaps.rng",
};

static xmlRelaxNG *schemas[G_N_ELEMENTS(schema_files)];
/* libxml2 does not promise that one compiled schema validates in two threads at once. */
static GMutex schema_lock;

static xmlRelaxNG *load(vd_schema which)
{
    if (schemas[which])
        return schemas[which];
    g_autoptr(GBytes) bytes =
        g_resources_lookup_data(schema_files[which], G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
    if (!bytes)
        g_error("schema %s is not compiled in", schema_files[which]);
    gsize len;
    const char *data = g_bytes_get_data(bytes, &len);
    xmlRelaxNGParserCtxt *pctxt = xmlRelaxNGNewMemParserCtxt(data, (int)len);
    schemas[which] = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!schemas[which])
        g_error("schema %s does not compile", schema_files[which]);
    return schemas[which];
}

typedef struct first_error {
    char *message; /* the first violation libxml2 reports */
    long line;     /* the first line any report names: interleave errors carry none */
} first_error;

static void keep_first_error(void *user, const xmlError *e)
{
    first_error *first = user;
    long line = e->line ? e->line : e->node ? xmlGetLineNo(e->node) : 0;
    if (!first->message && e->message)
        first->message = g_strchomp(g_strdup(e->message));
    if (!first->line && line > 0)
        first->line = line;
}

bool vd_schema_validate(xmlDoc *doc, vd_schema which, vd_error **err)
{
    first_error first = {0};
    g_mutex_lock(&schema_lock);
    xmlRelaxNGValidCtxt *vctxt = xmlRelaxNGNewValidCtxt(load(which));
    xmlRelaxNGSetValidStructuredErrors(vctxt, (xmlStructuredErrorFunc)keep_first_error, &first);
    int rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    g_mutex_unlock(&schema_lock);
    if (rc == 0)
        return true;
    vd_fail(err, VIR_ERR_XML_INVALID_SCHEMA, VIR_FROM_XML, "line %ld: %s", first.line,
            first.message ? first.message : "document does not match the schema");
    g_free(first.message);
    return false;
}
