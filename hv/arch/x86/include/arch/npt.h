/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables: a domain's guest-physical to host-physical map (4-level, x86 format).
 * Each table counts its own table pages, so a domain's tables are charged to it and can
 * be bounded (docs/hv.md, "Memory").
 */
#ifndef HV_ARCH_NPT_H
#define HV_ARCH_NPT_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86.h"

/* Leaf flags. NPT walks are user accesses, so every entry carries U (APM 15.25.5). */
#define NPT_READ (PTE_P | PTE_U)
#define NPT_RW (PTE_P | PTE_W | PTE_U)
#define NPT_OWNED PTE_AVL0      /* frame belongs to the domain and is freed with it */
#define NPT_RAM (1ul << 10)     /* guest RAM: hv may copy hypercall buffers from/to it */
/* RAM write-protected for the dirty-page log (docs/hv.md): writable to the guest in truth,
 * so its first write is logged and lifts the protection, and hv's own writes go through. */
#define NPT_LOGGED (1ul << 11)

/* Guest-physical addresses a 4-level table can name: 48 bits. Anything above would
 * alias a lower address if its bits were simply dropped, so every call refuses it. */
#define NPT_GPA_LIMIT (1ull << 48)

struct npt {
    uint64_t root_pa;     /* host-physical address of the PML4 */
    uint64_t table_pages; /* table pages in the tree now, the root included */
    uint64_t table_limit; /* most table pages the tree may hold; 0: no limit (dom0) */
    uint64_t table_peak;  /* most table pages it ever held */
};

/* Table pages taken out of a tree by npt_unmap that a TLB may still reference: free them
 * (page_free) only once no CPU can walk them any more. */
#define NPT_RETIRED_MAX 3
struct npt_unmapped {
    uint64_t hpa, size, flags;            /* the leaf that was removed */
    unsigned nr_tables;
    void *tables[NPT_RETIRED_MAX];        /* table pages left empty and unlinked */
};

/* An empty table with a root page. Returns 0 or -VIREO_ENOMEM. */
int npt_init(struct npt *t, uint64_t table_limit);
/* Maps one page (4 KiB, 2 MiB or 1 GiB, both addresses aligned to it). Returns 0,
 * -VIREO_EEXIST if something is mapped there, -VIREO_ENOMEM (no memory, or the tree
 * would pass its table_limit), -VIREO_EINVAL (misaligned, or gpa >= NPT_GPA_LIMIT). */
int npt_map(struct npt *t, uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t flags);
/* Translates gpa; returns the host-physical address, or ~0 with no mapping (and for any
 * gpa >= NPT_GPA_LIMIT). */
uint64_t npt_translate(const struct npt *t, uint64_t gpa, uint64_t *flags);
/* Turns the 2 MiB leaf covering gpa into a table of 512 equal 4 KiB leaves. Returns 1 if
 * it split, 0 if there was no 2 MiB leaf there, -VIREO_ENOMEM (nothing changed). */
int npt_split_large(struct npt *t, uint64_t gpa);
/* Write-protects the 4 KiB RAM leaf at gpa for the dirty log (NPT_LOGGED), splitting the
 * 2 MiB leaf around it first. Returns 1 if it protected the page, 0 if there was nothing
 * to protect (no writable RAM there, or protected already), -VIREO_ENOMEM if the split
 * found no table page (nothing changed). The caller flushes TLBs. */
int npt_log_protect(struct npt *t, uint64_t gpa);
/* Makes the leaf at gpa writable again if the dirty log protected it; returns whether it
 * did. A permission upgrade: no TLB flush needed. */
bool npt_log_unprotect(struct npt *t, uint64_t gpa);
/* Removes the mapping of the page containing gpa and reports it in *out, with the table
 * pages it left empty (no longer counted in the tree). Returns 0, or -1 if nothing was
 * mapped. A large page is removed whole. */
int npt_unmap(struct npt *t, uint64_t gpa, struct npt_unmapped *out);
/* Calls leaf() for every mapping, then frees every table page including the root. */
void npt_destroy(struct npt *t, void (*leaf)(uint64_t hpa, uint64_t size, uint64_t flags, void *arg),
                 void *arg);

#endif
