/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPU-bound benchmark workload. Built once as an object and linked both into a
 * guest under hv and into a native multiboot2 kernel, so the two runs execute the very
 * same instructions.
 */
#ifndef GUEST_BENCH_WORKLOAD_H
#define GUEST_BENCH_WORKLOAD_H

#include <stdint.h>

/* Runs the workload `runs` times and prints one "workload: ..." line per run. */
void workload_report(unsigned runs);

#endif
