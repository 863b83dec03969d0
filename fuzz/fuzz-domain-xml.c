/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target for the domain XML reader (untrusted: every define and create carries one):
 * an input is a document. What parses must format, parse again and format to the same
 * text (define -> dumpxml -> define is stable); what does not parse must fail cleanly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vd-domain-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *xml = malloc(size + 1);
    vd_error *err = NULL;

    memcpy(xml, data, size);
    xml[size] = '\0';
    vd_domain_def *def = vd_domain_def_parse(xml, NULL, &err);
    free(xml);
    if (!def) {
        if (!err || !err->message)
            abort(); /* a refusal always says why */
        vd_error_free(err);
        return 0;
    }
    char *first = vd_domain_def_format(def, -1);
    vd_domain_def *again = vd_domain_def_parse(first, NULL, &err);
    if (!again) {
        fprintf(stderr, "formatted definition refused: %s\n%s", err->message, first);
        abort();
    }
    char *second = vd_domain_def_format(again, -1);
    if (strcmp(first, second) != 0) {
        fprintf(stderr, "round trip changed the definition:\n%s---\n%s", first, second);
        abort();
    }
    free(first);
    free(second);
    vd_domain_def_free(def);
    vd_domain_def_free(again);
    return 0;
}
