/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builds a domain from an ELF64 image in the start state documented in public/vireo.h:
 * ELF segments loaded, identity page tables, GDT, per-vCPU stacks, start info and
 * command line in the reserved area at the top of RAM, and each vCPU's initial
 * registers. Writes go through a callback, so hv (boot-time domains, writing through the
 * NPT) and libvireoctl (dom0 user space, writing through foreign mappings) share it.
 */
#ifndef VIREO_GUEST_BUILD_H
#define VIREO_GUEST_BUILD_H

#include <stdint.h>
#include "public/vireo.h"

/* Copies len bytes to guest-physical gpa (src NULL: zero-fill). Returns 0 or -1. */
typedef int (*gb_write_fn)(void *ctx, uint64_t gpa, const void *src, uint64_t len);

struct gb_layout {
    uint64_t mem_bytes;  /* guest RAM [0, mem_bytes); a multiple of 2 MiB */
    uint32_t nr_vcpus;
    uint32_t domid;
    const char *cmdline; /* may be NULL */
};

struct gb_image {
    uint64_t entry;
    uint64_t lowest, highest; /* guest-physical span of the PT_LOAD segments */
};

/* Validates an ELF64 x86-64 executable (every offset and size against `size`). */
int gb_elf_check(const void *elf, uint64_t size, struct gb_image *img, const char **err);
/* Start of the reserved area for a layout (first byte the ELF may not use). */
uint64_t gb_reserved_gpa(const struct gb_layout *l);
/* Everything: checks the ELF fits the layout, loads it, writes the reserved area. */
int gb_build(const void *elf, uint64_t size, const struct gb_layout *l, gb_write_fn write,
             void *ctx, struct gb_image *img, const char **err);
/* Writes page tables identity-mapping GPA [0, 4 GiB) with 2 MiB pages at base (page
 * aligned): PML4 at base, then the PDPT and four page directories. */
#define GB_IDENTITY_TABLE_PAGES 6u
int gb_write_identity_tables(uint64_t base, gb_write_fn write, void *ctx);
/* The initial registers of vCPU `vcpu` for a domain built by gb_build. */
void gb_vcpu_context(const struct gb_layout *l, uint64_t entry, uint32_t vcpu,
                     struct vireo_vcpu_context *ctx);

#endif
