/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-mmio device's transport state for save and restore: what the driver negotiated
 * and set up (status, features, selectors, InterruptStatus, config generation and bytes)
 * and each queue's rings and positions. Chains a device holds unused go back to the ring
 * (their avail entries are still the device's), so the restored device takes them again.
 * Loaded into a device made from the same configuration, checked before anything is set.
 * Little-endian, fixed layout (docs/device-model.md, "Save and restore").
 */
#include <string.h>

#include "vdm_virtio_mmio.h"

struct saved_transport {
    uint32_t device_id;
    uint32_t status;
    uint64_t driver_features;
    uint32_t device_features_sel, driver_features_sel, queue_sel;
    uint32_t isr;
    uint32_t config_generation;
    uint32_t config_size;
    uint32_t nr_queues;
    uint32_t pad;
};

struct saved_queue {
    uint16_t num, last_avail, used_idx, signalled;
    uint32_t ready;
    uint32_t pad;
    uint64_t desc_gpa, avail_gpa, used_gpa;
};

#define KNOWN_STATUS                                                                               \
    (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK |                  \
     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_NEEDS_RESET | VIRTIO_STATUS_FAILED)

static size_t padded(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

void vdm_virtio_state_save(struct vdm_virtio *v, GByteArray *out)
{
    static const uint8_t zero[8];
    struct saved_transport t = {
        .device_id = v->device_id,
        .status = v->status,
        .driver_features = v->driver_features,
        .device_features_sel = v->device_features_sel,
        .driver_features_sel = v->driver_features_sel,
        .queue_sel = v->queue_sel,
        .isr = v->isr,
        .config_generation = v->config_generation,
        .config_size = v->config_size,
        .nr_queues = v->nr_queues,
    };

    g_byte_array_append(out, (const guint8 *)&t, sizeof(t));
    g_byte_array_append(out, v->config, v->config_size);
    g_byte_array_append(out, zero, padded(v->config_size) - v->config_size);
    for (unsigned q = 0; q < v->nr_queues; q++) {
        const struct vdm_vq *vq = &v->queue[q].vq;
        unsigned held = v->ops->held != NULL && vq->ready ? v->ops->held(v, q) : 0;
        struct saved_queue s = {
            .num = vq->num,
            .last_avail = (uint16_t)(vq->last_avail - held),
            .used_idx = vq->used_idx,
            .signalled = vq->signalled,
            .ready = vq->ready,
            .desc_gpa = vq->desc_gpa,
            .avail_gpa = vq->avail_gpa,
            .used_gpa = vq->used_gpa,
        };

        g_byte_array_append(out, (const guint8 *)&s, sizeof(s));
    }
}

static bool refuse(GError **error, const struct vdm_virtio *v, const char *why)
{
    g_set_error(error, VDM_ERROR, 0, "saved state of %s: %s", v->dev.group, why);
    return false;
}

bool vdm_virtio_state_load(struct vdm_virtio *v, const uint8_t *in, size_t len, size_t *used,
                           GError **error)
{
    struct saved_transport t;
    size_t need;

    if (len < sizeof(t))
        return refuse(error, v, "truncated");
    memcpy(&t, in, sizeof(t));
    if (t.device_id != v->device_id || t.config_size != v->config_size ||
        t.nr_queues != v->nr_queues)
        return refuse(error, v, "another kind of device, config space or queue count");
    if ((t.status & ~KNOWN_STATUS) != 0 || (t.driver_features & ~v->device_features) != 0 ||
        t.pad != 0)
        return refuse(error, v, "status or features the device does not have");
    need = sizeof(t) + padded(t.config_size) + t.nr_queues * sizeof(struct saved_queue);
    if (len < need)
        return refuse(error, v, "truncated");
    const uint8_t *p = in + sizeof(t) + padded(t.config_size);
    struct saved_queue s[VDM_VIRTIO_QUEUES_MAX];

    for (unsigned q = 0; q < t.nr_queues; q++) {
        memcpy(&s[q], p + q * sizeof(s[q]), sizeof(s[q]));
        if (s[q].ready > 1 || s[q].pad != 0 || s[q].num > v->queue[q].num_max)
            return refuse(error, v, "a queue the device cannot have");
    }
    /* Checked: set it, then the rings, as the driver's own writes would have. */
    v->status = t.status;
    v->driver_features = t.driver_features;
    v->device_features_sel = t.device_features_sel;
    v->driver_features_sel = t.driver_features_sel;
    v->queue_sel = t.queue_sel;
    v->isr = t.isr;
    v->config_generation = t.config_generation;
    memcpy(v->config, in + sizeof(t), t.config_size);
    for (unsigned q = 0; q < t.nr_queues; q++) {
        struct vdm_vq *vq = &v->queue[q].vq;

        vq->num = s[q].num;
        vq->desc_gpa = s[q].desc_gpa;
        vq->avail_gpa = s[q].avail_gpa;
        vq->used_gpa = s[q].used_gpa;
        if (!s[q].ready)
            continue;
        if (!vdm_virtio_enable_queue(v, q))
            return refuse(error, v, "queue rings outside guest RAM");
        vq->last_avail = s[q].last_avail;
        vq->used_idx = s[q].used_idx;
        vq->signalled = s[q].signalled;
        /* Buffers made available before the save and not taken: take them now. */
        v->pending_notify |= 1u << q;
    }
    vdm_virtio_sync_irq(v);
    *used = need;
    return true;
}
