/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-balloon against the test driver, with hv's memory calls recorded by a fake:
 * the target becomes num_pages, inflated frames go back in runs, hostile frame numbers
 * are skipped, a reset takes every frame back, and the balloon file says what happened;
 * the control socket changes the statistics period and refuses what is wrong.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dm_driver.h"
#include "vdm_control.h"

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

/* Frames that come back from hv come back zeroed, which the guest did not write: the dirty
 * log (docs/device-model.md, "Dirty log") marks them; the inflate request it only read is
 * not marked. */
static void balloon_frames_taken_back_are_dirty_logged(void)
{
    struct dm_test t;
    uint32_t pfns[] = { 100, 101, 102, 200 };
    uint64_t *words = NULL;
    size_t nr = 0;
    g_autofree char *answer = NULL;

    memset(&fake, 0, sizeof(fake));
    fake.target = RAM_FRAMES - 4;
    dm_test_init(&t);
    t.env.memory = &fake_memory;
    dm_test_create(&t, BALLOON_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1) | F(0)), "driver started");
    answer = vdm_control_answer(&t.bus, t.main, "dm dirty-log start");
    CHECK(strcmp(answer, "ok") == 0, "start: %s", answer);
    memcpy(t.ram + DATA_BASE, pfns, sizeof(pfns));
    drv_add_chain(&t, &(struct buf){ DATA_BASE, sizeof(pfns), false }, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, NULL), "inflate request answered");
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 1 && dm_frame_dirty(words, nr, RING_USED / 4096),
          "an inflate writes only the used ring");
    g_free(words);
    mmio_write(&t, VIRTIO_MMIO_STATUS, 0); /* a reset takes every frame back */
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 4, "four frames back");
    CHECK(dm_frame_dirty(words, nr, 100) && dm_frame_dirty(words, nr, 102) &&
              dm_frame_dirty(words, nr, 200) && !dm_frame_dirty(words, nr, DATA_BASE / 4096),
          "the frames taken back, not the request");
    g_free(words);
    dm_test_fini(&t);
}

/* One request over the real control socket, answered from the test's main context. */
static char *control_request(struct dm_test *t, const char *request)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    char buf[VDM_CONTROL_MESSAGE_MAX];
    ssize_t got = -1;

    g_snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", t->runtime_dir,
               VDM_CONTROL_SOCKET);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        send(fd, request, strlen(request), 0) < 0) {
        if (fd >= 0)
            close(fd);
        return g_strdup_printf("(cannot send: %s)", g_strerror(errno));
    }
    for (unsigned i = 0; i < 1000 && got < 0; i++) {
        g_main_context_iteration(t->main, FALSE);
        got = recv(fd, buf, sizeof(buf) - 1, 0);
        if (got < 0 && errno != EAGAIN)
            break;
        if (got < 0)
            g_usleep(1000);
    }
    close(fd);
    if (got < 0)
        return g_strdup("(no answer)");
    buf[got] = '\0';
    return g_strdup(buf);
}

static void balloon_takes_a_stats_period_over_the_control_socket(void)
{
    static const struct {
        const char *request, *answer;
    } cases[] = {
        { "device.0 stats-period 2", "ok" },
        { "device.0 stats-period 0", "ok" },
        { "device.0 stats-period 86401", "error: device.0: stats_period 86401 is not 0 (off) "
                                         "to 86400 seconds" },
        { "device.0 stats-period -1", "error: device.0: stats_period -1 is not" },
        { "device.0 stats-period 2x", "error: device.0: stats-period '2x' is not a number" },
        { "device.0 inflate 7", "error: device.0: unknown request 'inflate'" },
        { "device.3 stats-period 2", "error: no device 'device.3'" },
        { "garbage", "error: a request is '<group> <verb> [<arg>]'" },
    };
    struct dm_test t;
    GError *err = NULL;
    struct vdm_control *control;

    memset(&fake, 0, sizeof(fake));
    fake.target = RAM_FRAMES;
    dm_test_init(&t);
    t.env.memory = &fake_memory;
    CHECK(dm_test_create(&t, BALLOON_GROUP, &err) != NULL, "balloon: %s",
          err ? err->message : "");
    control = vdm_control_open(t.runtime_dir, &t.bus, t.main, &err);
    CHECK(control != NULL, "control socket: %s", err ? err->message : "");
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *answer = control_request(&t, cases[i].request);

        CHECK(g_str_has_prefix(answer, cases[i].answer), "'%s' answered '%s', not '%s'",
              cases[i].request, answer, cases[i].answer);
    }
    vdm_control_close(control);
    g_autofree char *path = g_build_filename(t.runtime_dir, VDM_CONTROL_SOCKET, NULL);
    CHECK(!g_file_test(path, G_FILE_TEST_EXISTS), "the socket is gone after close");
    dm_test_fini(&t);
}

int main(int argc, char **argv)
{
    static const struct dm_named_test tests[] = {
        { "balloon_follows_the_target_and_gives_frames_back_in_runs",
          balloon_follows_the_target_and_gives_frames_back_in_runs },
        { "balloon_takes_a_stats_period_over_the_control_socket",
          balloon_takes_a_stats_period_over_the_control_socket },
        { "balloon_frames_taken_back_are_dirty_logged",
          balloon_frames_taken_back_are_dirty_logged },
    };

    return dm_run_tests(tests, G_N_ELEMENTS(tests), argc, argv);
}
