/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio transport, version 2 only (virtio 1.1 §4.2.2): the register block of a
 * slot, feature negotiation, queue setup, the level-triggered interrupt line and the
 * QueueNotify doorbells. A virtio device embeds struct vdm_virtio first and gives it its
 * features, config space, queues and vdm_virtio_ops.
 */
#ifndef VDM_VIRTIO_MMIO_H
#define VDM_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "vdm_device.h"
#include "vdm_virtqueue.h"

#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4
#define VIRTIO_ID_BALLOON 5

#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED 0x80u

#define VIRTIO_INT_USED 1u   /* InterruptStatus: a queue has used buffers */
#define VIRTIO_INT_CONFIG 2u /* InterruptStatus: configuration changed */

/* Register offsets (§4.2.2). */
#define VIRTIO_MMIO_MAGIC 0x000
#define VIRTIO_MMIO_VERSION 0x004
#define VIRTIO_MMIO_DEVICE_ID 0x008
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_READY 0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG 0x100

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define VDM_VIRTIO_VENDOR_ID 0x45524956u   /* "VIRE" */
#define VDM_VIRTIO_QUEUES_MAX 8

struct vdm_virtio;

/* What a virtio device does for its transport. */
struct vdm_virtio_ops {
    /* Queue q was notified (doorbell or QueueNotify write) while ready. */
    void (*queue_notify)(struct vdm_virtio *v, unsigned q);
    /* The driver reset the device: forget in-flight work (completions after this must not
     * touch the rings; vdm_virtio_generation tells them apart). Optional. */
    void (*reset)(struct vdm_virtio *v);
    /* The driver wrote config bytes [offset, offset + size) (already stored). Optional. */
    void (*config_write)(struct vdm_virtio *v, unsigned offset, unsigned size);
    /* Frees the device's own state (the transport frees nothing of it). */
    void (*destroy)(struct vdm_virtio *v);
    /* The device's control requests (vdm_device_ops.control). Optional. */
    bool (*control)(struct vdm_virtio *v, const char *verb, const char *arg, GString *reply,
                    GError **error);
    /* Quiesce (on) stops work that comes from the backend rather than the driver (a tap's
     * frames); off lets it go on. Returns true when nothing is in flight any more. A save
     * waits for true with the guest paused. Optional: without it the device is idle. */
    bool (*quiesce)(struct vdm_virtio *v, bool on);
    /* Chains taken from queue q and held without being used (receive buffers waiting
     * for frames): a saved state gives them back to the ring. Optional: none. */
    unsigned (*held)(struct vdm_virtio *v, unsigned q);
};

struct vdm_virtio_queue {
    struct vdm_vq vq;
    uint16_t num_max;
    int doorbell; /* bus doorbell index, -1 before the first ready */
};

struct vdm_virtio {
    struct vdm_device dev; /* first: a struct vdm_device * is a struct vdm_virtio * */
    const struct vdm_virtio_ops *ops;
    uint32_t device_id;
    uint64_t device_features; /* VIRTIO_F_VERSION_1 is always added */
    uint64_t driver_features;
    uint32_t device_features_sel;
    uint32_t driver_features_sel;
    uint32_t queue_sel;
    uint32_t status;
    uint32_t isr;              /* InterruptStatus */
    uint32_t config_generation;
    uint64_t reset_count;      /* bumped by every reset: stale completions compare it */
    bool irq_level;            /* what we last told the bus */
    uint8_t *config;           /* device config space, owned by the device */
    uint32_t config_size;
    unsigned nr_queues;
    struct vdm_virtio_queue queue[VDM_VIRTIO_QUEUES_MAX];
    uint32_t logged_offsets;   /* bad-access kinds already logged once */
    bool quiesced;             /* notifications wait in pending_notify (a save runs) */
    uint32_t pending_notify;   /* bit q: queue q was notified while quiesced */
};

/*
 * Sets up the transport part of a device (dev.ops, env, group included). Every queue
 * offers num_max descriptors. INDIRECT_DESC and EVENT_IDX are offered on top of
 * `features`.
 */
void vdm_virtio_init(struct vdm_virtio *v, const struct vdm_env *env, const char *group,
                     const struct vdm_virtio_ops *ops, uint32_t device_id, uint64_t features,
                     void *config, uint32_t config_size, unsigned nr_queues,
                     uint16_t num_max);
/* True when the driver accepted feature bit `bit`. */
bool vdm_virtio_has_feature(const struct vdm_virtio *v, unsigned bit);
/* After pushing used buffers on queue q: raises the interrupt if the driver wants it. */
void vdm_virtio_queue_interrupt(struct vdm_virtio *v, unsigned q);
/* The device's configuration changed: new generation, config interrupt. */
void vdm_virtio_config_changed(struct vdm_virtio *v);
/* The driver broke the rules (malformed ring...): DEVICE_NEEDS_RESET and a config
 * interrupt; the queues stop until the driver resets the device. */
void vdm_virtio_needs_reset(struct vdm_virtio *v, const char *why);
/* True while the driver runs the device (DRIVER_OK, no NEEDS_RESET). */
bool vdm_virtio_running(const struct vdm_virtio *v);
/* The device behind a bus slot, or NULL when it is not a virtio device. */
struct vdm_virtio *vdm_virtio_of(struct vdm_device *dev);
/* Quiesce or resume the device (vdm_virtio_ops.quiesce); resuming runs the notifications
 * that waited. Returns true when the device has nothing in flight. */
bool vdm_virtio_quiesce(struct vdm_virtio *v, bool on);
/* Starts using queue q's rings as a QueueReady write does; false (and NEEDS_RESET) when
 * they are not in guest RAM. For a state being loaded (vdm_virtio_state.c). */
bool vdm_virtio_enable_queue(struct vdm_virtio *v, unsigned q);
/* Drives the interrupt line from InterruptStatus (after a state load). */
void vdm_virtio_sync_irq(struct vdm_virtio *v);

/* The transport's state for a save (vdm_virtio_state.c): appended to out, and loaded
 * back into a device just created from the same configuration. */
void vdm_virtio_state_save(struct vdm_virtio *v, GByteArray *out);
bool vdm_virtio_state_load(struct vdm_virtio *v, const uint8_t *in, size_t len, size_t *used,
                           GError **error);

#endif /* VDM_VIRTIO_MMIO_H */
