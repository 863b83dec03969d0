/* SPDX-License-Identifier: MIT */
/*
 * vireo-dm's disk I/O counters: the file `blk-stats` in its runtime directory
 * (ROOT/run/vireo/dm/<domid>/), the contract between vireo-dm (the one writer) and
 * virtvireod (a reader: virsh domblkstat). A file rather than a socket: no protocol, no
 * code in vireo-dm's main loop, and a restarted daemon reads the same file.
 *
 * vireo-dm creates it at startup (O_CREAT | O_TRUNC, mode 0644, ftruncate to its whole
 * size) and maps it MAP_SHARED: a header, then record_count records of record_size bytes.
 * The header and each record's target are written before the domain is unpaused and never
 * change; the counters are written with single aligned 8-byte atomic stores by vireo-dm's
 * one thread. Everything is in the host's byte order (writer and readers share the host).
 * A reader checks magic, version and both sizes, and finds a disk by its target; a record
 * whose target is empty is unused.
 */
#ifndef VIREO_DM_STATS_H
#define VIREO_DM_STATS_H

#include <stdint.h>

#define VIREO_DM_STATS_FILE "blk-stats"
#define VIREO_DM_STATS_MAGIC 0x5354534b4c424d44ull /* "DMBLKSTS" read as bytes */
#define VIREO_DM_STATS_VERSION 1u
#define VIREO_DM_STATS_TARGET_MAX 32u /* bytes of a target, its NUL included */

struct vireo_dm_stats_header {
    uint64_t magic;        /* VIREO_DM_STATS_MAGIC; written by vireo-dm at creation */
    uint32_t version;      /* VIREO_DM_STATS_VERSION; a new field means a new version */
    uint32_t header_size;  /* bytes: sizeof(struct vireo_dm_stats_header); records follow */
    uint32_t record_count; /* records in the file, used or not (vireo-dm: one per slot) */
    uint32_t record_size;  /* bytes: sizeof(struct vireo_dm_blk_stats) */
};

/*
 * One disk. Requests are counted when vireo-dm answers them (writes its status byte);
 * a request answered VIRTIO_BLK_S_IOERR or VIRTIO_BLK_S_UNSUPP counts only in errs, and
 * requests dropped by a device reset are not counted. GET_ID is not counted.
 */
struct vireo_dm_blk_stats {
    /* The disk's target (vda), NUL-terminated; empty: an unused record. */
    char target[VIREO_DM_STATS_TARGET_MAX];
    uint64_t rd_req;        /* IN requests answered OK */
    uint64_t rd_bytes;      /* bytes: their data, read from the disk into the guest */
    uint64_t wr_req;        /* OUT and WRITE_ZEROES requests answered OK */
    uint64_t wr_bytes;      /* bytes: OUT data written, plus the ranges WRITE_ZEROES zeroed */
    uint64_t flush_req;     /* FLUSH requests answered OK */
    uint64_t discard_req;   /* DISCARD requests answered OK */
    uint64_t discard_bytes; /* bytes: the ranges they discarded */
    uint64_t errs;          /* requests of any type answered IOERR or UNSUPP */
};

_Static_assert(sizeof(struct vireo_dm_stats_header) == 24, "vireo_dm_stats_header layout");
_Static_assert(sizeof(struct vireo_dm_blk_stats) == 96, "vireo_dm_blk_stats layout");

#endif /* VIREO_DM_STATS_H */
