/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-mmio driver for the net device's tests: guest RAM in a malloc'd block, feature
 * negotiation and split rings written the way a guest writes them, through the real bus.
 */
#ifndef TEST_NET_DRIVER_H
#define TEST_NET_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "vdm_bus.h"
#include "vdm_device.h"

#define DRV_QUEUES 2
#define DRV_QUEUE_NUM 256

struct drv_queue {
    uint64_t desc_gpa, avail_gpa, used_gpa;
    uint16_t next_desc; /* descriptors are handed out round the table */
    uint16_t avail_idx;
    uint16_t used_seen;
    int doorbell; /* the bus doorbell hv would ring, -1 for a plain write */
};

/* One buffer of a chain the driver offers. */
struct drv_buf {
    uint64_t gpa;
    uint32_t len;
    bool writable;
};

struct drv {
    struct vdm_guest_mem mem;
    struct vdm_bus bus;
    struct vdm_env env;
    struct vdm_device *dev;
    uint8_t *ram;
    uint64_t ram_gpa, ram_size, bump;
    struct drv_queue q[DRV_QUEUES];
    bool irq_level;
    unsigned irq_raised; /* rising edges of the device's line */
};

/* Guest RAM, a bus with a fake host and a main context; no device yet. */
void drv_setup(struct drv *d, uint64_t ram_size);
/* Attaches dev in slot 2 (the bus now owns it). */
void drv_attach(struct drv *d, struct vdm_device *dev);
void drv_teardown(struct drv *d);

uint32_t drv_read(struct drv *d, uint64_t offset);
void drv_write(struct drv *d, uint64_t offset, uint32_t value);
uint64_t drv_device_features(struct drv *d);
/* Reset, negotiation of (offered & wanted), both queues, DRIVER_OK. False if the device
 * refused FEATURES_OK. Guest RAM for buffers starts over. */
bool drv_start(struct drv *d, uint64_t wanted);

/* Guest RAM for buffers: its gpa, and the host pointer to it. */
uint64_t drv_alloc(struct drv *d, uint64_t size);
void *drv_host(struct drv *d, uint64_t gpa);

/* Offers a chain on queue q (does not notify); returns its head. */
uint16_t drv_offer(struct drv *d, unsigned q, const struct drv_buf *bufs, unsigned n);
/* The same chain as one VIRTQ_DESC_F_INDIRECT descriptor whose table is in guest RAM. */
uint16_t drv_offer_indirect(struct drv *d, unsigned q, const struct drv_buf *bufs, unsigned n);
void drv_notify(struct drv *d, unsigned q);
/* The next used element of queue q: true with *id and *len, false when there is none. */
bool drv_used(struct drv *d, unsigned q, uint32_t *id, uint32_t *len);
/* Sets or clears VIRTQ_AVAIL_F_NO_INTERRUPT on queue q. */
void drv_suppress_interrupts(struct drv *d, unsigned q, bool on);
/* Reads and acknowledges InterruptStatus. */
uint32_t drv_ack(struct drv *d);

/* Runs the main context for ms milliseconds, or until *done turns true (done may be NULL). */
void drv_run(struct drv *d, unsigned ms, bool (*done)(struct drv *d, void *arg), void *arg);

#endif /* TEST_NET_DRIVER_H */
