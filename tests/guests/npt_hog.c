/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: grows its nested page tables without growing its memory. Each cycle gives
 * back one frame of a 2 MiB page of its RAM (hv splits the page: a new table) and takes
 * one frame far away in a fresh 2 MiB region (more new tables), so the frames it holds
 * stay the same. hv once took those tables from the common pool without charging the
 * domain: a guest could empty the pool while under its own limit. Now hv must refuse
 * (-VIREO_ENOMEM) once the tables reach the domain's budget. Stops after cycles=<n>.
 */
#include "guest.h"

#define FRAME 4096ull
#define LARGE (2ull << 20)
#define AREA (4ull << 20)    /* the 2 MiB pages it splits, above its image */
#define FAR (64ull << 30)    /* where it takes frames back: 64 GiB, far from its RAM */

void guest_main(struct guest_vcpu *v)
{
    uint64_t max_cycles = cmdline_u64(v->start, "cycles", 4000), cycles = 0;
    uint64_t pages = (v->start->reserved_gpa - AREA) / LARGE;
    int64_t rel = 0, pop = 0;

    for (; cycles < max_cycles; cycles++) {
        uint64_t frame = cycles < pages ? (AREA + cycles * LARGE) / FRAME : 0;
        if (!frame)
            break; /* no 2 MiB page of its own left to split */
        rel = hypercall2(VIREO_HC_MEMORY_RELEASE_SELF, frame, 1);
        pop = hypercall2(VIREO_HC_MEMORY_POPULATE_SELF, (FAR + cycles * LARGE) / FRAME, 1);
        if (rel != 1 || pop != 0)
            break;
    }
    guest_printf("npt hog: %llu cycles, then release=%lld populate=%lld\n",
                 (unsigned long long)cycles, (long long)rel, (long long)pop);
}
