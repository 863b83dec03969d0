/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0: the privileged passthrough domain on CPU 0. It owns a fixed set of identity-mapped
 * RAM ranges (from the bottom of memory, dom0_mem bytes of it), every device and every
 * interrupt; hv's own memory and the domU pool are absent from its nested page table and
 * reserved in its e820 map.
 */
#ifndef HV_DOM0_H
#define HV_DOM0_H

#include "hv/hv.h"
#include "hv/boot.h"
#include "hv/mm.h"
#include "public/vireo.h"

#define DOM0_DEFAULT_MEM MiB(1024)
#define FOREIGN_WINDOW_GPA GiB(256) /* dom0-physical window for domU frames */
#define FOREIGN_WINDOW_SIZE GiB(16)

/* True if the modules include a dom0 kernel (the first one not tagged vireo.domain). */
bool dom0_configured(const struct boot_info *bi);
/* Chooses dom0's RAM: the lowest `want` bytes of RAM outside `exclude`. Returns the ranges. */
unsigned dom0_plan_memory(const struct boot_info *bi, uint64_t want, const struct mem_range *exclude,
                          unsigned nr_exclude, const struct mem_range **ranges);
/* Builds dom0 and runs it on this CPU (CPU 0) forever. */
NORETURN void dom0_start(const struct boot_info *bi);
void dom0_fill_physinfo(struct vireo_physinfo *pi);
uint64_t dom0_nr_pages(void);

/* dom0_memory.c: the identity NPT and e820 map built from one address-space partition. */
struct lb_e820;
bool dom0_owns(uint64_t start, uint64_t end);
struct npt;
void dom0_build_npt(const struct boot_info *bi, struct npt *npt);
unsigned dom0_build_e820(const struct boot_info *bi, struct lb_e820 *e820, unsigned max);

struct vcpu;
int64_t dom0_map_foreign(struct vcpu *caller, const uint64_t *args);
int64_t dom0_unmap_foreign(struct vcpu *caller, const uint64_t *args);

#endif
