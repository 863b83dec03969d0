/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile to hv's memory code, not to itself: gives back pieces of its own 2 MiB pages in
 * the awkward orders (a middle piece, the same piece again, a neighbour of an already
 * split page, a range across a 2 MiB boundary), checks the frames it kept still hold what
 * it wrote, takes the frames back and finds them zeroed. A wrong split in hv shows here
 * as lost data, a refused call, or hv's panic.
 */
#include "guest.h"

#define FRAME 4096ull
#define AREA (8ull << 20) /* a 2 MiB-aligned area the image and builder never use */

static int64_t release(uint64_t gpa, uint64_t frames)
{
    return hypercall2(VIREO_HC_MEMORY_RELEASE_SELF, gpa / FRAME, frames);
}

static void expect(const char *what, int64_t got, int64_t want)
{
    if (got != want)
        guest_fail("%s: got %lld, expected %lld", what, (long long)got, (long long)want);
}

static void mark(uint64_t gpa, uint64_t frames)
{
    for (uint64_t f = 0; f < frames; f++)
        *(volatile uint64_t *)(uintptr_t)(gpa + f * FRAME) = gpa + f * FRAME;
}

static void check_marked(const char *what, uint64_t gpa)
{
    if (*(volatile uint64_t *)(uintptr_t)gpa != gpa)
        guest_fail("%s: frame at 0x%llx lost its contents", what, (unsigned long long)gpa);
}

void guest_main(struct guest_vcpu *v)
{
    const uint64_t p0 = AREA, p1 = AREA + (2ull << 20); /* two 2 MiB pages */

    if (v->start->mem_bytes < AREA + (4ull << 20) + (1ull << 20))
        guest_fail("needs at least 13 MiB of RAM");
    mark(p0, 1024);
    expect("release a middle piece of a 2 MiB page", release(p0 + FRAME, 2), 2);
    expect("release the same piece again", release(p0 + FRAME, 2), 0);
    expect("release a neighbour in the split page", release(p0 + 3 * FRAME, 1), 1);
    expect("release across the 2 MiB boundary", release(p1 - 2 * FRAME, 4), 4);
    check_marked("first frame of the split page", p0);
    check_marked("frame after the released ones", p0 + 4 * FRAME);
    check_marked("frame before the boundary range", p1 - 3 * FRAME);
    check_marked("frame after the boundary range", p1 + 2 * FRAME);
    check_marked("last frame of the second page", p1 + 511 * FRAME);

    expect("take the middle frames back", hypercall2(VIREO_HC_MEMORY_POPULATE_SELF,
                                                     (p0 + FRAME) / FRAME, 3), 0);
    expect("take them again", hypercall2(VIREO_HC_MEMORY_POPULATE_SELF, (p0 + FRAME) / FRAME, 1),
           -VIREO_EEXIST);
    expect("take the boundary frames back",
           hypercall2(VIREO_HC_MEMORY_POPULATE_SELF, (p1 - 2 * FRAME) / FRAME, 4), 0);
    for (uint64_t gpa = p0 + FRAME; gpa < p0 + 4 * FRAME; gpa += FRAME)
        if (*(volatile uint64_t *)(uintptr_t)gpa != 0)
            guest_fail("frame 0x%llx came back with old contents", (unsigned long long)gpa);
    guest_printf("balloon edges: released and took back 7 frames, kept frames intact\n");
    guest_poweroff();
}
