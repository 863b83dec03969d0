/* SPDX-License-Identifier: GPL-2.0-only */
/* Nested page tables: a domain's guest-physical to host-physical map (4-level, x86 format). */
#ifndef HV_ARCH_NPT_H
#define HV_ARCH_NPT_H

#include <stdint.h>
#include "arch/x86.h"

/* Leaf flags. NPT walks are user accesses, so every entry carries U (APM 15.25.5). */
#define NPT_READ (PTE_P | PTE_U)
#define NPT_RW (PTE_P | PTE_W | PTE_U)
#define NPT_OWNED PTE_AVL0      /* frame belongs to the domain and is freed with it */
#define NPT_RAM (1ul << 10)     /* guest RAM: hv may copy hypercall buffers from/to it */

/* Returns the root (host-physical) of an empty table, or 0. */
uint64_t npt_create(void);
/* Maps one page (4 KiB, 2 MiB or 1 GiB, both addresses aligned to it).
 * Returns 0, -VIREO_EEXIST if something is mapped there, -VIREO_ENOMEM. */
int npt_map(uint64_t root, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t flags);
/* Translates gpa; returns the host-physical address or ~0 with no mapping. */
uint64_t npt_translate(uint64_t root, uint64_t gpa, uint64_t *flags);
/* Turns the 2 MiB leaf covering gpa into a table of 512 equal 4 KiB leaves. Returns 1 if
 * it split, 0 if there was no 2 MiB leaf there, -VIREO_ENOMEM (nothing changed). */
int npt_split_large(uint64_t root, uint64_t gpa);
/* Removes the mapping of the page containing gpa; reports what was there.
 * Returns 0, or -1 if nothing was mapped. A large page is removed whole. */
int npt_unmap(uint64_t root, uint64_t gpa, uint64_t *hpa, uint64_t *size, uint64_t *flags);
/* Calls leaf() for every mapping, then frees every table page including the root. */
void npt_destroy(uint64_t root, void (*leaf)(uint64_t hpa, uint64_t size, uint64_t flags, void *arg),
                 void *arg);

#endif
