/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dm's core without a disk: guest memory bounds, the virtio-mmio transport driven as a
 * Linux driver drives it, virtio-rng, hostile rings, and the configuration file's errors.
 * One test per run: test-dm-core NAME.
 */
#include <stdatomic.h>
#include <string.h>

#include "dm_driver.h"
#include "vdm_blk.h"
#include "vdm_control.h"
#include "vdm_state.h"

#define F(bit) (1ull << (bit))
#define RNG_GROUP "[device.0]\nslot=2\ntype=rng\nsource=/dev/urandom\n"

static void guest_memory_refuses_out_of_range_and_wrapping(void)
{
    static uint8_t low[8192], high[4096];
    struct vdm_guest_mem m;
    uint64_t lo, hi;

    vdm_guest_mem_init(&m);
    CHECK(vdm_guest_mem_add(&m, 0, sizeof(low), low) == 0, "low region");
    CHECK(vdm_guest_mem_add(&m, VDM_HIGH_RAM_BASE, sizeof(high), high) == 0, "high region");
    CHECK(vdm_guest_mem_add(&m, 4096, 4096, high) < 0, "overlap refused");
    CHECK(vdm_guest_mem_add(&m, UINT64_MAX - 10, 100, high) < 0, "wrapping region refused");
    CHECK(vdm_guest_mem_ptr(&m, 0, 8192) == low, "whole low region");
    CHECK(vdm_guest_mem_ptr(&m, 8191, 1) == low + 8191, "last byte");
    CHECK(vdm_guest_mem_ptr(&m, 8191, 2) == NULL, "crossing the end");
    CHECK(vdm_guest_mem_ptr(&m, 8192, 1) == NULL, "just past the end");
    CHECK(vdm_guest_mem_ptr(&m, 4096, UINT64_MAX) == NULL, "huge length");
    CHECK(vdm_guest_mem_ptr(&m, UINT64_MAX, 2) == NULL, "wrapping address");
    CHECK(vdm_guest_mem_ptr(&m, 0, 0) == NULL, "empty range");
    CHECK(vdm_guest_mem_ptr(&m, VDM_HIGH_RAM_BASE + 4095, 1) == high + 4095, "high last byte");
    CHECK(vdm_guest_mem_ptr(&m, VDM_HIGH_RAM_BASE - 1, 2) == NULL, "into high from below");
    vdm_guest_mem_layout(4ull << 30, &lo, &hi);
    CHECK(lo == 3ull << 30 && hi == 1ull << 30, "4 GiB guest: 3 GiB low, 1 GiB high");
    vdm_guest_mem_layout(256u << 20, &lo, &hi);
    CHECK(lo == 256u << 20 && hi == 0, "small guest: all low");
}

static void transport_identifies_as_virtio_mmio_version_2(void)
{
    struct dm_test t;
    GError *err = NULL;

    dm_test_init(&t);
    CHECK(dm_test_create(&t, RNG_GROUP, &err) != NULL, "rng: %s", err ? err->message : "");
    CHECK(mmio_read(&t, VIRTIO_MMIO_MAGIC) == 0x74726976, "magic");
    CHECK(mmio_read(&t, VIRTIO_MMIO_VERSION) == 2, "version 2");
    CHECK(mmio_read(&t, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_RNG, "device id");
    CHECK(mmio_read(&t, VIRTIO_MMIO_VENDOR_ID) == VDM_VIRTIO_VENDOR_ID, "vendor id");
    CHECK((dev_features(&t) & F(VIRTIO_F_VERSION_1)) != 0, "VERSION_1 offered");
    /* Undefined offsets read 0, odd sizes too, and writes there change nothing. */
    CHECK(mmio_read(&t, 0x0e0) == 0, "undefined offset");
    CHECK(vdm_bus_read(&t.bus, VIREO_PLAT_DM_BASE + 2 * 0x1000, 2) == 0, "16-bit register");
    mmio_write(&t, 0x0e0, 0xffffffff);
    CHECK(mmio_read(&t, VIRTIO_MMIO_MAGIC) == 0x74726976, "still a device");
    /* Slots without a device: an empty bus. */
    CHECK(vdm_bus_read(&t.bus, VIREO_PLAT_DM_BASE, 4) == 0, "empty slot 0");
    vdm_bus_write(&t.bus, VIREO_PLAT_DM_BASE + 7 * 0x1000, 4, 1);
    CHECK(vdm_bus_read(&t.bus, VIREO_PLAT_DM_BASE + 8 * 0x1000, 4) == 0, "beyond the slots");
    dm_test_fini(&t);
}

static void transport_refuses_features_ok_without_version_1(void)
{
    struct dm_test t;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(!drv_negotiate(&t, 0), "legacy driver refused");
    CHECK(!drv_negotiate(&t, F(VIRTIO_F_VERSION_1) | F(50)), "unoffered feature refused");
    CHECK(drv_negotiate(&t, F(VIRTIO_F_VERSION_1)), "VERSION_1 accepted");
    mmio_write(&t, VIRTIO_MMIO_STATUS, 0);
    CHECK(drv_status(&t) == 0, "status 0 resets");
    dm_test_fini(&t);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

/* Both notification paths: the doorbell hv rings, and a plain QueueNotify write. */
static void rng_fills_buffers_through_doorbell_and_plain_notify(void)
{
    struct dm_test t;
    uint32_t len = 0;
    unsigned gsi = VIREO_PLAT_DM_GSI_FIRST + 2;
    struct buf b[2] = { { DATA_BASE, 100, true }, { DATA_BASE + 4096, 3000, true } }, big;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1)), "bring-up");
    CHECK(t.hv.doorbells == 1, "one doorbell registered, got %u", t.hv.doorbells);
    CHECK(t.hv.doorbell_gpa[0] == VIREO_PLAT_DM_BASE + 2 * 0x1000 + VIRTIO_MMIO_QUEUE_NOTIFY &&
              t.hv.doorbell_value[0] == 0, "doorbell at QueueNotify matching queue 0");
    drv_add_chain(&t, b, 2);
    vdm_bus_doorbell(&t.bus, 0);
    CHECK(drv_wait_used(&t, 1, &len), "rng answered the doorbell");
    CHECK(len == 3100, "all 3100 bytes written, got %u", len);
    CHECK(!all_zero(t.ram + DATA_BASE, 100) && !all_zero(t.ram + DATA_BASE + 4096, 3000),
          "buffers filled");
    CHECK(t.hv.irq[gsi], "interrupt line asserted on GSI %u", gsi);
    CHECK(mmio_read(&t, VIRTIO_MMIO_INTERRUPT_STATUS) == VIRTIO_INT_USED, "used interrupt");
    mmio_write(&t, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
    CHECK(!t.hv.irq[gsi], "line deasserted once acknowledged");
    drv_kick(&t); /* a kick with nothing available: no interrupt for nothing */
    CHECK(!t.hv.irq[gsi] && mmio_read(&t, VIRTIO_MMIO_INTERRUPT_STATUS) == 0,
          "an empty kick raises no interrupt");
    big = (struct buf){ DATA_BASE, 8u << 20, true };
    drv_add_chain(&t, &big, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, &len) && len == 64 * 1024, "8 MiB offered, 64 KiB given");
    memset(t.ram + DATA_BASE, 0, 100);
    drv_add_chain(&t, b, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, &len) && len == 100, "plain QueueNotify write served");
    CHECK(!all_zero(t.ram + DATA_BASE, 100), "buffer filled again");
    dm_test_fini(&t);
}

/* EVENT_IDX: no interrupt until used_event is reached. */
static void event_idx_suppresses_interrupts_the_driver_did_not_ask_for(void)
{
    struct dm_test t;
    struct vdm_vring_avail *avail;
    unsigned gsi = VIREO_PLAT_DM_GSI_FIRST + 2;
    struct buf b = { DATA_BASE, 16, true };

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_EVENT_IDX)), "bring-up");
    avail = (struct vdm_vring_avail *)(t.ram + RING_AVAIL);
    atomic_store(&avail->ring[QUEUE_NUM], 5); /* used_event: interrupt after the 6th */
    for (unsigned i = 0; i < 5; i++) {
        drv_add_chain(&t, &b, 1);
        drv_kick(&t);
        CHECK(drv_wait_used(&t, 1, NULL), "request %u served", i);
    }
    CHECK(!t.hv.irq[gsi], "no interrupt before used_event");
    drv_add_chain(&t, &b, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, NULL), "6th served");
    CHECK(t.hv.irq[gsi], "interrupt once used_event passed");
    dm_test_fini(&t);
}

static void indirect_chains_are_served(void)
{
    struct dm_test t;
    struct vdm_vring_desc *table, *desc;
    struct buf b = { DATA_BASE + 0x8000, 3 * sizeof(struct vdm_vring_desc), false };
    uint32_t len = 0;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_INDIRECT_DESC)), "bring-up");
    table = (struct vdm_vring_desc *)(t.ram + DATA_BASE + 0x8000);
    for (unsigned i = 0; i < 3; i++) {
        table[i] = (struct vdm_vring_desc){ .addr = DATA_BASE + 1024 * i, .len = 1000,
                                            .flags = VIRTQ_DESC_F_WRITE |
                                                     (i < 2 ? VIRTQ_DESC_F_NEXT : 0),
                                            .next = (uint16_t)(i + 1) };
    }
    drv_add_chain(&t, &b, 1);
    desc = (struct vdm_vring_desc *)(t.ram + RING_DESC);
    desc[0].flags = VIRTQ_DESC_F_INDIRECT;
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, &len) && len == 3000, "3 x 1000 bytes through the table");
    CHECK(!all_zero(t.ram + DATA_BASE + 2048, 1000), "last buffer filled");
    CHECK((drv_status(&t) & VIRTIO_STATUS_NEEDS_RESET) == 0, "no reset needed");
    dm_test_fini(&t);
}

static void expect_needs_reset(struct dm_test *t, const char *what)
{
    unsigned gsi = VIREO_PLAT_DM_GSI_FIRST + t->slot;

    CHECK((drv_status(t) & VIRTIO_STATUS_NEEDS_RESET) != 0, "%s: NEEDS_RESET set", what);
    CHECK((mmio_read(t, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG) != 0,
          "%s: config interrupt", what);
    CHECK(t->hv.irq[gsi], "%s: line up", what);
    /* The driver resets and the device works again. */
    CHECK(drv_start(t, F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_INDIRECT_DESC)),
          "%s: restart after reset", what);
    CHECK((drv_status(t) & VIRTIO_STATUS_NEEDS_RESET) == 0, "%s: reset clears it", what);
}

static void run_hostile(void (*mangle)(struct dm_test *t), const char *what)
{
    struct dm_test t;
    struct buf good = { DATA_BASE, 64, true };

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_INDIRECT_DESC)), "bring-up");
    mangle(&t);
    drv_kick(&t);
    while (g_main_context_iteration(t.main, FALSE))
        ;
    expect_needs_reset(&t, what);
    drv_add_chain(&t, &good, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, NULL), "%s: served after the reset", what);
    dm_test_fini(&t);
}

static void desc_outside_ram(struct dm_test *t)
{
    struct buf b = { GUEST_RAM - 16, 64, true }; /* runs 48 bytes past the end of RAM */

    drv_add_chain(t, &b, 1);
}

static void desc_loop(struct dm_test *t)
{
    struct vdm_vring_desc *desc = (struct vdm_vring_desc *)(t->ram + RING_DESC);
    struct buf b[2] = { { DATA_BASE, 16, true }, { DATA_BASE + 16, 16, true } };

    drv_add_chain(t, b, 2);
    desc[1].flags |= VIRTQ_DESC_F_NEXT;
    desc[1].next = 0; /* 0 -> 1 -> 0 ... */
}

static void desc_huge_length(struct dm_test *t)
{
    struct buf b = { DATA_BASE, 0xffffffffu, true };

    drv_add_chain(t, &b, 1);
}

static void avail_idx_beyond_ring(struct dm_test *t)
{
    struct vdm_vring_avail *avail = (struct vdm_vring_avail *)(t->ram + RING_AVAIL);

    atomic_store(&avail->idx, QUEUE_NUM + 7);
    t->avail_idx = 0; /* the driver itself starts over after the reset */
}

static void indirect_nested(struct dm_test *t)
{
    struct vdm_vring_desc *table = (struct vdm_vring_desc *)(t->ram + DATA_BASE + 0x8000);
    struct buf b = { DATA_BASE + 0x8000, 32, false };
    struct vdm_vring_desc *desc = (struct vdm_vring_desc *)(t->ram + RING_DESC);

    table[0] = (struct vdm_vring_desc){ .addr = DATA_BASE + 0x8000, .len = 32,
                                        .flags = VIRTQ_DESC_F_INDIRECT };
    drv_add_chain(t, &b, 1);
    desc[0].flags = VIRTQ_DESC_F_INDIRECT;
}

static void readable_after_writable(struct dm_test *t)
{
    struct buf b[2] = { { DATA_BASE, 16, true }, { DATA_BASE + 16, 16, false } };

    drv_add_chain(t, b, 2);
}

static void hostile_rings_set_needs_reset_and_the_device_survives(void)
{
    run_hostile(desc_outside_ram, "descriptor outside RAM");
    run_hostile(desc_loop, "descriptor loop");
    run_hostile(desc_huge_length, "4 GiB descriptor");
    run_hostile(avail_idx_beyond_ring, "avail idx more than the ring");
    run_hostile(indirect_nested, "nested indirect table");
    run_hostile(readable_after_writable, "readable after writable");
}

static void ring_outside_ram_sets_needs_reset(void)
{
    struct dm_test t;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_negotiate(&t, F(VIRTIO_F_VERSION_1)), "negotiate");
    mmio_write(&t, VIRTIO_MMIO_QUEUE_SEL, 0);
    mmio_write(&t, VIRTIO_MMIO_QUEUE_NUM, QUEUE_NUM);
    mmio_write(&t, VIRTIO_MMIO_QUEUE_DESC_LOW, GUEST_RAM - 64);
    mmio_write(&t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, RING_AVAIL);
    mmio_write(&t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, RING_USED);
    mmio_write(&t, VIRTIO_MMIO_QUEUE_READY, 1);
    CHECK(mmio_read(&t, VIRTIO_MMIO_QUEUE_READY) == 0, "queue not ready");
    CHECK((drv_status(&t) & VIRTIO_STATUS_NEEDS_RESET) != 0, "NEEDS_RESET");
    dm_test_fini(&t);
}

#define MAIN "[vireo-dm]\ndomid=5\nname=guest1\nmemory_bytes=268435456\nruntime_dir=/run/x\n"

/* The error must contain `needle` (the key or group at fault). */
static void expect_config_error(const char *text, const char *needle)
{
    struct vdm_config cfg;
    GError *err = NULL;

    if (vdm_config_parse(&cfg, text, strlen(text), &err) == 0) {
        CHECK(false, "accepted a config that should name '%s'", needle);
        vdm_config_clear(&cfg);
        return;
    }
    CHECK(err != NULL && strstr(err->message, needle) != NULL, "error '%s' names '%s'",
          err ? err->message : "(none)", needle);
    g_clear_error(&err);
}

static void config_errors_name_the_key(void)
{
    struct vdm_config cfg;
    const char *good = MAIN "[device.1]\nslot=1\ntype=rng\nsource=/dev/urandom\n"
                            "[device.0]\nslot=0\ntype=disk\ntarget=vda\nsource_type=file\n"
                            "path=/a.qcow2\nformat=qcow2\nreadonly=false\ncache=default\n"
                            "discard=ignore\nserial=\n";
    GError *err = NULL;

    CHECK(vdm_config_parse(&cfg, good, strlen(good), &err) == 0, "good config: %s",
          err ? err->message : "");
    CHECK(cfg.domid == 5 && cfg.memory_bytes == 268435456 && cfg.nr_devices == 2 &&
              strcmp(cfg.name, "guest1") == 0 && strcmp(cfg.runtime_dir, "/run/x") == 0,
          "values read");
    vdm_config_clear(&cfg);
    expect_config_error(MAIN "colour=blue\n", "colour");
    expect_config_error(MAIN "[device.0]\nslot=0\ntype=rng\nbridge=br0\n", "bridge");
    expect_config_error(MAIN "[device.0]\nslot=8\ntype=rng\n", "slot");
    expect_config_error(MAIN "[device.0]\nslot=zero\ntype=rng\n", "slot");
    expect_config_error(MAIN "[device.0]\ntype=rng\n", "slot");
    expect_config_error(MAIN "[device.0]\nslot=0\ntype=floppy\n", "floppy");
    expect_config_error(MAIN "[device.0]\nslot=0\ntype=rng\n[device.1]\nslot=0\ntype=rng\n",
                        "slot");
    expect_config_error(MAIN "[pci.0]\nslot=0\n", "pci.0");
    expect_config_error("[vireo-dm]\ndomid=5\nmemory_bytes=1\n", "runtime_dir");
    expect_config_error("[vireo-dm]\ndomid=x\nmemory_bytes=1\nruntime_dir=/r\n", "domid");
    expect_config_error("[vireo-dm]\ndomid=1\nruntime_dir=/r\n", "memory_bytes");
    expect_config_error("[device.0]\nslot=0\ntype=rng\n", "vireo-dm");
}

static void disk_keys_are_checked_before_anything_starts(void)
{
    struct dm_test t;
    GError *err = NULL;
    static const char *const bad[][2] = {
        { "[device.0]\nslot=0\ntype=disk\npath=/x\ncache=sometimes\n", "cache" },
        { "[device.0]\nslot=0\ntype=disk\npath=/x\ndiscard=maybe\n", "discard" },
        { "[device.0]\nslot=0\ntype=disk\npath=/x\nreadonly=perhaps\n", "readonly" },
        { "[device.0]\nslot=0\ntype=disk\npath=relative\n", "path" },
        { "[device.0]\nslot=0\ntype=disk\nsource_type=tape\npath=/x\n", "source_type" },
        { "[device.0]\nslot=0\ntype=disk\nsource_type=network\nprotocol=iscsi\n", "protocol" },
        { "[device.0]\nslot=0\ntype=disk\npath=/x\nformat=qcow2,file=y\n", "format" },
    };

    dm_test_init(&t);
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        CHECK(dm_test_create(&t, bad[i][0], &err) == NULL, "refused: %s", bad[i][0]);
        CHECK(err != NULL && strstr(err->message, bad[i][1]) != NULL, "'%s' names %s",
              err ? err->message : "(none)", bad[i][1]);
        g_clear_error(&err);
    }
    dm_test_fini(&t);
}

static bool argv_has(char **argv, const char *needle)
{
    for (unsigned i = 0; argv[i] != NULL; i++) {
        if (strstr(argv[i], needle) != NULL)
            return true;
    }
    return false;
}

/* The child's command line carries the config's meaning (docs: the cache table). */
static void storage_daemon_command_follows_the_disk_keys(void)
{
    struct vdm_blk_source src = { .source_type = "file", .path = "/img/a,b.qcow2",
                                  .format = "qcow2", .cache = VDM_CACHE_NONE,
                                  .discard_unmap = true };
    char **argv =
        vdm_qsd_argv(&src, "/run/d/device.0.nbd", "/run/d/device.0.qmp", "/run/d/device.0.qsd.pid");

    CHECK(argv_has(argv, "driver=file,filename=/img/a,,b.qcow2,node-name=proto"),
          "file node, comma doubled");
    CHECK(argv_has(argv, "driver=qcow2,node-name=fmt,file=proto,cache.direct=on,"
                         "cache.no-flush=off,read-only=off,discard=unmap"), "format node");
    CHECK(argv_has(argv, "addr.type=unix,addr.path=/run/d/device.0.nbd"), "NBD socket");
    CHECK(argv_has(argv, "name=disk,writable=on"), "writable export");
    CHECK(argv_has(argv, "socket,id=qmp,server=on,wait=off,path=/run/d/device.0.qmp") &&
              argv_has(argv, "chardev=qmp"),
          "QMP monitor on its socket");
    g_strfreev(argv);
    src = (struct vdm_blk_source){ .source_type = "network", .host = "nbd.example",
                                   .port = "10809", .export = "vol1", .readonly = true,
                                   .cache = VDM_CACHE_UNSAFE };
    argv = vdm_qsd_argv(&src, "/s", NULL, "/p");
    CHECK(argv_has(argv, "driver=nbd,server.type=inet,server.host=nbd.example,"
                         "server.port=10809,export=vol1,node-name=proto,read-only=on"),
          "network node without cache options");
    CHECK(argv_has(argv, "driver=raw,node-name=fmt,file=proto,cache.direct=off,"
                         "cache.no-flush=on,read-only=on"), "unsafe: no-flush");
    CHECK(argv_has(argv, "writable=off"), "read-only export");
    CHECK(!argv_has(argv, "chardev"), "no monitor without its path");
    g_strfreev(argv);
    CHECK(vdm_blk_cache_writeback(VDM_CACHE_DEFAULT) && vdm_blk_cache_writeback(VDM_CACHE_NONE) &&
              !vdm_blk_cache_writeback(VDM_CACHE_WRITETHROUGH) &&
              !vdm_blk_cache_writeback(VDM_CACHE_DIRECTSYNC) &&
              vdm_blk_cache_writeback(VDM_CACHE_UNSAFE), "which modes have a volatile cache");
    CHECK(vdm_blk_cache_direct(VDM_CACHE_DIRECTSYNC) && !vdm_blk_cache_direct(VDM_CACHE_DEFAULT),
          "which modes bypass the host's cache");
}

static uint16_t used_idx(const struct dm_test *t)
{
    const struct vdm_vring_used *used = (const void *)(t->ram + RING_USED);

    return atomic_load(&used->idx);
}

/* Save and restore of the device model (vdm_state.h): quiesced, a notification waits;
 * the saved state taken up by a new device model over a copy of the guest's RAM serves
 * the waiting buffer and goes on at the same ring positions; a failed save's resume serves
 * it too; a state for another kind of device is refused. */
static void saved_state_moves_a_device_into_a_new_device_model(void)
{
    struct dm_test t, u;
    struct buf b = { DATA_BASE, 64, true };
    uint32_t len = 0;
    g_autofree char *answer = NULL, *path = NULL, *request = NULL;
    g_autoptr(GError) err = NULL;

    dm_test_init(&t);
    dm_test_create(&t, RNG_GROUP, NULL);
    CHECK(drv_start(&t, F(VIRTIO_F_VERSION_1)), "bring-up");
    drv_add_chain(&t, &b, 1);
    drv_kick(&t);
    CHECK(drv_wait_used(&t, 1, &len) && len == 64, "served before the save");
    answer = vdm_control_answer(&t.bus, t.main, "dm quiesce");
    CHECK(strcmp(answer, "ok") == 0, "quiesce: %s", answer);
    drv_add_chain(&t, &b, 1);
    drv_kick(&t);
    CHECK(used_idx(&t) == 1, "quiesced: the kick waits (used %u)", used_idx(&t));
    path = g_build_filename(t.runtime_dir, "dm-state", NULL);
    request = g_strdup_printf("dm save-state %s", path);
    g_free(answer);
    answer = vdm_control_answer(&t.bus, t.main, request);
    CHECK(strcmp(answer, "ok") == 0, "save-state: %s", answer);

    dm_test_init(&u);
    memcpy(u.ram, t.ram, GUEST_RAM); /* the RAM the save image carried */
    u.avail_idx = t.avail_idx;
    u.used_seen = t.used_seen;
    u.next_desc = t.next_desc;
    dm_test_create(&u, RNG_GROUP, NULL);
    CHECK(vdm_state_load(&u.bus, path, &err), "load: %s", err ? err->message : "");
    CHECK(drv_status(&u) == drv_status(&t), "status carried: %x", drv_status(&u));
    CHECK(used_idx(&u) == 1, "nothing served before the loop runs");
    vdm_state_resume(&u.bus);
    CHECK(drv_wait_used(&u, 1, &len) && len == 64, "the waiting buffer served after restore");
    drv_add_chain(&u, &b, 1);
    drv_kick(&u);
    CHECK(drv_wait_used(&u, 1, &len) && used_idx(&u) == 3, "and the next one (used %u)",
          used_idx(&u));

    g_free(answer);
    answer = vdm_control_answer(&t.bus, t.main, "dm resume");
    CHECK(strcmp(answer, "ok") == 0 && used_idx(&t) == 2, "resume serves it: used %u",
          used_idx(&t));
    g_free(answer);
    answer = vdm_control_answer(&t.bus, t.main, "dm stop");
    CHECK(g_str_has_prefix(answer, "error: dm takes"), "unknown verb: %s", answer);

    /* The same state offered to a device of another kind. */
    g_autofree char *text = NULL;
    gsize size;
    CHECK(g_file_get_contents(path, &text, &size, NULL) && size > 32, "state file");
    text[24] ^= 0x7; /* the first device's id */
    CHECK(g_file_set_contents(path, text, (gssize)size, NULL), "rewrite");
    dm_test_fini(&u);
    dm_test_init(&u);
    dm_test_create(&u, RNG_GROUP, NULL);
    g_clear_error(&err);
    CHECK(!vdm_state_load(&u.bus, path, &err) && strstr(err->message, "another kind") != NULL,
          "refused: %s", err ? err->message : "loaded");
    dm_test_fini(&u);
    dm_test_fini(&t);
}

static const struct dm_named_test tests[] = {
    { "indirect_chains_are_served", indirect_chains_are_served },
    { "storage_daemon_command_follows_the_disk_keys",
      storage_daemon_command_follows_the_disk_keys },
    { "guest_memory_refuses_out_of_range_and_wrapping",
      guest_memory_refuses_out_of_range_and_wrapping },
    { "transport_identifies_as_virtio_mmio_version_2",
      transport_identifies_as_virtio_mmio_version_2 },
    { "transport_refuses_features_ok_without_version_1",
      transport_refuses_features_ok_without_version_1 },
    { "rng_fills_buffers_through_doorbell_and_plain_notify",
      rng_fills_buffers_through_doorbell_and_plain_notify },
    { "saved_state_moves_a_device_into_a_new_device_model",
      saved_state_moves_a_device_into_a_new_device_model },
    { "event_idx_suppresses_interrupts_the_driver_did_not_ask_for",
      event_idx_suppresses_interrupts_the_driver_did_not_ask_for },
    { "hostile_rings_set_needs_reset_and_the_device_survives",
      hostile_rings_set_needs_reset_and_the_device_survives },
    { "ring_outside_ram_sets_needs_reset", ring_outside_ram_sets_needs_reset },
    { "config_errors_name_the_key", config_errors_name_the_key },
    { "disk_keys_are_checked_before_anything_starts",
      disk_keys_are_checked_before_anything_starts },
};

int main(int argc, char **argv)
{
    return dm_run_tests(tests, G_N_ELEMENTS(tests), argc, argv);
}
