/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test driver's side: guest RAM, a fake hv, register accesses and queue 0's rings.
 */
#include "dm_driver.h"
#include "fake_hv_proto.h"

#include <endian.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vdm_control.h"

int dm_failures;

static int fake_set_irq(void *ctx, unsigned gsi, bool level)
{
    struct fake_hv *hv = ctx;

    if (gsi > VIREO_PLAT_DM_GSI_LAST)
        return -1;
    hv->irq[gsi] = level;
    hv->irq_changes++;
    return 0;
}

static int fake_set_doorbell(void *ctx, unsigned index, uint64_t gpa, unsigned size,
                             uint32_t value)
{
    struct fake_hv *hv = ctx;

    (void)size;
    hv->doorbells++;
    hv->doorbell_gpa[index] = gpa;
    hv->doorbell_value[index] = value;
    return 0;
}

static const struct vdm_bus_host fake_host = {
    .set_irq = fake_set_irq,
    .set_doorbell = fake_set_doorbell,
};

void dm_test_init(struct dm_test *t)
{
    memset(t, 0, sizeof(*t));
    t->remote_fd = -1;
    t->ram = aligned_alloc(4096, GUEST_RAM);
    memset(t->ram, 0, GUEST_RAM);
    vdm_guest_mem_init(&t->mem);
    vdm_guest_mem_add(&t->mem, 0, GUEST_RAM, t->ram);
    vdm_bus_init(&t->bus, &fake_host, &t->hv);
    t->bus.mem = &t->mem;
    t->runtime_dir = g_dir_make_tmp("vdm-test-XXXXXX", NULL);
    t->main = g_main_context_new();
    t->env = (struct vdm_env){ .domid = 7, .name = "test-dom", .runtime_dir = t->runtime_dir,
                               .mem = &t->mem, .bus = &t->bus, .main = t->main,
                               .stats = &t->stats };
    if (!vdm_stats_open(&t->stats, t->runtime_dir, VIREO_PLAT_DM_SLOTS, NULL))
        CHECK(false, "blk-stats in %s", t->runtime_dir);
}

void dm_test_fini(struct dm_test *t)
{
    vdm_bus_destroy_devices(&t->bus);
    vdm_dirty_log_free(&t->mem.dirty);
    vdm_stats_close(&t->stats);
    g_main_context_unref(t->main);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", t->runtime_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", t->runtime_dir);
    g_free(t->runtime_dir);
    free(t->ram);
}

struct vdm_device *dm_test_create(struct dm_test *t, const char *device_group_text,
                                  GError **error)
{
    g_autofree char *text = g_strdup_printf("[vireo-dm]\ndomid=7\nname=test-dom\n"
                                            "memory_bytes=%u\nruntime_dir=%s\n%s",
                                            GUEST_RAM, t->runtime_dir, device_group_text);
    struct vdm_config cfg;
    struct vdm_device *dev;

    if (vdm_config_parse(&cfg, text, strlen(text), error) < 0)
        return NULL;
    dev = cfg.device[0].type->create(&t->env, cfg.kf, cfg.device[0].group, error);
    if (dev != NULL) {
        vdm_bus_attach(&t->bus, dev, cfg.device[0].slot);
        t->dev = dev;
        t->slot = cfg.device[0].slot;
    }
    vdm_config_clear(&cfg);
    return dev;
}

static uint64_t slot_base(const struct dm_test *t)
{
    return VIREO_PLAT_DM_BASE + (uint64_t)t->slot * VIREO_PLAT_DM_SLOT_SIZE;
}

int dm_remote_pump(struct dm_test *t, int timeout_ms, uint64_t *value)
{
    struct pollfd p = { .fd = t->remote_fd, .events = POLLIN };
    struct fake_msg m;

    if (poll(&p, 1, timeout_ms) <= 0)
        return 0;
    if (recv(t->remote_fd, &m, sizeof(m), 0) != sizeof(m))
        return -1;
    if (m.op == FAKE_IRQ && m.addr <= VIREO_PLAT_DM_GSI_LAST) {
        fake_set_irq(&t->hv, (unsigned)m.addr, m.value != 0);
    } else if (m.op == FAKE_DOORBELL_SET && m.size < VIREO_IOREQ_DOORBELLS) {
        fake_set_doorbell(&t->hv, m.size, m.addr, 4, (uint32_t)m.value);
    }
    if (value != NULL)
        *value = m.value;
    return (int)m.op;
}

/* One request to the remote vireo-dm, as hv makes it, and its answer. */
static uint64_t remote_access(struct dm_test *t, uint32_t op, uint64_t gpa, uint64_t value)
{
    struct fake_msg m = { .op = op, .size = 4, .addr = gpa, .value = value };
    uint32_t want = op == FAKE_READ ? FAKE_READ_REPLY : FAKE_WRITE_DONE;
    int got;

    if (send(t->remote_fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
        CHECK(false, "vireo-dm is gone");
        return 0;
    }
    while ((got = dm_remote_pump(t, 5000, &value)) > 0) {
        if ((uint32_t)got == want)
            return value;
    }
    CHECK(false, "no answer to request %u at 0x%llx", op, (unsigned long long)gpa);
    return 0;
}

uint32_t mmio_read(struct dm_test *t, uint32_t offset)
{
    if (t->remote_fd >= 0)
        return (uint32_t)remote_access(t, FAKE_READ, slot_base(t) + offset, 0);
    return (uint32_t)vdm_bus_read(&t->bus, slot_base(t) + offset, 4);
}

void mmio_write(struct dm_test *t, uint32_t offset, uint32_t value)
{
    if (t->remote_fd >= 0)
        remote_access(t, FAKE_WRITE, slot_base(t) + offset, value);
    else
        vdm_bus_write(&t->bus, slot_base(t) + offset, 4, value);
}

uint32_t drv_status(struct dm_test *t)
{
    return mmio_read(t, VIRTIO_MMIO_STATUS);
}

uint64_t dev_features(struct dm_test *t)
{
    uint64_t f;

    mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    f = mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES);
    mmio_write(t, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    return f | (uint64_t)mmio_read(t, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
}

bool drv_negotiate(struct dm_test *t, uint64_t features)
{
    uint32_t s = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;

    mmio_write(t, VIRTIO_MMIO_STATUS, 0);
    mmio_write(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    mmio_write(t, VIRTIO_MMIO_STATUS, s);
    mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    mmio_write(t, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    mmio_write(t, VIRTIO_MMIO_STATUS, s | VIRTIO_STATUS_FEATURES_OK);
    return (drv_status(t) & VIRTIO_STATUS_FEATURES_OK) != 0;
}

bool drv_start(struct dm_test *t, uint64_t features)
{
    if (!drv_negotiate(t, features))
        return false;
    memset(t->ram + RING_DESC, 0, 0x3000);
    t->avail_idx = t->used_seen = t->next_desc = 0;
    mmio_write(t, VIRTIO_MMIO_QUEUE_SEL, 0);
    if (mmio_read(t, VIRTIO_MMIO_QUEUE_NUM_MAX) < QUEUE_NUM)
        return false;
    mmio_write(t, VIRTIO_MMIO_QUEUE_NUM, QUEUE_NUM);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DESC_LOW, RING_DESC);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DRIVER_LOW, RING_AVAIL);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DEVICE_LOW, RING_USED);
    mmio_write(t, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
    mmio_write(t, VIRTIO_MMIO_QUEUE_READY, 1);
    mmio_write(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                          VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
    return mmio_read(t, VIRTIO_MMIO_QUEUE_READY) == 1 &&
           (drv_status(t) & VIRTIO_STATUS_DRIVER_OK) != 0;
}

void drv_add_chain(struct dm_test *t, const struct buf *bufs, unsigned nr)
{
    struct vdm_vring_desc *desc = (struct vdm_vring_desc *)(t->ram + RING_DESC);
    struct vdm_vring_avail *avail = (struct vdm_vring_avail *)(t->ram + RING_AVAIL);
    uint16_t head = t->next_desc;

    for (unsigned i = 0; i < nr; i++) {
        uint16_t d = (uint16_t)((head + i) % QUEUE_NUM);

        desc[d] = (struct vdm_vring_desc){
            .addr = bufs[i].gpa, .len = bufs[i].len,
            .flags = (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                                (i + 1 < nr ? VIRTQ_DESC_F_NEXT : 0)),
            .next = (uint16_t)((d + 1) % QUEUE_NUM) };
    }
    t->next_desc = (uint16_t)((head + nr) % QUEUE_NUM);
    atomic_store_explicit(&avail->ring[t->avail_idx % QUEUE_NUM], head, memory_order_relaxed);
    t->avail_idx++;
    atomic_store_explicit(&avail->idx, t->avail_idx, memory_order_release);
}

void drv_kick(struct dm_test *t)
{
    mmio_write(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
}

bool drv_wait_used(struct dm_test *t, unsigned count, uint32_t *last_len)
{
    struct vdm_vring_used *used = (struct vdm_vring_used *)(t->ram + RING_USED);
    const struct timespec step = { .tv_nsec = 1000 * 1000 };
    uint16_t want = (uint16_t)(t->used_seen + count);

    for (unsigned ms = 0; ms < 10000; ms++) {
        uint16_t idx = atomic_load_explicit(&used->idx, memory_order_acquire);

        if ((uint16_t)(idx - t->used_seen) >= (uint16_t)count) {
            if (last_len != NULL)
                *last_len = used->ring[(uint16_t)(want - 1) % QUEUE_NUM].len;
            t->used_seen = want;
            return true;
        }
        if (t->remote_fd >= 0) {
            dm_remote_pump(t, 1, NULL);
            continue;
        }
        while (g_main_context_iteration(t->main, FALSE))
            ;
        nanosleep(&step, NULL);
    }
    return false;
}

int64_t dm_dirty_fetch(struct dm_test *t, uint64_t **words, size_t *nr)
{
    g_autofree char *path = g_build_filename(t->runtime_dir, "dirty", NULL);
    g_autofree char *request = g_strdup_printf("dm dirty-log fetch %s", path);
    g_autofree char *answer = vdm_control_answer(&t->bus, t->main, request);
    gsize size = 0;

    *words = NULL;
    *nr = 0;
    if (!g_str_has_prefix(answer, "ok ")) {
        fprintf(stderr, "fetch: %s\n", answer);
        return -1;
    }
    if (!g_file_get_contents(path, (char **)words, &size, NULL) || size % 8 != 0) {
        CHECK(false, "the bitmap file %s (%zu bytes)", path, (size_t)size);
        return -1;
    }
    *nr = size / 8;
    for (size_t w = 0; w < *nr; w++)
        (*words)[w] = le64toh((*words)[w]);
    return g_ascii_strtoll(answer + 3, NULL, 10);
}

bool dm_frame_dirty(const uint64_t *words, size_t nr, uint64_t gfn)
{
    return gfn / 64 < nr && ((words[gfn / 64] >> (gfn % 64)) & 1) != 0;
}

int dm_run_tests(const struct dm_named_test *tests, unsigned nr, int argc, char **argv)
{
    for (unsigned i = 0; i < nr; i++) {
        if (argc < 2 || strcmp(argv[1], tests[i].name) == 0) {
            printf("# %s\n", tests[i].name);
            tests[i].fn();
        }
    }
    printf("%s (%d failures)\n", dm_failures == 0 ? "PASS" : "FAIL", dm_failures);
    return dm_failures == 0 ? 0 : 1;
}

bool dm_run_command(const char *cmd, char **out)
{
    int status = -1;
    GError *err = NULL;
    bool ok = g_spawn_command_line_sync(cmd, out, NULL, &status, &err) &&
              g_spawn_check_wait_status(status, NULL);

    if (err != NULL) {
        fprintf(stderr, "%s: %s\n", cmd, err->message);
        g_error_free(err);
    }
    return ok;
}
