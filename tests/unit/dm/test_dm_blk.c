/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk end to end: the test driver's requests go through vireo-dm's transport to a
 * real qemu-storage-daemon on temporary raw and qcow2 images, and the bytes are checked in
 * the image itself (the raw file, or qemu-io for qcow2). Exit 77 without
 * qemu-storage-daemon. One test per run: test-dm-blk NAME.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dm_driver.h"
#include "vdm_control.h"

#define F(bit) (1ull << (bit))
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_F_DISCARD 13
#define BLK_F_WRITE_ZEROES 14
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2

#define IMAGE_BYTES (256u << 20) /* sparse; above the 128 MiB request limit */
#define HDR 0x8000u     /* request header */
#define STATUS 0x8100u  /* status byte */
#define WBUF 0x20000u   /* data the driver writes */
#define RBUF 0x40000u   /* data the device writes */
#define SERIAL "VIREO-SERIAL-0123456789"

struct req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct segment {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

static char *make_image(struct dm_test *t, const char *format)
{
    char *path = g_strdup_printf("%s/disk.%s", t->runtime_dir, format);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f %s %s %u", format, path,
                                           IMAGE_BYTES);

    CHECK(dm_run_command(cmd, NULL), "%s", cmd);
    return path;
}

/* Slot 1's disk with these source keys. */
static struct vdm_device *start_disk_keys(struct dm_test *t, const char *keys)
{
    GError *err = NULL;
    g_autofree char *group = g_strdup_printf("[device.0]\nslot=1\ntype=disk\ntarget=vda\n"
                                             "serial=" SERIAL "\n%s", keys);
    struct vdm_device *dev = dm_test_create(t, group, &err);

    CHECK(dev != NULL, "disk: %s", err != NULL ? err->message : "");
    g_clear_error(&err);
    return dev;
}

static struct vdm_device *start_disk(struct dm_test *t, const char *path, const char *format,
                                     bool readonly)
{
    g_autofree char *keys = g_strdup_printf("source_type=file\npath=%s\nformat=%s\n"
                                            "readonly=%s\ncache=writeback\ndiscard=unmap\n",
                                            path, format, readonly ? "true" : "false");

    return start_disk_keys(t, keys);
}

/* One request: header, optional data (driver- or device-written), status. */
static uint8_t request(struct dm_test *t, uint32_t type, uint64_t sector, uint64_t data,
                       uint32_t len, bool device_writes, uint32_t *used_len)
{
    struct req_header h = { .type = type, .sector = sector };
    struct buf b[3] = { { HDR, sizeof(h), false } };
    unsigned nr = 1;

    memcpy(t->ram + HDR, &h, sizeof(h));
    t->ram[STATUS] = 0xff;
    if (len > 0)
        b[nr++] = (struct buf){ data, len, device_writes };
    b[nr++] = (struct buf){ STATUS, 1, true };
    drv_add_chain(t, b, nr);
    drv_kick(t);
    if (!drv_wait_used(t, 1, used_len)) {
        CHECK(false, "request type %u got no answer", type);
        return 0xff;
    }
    return t->ram[STATUS];
}

static bool filled(const uint8_t *p, uint8_t value, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != value)
            return false;
    }
    return true;
}

static uint64_t config64(struct dm_test *t, unsigned offset)
{
    return (uint64_t)mmio_read(t, VIRTIO_MMIO_CONFIG + offset) |
           (uint64_t)mmio_read(t, VIRTIO_MMIO_CONFIG + offset + 4) << 32;
}

static bool file_holds(const char *path, uint64_t offset, uint8_t value, size_t n)
{
    g_autofree uint8_t *buf = g_malloc(n);
    int fd = open(path, O_RDONLY);
    bool ok = fd >= 0 && pread(fd, buf, n, (off_t)offset) == (ssize_t)n && filled(buf, value, n);

    if (fd >= 0)
        close(fd);
    return ok;
}

static pid_t qsd_pid(struct dm_test *t)
{
    g_autofree char *path = g_strdup_printf("%s/device.0.qsd.pid", t->runtime_dir);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    return (pid_t)atoi(text);
}

static void check_offer(struct dm_test *t, bool readonly)
{
    uint64_t f = dev_features(t);

    CHECK(mmio_read(t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK, "block device");
    CHECK((f & (F(BLK_F_SEG_MAX) | F(BLK_F_BLK_SIZE))) == (F(BLK_F_SEG_MAX) | F(BLK_F_BLK_SIZE)),
          "seg_max and blk_size offered");
    CHECK(((f & F(BLK_F_RO)) != 0) == readonly, "RO offered iff readonly");
    if (readonly) {
        CHECK((f & (F(BLK_F_FLUSH) | F(BLK_F_DISCARD) | F(BLK_F_WRITE_ZEROES))) == 0,
              "nothing that writes offered read-only");
    } else {
        CHECK((f & F(BLK_F_FLUSH)) != 0, "writeback cache: FLUSH offered");
        CHECK((f & F(BLK_F_DISCARD)) != 0, "discard=unmap: DISCARD offered");
        CHECK((f & F(BLK_F_WRITE_ZEROES)) != 0, "WRITE_ZEROES offered");
    }
    CHECK(config64(t, 0) == IMAGE_BYTES / 512, "capacity %llu sectors",
          (unsigned long long)config64(t, 0));
    CHECK(mmio_read(t, VIRTIO_MMIO_CONFIG + 20) == 512, "blk_size 512");
    CHECK(drv_start(t, f), "bring-up with every offered feature");
}

/* A fresh image of `format` served as slot 1's disk, the driver up with every feature
 * offered. Returns the image's path, NULL (failure counted) if the disk did not start. */
static char *disk_up(struct dm_test *t, const char *format, bool readonly)
{
    char *path;

    dm_test_init(t);
    path = make_image(t, format);
    if (start_disk(t, path, format, readonly) == NULL) {
        g_free(path);
        return NULL;
    }
    check_offer(t, readonly);
    return path;
}

static void write_pattern(struct dm_test *t, uint64_t sector, uint8_t value, uint32_t len)
{
    uint32_t used = 0;

    memset(t->ram + WBUF, value, len);
    CHECK(request(t, T_OUT, sector, WBUF, len, false, &used) == S_OK, "write");
    CHECK(used == 1, "a write returns only the status byte, got %u", used);
}

static void read_and_compare(struct dm_test *t, uint64_t sector, uint8_t value, uint32_t len)
{
    uint32_t used = 0;

    memset(t->ram + RBUF, 0xee, len);
    CHECK(request(t, T_IN, sector, RBUF, len, true, &used) == S_OK, "read");
    CHECK(used == len + 1, "read returns data and status, got %u", used);
    CHECK(filled(t->ram + RBUF, value, len), "read back 0x%02x at sector %llu", value,
          (unsigned long long)sector);
}

static void discard_and_zeroes(struct dm_test *t)
{
    struct segment s = { .sector = 8, .num_sectors = 8, .flags = 0 };

    memcpy(t->ram + WBUF, &s, sizeof(s));
    CHECK(request(t, T_DISCARD, 0, WBUF, sizeof(s), false, NULL) == S_OK, "discard");
    read_and_compare(t, 8, 0, 4096);
    write_pattern(t, 100, 0x77, 4096);
    s = (struct segment){ .sector = 100, .num_sectors = 4, .flags = 0 };
    memcpy(t->ram + WBUF, &s, sizeof(s));
    CHECK(request(t, T_WRITE_ZEROES, 0, WBUF, sizeof(s), false, NULL) == S_OK, "zeroes");
    read_and_compare(t, 100, 0, 2048);
    read_and_compare(t, 104, 0x77, 2048);
    s.flags = 1; /* unmap is for write zeroes only */
    memcpy(t->ram + WBUF, &s, sizeof(s));
    CHECK(request(t, T_DISCARD, 0, WBUF, sizeof(s), false, NULL) == S_UNSUPP,
          "discard with the unmap flag is unsupported");
}

/* Ten descriptors over the same 15 MiB of guest RAM: one 150 MiB read. */
static uint8_t huge_read(struct dm_test *t)
{
    struct req_header h = { .type = T_IN, .sector = 0 };
    struct buf b[12] = { { HDR, sizeof(h), false } };

    memcpy(t->ram + HDR, &h, sizeof(h));
    for (unsigned i = 1; i <= 10; i++)
        b[i] = (struct buf){ 1u << 20, 15u << 20, true };
    b[11] = (struct buf){ STATUS, 1, true };
    t->ram[STATUS] = 0xff;
    drv_add_chain(t, b, 12);
    drv_kick(t);
    return drv_wait_used(t, 1, NULL) ? t->ram[STATUS] : 0xff;
}

static void get_id_and_errors(struct dm_test *t)
{
    uint32_t used = 0;

    memset(t->ram + RBUF, 0xee, 20);
    CHECK(request(t, T_GET_ID, 0, RBUF, 20, true, &used) == S_OK, "get id");
    CHECK(memcmp(t->ram + RBUF, SERIAL, 20) == 0 && used == 21, "serial's first 20 bytes");
    CHECK(request(t, T_IN, IMAGE_BYTES / 512, RBUF, 512, true, NULL) == S_IOERR,
          "read past the end");
    CHECK(request(t, T_IN, UINT64_MAX / 256, RBUF, 512, true, NULL) == S_IOERR,
          "sector that overflows");
    CHECK(request(t, T_IN, 0, RBUF, 100, true, NULL) == S_IOERR, "not whole sectors");
    CHECK(request(t, 99, 0, 0, 0, false, NULL) == S_UNSUPP, "unknown request type");
    CHECK(huge_read(t) == S_IOERR, "a 150 MiB request is refused, not queued");
}

static void several_requests_in_flight(struct dm_test *t)
{
    struct req_header h[3];
    struct buf b[3][3];

    for (unsigned i = 0; i < 3; i++) {
        h[i] = (struct req_header){ .type = T_IN, .sector = 8 + 8 * i };
        memcpy(t->ram + HDR + 32 * i, &h[i], sizeof(h[i]));
        b[i][0] = (struct buf){ HDR + 32 * i, sizeof(h[i]), false };
        b[i][1] = (struct buf){ RBUF + 4096 * i, 4096, true };
        b[i][2] = (struct buf){ STATUS + 1 + i, 1, true };
        drv_add_chain(t, b[i], 3);
    }
    drv_kick(t);
    CHECK(drv_wait_used(t, 3, NULL), "three requests answered");
    for (unsigned i = 0; i < 3; i++)
        CHECK(t->ram[STATUS + 1 + i] == S_OK, "request %u ok", i);
}

static void raw_disk_reads_writes_flushes_discards_and_names_itself(void)
{
    struct dm_test t;
    g_autofree char *path = NULL;
    pid_t pid;

    path = disk_up(&t, "raw", false);
    if (path == NULL)
        goto out;
    write_pattern(&t, 8, 0x5a, 8192);
    CHECK(request(&t, T_FLUSH, 0, 0, 0, false, NULL) == S_OK, "flush");
    CHECK(file_holds(path, 8 * 512, 0x5a, 8192), "the bytes are in the raw file");
    read_and_compare(&t, 8, 0x5a, 8192);
    several_requests_in_flight(&t);
    discard_and_zeroes(&t);
    get_id_and_errors(&t);
    pid = qsd_pid(&t);
    CHECK(pid > 0 && kill(pid, 0) == 0, "qemu-storage-daemon runs");
    vdm_bus_destroy_devices(&t.bus);
    CHECK(pid > 0 && kill(pid, 0) < 0 && errno == ESRCH, "and is reaped with the device");
out:
    dm_test_fini(&t);
}

static void qcow2_disk_writes_land_in_the_image(void)
{
    struct dm_test t;
    g_autofree char *path = NULL, *cmd = NULL, *out = NULL;

    path = disk_up(&t, "qcow2", false);
    if (path == NULL)
        goto out;
    write_pattern(&t, 8, 0xc3, 8192);
    read_and_compare(&t, 8, 0xc3, 8192);
    read_and_compare(&t, 0, 0, 4096);
    vdm_bus_destroy_devices(&t.bus); /* qemu-storage-daemon closes the image cleanly */
    cmd = g_strdup_printf("qemu-io -r -f qcow2 -c 'read -P 0xc3 4096 8192' %s", path);
    CHECK(dm_run_command(cmd, &out), "%s", cmd);
    CHECK(out != NULL && strstr(out, "read 8192/8192") != NULL &&
              strstr(out, "failed") == NULL, "qemu-io finds the pattern: %s", out);
out:
    dm_test_fini(&t);
}

static void readonly_disk_refuses_writes(void)
{
    struct dm_test t;
    g_autofree char *path = NULL;
    struct segment s = { .sector = 0, .num_sectors = 8 };

    path = disk_up(&t, "raw", true);
    if (path == NULL)
        goto out;
    memset(t.ram + WBUF, 0x11, 4096);
    CHECK(request(&t, T_OUT, 0, WBUF, 4096, false, NULL) == S_IOERR,
          "write to a read-only disk fails with IOERR");
    memcpy(t.ram + WBUF, &s, sizeof(s));
    CHECK(request(&t, T_DISCARD, 0, WBUF, sizeof(s), false, NULL) == S_UNSUPP,
          "discard not offered: UNSUPP");
    CHECK(request(&t, T_WRITE_ZEROES, 0, WBUF, sizeof(s), false, NULL) == S_UNSUPP,
          "write zeroes not offered: UNSUPP");
    read_and_compare(&t, 0, 0, 4096);
    CHECK(file_holds(path, 0, 0, 4096), "the image is unchanged");
out:
    dm_test_fini(&t);
}

static void missing_image_fails_with_qemus_reason(void)
{
    struct dm_test t;
    GError *err = NULL;

    dm_test_init(&t);
    CHECK(dm_test_create(&t, "[device.0]\nslot=0\ntype=disk\ntarget=vdb\n"
                             "path=/nonexistent/vireo.qcow2\nformat=qcow2\n", &err) == NULL,
          "refused");
    CHECK(err != NULL && strstr(err->message, "device.0") != NULL &&
              strstr(err->message, "vdb") != NULL &&
              strstr(err->message, "/nonexistent/vireo.qcow2") != NULL,
          "message names the device and the file: %s", err ? err->message : "(none)");
    if (err != NULL)
        printf("# error as the user sees it: %s\n", err->message);
    g_clear_error(&err);
    dm_test_fini(&t);
}

static void request_without_status_byte_needs_reset(void)
{
    struct dm_test t;
    g_autofree char *path = NULL;
    struct buf b = { HDR, 16, false };

    path = disk_up(&t, "raw", false);
    if (path == NULL)
        goto out;
    drv_add_chain(&t, &b, 1);
    drv_kick(&t);
    CHECK((drv_status(&t) & VIRTIO_STATUS_NEEDS_RESET) != 0, "NEEDS_RESET");
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1)), "restart");
    read_and_compare(&t, 0, 0, 512);
out:
    dm_test_fini(&t);
}

static void writethrough_disk_offers_no_volatile_cache(void)
{
    struct dm_test t;
    g_autofree char *path = NULL, *keys = NULL;

    dm_test_init(&t);
    path = make_image(&t, "raw");
    keys = g_strdup_printf("path=%s\ncache=writethrough\n", path);
    if (start_disk_keys(&t, keys) != NULL) {
        CHECK((dev_features(&t) & F(BLK_F_FLUSH)) == 0, "no volatile cache to flush");
        CHECK(mmio_read(&t, VIRTIO_MMIO_CONFIG + 32) == 0, "config writeback 0");
        CHECK(drv_start(&t, dev_features(&t)), "bring-up");
        write_pattern(&t, 0, 0x3c, 4096);
        CHECK(file_holds(path, 0, 0x3c, 4096), "the write reached the file");
    }
    dm_test_fini(&t);
}

/* An NBD server of its own: another qemu-storage-daemon exporting `image` as "exp". */
static GPid start_nbd_server(const char *image, const char *socket_path)
{
    g_autofree char *blockdev = g_strdup_printf("driver=file,filename=%s,node-name=n", image);
    g_autofree char *addr = g_strdup_printf("addr.type=unix,addr.path=%s", socket_path);
    char *argv[] = { "qemu-storage-daemon", "--blockdev", blockdev, "--nbd-server", addr,
                     "--export", "type=nbd,id=e,node-name=n,name=exp,writable=on", NULL };
    GPid pid = 0;

    if (!g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                       NULL, &pid, NULL))
        return 0;
    for (unsigned ms = 0; ms < 10000 && !g_file_test(socket_path, G_FILE_TEST_EXISTS); ms += 10)
        usleep(10000);
    return pid;
}

static void network_nbd_disk_reads_what_the_server_exports(void)
{
    struct dm_test t;
    g_autofree char *image = NULL, *sock = NULL, *cmd = NULL, *keys = NULL;
    GPid server;

    dm_test_init(&t);
    image = make_image(&t, "raw");
    cmd = g_strdup_printf("qemu-io -f raw -c 'write -P 0x42 0 4096' %s", image);
    CHECK(dm_run_command(cmd, NULL), "%s", cmd);
    sock = g_strdup_printf("%s/server.sock", t.runtime_dir);
    server = start_nbd_server(image, sock);
    CHECK(server > 0, "NBD server started");
    keys = g_strdup_printf("source_type=network\nprotocol=nbd\nsocket=%s\nexport=exp\n"
                           "format=raw\n", sock);
    if (server > 0 && start_disk_keys(&t, keys) != NULL) {
        CHECK(config64(&t, 0) == IMAGE_BYTES / 512, "capacity from the server");
        CHECK(drv_start(&t, dev_features(&t)), "bring-up");
        read_and_compare(&t, 0, 0x42, 4096);
        write_pattern(&t, 8, 0x24, 512);
        CHECK(request(&t, T_FLUSH, 0, 0, 0, false, NULL) == S_OK, "flush");
        CHECK(file_holds(image, 4096, 0x24, 512), "the write reached the server's image");
    }
    vdm_bus_destroy_devices(&t.bus);
    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, NULL, 0);
    }
    dm_test_fini(&t);
}

/* Disk vda's record as a reader of runtime_dir/blk-stats sees it (all zero if missing). */
static struct vireo_dm_blk_stats disk_stats(struct dm_test *t)
{
    g_autofree char *path = g_build_filename(t->runtime_dir, VIREO_DM_STATS_FILE, NULL);
    g_autofree char *file = NULL;
    struct vireo_dm_stats_header h;
    struct vireo_dm_blk_stats r = { 0 };
    size_t len = 0;

    CHECK(g_file_get_contents(path, &file, &len, NULL), "%s is readable", path);
    CHECK(len == sizeof(h) + VIREO_PLAT_DM_SLOTS * sizeof(r), "one record per slot: %zu bytes",
          len);
    if (len < sizeof(h) + sizeof(r))
        return r;
    memcpy(&h, file, sizeof(h));
    CHECK(h.magic == VIREO_DM_STATS_MAGIC && h.version == VIREO_DM_STATS_VERSION &&
              h.header_size == sizeof(h) && h.record_size == sizeof(r) &&
              h.record_count == VIREO_PLAT_DM_SLOTS,
          "header");
    memcpy(&r, file + sizeof(h), sizeof(r));
    CHECK(strcmp(r.target, "vda") == 0, "record 0 is vda's, not '%.32s'", r.target);
    return r;
}

/* Every answered request in its counter, failures only in errs, GET_ID in none. */
static void stats_file_counts_what_the_disk_answered(void)
{
    struct dm_test t;
    g_autofree char *path = NULL;
    struct segment seg = { .sector = 64, .num_sectors = 16, .flags = 0 };
    struct vireo_dm_blk_stats s;

    path = disk_up(&t, "raw", false);
    if (path == NULL)
        goto out;
    s = disk_stats(&t);
    CHECK(s.rd_req == 0 && s.wr_req == 0 && s.errs == 0, "a new disk counts nothing");
    write_pattern(&t, 8, 0x5a, 8192);
    write_pattern(&t, 32, 0x33, 4096);
    CHECK(request(&t, T_FLUSH, 0, 0, 0, false, NULL) == S_OK, "flush");
    read_and_compare(&t, 8, 0x5a, 8192);
    read_and_compare(&t, 32, 0x33, 4096);
    read_and_compare(&t, 40, 0, 512);
    memcpy(t.ram + WBUF, &seg, sizeof(seg));
    CHECK(request(&t, T_DISCARD, 0, WBUF, sizeof(seg), false, NULL) == S_OK, "discard");
    CHECK(request(&t, T_GET_ID, 0, RBUF, 20, true, NULL) == S_OK, "get id");
    CHECK(request(&t, 99, 0, 0, 0, false, NULL) == S_UNSUPP, "unknown request type");
    CHECK(request(&t, T_IN, IMAGE_BYTES / 512, RBUF, 512, true, NULL) == S_IOERR,
          "read past the end");
    s = disk_stats(&t);
    CHECK(s.rd_req == 3 && s.rd_bytes == 8192 + 4096 + 512, "reads: %llu, %llu bytes",
          (unsigned long long)s.rd_req, (unsigned long long)s.rd_bytes);
    CHECK(s.wr_req == 2 && s.wr_bytes == 8192 + 4096, "writes: %llu, %llu bytes",
          (unsigned long long)s.wr_req, (unsigned long long)s.wr_bytes);
    CHECK(s.flush_req == 1, "flushes: %llu", (unsigned long long)s.flush_req);
    CHECK(s.discard_req == 1 && s.discard_bytes == 16 * 512, "discards: %llu, %llu bytes",
          (unsigned long long)s.discard_req, (unsigned long long)s.discard_bytes);
    CHECK(s.errs == 2, "errors: %llu", (unsigned long long)s.errs);
out:
    dm_test_fini(&t);
}

/* The driver resets with a read in flight: its answer must not land in the new rings. */
static void reset_drops_requests_in_flight(void)
{
    struct dm_test t;
    g_autofree char *path = NULL;
    struct vdm_vring_used *used;
    struct req_header h = { .type = T_IN, .sector = 0 };
    struct buf b[3] = { { HDR, sizeof(h), false }, { RBUF, 4096, true }, { STATUS, 1, true } };

    path = disk_up(&t, "raw", false);
    if (path == NULL)
        goto out;
    memcpy(t.ram + HDR, &h, sizeof(h));
    drv_add_chain(&t, b, 3);
    drv_kick(&t); /* sent to the NBD server; its answer waits for the main loop */
    CHECK(drv_start(&t, dev_features(&t)), "reset and bring-up again");
    for (unsigned i = 0; i < 200; i++) {
        g_main_context_iteration(t.main, FALSE);
        usleep(1000);
    }
    used = (struct vdm_vring_used *)(t.ram + RING_USED);
    CHECK(atomic_load(&used->idx) == 0, "the old answer was dropped");
    read_and_compare(&t, 0, 0, 4096);
    CHECK(disk_stats(&t).rd_req == 1, "and is not counted");
out:
    dm_test_fini(&t);
}

/* Frames vireo-dm wrote for the disk while logging (docs/device-model.md, "Dirty log"):
 * a read's data and status and the used ring, not a write's data it only read, and data
 * libnbd read in for a request that a reset then dropped. */
static void dirty_log_marks_what_the_disk_wrote_not_what_it_read(void)
{
    struct dm_test t;
    g_autofree char *path = NULL, *answer = NULL;
    uint64_t *words = NULL;
    size_t nr = 0;
    struct req_header h = { .type = T_IN, .sector = 0 };
    struct buf b[3] = { { HDR, sizeof(h), false }, { RBUF + 0x10000, 4096, true },
                        { STATUS, 1, true } };

    path = disk_up(&t, "raw", false);
    if (path == NULL)
        goto out;
    answer = vdm_control_answer(&t.bus, t.main, "dm dirty-log start");
    CHECK(strcmp(answer, "ok") == 0, "start: %s", answer);
    write_pattern(&t, 8, 0x5a, 8192);
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 2, "a write: its status and the used ring");
    CHECK(!dm_frame_dirty(words, nr, WBUF >> 12) && !dm_frame_dirty(words, nr, (WBUF >> 12) + 1),
          "not the data the device read");
    CHECK(dm_frame_dirty(words, nr, STATUS >> 12) && dm_frame_dirty(words, nr, RING_USED >> 12),
          "the status byte's and the used ring's frames");
    g_free(words);
    read_and_compare(&t, 8, 0x5a, 8192);
    CHECK(dm_dirty_fetch(&t, &words, &nr) == 4, "a read: two data frames, status, used ring");
    CHECK(dm_frame_dirty(words, nr, RBUF >> 12) && dm_frame_dirty(words, nr, (RBUF >> 12) + 1) &&
              !dm_frame_dirty(words, nr, (RBUF >> 12) + 2), "the read's data frames");
    g_free(words);

    memcpy(t.ram + HDR, &h, sizeof(h));
    drv_add_chain(&t, b, 3);
    drv_kick(&t); /* sent; libnbd reads the answer into RBUF + 64 KiB in the main loop */
    CHECK(drv_start(&t, dev_features(&t)), "reset and bring-up again");
    for (unsigned i = 0; i < 200; i++) {
        g_main_context_iteration(t.main, FALSE);
        usleep(1000);
    }
    CHECK(dm_dirty_fetch(&t, &words, &nr) >= 1 && dm_frame_dirty(words, nr, (RBUF >> 12) + 16),
          "the dropped read's data frame");
    g_free(words);
out:
    dm_test_fini(&t);
}

static const struct dm_named_test tests[] = {
    { "blk_dirty_log_marks_what_the_disk_wrote_not_what_it_read",
      dirty_log_marks_what_the_disk_wrote_not_what_it_read },
    { "blk_stats_file_counts_what_the_disk_answered", stats_file_counts_what_the_disk_answered },
    { "blk_reset_drops_requests_in_flight", reset_drops_requests_in_flight },
    { "blk_writethrough_disk_offers_no_volatile_cache",
      writethrough_disk_offers_no_volatile_cache },
    { "blk_network_nbd_disk_reads_what_the_server_exports",
      network_nbd_disk_reads_what_the_server_exports },
    { "blk_raw_disk_reads_writes_flushes_discards_and_names_itself",
      raw_disk_reads_writes_flushes_discards_and_names_itself },
    { "blk_qcow2_disk_writes_land_in_the_image", qcow2_disk_writes_land_in_the_image },
    { "blk_readonly_disk_refuses_writes", readonly_disk_refuses_writes },
    { "blk_missing_image_fails_with_qemus_reason", missing_image_fails_with_qemus_reason },
    { "blk_request_without_status_byte_needs_reset", request_without_status_byte_needs_reset },
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
