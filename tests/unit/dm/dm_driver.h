/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio driver played against vireo-dm's devices over malloc()ed guest memory, the way
 * a Linux domU would: register accesses through the bus, rings in "guest RAM", interrupts
 * and doorbells captured by a fake hv. For tests/unit/dm only.
 */
#ifndef DM_DRIVER_H
#define DM_DRIVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vdm_bus.h"
#include "vdm_config.h"
#include "vdm_device.h"
#include "vdm_stats.h"
#include "vdm_virtio_mmio.h"

extern int dm_failures;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
            dm_failures++;                                                                 \
        }                                                                                  \
    } while (0)

struct dm_named_test {
    const char *name;
    void (*fn)(void);
};
/* Runs the test named argv[1] (all without one); the exit status of the verdict. */
int dm_run_tests(const struct dm_named_test *tests, unsigned nr, int argc, char **argv);

#define GUEST_RAM (16u << 20)
#define QUEUE_NUM 64u
/* Where the test driver keeps its rings and buffers in guest RAM. */
#define RING_DESC 0x1000u
#define RING_AVAIL 0x2000u
#define RING_USED 0x3000u
#define DATA_BASE 0x10000u

struct fake_hv {
    bool irq[VIREO_PLAT_DM_GSI_LAST + 1];
    unsigned irq_changes;
    unsigned doorbells;
    uint64_t doorbell_gpa[VIREO_IOREQ_DOORBELLS];
    uint32_t doorbell_value[VIREO_IOREQ_DOORBELLS];
};

struct dm_test {
    uint8_t *ram;
    struct vdm_guest_mem mem;
    struct vdm_bus bus;
    struct fake_hv hv;
    struct vdm_env env;
    struct vdm_stats stats; /* runtime_dir/blk-stats, as vireo-dm makes it */
    char *runtime_dir;
    GMainContext *main;
    struct vdm_device *dev;
    unsigned slot;
    /* A vireo-dm process behind a fake hv (test_dm_main): its socket, else -1. */
    int remote_fd;
    /* the driver's side of queue 0 */
    uint16_t avail_idx;
    uint16_t used_seen;
    uint16_t next_desc;
};

struct buf {
    uint64_t gpa;
    uint32_t len;
    bool write; /* device-writable */
};

/* Runs a shell-free command line to its end, its stdout in *out if out; true if it exited
 * 0 (a failure to run it is printed). */
bool dm_run_command(const char *cmd, char **out);

void dm_test_init(struct dm_test *t);
void dm_test_fini(struct dm_test *t);
/* Builds the device of a config text's [device.0] group into slot 0; NULL + message. */
struct vdm_device *dm_test_create(struct dm_test *t, const char *device_group_text,
                                  GError **error);

/* Handles one message from a remote vireo-dm (interrupts, doorbells) into t->hv; waits at
 * most timeout_ms. Returns the message's op, 0 on timeout, -1 when the socket closed. */
int dm_remote_pump(struct dm_test *t, int timeout_ms, uint64_t *value);

uint32_t mmio_read(struct dm_test *t, uint32_t offset);
void mmio_write(struct dm_test *t, uint32_t offset, uint32_t value);
uint64_t dev_features(struct dm_test *t);
/* Resets, negotiates `features` (FEATURES_OK read back is returned), no queue setup. */
bool drv_negotiate(struct dm_test *t, uint64_t features);
/* Full bring-up: negotiate, queue 0 at RING_*, DRIVER_OK. */
bool drv_start(struct dm_test *t, uint64_t features);
void drv_add_chain(struct dm_test *t, const struct buf *bufs, unsigned nr);
void drv_kick(struct dm_test *t);
/* Runs the main loop until `count` more used elements appear (bounded); false on timeout. */
bool drv_wait_used(struct dm_test *t, unsigned count, uint32_t *last_len);
uint32_t drv_status(struct dm_test *t);

/* "dm dirty-log fetch" into a file of runtime_dir: returns the count the answer gives
 * (-1 for an error answer) and the file's words in *words (g_free; *nr of them). */
int64_t dm_dirty_fetch(struct dm_test *t, uint64_t **words, size_t *nr);
/* Whether the fetched bitmap marks frame gfn. */
bool dm_frame_dirty(const uint64_t *words, size_t nr, uint64_t gfn);

#endif /* DM_DRIVER_H */
