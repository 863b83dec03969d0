/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dm's dirty log (vdm_dirty_log.h, docs/device-model.md "Dirty log"): the
 * bitmap over low and high RAM, and the frames virtio-rng writes as the control
 * socket's "dm dirty-log" requests see them. One test per run:
 * test-dm-dirty-log NAME.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dm_driver.h"
#include "vdm_control.h"

#define F(bit) (1ull << (bit))
#define RNG_GROUP "[device.0]\nslot=2\ntype=rng\nsource=/dev/urandom\n"
#define GFN(gpa) ((gpa) >> 12)
#define FRAMES (GUEST_RAM >> 12)

/* Frames [gfn 0, end of the highest region); a write at a host address marks
 * the frames of its guest address, a run crossing bitmap words included;
 * foreign addresses none. */
static void dirty_log_bitmap_covers_low_and_high_ram(void)
{
    static uint8_t low[1u << 20], high[8192], elsewhere[16];
    uint64_t *words;
    struct vdm_guest_mem m;
    uint64_t nr;

    vdm_guest_mem_init(&m);
    vdm_guest_mem_add(&m, 0, sizeof(low), low);
    vdm_guest_mem_add(&m, VDM_HIGH_RAM_BASE, sizeof(high), high);
    CHECK(vdm_guest_mem_frames(&m) == GFN(VDM_HIGH_RAM_BASE) + 2, "frames up to high RAM's end");
    vdm_guest_mem_wrote(&m, low, 1); /* off: nothing */
    CHECK(vdm_dirty_log_start(&m.dirty, vdm_guest_mem_frames(&m)) == 0, "start");
    nr = vdm_dirty_log_nr_words(&m.dirty);
    CHECK(nr == (GFN(VDM_HIGH_RAM_BASE) + 2 + 63) / 64, "words: %llu", (unsigned long long)nr);
    words = calloc(nr, sizeof(*words));
    vdm_guest_mem_wrote(&m, high + 4095, 2);             /* gfn 0x100000 and 0x100001 */
    vdm_guest_mem_wrote(&m, low + 60 * 4096, 4096 * 70); /* gfn 60 .. 129 */
    vdm_guest_mem_wrote(&m, elsewhere, sizeof(elsewhere));
    vdm_guest_mem_wrote(&m, low + 5 * 4096, 0);
    CHECK(vdm_dirty_log_take(&m.dirty, words) == 72, "72 frames marked");
    CHECK(words[0] == ~0ull << 60 && words[1] == ~0ull && words[2] == 3 &&
              words[GFN(VDM_HIGH_RAM_BASE) / 64] == 3,
          "gfn 60..129 and the two high ones: %llx %llx %llx", (unsigned long long)words[0],
          (unsigned long long)words[1], (unsigned long long)words[2]);
    CHECK(vdm_dirty_log_take(&m.dirty, words) == 0, "a take clears");
    vdm_dirty_log_stop(&m.dirty);
    vdm_guest_mem_wrote(&m, low, 1);
    CHECK(vdm_dirty_log_take(&m.dirty, words) == 0, "stopped: nothing marked");
    free(words);
    vdm_dirty_log_free(&m.dirty);
}

static char *control(struct dm_test *t, const char *request)
{
    return vdm_control_answer(&t->bus, t->main, request);
}

static bool answer_is(struct dm_test *t, const char *request, const char *prefix)
{
    g_autofree char *answer = control(t, request);

    if (g_str_has_prefix(answer, prefix))
        return true;
    fprintf(stderr, "'%s': %s\n", request, answer);
    return false;
}

/* One rng request: a device-readable buffer, then device-writable ones. */
static void rng_request(struct dm_test *t, const struct buf *bufs, unsigned nr)
{
    drv_add_chain(t, bufs, nr);
    drv_kick(t);
    CHECK(drv_wait_used(t, 1, NULL), "rng answered");
}

/* The frames rng writes (its buffers, the used ring) are marked and nothing it
 * only read (a readable buffer, the descriptors, the available ring); a fetch
 * hands them over once, in a 0600 file covering every frame; stop stops. */
static void dirty_log_marks_what_rng_writes_and_fetch_clears(void)
{
    struct dm_test t;
    struct buf b[3] = {{DATA_BASE + 0x20000, 64, false},
                       {DATA_BASE, 100, true},
                       {DATA_BASE + 0x5000 - 50, 100, true}}; /* across two frames */
    uint64_t *words = NULL;
    size_t nr = 0;
    struct stat st;
    g_autofree char *path = NULL;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1)), "bring-up");
    CHECK(dm_dirty_fetch(&t, &words, &nr) == -1, "no fetch before a start");
    CHECK(answer_is(&t, "dm dirty-log start", "ok"), "start");
    CHECK(answer_is(&t, "dm dirty-log start", "ok"), "starting again is fine");
    rng_request(&t, b, 3);
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 4, "four frames written");
    CHECK(nr == FRAMES / 64, "the file covers all %u frames: %zu words", FRAMES, nr);
    CHECK(dm_frame_dirty(words, nr, GFN(DATA_BASE)) &&
              dm_frame_dirty(words, nr, GFN(DATA_BASE + 0x5000) - 1) &&
              dm_frame_dirty(words, nr, GFN(DATA_BASE + 0x5000)),
          "the writable buffers' frames");
    CHECK(dm_frame_dirty(words, nr, GFN(RING_USED)), "the used ring's frame");
    CHECK(!dm_frame_dirty(words, nr, GFN(DATA_BASE + 0x20000)), "not the readable buffer");
    CHECK(!dm_frame_dirty(words, nr, GFN(RING_DESC)) && !dm_frame_dirty(words, nr, GFN(RING_AVAIL)),
          "not the descriptors or the available ring");
    path = g_build_filename(t.runtime_dir, "dirty", NULL);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode %o", st.st_mode & 0777);
    g_free(words);

    CHECK(dm_dirty_fetch(&t, &words, &nr) == 0, "a fetch clears");
    for (size_t w = 0; w < nr; w++)
        CHECK(words[w] == 0, "word %zu: %llx", w, (unsigned long long)words[w]);
    g_free(words);

    CHECK(answer_is(&t, "dm dirty-log stop", "ok"), "stop");
    rng_request(&t, b + 1, 1);
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 0, "stopped: nothing logged");
    g_free(words);
    CHECK(answer_is(&t, "dm dirty-log start", "ok"), "start again");
    rng_request(&t, b + 1, 1);
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 2, "buffer and used ring logged again");
    g_free(words);
    dm_test_fini(&t);
}

/* Malformed requests are errors; a fetch whose file cannot be written loses
 * nothing. */
static void dirty_log_requests_answer_errors_and_keep_frames(void)
{
    struct dm_test t;
    struct buf b = {DATA_BASE, 100, true};
    uint64_t *words = NULL;
    size_t nr = 0;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1)), "bring-up");
    CHECK(answer_is(&t, "dm dirty-log", "error: dirty-log takes start, fetch PATH and stop"),
          "no sub-verb");
    CHECK(answer_is(&t, "dm dirty-log fetch", "error: dirty-log takes"), "fetch without a path");
    CHECK(answer_is(&t, "dm dirty-log pause", "error: dirty-log takes"), "unknown sub-verb");
    CHECK(answer_is(&t, "dm dirty-log fetch /tmp/x", "error: the dirty log was never started"),
          "fetch before any start");
    CHECK(answer_is(&t, "dm dirty-log start", "ok"), "start");
    rng_request(&t, &b, 1);
    CHECK(answer_is(&t, "dm dirty-log fetch /nonexistent/dir/dirty", "error: "), "unwritable");
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 2, "the frames wait for the next fetch");
    g_free(words);
    CHECK(answer_is(&t, "dm dirty-log stop", "ok") && answer_is(&t, "dm dirty-log stop", "ok"),
          "stopping twice is fine");
    dm_test_fini(&t);
}

static const struct dm_named_test tests[] = {
    {"dirty_log_bitmap_covers_low_and_high_ram", dirty_log_bitmap_covers_low_and_high_ram},
    {"dirty_log_marks_what_rng_writes_and_fetch_clears",
     dirty_log_marks_what_rng_writes_and_fetch_clears},
    {"dirty_log_requests_answer_errors_and_keep_frames",
     dirty_log_requests_answer_errors_and_keep_frames},
};

int main(int argc, char **argv)
{
    return dm_run_tests(tests, G_N_ELEMENTS(tests), argc, argv);
}
