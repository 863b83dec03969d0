/* The dirty-page log's bitmap: its layout over low and high RAM, marks, and takes that
 * clear what they report, at any alignment, with the hole below 4 GiB reading clean. */
#include <stdlib.h>
#include <string.h>
#include "hv/dirty_log.h"
#include "check.h"

#define HIGH DIRTY_LOG_HIGH_GFN

static uint64_t taken_sum, taken_count;

static void note(uint64_t gfn, void *arg)
{
    (void)arg;
    taken_sum += gfn;
    taken_count++;
}

static int bit(const uint64_t *w, uint64_t i)
{
    return (int)((w[i / 64] >> (i % 64)) & 1);
}

int main(void)
{
    struct dirty_log l;
    uint64_t out[1024];

    /* 1000 frames: 1024 logged from 0 and 1024 from 4 GiB (multiples of 64). */
    CHECK(dirty_log_layout(&l, 1000) == 2048 / 8);
    CHECK(l.low_span == 1024 && l.high_span == 1024 && dirty_log_end(&l) == HIGH + 1024);
    l.bits = calloc(2048 / 64, 8);

    /* A domain as large as all of low memory logs no more than 4 GiB below it. */
    struct dirty_log big;
    dirty_log_layout(&big, HIGH + 5);
    CHECK(big.low_span == HIGH && big.high_span == HIGH + 64);

    dirty_log_mark(&l, 5);
    dirty_log_mark(&l, 1023);
    dirty_log_mark(&l, 1024);     /* beyond the low span: not logged */
    dirty_log_mark(&l, HIGH - 1); /* in the hole */
    dirty_log_mark(&l, HIGH);
    dirty_log_mark(&l, HIGH + 1023);
    dirty_log_mark(&l, HIGH + 1024); /* beyond the high span */
    dirty_log_mark(&l, ~0ull);

    /* An unaligned take over low memory reports bit i for first + i and clears it. */
    taken_sum = taken_count = 0;
    memset(out, 0xa5, sizeof(out));
    CHECK(dirty_log_take(&l, 3, 1100, out, note, NULL) == 2);
    CHECK(bit(out, 2) && bit(out, 1020) && taken_count == 2 && taken_sum == 5 + 1023);
    uint64_t ones = 0;
    for (uint64_t i = 0; i < 1100; i++)
        ones += (uint64_t)bit(out, i);
    CHECK(ones == 2);
    CHECK(out[1100 / 64] >> (1100 % 64) == 0); /* the tail of the last word is zero */
    CHECK(dirty_log_take(&l, 0, 1024, out, NULL, NULL) == 0); /* taken: clean now */

    /* A take across the hole into high memory, then the high part again. */
    CHECK(dirty_log_take(&l, HIGH - 64, 128, out, NULL, NULL) == 1 && bit(out, 64));
    CHECK(dirty_log_take(&l, HIGH + 1000, 64, NULL, note, NULL) == 1);
    CHECK(dirty_log_take(&l, HIGH, 2048, out, NULL, NULL) == 0);

    /* Everything dirty: a take of the whole span finds every logged frame once. */
    dirty_log_mark_all(&l);
    uint64_t total = 0;
    for (uint64_t g = 0; g < dirty_log_end(&l); g += 32768)
        total += dirty_log_take(&l, g, 32768, out, NULL, NULL);
    CHECK(total == 2048);
    total = 0;
    for (uint64_t g = 0; g < dirty_log_end(&l); g += 777) /* chunks at odd alignment */
        total += dirty_log_take(&l, g, 777, out, NULL, NULL);
    CHECK(total == 0);

    /* Marks survive takes of other ranges; single frames at word edges. */
    for (uint64_t g = 60; g < 70; g++)
        dirty_log_mark(&l, g);
    CHECK(dirty_log_take(&l, 64, 1, out, NULL, NULL) == 1 && out[0] == 1);
    CHECK(dirty_log_take(&l, 0, 64, out, NULL, NULL) == 4 && out[0] == 0xfull << 60);
    CHECK(dirty_log_take(&l, 65, 5, out, NULL, NULL) == 5 && out[0] == 0x1f);
    free(l.bits);
    return check_done("dirty_log");
}
