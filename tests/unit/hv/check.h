/* Minimal assertion helpers for the host unit tests: report every failure, exit 1 at the end. */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                              \
            check_failures++;                                                                  \
        }                                                                                      \
    } while (0)

static inline int check_done(const char *name)
{
    printf("%s: %s\n", name, check_failures ? "FAILED" : "ok");
    return check_failures ? 1 : 0;
}

#endif
