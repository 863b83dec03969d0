/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit-test helpers shared by the domain XML tests: the corpus under xml/ and a parse that
 * must succeed (its error shown if not). */
#ifndef TEST_DOMAIN_CORPUS_H
#define TEST_DOMAIN_CORPUS_H

#include <glib.h>

#include "vd-domain-xml.h"

static inline char *read_corpus(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(CORPUS_DIR, dir, name, NULL);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static inline vd_domain_def *parse_ok(const char *xml)
{
    g_autoptr(vd_error) err = NULL;
    vd_domain_def *def = vd_domain_def_parse(xml, NULL, &err);
    if (!def)
        g_test_message("unexpected error %d: %s", err->code, err->message);
    g_assert_nonnull(def);
    return def;
}

#endif /* TEST_DOMAIN_CORPUS_H */
