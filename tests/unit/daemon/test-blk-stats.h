/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit-test helper: a blk-stats file (vireo-dm-stats.h) as vireo-dm writes it. */
#ifndef TEST_BLK_STATS_H
#define TEST_BLK_STATS_H

#include "vireo-dm-stats.h"

typedef struct test_blk_stats_file {
    struct vireo_dm_stats_header h;
    struct vireo_dm_blk_stats rec[8];
} test_blk_stats_file;

/* Eight records: vda's (3 reads of 12288 bytes, 2 writes of 8192, 1 flush, 4 errors), vdb's
 * (7 reads), six unused. */
static inline test_blk_stats_file test_blk_stats_file_make(void)
{
    test_blk_stats_file f = {
        .h = {VIREO_DM_STATS_MAGIC, VIREO_DM_STATS_VERSION, sizeof(f.h), 8, sizeof(f.rec[0])},
        .rec = {{.target = "vda",
                 .rd_req = 3,
                 .rd_bytes = 12288,
                 .wr_req = 2,
                 .wr_bytes = 8192,
                 .flush_req = 1,
                 .errs = 4},
                {.target = "vdb", .rd_req = 7}},
    };
    return f;
}

#endif /* TEST_BLK_STATS_H */
