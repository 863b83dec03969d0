/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A disk's mirror (copy-storage migration) through the control verbs: the disk's real
 * qemu-storage-daemon mirrors to a second one, the "destination", exporting an empty image
 * over NBD on 127.0.0.1, while the test driver writes as the guest; qemu-img compare
 * judges. Exit 77 without qemu-storage-daemon. One test per run: test-dm-blk-mirror NAME.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dm_driver.h"
#include "vdm_control.h"
#include "vdm_qmp.h"

#define IMAGE_BYTES (64u << 20)
#define T_OUT 1
#define HDR 0x8000u
#define STATUS 0x8100u
#define WBUF 0x20000u
#define WAIT_MS 30000

struct req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static char *make_image(struct dm_test *t, const char *name)
{
    char *path = g_strdup_printf("%s/%s", t->runtime_dir, name);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f raw %s %u", path, IMAGE_BYTES);

    CHECK(dm_run_command(cmd, NULL), "%s", cmd);
    return path;
}

/* A TCP port on 127.0.0.1 that nobody listens on (now). */
static unsigned free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    unsigned port = 0;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static bool port_accepts(unsigned port)
{
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bool ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;

    if (fd >= 0)
        close(fd);
    return ok;
}

/* The destination node's side: `image` exported writable as "exp" on 127.0.0.1:port. */
static GPid start_destination(const char *image, unsigned port)
{
    g_autofree char *blockdev = g_strdup_printf("driver=file,filename=%s,node-name=n", image);
    g_autofree char *addr =
        g_strdup_printf("addr.type=inet,addr.host=127.0.0.1,addr.port=%u", port);
    char *argv[] = {"qemu-storage-daemon",
                    "--blockdev",
                    blockdev,
                    "--nbd-server",
                    addr,
                    "--export",
                    "type=nbd,id=e,node-name=n,name=exp,writable=on",
                    NULL};
    GPid pid = 0;

    if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                       NULL, &pid, NULL))
        return 0;
    for (unsigned ms = 0; ms < 10000 && !port_accepts(port); ms += 10)
        usleep(10000);
    return pid;
}

static void stop_destination(GPid pid)
{
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
}

static struct vdm_device *start_disk(struct dm_test *t, const char *path, bool readonly)
{
    GError *err = NULL;
    g_autofree char *group = g_strdup_printf("[device.0]\nslot=1\ntype=disk\ntarget=vda\n"
                                             "source_type=file\npath=%s\nformat=raw\n"
                                             "readonly=%s\n",
                                             path, readonly ? "true" : "false");
    struct vdm_device *dev = dm_test_create(t, group, &err);

    CHECK(dev != NULL, "disk: %s", err != NULL ? err->message : "");
    g_clear_error(&err);
    return dev;
}

/* The guest writes `len` bytes of `value` at `sector`. */
static void guest_write(struct dm_test *t, uint64_t sector, uint8_t value, uint32_t len)
{
    struct req_header h = {.type = T_OUT, .sector = sector};
    struct buf b[3] = {{HDR, sizeof(h), false}, {WBUF, len, false}, {STATUS, 1, true}};

    memcpy(t->ram + HDR, &h, sizeof(h));
    memset(t->ram + WBUF, value, len);
    t->ram[STATUS] = 0xff;
    drv_add_chain(t, b, 3);
    drv_kick(t);
    CHECK(drv_wait_used(t, 1, NULL) && t->ram[STATUS] == 0, "guest write at sector %llu",
          (unsigned long long)sector);
}

static char *ask(struct dm_test *t, const char *request)
{
    char *answer = vdm_control_answer(&t->bus, t->main, request);

    printf("%s -> %s\n", request, answer);
    return answer;
}

static bool answered(struct dm_test *t, const char *request, const char *want)
{
    g_autofree char *answer = ask(t, request);

    return strcmp(answer, want) == 0;
}

/* "ok copying DONE TOTAL" or "ok ready DONE TOTAL". */
static bool in_progress(const char *answer)
{
    char state[16];
    unsigned long long done, total;

    return sscanf(answer, "ok %15s %llu %llu", state, &done, &total) == 3 && done <= total &&
           (strcmp(state, "copying") == 0 || strcmp(state, "ready") == 0);
}

/* Polls mirror-status until its answer starts with `want` (bounded); the last answer. */
static char *status_until(struct dm_test *t, const char *want)
{
    for (unsigned ms = 0;; ms += 20) {
        char *answer = vdm_control_answer(&t->bus, t->main, "device.0 mirror-status");

        if (g_str_has_prefix(answer, want) || ms >= WAIT_MS || g_str_has_prefix(answer, "error")) {
            printf("mirror-status -> %s\n", answer);
            return answer;
        }
        CHECK(in_progress(answer), "mirror-status answers progress: '%s'", answer);
        g_free(answer);
        g_main_context_iteration(t->main, false);
        usleep(20000);
    }
}

/* "ok ready DONE TOTAL", all copied: TOTAL is the disk's size and more for each range
 * the guest wrote again after it was copied (QEMU's job "len"). */
static bool ready_and_copied(const char *answer)
{
    unsigned long long done = 0, total = 0;

    return g_str_has_prefix(answer, "ok ready ") &&
           sscanf(answer + strlen("ok ready "), "%llu %llu", &done, &total) == 2 &&
           total >= IMAGE_BYTES && done == total;
}

/* Whether the disk's qsd still holds a mirror job or target node, asked over its monitor. */
static bool qsd_holds_mirror(struct dm_test *t)
{
    g_autofree char *path = g_strdup_printf("%s/device.0.qmp", t->runtime_dir);
    g_autoptr(GError) err = NULL;
    struct vdm_qmp *q = vdm_qmp_connect(path, &err);
    g_autoptr(JsonNode) jobs = NULL, nodes = NULL;
    g_autofree char *text = NULL;

    CHECK(q != NULL, "QMP: %s", err != NULL ? err->message : "");
    if (q == NULL)
        return true;
    jobs = vdm_qmp_execute(q, "query-block-jobs", NULL, &err);
    if (jobs != NULL)
        nodes = vdm_qmp_execute(q, "query-named-block-nodes", NULL, &err);
    vdm_qmp_close(q);
    CHECK(nodes != NULL, "queries: %s", err != NULL ? err->message : "");
    if (nodes == NULL)
        return true;
    text = json_to_string(nodes, false);
    return json_array_get_length(json_node_get_array(jobs)) > 0 ||
           strstr(text, "mirror-target") != NULL;
}

static void mirror_copies_a_disk_the_guest_writes_to_until_complete(void)
{
    struct dm_test t;
    g_autofree char *src = NULL, *dst = NULL, *cmd = NULL, *start = NULL, *answer = NULL;
    unsigned port;
    GPid dest;

    dm_test_init(&t);
    src = make_image(&t, "source.raw");
    dst = make_image(&t, "destination.raw");
    cmd = g_strdup_printf("qemu-io -f raw -c 'write -P 0x5a 0 16M' -c 'write -P 0xa5 40M 8M' "
                          "%s",
                          src);
    CHECK(dm_run_command(cmd, NULL), "%s", cmd);
    port = free_port();
    dest = start_destination(dst, port);
    CHECK(dest > 0, "destination qemu-storage-daemon on port %u", port);
    if (dest <= 0 || start_disk(&t, src, false) == NULL || !drv_start(&t, dev_features(&t)))
        goto out;
    start = g_strdup_printf("device.0 mirror-start 127.0.0.1 %u exp", port);
    CHECK(answered(&t, start, "ok"), "mirror started");
    guest_write(&t, 8, 0x11, 4096); /* while it copies (or soon after) */
    answer = status_until(&t, "ok ready");
    CHECK(ready_and_copied(answer), "ready with all copied: '%s'", answer);
    CHECK(answered(&t, start,
                   "error: device.0 (vda): a mirror exists already "
                   "(mirror-cancel it first)"),
          "one mirror at a time");
    guest_write(&t, 30 << 11, 0x22, 65536); /* a ready mirror still copies each write */
    CHECK(answered(&t, "device.0 mirror-complete", "ok"), "complete accepted");
    g_free(answer);
    answer = status_until(&t, "ok done");
    CHECK(strcmp(answer, "ok done") == 0, "done: '%s'", answer);
    CHECK(answered(&t, "device.0 mirror-status", "error: device.0 (vda): no mirror"),
          "the mirror is gone once done");
    CHECK(!qsd_holds_mirror(&t), "no job or target node left in the qsd");
    guest_write(&t, 0, 0x33, 512); /* the disk is still served from its source */
    vdm_bus_destroy_devices(&t.bus);
    stop_destination(dest);
    dest = 0;
    g_free(cmd);
    cmd = g_strdup_printf("qemu-img compare -q -f raw -F raw %s %s", src, dst);
    CHECK(!dm_run_command(cmd, NULL), "the write after completion reached only the source");
    g_free(cmd);
    cmd = g_strdup_printf("qemu-io -f raw -c 'write -P 0x33 0 512' %s", dst);
    CHECK(dm_run_command(cmd, NULL), "%s", cmd);
    g_free(cmd);
    cmd = g_strdup_printf("qemu-img compare -f raw -F raw %s %s", src, dst);
    CHECK(dm_run_command(cmd, NULL),
          "otherwise the destination holds the disk, the guest's writes included");
out:
    stop_destination(dest);
    dm_test_fini(&t);
}

static void mirror_to_nobody_fails_and_leaves_no_mirror(void)
{
    struct dm_test t;
    g_autofree char *src = NULL, *start = NULL, *answer = NULL;

    dm_test_init(&t);
    src = make_image(&t, "source.raw");
    if (start_disk(&t, src, false) == NULL)
        goto out;
    start = g_strdup_printf("device.0 mirror-start 127.0.0.1 %u exp", free_port());
    answer = ask(&t, start);
    CHECK(g_str_has_prefix(answer, "error: device.0 (vda): ") &&
              strstr(answer, "127.0.0.1") != NULL,
          "QEMU's reason: '%s'", answer);
    CHECK(answered(&t, "device.0 mirror-status", "error: device.0 (vda): no mirror"),
          "no mirror after a failed start");
    CHECK(answered(&t, "device.0 mirror-cancel", "ok"), "cancelling nothing is fine");
    CHECK(answered(&t, "device.0 mirror-complete", "error: device.0 (vda): no mirror"),
          "nothing to complete");
    CHECK(!qsd_holds_mirror(&t), "the failed start left nothing in the qsd");
    CHECK(answered(&t, "device.0 mirror-start 127.0.0.1 0 exp",
                   "error: device.0 (vda): mirror-start takes HOST PORT EXPORT (port 1 to "
                   "65535), not '127.0.0.1 0 exp'"),
          "a bad port");
    CHECK(answered(&t, "device.0 mirror-status now",
                   "error: device.0 (vda): mirror-status "
                   "takes no argument"),
          "stray argument");
    CHECK(answered(&t, "device.0 mirror-pause",
                   "error: device.0 (vda): unknown request "
                   "'mirror-pause' (a disk takes mirror-start HOST PORT EXPORT, mirror-status, "
                   "mirror-complete, mirror-cancel)"),
          "unknown verbs list the verbs");
out:
    dm_test_fini(&t);
}

/* A source image for the disk (*src) and a destination qemu-storage-daemon serving an
 * empty one; *start is the mirror-start request for it. 0 if the destination failed. */
static GPid source_and_destination(struct dm_test *t, char **src, char **start)
{
    g_autofree char *dst = make_image(t, "destination.raw");
    unsigned port = free_port();
    GPid dest = start_destination(dst, port);

    *src = make_image(t, "source.raw");
    *start = g_strdup_printf("device.0 mirror-start 127.0.0.1 %u exp", port);
    CHECK(dest > 0, "destination qemu-storage-daemon");
    return dest;
}

/* Read-only disks are mirrored too (the job only reads them). */
static void mirror_of_a_readonly_disk_runs_and_cancel_removes_it(void)
{
    struct dm_test t;
    g_autofree char *src = NULL, *start = NULL, *answer = NULL;
    GPid dest;

    dm_test_init(&t);
    dest = source_and_destination(&t, &src, &start);
    if (dest <= 0 || start_disk(&t, src, true) == NULL)
        goto out;
    CHECK(answered(&t, start, "ok"), "mirror started");
    answer = status_until(&t, "ok ready");
    CHECK(ready_and_copied(answer), "ready with all copied: '%s'", answer);
    CHECK(answered(&t, "device.0 mirror-cancel", "ok"), "cancelled");
    CHECK(answered(&t, "device.0 mirror-status", "error: device.0 (vda): no mirror"),
          "no mirror after a cancel");
    CHECK(!qsd_holds_mirror(&t), "no job or target node left in the qsd");
    CHECK(answered(&t, start, "ok"), "a new mirror can start");
    CHECK(answered(&t, "device.0 mirror-cancel", "ok"), "and be cancelled while it copies");
    CHECK(answered(&t, start, "ok"), "and start again");
    /* The disk goes with its mirror running: its qsd ends it. */
out:
    dm_test_fini(&t);
    stop_destination(dest);
}

/* A destination that goes away fails the job: status gives QEMU's reason, once. */
static void mirror_whose_destination_dies_reports_its_error(void)
{
    struct dm_test t;
    g_autofree char *src = NULL, *start = NULL, *answer = NULL;
    GPid dest;

    dm_test_init(&t);
    dest = source_and_destination(&t, &src, &start);
    if (dest <= 0 || start_disk(&t, src, false) == NULL || !drv_start(&t, dev_features(&t)))
        goto out;
    CHECK(answered(&t, start, "ok"), "mirror started");
    answer = status_until(&t, "ok ready");
    CHECK(ready_and_copied(answer), "ready with all copied: '%s'", answer);
    stop_destination(dest);
    dest = 0;
    guest_write(&t, 0, 0x44, 4096); /* the source takes it; the mirror cannot */
    g_free(answer);
    answer = status_until(&t, "error");
    CHECK(g_str_has_prefix(answer, "error: device.0 (vda): the mirror failed: "),
          "the job's own error: '%s'", answer);
    CHECK(answered(&t, "device.0 mirror-status", "error: device.0 (vda): no mirror"),
          "reported once, then gone");
    CHECK(!qsd_holds_mirror(&t), "no job or target node left in the qsd");
out:
    dm_test_fini(&t);
    stop_destination(dest);
}

static const struct dm_named_test tests[] = {
    {"blk_mirror_copies_a_disk_the_guest_writes_to_until_complete",
     mirror_copies_a_disk_the_guest_writes_to_until_complete},
    {"blk_mirror_to_nobody_fails_and_leaves_no_mirror",
     mirror_to_nobody_fails_and_leaves_no_mirror},
    {"blk_mirror_whose_destination_dies_reports_its_error",
     mirror_whose_destination_dies_reports_its_error},
    {"blk_mirror_of_a_readonly_disk_runs_and_cancel_removes_it",
     mirror_of_a_readonly_disk_runs_and_cancel_removes_it},
};

int main(int argc, char **argv)
{
    const char *qsd = g_getenv("VDM_QSD");
    g_autofree char *found = g_find_program_in_path(qsd != NULL ? qsd : "qemu-storage-daemon");

    if (found == NULL) {
        printf("SKIP: no qemu-storage-daemon\n");
        return 77;
    }
    return dm_run_tests(tests, G_N_ELEMENTS(tests), argc, argv);
}
