/* SPDX-License-Identifier: GPL-2.0-only */
/* CPU feature checks and per-CPU architecture setup (descriptor tables, SVM). */
#ifndef HV_ARCH_CPU_H
#define HV_ARCH_CPU_H

#include <stdint.h>
#include <stdbool.h>

struct cpu;

struct cpu_features {
    bool svm, npt, nrips, flush_by_asid, pdpe1gb, nx, xsave, rdtscp;
    uint32_t nr_asids;
    uint64_t xcr0_supported; /* XCR0 bits hv may let guests enable */
    uint32_t xsave_size;     /* bytes of an XSAVE area for xcr0_supported */
};

extern struct cpu_features cpu_features;

/* Reads CPUID; stops hv with a clear message if SVM or nested paging is missing. */
void cpu_check_features(void);
/* GDT with this CPU's TSS, IDT, GS -> struct cpu, control registers, SVM on. */
void cpu_init(struct cpu *c);
/* Points GS at c (this_cpu()); done first thing on every CPU. */
void cpu_set_gs(struct cpu *c);

#endif
