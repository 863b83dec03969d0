/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test driver of test_net_driver.h: what a guest's virtio-mmio and virtqueue code does,
 * reduced to what the net tests need. Register accesses go through vdm_bus as hv's would.
 */
#include "test_net_driver.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "vdm_virtio_mmio.h"
#include "vdm_virtqueue.h"

#define DRV_SLOT 2
#define RAM_GPA 0x100000ull
#define RING_BYTES 0x4000ull /* one queue's table and rings, rounded up */

static int fake_set_irq(void *ctx, unsigned gsi, bool level)
{
    struct drv *d = ctx;

    (void)gsi;
    d->irq_raised += level && !d->irq_level;
    d->irq_level = level;
    return 0;
}

static int fake_set_doorbell(void *ctx, unsigned index, uint64_t gpa, unsigned size, uint32_t value)
{
    struct drv *d = ctx;

    (void)gpa;
    (void)size;
    if (value < DRV_QUEUES)
        d->q[value].doorbell = (int)index;
    return 0;
}

static const struct vdm_bus_host fake_host = {
    .set_irq = fake_set_irq,
    .set_doorbell = fake_set_doorbell,
};

void drv_setup(struct drv *d, uint64_t ram_size)
{
    memset(d, 0, sizeof(*d));
    d->ram = aligned_alloc(4096, ram_size);
    memset(d->ram, 0, ram_size);
    d->ram_gpa = RAM_GPA;
    d->ram_size = ram_size;
    vdm_guest_mem_init(&d->mem);
    vdm_guest_mem_add(&d->mem, RAM_GPA, ram_size, d->ram);
    vdm_bus_init(&d->bus, &fake_host, d);
    d->env = (struct vdm_env){.domid = 5,
                              .name = "test-domu",
                              .runtime_dir = "/tmp",
                              .mem = &d->mem,
                              .bus = &d->bus,
                              .main = g_main_context_new()};
    for (unsigned q = 0; q < DRV_QUEUES; q++)
        d->q[q].doorbell = -1;
}

void drv_attach(struct drv *d, struct vdm_device *dev)
{
    d->dev = dev;
    vdm_bus_attach(&d->bus, dev, DRV_SLOT);
}

void drv_teardown(struct drv *d)
{
    vdm_bus_destroy_devices(&d->bus);
    g_main_context_unref(d->env.main);
    free(d->ram);
}

uint32_t drv_read(struct drv *d, uint64_t offset)
{
    return (uint32_t)vdm_bus_read(&d->bus, d->dev->base + offset, 4);
}

void drv_write(struct drv *d, uint64_t offset, uint32_t value)
{
    vdm_bus_write(&d->bus, d->dev->base + offset, 4, value);
}

uint64_t drv_device_features(struct drv *d)
{
    uint64_t features;

    drv_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    features = (uint64_t)drv_read(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    drv_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    return features | drv_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

uint64_t drv_alloc(struct drv *d, uint64_t size)
{
    uint64_t gpa = d->ram_gpa + d->bump;

    d->bump = (d->bump + size + 63) & ~63ull;
    if (d->bump > d->ram_size)
        abort(); /* the test asked for more RAM than it set up */
    return gpa;
}

void *drv_host(struct drv *d, uint64_t gpa)
{
    return d->ram + (gpa - d->ram_gpa);
}

static void drv_setup_queue(struct drv *d, unsigned q)
{
    struct drv_queue *dq = &d->q[q];
    uint64_t base = drv_alloc(d, RING_BYTES);

    memset(drv_host(d, base), 0, RING_BYTES);
    dq->desc_gpa = base;
    dq->avail_gpa = base + 16 * DRV_QUEUE_NUM;
    dq->used_gpa = base + 0x2000;
    dq->next_desc = dq->avail_idx = dq->used_seen = 0;
    drv_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
    drv_write(d, VIRTIO_MMIO_QUEUE_NUM, DRV_QUEUE_NUM);
    drv_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)dq->desc_gpa);
    drv_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(dq->desc_gpa >> 32));
    drv_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)dq->avail_gpa);
    drv_write(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(dq->avail_gpa >> 32));
    drv_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)dq->used_gpa);
    drv_write(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(dq->used_gpa >> 32));
    drv_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
}

bool drv_start(struct drv *d, uint64_t wanted)
{
    uint64_t features;

    drv_write(d, VIRTIO_MMIO_STATUS, 0);
    d->bump = 0;
    drv_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    drv_write(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    features = drv_device_features(d) & wanted;
    drv_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    drv_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    drv_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    drv_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    drv_write(d, VIRTIO_MMIO_STATUS,
              VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    if ((drv_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
        return false;
    for (unsigned q = 0; q < DRV_QUEUES; q++)
        drv_setup_queue(d, q);
    drv_write(d, VIRTIO_MMIO_STATUS,
              VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                  VIRTIO_STATUS_DRIVER_OK);
    return true;
}

/* Writes the chain of bufs into descriptor table `desc` from entry `first` on (entries
 * wrap at `size`). */
static void drv_write_chain(struct vdm_vring_desc *desc, uint16_t first, unsigned size,
                            const struct drv_buf *bufs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint16_t idx = (uint16_t)((first + i) % size);

        desc[idx] = (struct vdm_vring_desc){
            .addr = bufs[i].gpa,
            .len = bufs[i].len,
            .flags = (uint16_t)((bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0) |
                                (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
            .next = (uint16_t)((idx + 1) % size),
        };
    }
}

/* Makes the chain at head available. */
static uint16_t drv_make_available(struct drv *d, unsigned q, uint16_t head)
{
    struct drv_queue *dq = &d->q[q];
    struct vdm_vring_avail *avail = drv_host(d, dq->avail_gpa);

    atomic_store_explicit(&avail->ring[dq->avail_idx % DRV_QUEUE_NUM], head, memory_order_relaxed);
    dq->avail_idx++;
    atomic_store_explicit(&avail->idx, dq->avail_idx, memory_order_release);
    return head;
}

uint16_t drv_offer(struct drv *d, unsigned q, const struct drv_buf *bufs, unsigned n)
{
    struct drv_queue *dq = &d->q[q];
    uint16_t head = dq->next_desc;

    drv_write_chain(drv_host(d, dq->desc_gpa), head, DRV_QUEUE_NUM, bufs, n);
    dq->next_desc = (uint16_t)((head + n) % DRV_QUEUE_NUM);
    return drv_make_available(d, q, head);
}

uint16_t drv_offer_indirect(struct drv *d, unsigned q, const struct drv_buf *bufs, unsigned n)
{
    struct drv_queue *dq = &d->q[q];
    uint64_t table = drv_alloc(d, n * sizeof(struct vdm_vring_desc));
    struct vdm_vring_desc *desc = drv_host(d, dq->desc_gpa);
    uint16_t head = dq->next_desc;

    drv_write_chain(drv_host(d, table), 0, n, bufs, n);
    desc[head] = (struct vdm_vring_desc){
        .addr = table,
        .len = (uint32_t)(n * sizeof(struct vdm_vring_desc)),
        .flags = VIRTQ_DESC_F_INDIRECT,
    };
    dq->next_desc = (uint16_t)((head + 1) % DRV_QUEUE_NUM);
    return drv_make_available(d, q, head);
}

void drv_notify(struct drv *d, unsigned q)
{
    if (d->q[q].doorbell >= 0)
        vdm_bus_doorbell(&d->bus, (unsigned)d->q[q].doorbell);
    else
        drv_write(d, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

bool drv_used(struct drv *d, unsigned q, uint32_t *id, uint32_t *len)
{
    struct drv_queue *dq = &d->q[q];
    struct vdm_vring_used *used = drv_host(d, dq->used_gpa);
    struct vdm_vring_used_elem *e;

    if (atomic_load_explicit(&used->idx, memory_order_acquire) == dq->used_seen)
        return false;
    e = &used->ring[dq->used_seen % DRV_QUEUE_NUM];
    *id = e->id;
    *len = e->len;
    dq->used_seen++;
    return true;
}

void drv_suppress_interrupts(struct drv *d, unsigned q, bool on)
{
    struct vdm_vring_avail *avail = drv_host(d, d->q[q].avail_gpa);

    atomic_store(&avail->flags, on ? VIRTQ_AVAIL_F_NO_INTERRUPT : 0);
}

uint32_t drv_ack(struct drv *d)
{
    uint32_t isr = drv_read(d, VIRTIO_MMIO_INTERRUPT_STATUS);

    drv_write(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
    return isr;
}

static gboolean set_flag(gpointer data)
{
    *(bool *)data = true;
    return G_SOURCE_REMOVE;
}

void drv_run(struct drv *d, unsigned ms, bool (*done)(struct drv *d, void *arg), void *arg)
{
    GSource *timer = g_timeout_source_new(ms);
    bool expired = false;

    g_source_set_callback(timer, set_flag, &expired, NULL);
    g_source_attach(timer, d->env.main);
    while (!expired && (done == NULL || !done(d, arg)))
        g_main_context_iteration(d->env.main, TRUE);
    g_source_destroy(timer);
    g_source_unref(timer);
}
