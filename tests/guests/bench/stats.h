/* SPDX-License-Identifier: GPL-2.0-only */
/* Small statistics for the benchmark guests. */
#ifndef GUEST_BENCH_STATS_H
#define GUEST_BENCH_STATS_H

#include <stdint.h>

#define BENCH_MAX_BATCHES 15

/* Median of n values (sorts them in place): robust against one disturbed batch. */
uint64_t bench_median(uint64_t *v, unsigned n);

#endif
