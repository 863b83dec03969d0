/* SPDX-License-Identifier: GPL-2.0-only */
/* Statistics shared by the benchmark guests. */
#include "stats.h"

uint64_t bench_median(uint64_t *v, unsigned n)
{
    /* Insertion sort: n is at most BENCH_MAX_BATCHES. */
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}
