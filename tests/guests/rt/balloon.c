/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guests' balloon: gives frames back to hv and takes them again to reach the
 * toolstack's memory target (VIREO_HC_MEMORY_RELEASE_SELF / POPULATE_SELF).
 *
 * A test guest uses only its image and the builder's area at the top of boot RAM, so
 * everything between the image (rounded up to 2 MiB) and reserved_gpa is free to give
 * back. Above boot RAM, up to the domain's maxmem, it populates new frames when asked to
 * grow past what it booted with. Released frames are never touched; populated ones are
 * checked (hv hands out zeroed memory) and written.
 *
 * Frames go back to hv from the bottom of a 2 MiB-aligned window upwards. (The awkward
 * orders hv must also survive are balloon_edges.c's job.)
 */
#include "guest.h"

#define LARGE_FRAMES 512ull   /* 2 MiB in 4 KiB frames */
#define CALL_MAX VIREO_MEMORY_SELF_MAX /* frames per RELEASE_SELF / POPULATE_SELF */

extern char _end[]; /* end of the image, from guest.ld */

static struct {
    int ready;
    uint64_t boot_frames;        /* RAM the builder gave, [0, mem_bytes) */
    uint64_t low_first, low_end; /* free frames below the builder's area */
    uint64_t low_released;       /* given back: [low_first, low_first + low_released) */
    uint64_t high_first;         /* first frame above boot RAM (2 MiB aligned) */
    uint64_t high_lo, high_hi;   /* taken above boot RAM: [high_lo, high_hi) */
} b;

static void balloon_init(const struct vireo_start_info *si)
{
    uint64_t image_end = ((uint64_t)(uintptr_t)_end + VIREO_PAGE_SIZE - 1) >> VIREO_PAGE_SHIFT;
    b.boot_frames = si->mem_bytes >> VIREO_PAGE_SHIFT;
    b.low_first = (image_end + LARGE_FRAMES - 1) / LARGE_FRAMES * LARGE_FRAMES;
    b.low_end = si->reserved_gpa >> VIREO_PAGE_SHIFT;
    if (b.low_first > b.low_end)
        b.low_first = b.low_end; /* no room to give anything back */
    b.high_first = (b.boot_frames + LARGE_FRAMES - 1) / LARGE_FRAMES * LARGE_FRAMES;
    b.high_lo = b.high_hi = b.high_first;
    b.ready = 1;
}

uint64_t balloon_held_frames(void)
{
    return b.boot_frames - b.low_released + (b.high_hi - b.high_lo);
}

static uint64_t min_u64(uint64_t a, uint64_t b_)
{
    return a < b_ ? a : b_;
}

static void release(uint64_t first, uint64_t nr)
{
    int64_t rc = hypercall2(VIREO_HC_MEMORY_RELEASE_SELF, first, nr);
    if (rc != (int64_t)nr)
        guest_fail("balloon: RELEASE_SELF(0x%llx, %llu) returned %lld", (unsigned long long)first,
                   (unsigned long long)nr, (long long)rc);
}

/* Returns 0, or hv's error when it has no memory (or the domain is at max_pages). */
static int64_t populate(uint64_t first, uint64_t nr)
{
    int64_t rc = hypercall2(VIREO_HC_MEMORY_POPULATE_SELF, first, nr);
    if (rc == -VIREO_ENOMEM)
        return rc;
    if (rc != 0)
        guest_fail("balloon: POPULATE_SELF(0x%llx, %llu) returned %lld", (unsigned long long)first,
                   (unsigned long long)nr, (long long)rc);
    /* Prove the frames are ours and fresh: zero on arrival, writable afterwards. */
    for (uint64_t f = first; f < first + nr; f++) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(f << VIREO_PAGE_SHIFT);
        if (*p != 0)
            guest_fail("balloon: populated frame 0x%llx is not zeroed", (unsigned long long)f);
        *p = f;
        if (*p != f)
            guest_fail("balloon: populated frame 0x%llx does not keep a write",
                       (unsigned long long)f);
    }
    return 0;
}

/* One step towards the target: the frames gained or lost, 0 when no step is possible. */
static uint64_t shrink_step(uint64_t want)
{
    if (b.high_hi > b.high_lo) {
        uint64_t n = min_u64(min_u64(want, b.high_hi - b.high_lo), CALL_MAX);
        release(b.high_lo, n);
        b.high_lo += n;
        return n;
    }
    uint64_t n = min_u64(min_u64(want, b.low_end - b.low_first - b.low_released), CALL_MAX);
    if (n)
        release(b.low_first + b.low_released, n);
    b.low_released += n;
    return n;
}

static uint64_t grow_step(uint64_t want)
{
    if (b.low_released) {
        uint64_t n = min_u64(min_u64(want, b.low_released), CALL_MAX);
        if (populate(b.low_first + b.low_released - n, n))
            return 0;
        b.low_released -= n;
        return n;
    }
    if (b.high_lo > b.high_first) { /* refill below the window before extending it */
        uint64_t n = min_u64(min_u64(want, b.high_lo - b.high_first), CALL_MAX);
        if (populate(b.high_lo - n, n))
            return 0;
        b.high_lo -= n;
        return n;
    }
    uint64_t n = min_u64(want, CALL_MAX);
    if (populate(b.high_hi, n))
        return 0;
    b.high_hi += n;
    return n;
}

uint64_t balloon_reach(const struct vireo_start_info *si, uint64_t target)
{
    if (!b.ready)
        balloon_init(si);
    uint64_t held;
    while ((held = balloon_held_frames()) != target) {
        uint64_t moved = held > target ? shrink_step(held - target) : grow_step(target - held);
        if (!moved)
            break;
    }
    held = balloon_held_frames();
    guest_printf("balloon: target %llu KiB, holding %llu KiB%s\n", (unsigned long long)target * 4,
                 (unsigned long long)held * 4,
                 held == target  ? ""
                 : held > target ? " (cannot give more back)"
                                 : " (hv gave no more)");
    return held;
}
