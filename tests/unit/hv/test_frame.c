/* The frame allocator keeps exact counts, honours alignment and reservations, and never
 * hands out a frame twice (checked against a shadow model under random traffic). */
#include <stdlib.h>
#include <string.h>
#include "hv/frame.h"
#include "check.h"

#define NR 8192

static uint64_t bitmap[NR / 64];
static unsigned char owner[NR]; /* shadow: 1 = allocated by the test */

static void test_boot_ranges(struct frame_allocator *fa)
{
    frame_init(fa, bitmap, NR);
    CHECK(fa->nr_free == 0);
    frame_release_range(fa, 256, NR - 256); /* RAM from 1 MiB */
    CHECK(fa->nr_free == NR - 256);
    frame_reserve_range(fa, 512, 100); /* "hv image" */
    CHECK(fa->nr_free == NR - 356);
    frame_reserve_range(fa, 512, 100); /* twice: counted once */
    CHECK(fa->nr_free == NR - 356);
    frame_release_range(fa, NR - 10, 100); /* past the end: clipped */
    CHECK(fa->nr_free == NR - 356);
    for (pfn_t p = 0; p < 256; p++)
        CHECK(frame_in_use(fa, p));
    CHECK(frame_in_use(fa, NR + 5)); /* beyond the map: never free */
}

static void test_alignment(struct frame_allocator *fa)
{
    pfn_t large = frame_alloc(fa, 512, 512);
    CHECK(large != PFN_INVALID && large % 512 == 0);
    for (pfn_t p = large; p < large + 512; p++)
        CHECK(frame_in_use(fa, p));
    CHECK(frame_free(fa, large, 512) == 512);
    CHECK(frame_alloc(fa, 0, 1) == PFN_INVALID);
    CHECK(frame_alloc(fa, 1, 3) == PFN_INVALID); /* alignment must be a power of two */
    CHECK(frame_alloc(fa, NR, 1) == PFN_INVALID); /* more than is free */
}

static void test_exhaustion(struct frame_allocator *fa)
{
    uint64_t before = fa->nr_free, got = 0;
    pfn_t p;
    while ((p = frame_alloc(fa, 1, 1)) != PFN_INVALID) {
        CHECK(!owner[p]);
        owner[p] = 1;
        got++;
    }
    CHECK(got == before && fa->nr_free == 0);
    for (p = 0; p < NR; p++)
        if (owner[p]) {
            CHECK(frame_free(fa, p, 1) == 1);
            owner[p] = 0;
        }
    CHECK(fa->nr_free == before);
    CHECK(frame_free(fa, 300, 1) == 0); /* double free reports nothing was in use */
    CHECK(fa->nr_free == before);
}

static void test_random_traffic(struct frame_allocator *fa)
{
    struct {
        pfn_t pfn;
        uint64_t n;
    } held[512];
    unsigned nheld = 0;
    uint64_t before = fa->nr_free;

    srand(7);
    for (int step = 0; step < 20000; step++) {
        if (nheld < 512 && (rand() % 3 || nheld == 0)) {
            uint64_t n = 1 + rand() % 40, align = 1u << (rand() % 5);
            pfn_t p = frame_alloc(fa, n, align);
            if (p == PFN_INVALID)
                continue;
            CHECK(p % align == 0);
            for (uint64_t i = 0; i < n; i++) {
                CHECK(!owner[p + i]);
                owner[p + i] = 1;
            }
            held[nheld].pfn = p;
            held[nheld++].n = n;
        } else {
            unsigned k = rand() % nheld;
            CHECK(frame_free(fa, held[k].pfn, held[k].n) == held[k].n);
            for (uint64_t i = 0; i < held[k].n; i++)
                owner[held[k].pfn + i] = 0;
            held[k] = held[--nheld];
        }
    }
    while (nheld) {
        nheld--;
        frame_free(fa, held[nheld].pfn, held[nheld].n);
    }
    CHECK(fa->nr_free == before);
}

int main(void)
{
    struct frame_allocator fa;
    test_boot_ranges(&fa);
    test_alignment(&fa);
    test_exhaustion(&fa);
    test_random_traffic(&fa);
    return check_done("frame allocator");
}
