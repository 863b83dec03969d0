/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit-test helper: every needle is in the text, else the text is shown and the test fails. */
#ifndef TEST_CONTAINS_H
#define TEST_CONTAINS_H

#include <glib.h>
#include <string.h>

static inline void assert_contains_all(const char *text, const char *const *needles, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (!strstr(text, needles[i]))
            g_test_message("missing %s in\n%s", needles[i], text);
        g_assert_nonnull(strstr(text, needles[i]));
    }
}

#endif /* TEST_CONTAINS_H */
