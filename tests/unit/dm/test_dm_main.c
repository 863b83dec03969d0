/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vireo-dm process end to end, with libvireoctl replaced by fake_vctl.c: this test is
 * hv and the guest. It checks the ready fd's line, requests and doorbells through the main
 * loop, interrupts coming back, and the exits (domain ended, hv gone, SIGTERM) with the
 * storage daemons reaped. test-dm-main NAME VIREO-DM-FAKE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dm_driver.h"
#include "fake_hv_proto.h"

#define F(bit) (1ull << (bit))

static const char *vireo_dm_exe;
static uint32_t early_state; /* sent before vireo-dm is ready: its first look sees it */

struct dm_proc {
    pid_t pid;
    char ready[512]; /* what came on the ready fd */
};

static bool map_ram_file(struct dm_test *t, char **path)
{
    int fd;
    void *p;

    *path = g_strdup_printf("%s/ram", t->runtime_dir);
    fd = open(*path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, GUEST_RAM) < 0)
        return false;
    p = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return false;
    free(t->ram);
    t->ram = p;
    return true;
}

static char *write_config(struct dm_test *t, const char *devices)
{
    char *path = g_strdup_printf("%s/dm.conf", t->runtime_dir);
    g_autofree char *text = g_strdup_printf("[vireo-dm]\ndomid=7\nname=test-dom\n"
                                            "memory_bytes=%u\nruntime_dir=%s/run\n%s",
                                            GUEST_RAM, t->runtime_dir, devices);

    g_file_set_contents(path, text, -1, NULL);
    return path;
}

/* In the child: the ready pipe becomes fd 3 and the hv socket fd 4. */
static void exec_dm(int ready_fd, int hv_fd, const char *config, const char *log)
{
    int r = fcntl(ready_fd, F_DUPFD, 10), h = fcntl(hv_fd, F_DUPFD, 10);

    dup2(r, 3);
    dup2(h, 4);
    close(r); /* or the ready pipe never reads EOF */
    close(h);
    setenv(FAKE_HV_FD_ENV, "4", 1);
    execl(vireo_dm_exe, vireo_dm_exe, "--config", config, "--ready-fd", "3", "--log", log,
          (char *)NULL);
    _exit(127);
}

static void read_ready(int fd, struct dm_proc *p)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    size_t got = 0;
    ssize_t n = 1;

    while (n > 0 && got + 1 < sizeof(p->ready) && poll(&pfd, 1, 30000) > 0) {
        n = read(fd, p->ready + got, sizeof(p->ready) - 1 - got);
        got += n > 0 ? (size_t)n : 0;
    }
    p->ready[got] = '\0';
}

static void spawn_dm(struct dm_test *t, const char *devices, struct dm_proc *p)
{
    g_autofree char *ram = NULL, *config = write_config(t, devices);
    g_autofree char *log = g_strdup_printf("%s/dm.log", t->runtime_dir);
    int sv[2], pipefd[2];

    memset(p, 0, sizeof(*p));
    CHECK(map_ram_file(t, &ram), "guest RAM file");
    setenv(FAKE_HV_RAM_ENV, ram, 1);
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
        pipe2(pipefd, O_CLOEXEC) < 0) {
        CHECK(false, "socketpair/pipe: %s", g_strerror(errno));
        return;
    }
    p->pid = fork();
    if (p->pid == 0)
        exec_dm(pipefd[1], sv[1], config, log);
    close(pipefd[1]);
    close(sv[1]);
    t->remote_fd = sv[0];
    if (early_state != 0) {
        struct fake_msg m = { .op = FAKE_STATE, .value = early_state };

        CHECK(send(t->remote_fd, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m), "early state");
    }
    read_ready(pipefd[0], p);
    close(pipefd[0]);
}

/* The exit status, or -1 (after SIGKILL) if it did not exit within timeout_ms. */
static int wait_exit(pid_t pid, unsigned timeout_ms)
{
    int status;

    for (unsigned ms = 0; ms < timeout_ms; ms += 10) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void finish(struct dm_test *t)
{
    g_autofree char *log = g_strdup_printf("%s/dm.log", t->runtime_dir);
    g_autofree char *text = NULL;

    /* vireo-dm's log, for the reader of a failure. */
    if (dm_failures > 0 && g_file_get_contents(log, &text, NULL, NULL))
        fprintf(stderr, "--- vireo-dm's log:\n%s---\n", text);
    if (t->remote_fd >= 0)
        close(t->remote_fd);
    munmap(t->ram, GUEST_RAM);
    t->ram = NULL;
    dm_test_fini(t);
}

static void send_op(struct dm_test *t, uint32_t op, uint64_t value)
{
    struct fake_msg m = { .op = op, .value = value };

    CHECK(send(t->remote_fd, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m), "send op %u", op);
}

/* The used ring is shared memory, the interrupt a message after it: wait for it. */
static bool wait_irq(struct dm_test *t, unsigned gsi)
{
    for (unsigned i = 0; i < 100 && !t->hv.irq[gsi]; i++)
        dm_remote_pump(t, 50, NULL);
    return t->hv.irq[gsi];
}

static void main_reports_ready_and_serves_rng_until_the_domain_ends(void)
{
    struct dm_test t;
    struct dm_proc p;
    struct buf b = { DATA_BASE, 512, true };
    uint32_t len = 0;

    dm_test_init(&t);
    spawn_dm(&t, "[device.0]\nslot=1\ntype=rng\n", &p);
    CHECK(strcmp(p.ready, "ready\n") == 0, "ready line, got '%s'", p.ready);
    t.slot = 0;
    CHECK(mmio_read(&t, VIRTIO_MMIO_MAGIC) == 0, "nothing in slot 0: an empty bus");
    t.slot = 1;
    CHECK(mmio_read(&t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_RNG, "rng in slot 1");
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1)), "bring-up");
    CHECK(t.hv.doorbells == 1 && t.hv.doorbell_gpa[0] == 0xd0001050,
          "doorbell at slot 1's QueueNotify");
    drv_add_chain(&t, &b, 1);
    send_op(&t, FAKE_DOORBELL, 0);
    CHECK(drv_wait_used(&t, 1, &len) && len == 512, "served through the doorbell");
    CHECK(wait_irq(&t, VIREO_PLAT_DM_GSI_FIRST + 1), "GSI 17 asserted");
    mmio_write(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
    CHECK(!t.hv.irq[VIREO_PLAT_DM_GSI_FIRST + 1], "GSI 17 deasserted after ACK");
    send_op(&t, FAKE_STATE, VIREO_DOMSTATE_SHUTDOWN);
    CHECK(wait_exit(p.pid, 5000) == 0, "exit status 0 once the domain shut down");
    finish(&t);
}

static void main_exits_when_hv_goes_away(void)
{
    struct dm_test t;
    struct dm_proc p;

    dm_test_init(&t);
    spawn_dm(&t, "[device.0]\nslot=0\ntype=rng\n", &p);
    CHECK(strcmp(p.ready, "ready\n") == 0, "ready line, got '%s'", p.ready);
    close(t.remote_fd);
    t.remote_fd = -1;
    int status = wait_exit(p.pid, 5000);

    CHECK(status == 0, "exit status 0 when the domain is gone, got %d", status);
    finish(&t);
}

/* A stop() before the loop runs must still end it (a quit before g_main_loop_run is
 * forgotten by GLib). */
static void main_exits_when_the_domain_ended_before_the_loop(void)
{
    struct dm_test t;
    struct dm_proc p;

    dm_test_init(&t);
    early_state = VIREO_DOMSTATE_CRASHED;
    spawn_dm(&t, "[device.0]\nslot=0\ntype=rng\n", &p);
    early_state = 0;
    CHECK(strcmp(p.ready, "ready\n") == 0, "ready line, got '%s'", p.ready);
    CHECK(wait_exit(p.pid, 5000) == 0, "exit status 0 for a domain that crashed meanwhile");
    finish(&t);
}

static void expect_startup_error(const char *devices, const char *const *needles)
{
    struct dm_test t;
    struct dm_proc p;

    dm_test_init(&t);
    spawn_dm(&t, devices, &p);
    CHECK(g_str_has_prefix(p.ready, "error: ") && g_str_has_suffix(p.ready, "\n"),
          "an error line, got '%s'", p.ready);
    for (unsigned i = 0; needles[i] != NULL; i++)
        CHECK(strstr(p.ready, needles[i]) != NULL, "'%s' names '%s'", p.ready, needles[i]);
    CHECK(wait_exit(p.pid, 5000) == 1, "exit status 1");
    finish(&t);
}

static void main_reports_startup_errors_on_the_ready_fd(void)
{
    static const char *const key[] = { "device.0", "colour", NULL };
    static const char *const image[] = { "device.0", "vdc", "/nonexistent/d.raw",
                                         "Could not open", NULL };
    static const char *const type[] = { "device.3", "sound", NULL };
    static const char *const period[] = { "device.3", "stats_period -1", NULL };

    expect_startup_error("[device.0]\nslot=0\ntype=rng\ncolour=red\n", key);
    expect_startup_error("[device.0]\nslot=0\ntype=disk\ntarget=vdc\n"
                         "path=/nonexistent/d.raw\n", image);
    expect_startup_error("[device.3]\nslot=3\ntype=sound\n", type);
    expect_startup_error("[device.3]\nslot=3\ntype=balloon\nstats_period=-1\n", period);
}

static pid_t read_pid(const char *path)
{
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) ? (pid_t)atoi(text) : 0;
}

static void main_exits_on_sigterm_and_reaps_its_storage_daemons(void)
{
    struct dm_test t;
    struct dm_proc p;
    g_autofree char *image = NULL, *cmd = NULL, *devices = NULL, *pidfile = NULL;
    pid_t qsd;

    dm_test_init(&t);
    image = g_strdup_printf("%s/disk.raw", t.runtime_dir);
    cmd = g_strdup_printf("qemu-img create -q -f raw %s 1M", image);
    CHECK(system(cmd) == 0, "%s", cmd);
    devices = g_strdup_printf("[device.0]\nslot=0\ntype=disk\npath=%s\nformat=raw\n", image);
    spawn_dm(&t, devices, &p);
    CHECK(strcmp(p.ready, "ready\n") == 0, "ready line, got '%s'", p.ready);
    CHECK(mmio_read(&t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK, "disk in slot 0");
    CHECK(mmio_read(&t, VIRTIO_MMIO_CONFIG) == 2048, "1 MiB = 2048 sectors");
    pidfile = g_strdup_printf("%s/run/device.0.qsd.pid", t.runtime_dir);
    qsd = read_pid(pidfile);
    CHECK(qsd > 0 && kill(qsd, 0) == 0, "qemu-storage-daemon runs");
    kill(p.pid, SIGTERM);
    CHECK(wait_exit(p.pid, 10000) == 0, "exit status 0 on SIGTERM");
    CHECK(qsd > 0 && kill(qsd, 0) < 0 && errno == ESRCH, "qemu-storage-daemon reaped");
    finish(&t);
}

static const struct dm_named_test tests[] = {
    { "main_reports_ready_and_serves_rng_until_the_domain_ends",
      main_reports_ready_and_serves_rng_until_the_domain_ends },
    { "main_exits_when_hv_goes_away", main_exits_when_hv_goes_away },
    { "main_exits_when_the_domain_ended_before_the_loop",
      main_exits_when_the_domain_ended_before_the_loop },
    { "main_reports_startup_errors_on_the_ready_fd",
      main_reports_startup_errors_on_the_ready_fd },
    { "main_exits_on_sigterm_and_reaps_its_storage_daemons",
      main_exits_on_sigterm_and_reaps_its_storage_daemons },
};

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: test-dm-main NAME VIREO-DM-FAKE\n");
        return 2;
    }
    g_autofree char *qsd = g_find_program_in_path("qemu-storage-daemon");

    vireo_dm_exe = argv[2];
    if (strcmp(argv[1], "main_exits_on_sigterm_and_reaps_its_storage_daemons") == 0 &&
        qsd == NULL) {
        printf("SKIP: no qemu-storage-daemon\n");
        return 77;
    }
    return dm_run_tests(tests, G_N_ELEMENTS(tests), 2, argv);
}
