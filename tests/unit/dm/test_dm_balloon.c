/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-balloon against the test driver, with hv's memory calls recorded by a fake:
 * the target becomes num_pages, inflated frames go back in runs, hostile frame numbers
 * are skipped, a reset takes every frame back, and the balloon file says what happened.
 */
#include <string.h>

#include "dm_driver.h"

#define F(bit) (1ull << (bit))
#define BALLOON_GROUP "[device.0]\nslot=0\ntype=balloon\nstats_period=0\n"
#define RAM_FRAMES (GUEST_RAM / 4096)

struct call {
    bool give;
    uint64_t gfn, nr;
};

static struct {
    int64_t target;
    void (*watcher)(void *);
    void *watcher_data;
    struct call calls[64];
    unsigned nr_calls;
} fake;

static int64_t fake_target(void *ctx)
{
    (void)ctx;
    return fake.target;
}

static int record(bool give, uint64_t gfn, uint64_t nr)
{
    if (fake.nr_calls < G_N_ELEMENTS(fake.calls))
        fake.calls[fake.nr_calls++] = (struct call){ give, gfn, nr };
    return 0;
}

static int fake_give(void *ctx, uint64_t gfn, uint64_t nr)
{
    (void)ctx;
    return record(true, gfn, nr);
}

static int fake_take(void *ctx, uint64_t gfn, uint64_t nr)
{
    (void)ctx;
    return record(false, gfn, nr);
}

static void fake_watch(void *ctx, void (*fn)(void *), void *data)
{
    (void)ctx;
    fake.watcher = fn;
    fake.watcher_data = data;
}

static const struct vdm_memory_host fake_memory = {
    .target = fake_target, .give = fake_give, .take = fake_take, .watch_target = fake_watch,
};

static bool has_call(bool give, uint64_t gfn, uint64_t nr)
{
    for (unsigned i = 0; i < fake.nr_calls; i++) {
        if (fake.calls[i].give == give && fake.calls[i].gfn == gfn && fake.calls[i].nr == nr)
            return true;
    }
    return false;
}

static char *balloon_file(struct dm_test *t)
{
    g_autofree char *path = g_build_filename(t->runtime_dir, "balloon", NULL);
    char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

static void balloon_follows_the_target_and_gives_frames_back_in_runs(void)
{
    struct dm_test t;
    GError *err = NULL;
    uint32_t pfns[] = { 100, 101, 102, 200, 100 /* twice */, RAM_FRAMES /* past RAM */,
                        0xffffffff, 103 };
    uint32_t len = 0;

    memset(&fake, 0, sizeof(fake));
    fake.target = RAM_FRAMES - 16; /* the host wants 16 frames */
    dm_test_init(&t);
    t.env.memory = &fake_memory;
    CHECK(dm_test_create(&t, BALLOON_GROUP, &err) != NULL, "balloon: %s",
          err ? err->message : "");
    CHECK(mmio_read(&t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BALLOON, "device id 5");
    CHECK((dev_features(&t) & (F(0) | F(1))) == (F(0) | F(1)), "MUST_TELL_HOST, STATS_VQ");
    CHECK(mmio_read(&t, VIRTIO_MMIO_CONFIG) == 16, "num_pages from the target");
    CHECK((dev_features(&t) & F(2)) == 0, "no DEFLATE_ON_OOM unless configured");
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1) | F(0)), "driver started");

    /* Inflate (queue 0): 100-102 and 103 are one run only if they come together. */
    memcpy(t.ram + DATA_BASE, pfns, sizeof(pfns));
    drv_add_chain(&t, &(struct buf){ DATA_BASE, sizeof(pfns), false }, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, &len), "inflate request answered");
    CHECK(has_call(true, 100, 3), "frames 100-102 given back as one run");
    CHECK(has_call(true, 200, 1), "frame 200 given back");
    CHECK(has_call(true, 103, 1), "frame 103 given back");
    CHECK(fake.nr_calls == 3, "nothing else reached hv (%u calls)", fake.nr_calls);

    /* The driver says how far it got; the file says it. */
    mmio_write(&t, VIRTIO_MMIO_CONFIG + 4, 5);
    g_autofree char *text = balloon_file(&t);
    CHECK(strstr(text, "given-back-kib=20\n") != NULL, "5 frames given back:\n%s", text);
    g_autofree char *want = g_strdup_printf("actual-kib=%u\n", (RAM_FRAMES - 5) * 4);
    CHECK(strstr(text, want) != NULL, "actual follows the driver:\n%s", text);

    /* A new target: num_pages and a configuration interrupt. */
    fake.target = RAM_FRAMES;
    CHECK(fake.watcher != NULL, "the balloon watches the target");
    fake.watcher(fake.watcher_data);
    CHECK(mmio_read(&t, VIRTIO_MMIO_CONFIG) == 0, "num_pages 0 for a full target");
    CHECK((mmio_read(&t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG) != 0,
          "configuration change signalled");

    /* A reset (a rebooted guest) takes every frame back before anything else. */
    fake.nr_calls = 0;
    mmio_write(&t, VIRTIO_MMIO_STATUS, 0);
    CHECK(has_call(false, 100, 4), "frames 100-103 taken back as one run");
    CHECK(has_call(false, 200, 1), "frame 200 taken back");
    CHECK(fake.nr_calls == 2, "%u calls", fake.nr_calls);
    g_free(text);
    text = balloon_file(&t);
    CHECK(strstr(text, "given-back-kib=0\n") != NULL, "none given back after reset:\n%s", text);
    dm_test_fini(&t);
}

int main(int argc, char **argv)
{
    static const struct dm_named_test tests[] = {
        { "balloon_follows_the_target_and_gives_frames_back_in_runs",
          balloon_follows_the_target_and_gives_frames_back_in_runs },
    };

    return dm_run_tests(tests, G_N_ELEMENTS(tests), argc, argv);
}
