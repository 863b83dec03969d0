/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest page-table walker: translates a guest linear address to guest-physical under the
 * guest's own paging mode, so hv can fetch a faulting instruction and follow its memory
 * operands. Pure code: guest memory is reached only through the caller's callback.
 */
#ifndef HV_ARCH_GUEST_WALK_H
#define HV_ARCH_GUEST_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The guest state that decides how its linear addresses translate. */
struct guest_paging {
    uint64_t cr0;       /* PG, WP */
    uint64_t cr3;       /* the root table */
    uint64_t cr4;       /* PSE, PAE, SMEP, SMAP */
    uint64_t efer;      /* LMA, NXE */
    uint64_t rflags;    /* AC: lets supervisor data accesses reach user pages under SMAP */
    uint8_t maxphyaddr; /* the guest's physical address width, CPUID 0x80000008 EAX[7:0] */
};

/* Reaches guest-physical memory for the walker. */
struct guest_mem {
    /* Copies len bytes at gpa into buf; returns 0, or nonzero if that is not guest RAM. */
    int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
    /* The other way (guest_write_linear only; may be NULL otherwise). */
    int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
    void *opaque;
};

/* The access being translated; the bits are those of the #PF error code. */
#define GUEST_ACCESS_READ 0u
#define GUEST_ACCESS_WRITE (1u << 1)
#define GUEST_ACCESS_USER (1u << 2) /* made at CPL 3 */
#define GUEST_ACCESS_FETCH (1u << 4)

/* #PF error code bits. */
#define PF_ERR_PRESENT (1u << 0) /* a protection violation, not a missing page */
#define PF_ERR_WRITE (1u << 1)
#define PF_ERR_USER (1u << 2)
#define PF_ERR_RSVD (1u << 3)  /* a reserved bit was set in a paging entry */
#define PF_ERR_FETCH (1u << 4) /* instruction fetch (reported with NX or SMEP enabled) */

/* Why a translation failed, for the exception hv injects. */
struct guest_fault {
    uint64_t addr;  /* the linear address that failed: CR2 for a #PF (for NOT_RAM: the
                     * guest-physical address that could not be read) */
    uint32_t error; /* #PF error code (PF_ERR_*) */
};

enum guest_walk_result {
    GUEST_WALK_OK = 0,
    GUEST_WALK_PAGE_FAULT = -1,   /* inject #PF(fault.error) with CR2 = fault.addr */
    GUEST_WALK_NONCANONICAL = -2, /* inject #GP(0) (#SS(0) for a stack access) */
    GUEST_WALK_NOT_RAM = -3,      /* a paging entry or the data lies outside guest RAM */
};

/*
 * Translates `linear` for an access of kind `access` (GUEST_ACCESS_*): no paging, 32-bit
 * (4 KiB and, with CR4.PSE, 4 MiB pages), PAE (4 KiB, 2 MiB) or 4-level long mode
 * (4 KiB, 2 MiB, 1 GiB). Returns GUEST_WALK_OK with *gpa set, or an error with *fault
 * set. The walk only reads: the CPU set the accessed and dirty bits itself when it made
 * the access that trapped. Protection keys are not checked.
 */
int guest_walk(const struct guest_paging *pg, const struct guest_mem *mem, uint64_t linear,
               unsigned access, uint64_t *gpa, struct guest_fault *fault);

/*
 * Copies len bytes at `linear` through the walker, page by page (wrapping at 4 GiB
 * outside long mode). Returns GUEST_WALK_OK, or the error of the first page that failed
 * with *fault set; *copied tells how many bytes arrived before it.
 */
int guest_read_linear(const struct guest_paging *pg, const struct guest_mem *mem, uint64_t linear,
                      unsigned access, void *buf, size_t len, size_t *copied,
                      struct guest_fault *fault);

/*
 * Writes len (<= 16) bytes to `linear` as one store: every page is translated for a
 * write first, so a fault on any of them writes nothing. Returns as guest_read_linear()
 * (GUEST_WALK_NOT_RAM when a page is not guest RAM). Like guest_walk() it does not set
 * the accessed and dirty bits of the guest's page tables.
 */
int guest_write_linear(const struct guest_paging *pg, const struct guest_mem *mem,
                       uint64_t linear, bool user, const void *buf, size_t len,
                       struct guest_fault *fault);

/*
 * Fetches up to 15 instruction bytes at `linear` (CS base + RIP) into buf. A fault on a
 * later page only shortens the fetch: decode what arrived, and inject the fault if the
 * decoder says the instruction is truncated. Returns as guest_read_linear().
 */
int guest_fetch(const struct guest_paging *pg, const struct guest_mem *mem, uint64_t linear,
                bool user, uint8_t buf[15], size_t *fetched, struct guest_fault *fault);

#endif
