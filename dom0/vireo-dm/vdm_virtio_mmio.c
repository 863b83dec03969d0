/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-mmio register block (virtio 1.1 §4.2.2, version 2): negotiation, queue setup,
 * status and reset, the interrupt line and doorbells. Guest accesses arrive one by one
 * from the bus; whatever the guest writes, the worst outcome is DEVICE_NEEDS_RESET.
 */
#include "vdm_virtio_mmio.h"

#include <string.h>

#include "vdm_bus.h"

/* Kinds of bad access, each logged once per device. */
enum {
    LOG_REG_SIZE = 1u << 0,
    LOG_REG_READ = 1u << 1,
    LOG_REG_WRITE = 1u << 2,
    LOG_CONFIG = 1u << 3,
    LOG_FEATURES = 1u << 4,
};

static const struct vdm_device_ops virtio_device_ops;

static void log_once(struct vdm_virtio *v, uint32_t kind, const char *what, uint64_t offset)
{
    if ((v->logged_offsets & kind) != 0)
        return;
    v->logged_offsets |= kind;
    if (kind == LOG_FEATURES) {
        g_message("%s: %s: %s (logged once)", v->dev.env->name, v->dev.group, what);
        return;
    }
    g_message("%s: %s: %s at offset 0x%" G_GINT64_MODIFIER "x (logged once)",
              v->dev.env->name, v->dev.group, what, offset);
}

void vdm_virtio_init(struct vdm_virtio *v, const struct vdm_env *env, const char *group,
                     const struct vdm_virtio_ops *ops, uint32_t device_id, uint64_t features,
                     void *config, uint32_t config_size, unsigned nr_queues,
                     uint16_t num_max)
{
    memset(v, 0, sizeof(*v));
    v->dev.ops = &virtio_device_ops;
    v->dev.env = env;
    v->dev.group = g_strdup(group);
    v->ops = ops;
    v->device_id = device_id;
    v->device_features = features | (1ull << VIRTIO_F_VERSION_1) |
                         (1ull << VIRTIO_F_RING_INDIRECT_DESC) |
                         (1ull << VIRTIO_F_RING_EVENT_IDX);
    v->config = config;
    v->config_size = config_size;
    v->nr_queues = nr_queues < VDM_VIRTIO_QUEUES_MAX ? nr_queues : VDM_VIRTIO_QUEUES_MAX;
    for (unsigned q = 0; q < v->nr_queues; q++) {
        vdm_vq_reset(&v->queue[q].vq);
        v->queue[q].num_max = num_max;
        v->queue[q].doorbell = -1;
    }
}

bool vdm_virtio_has_feature(const struct vdm_virtio *v, unsigned bit)
{
    return bit < 64 && (v->driver_features & (1ull << bit)) != 0;
}

bool vdm_virtio_running(const struct vdm_virtio *v)
{
    return (v->status & VIRTIO_STATUS_DRIVER_OK) != 0 &&
           (v->status & VIRTIO_STATUS_NEEDS_RESET) == 0;
}

/* The line is level-triggered: up exactly while InterruptStatus has a bit set. */
static void update_irq(struct vdm_virtio *v)
{
    bool level = v->isr != 0;

    if (level == v->irq_level)
        return;
    v->irq_level = level;
    vdm_bus_set_irq(v->dev.env->bus, v->dev.gsi, level);
}

void vdm_virtio_queue_interrupt(struct vdm_virtio *v, unsigned q)
{
    if (q >= v->nr_queues || !vdm_vq_should_interrupt(&v->queue[q].vq))
        return;
    v->isr |= VIRTIO_INT_USED;
    update_irq(v);
}

void vdm_virtio_config_changed(struct vdm_virtio *v)
{
    v->config_generation++;
    v->isr |= VIRTIO_INT_CONFIG;
    update_irq(v);
}

void vdm_virtio_needs_reset(struct vdm_virtio *v, const char *why)
{
    if ((v->status & VIRTIO_STATUS_NEEDS_RESET) != 0)
        return;
    g_message("%s: %s: device needs reset: %s", v->dev.env->name, v->dev.group, why);
    v->status |= VIRTIO_STATUS_NEEDS_RESET;
    vdm_virtio_config_changed(v);
}

static void device_reset(struct vdm_virtio *v)
{
    if (v->ops->reset != NULL)
        v->ops->reset(v);
    v->reset_count++;
    for (unsigned q = 0; q < v->nr_queues; q++)
        vdm_vq_reset(&v->queue[q].vq);
    v->status = 0;
    v->driver_features = 0;
    v->device_features_sel = v->driver_features_sel = v->queue_sel = 0;
    v->isr = 0;
    update_irq(v);
}

static void queue_notify(struct vdm_virtio *v, uint64_t q)
{
    if (q >= v->nr_queues || !v->queue[q].vq.ready || !vdm_virtio_running(v))
        return;
    if (v->quiesced) {
        v->pending_notify |= 1u << q;
        return;
    }
    v->ops->queue_notify(v, (unsigned)q);
}

bool vdm_virtio_quiesce(struct vdm_virtio *v, bool on)
{
    v->quiesced = on; /* first: what the device's quiesce op starts is not deferred */
    bool idle = v->ops->quiesce == NULL || v->ops->quiesce(v, on);

    if (!on) {
        uint32_t pending = v->pending_notify;

        v->pending_notify = 0;
        for (unsigned q = 0; q < v->nr_queues; q++)
            if ((pending & (1u << q)) != 0)
                queue_notify(v, q);
    }
    return idle;
}

void vdm_virtio_sync_irq(struct vdm_virtio *v)
{
    v->irq_level = !v->isr; /* force the line to what InterruptStatus says */
    update_irq(v);
}

static struct vdm_virtio_queue *selected_queue(struct vdm_virtio *v)
{
    return v->queue_sel < v->nr_queues ? &v->queue[v->queue_sel] : NULL;
}

static uint32_t read_features(const struct vdm_virtio *v)
{
    if (v->device_features_sel > 1)
        return 0;
    return (uint32_t)(v->device_features >> (32 * v->device_features_sel));
}

static uint32_t read_register(struct vdm_virtio *v, uint64_t offset)
{
    struct vdm_virtio_queue *q = selected_queue(v);

    switch (offset) {
    case VIRTIO_MMIO_MAGIC: return VIRTIO_MMIO_MAGIC_VALUE;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return v->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return VDM_VIRTIO_VENDOR_ID;
    case VIRTIO_MMIO_DEVICE_FEATURES: return read_features(v);
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return q != NULL ? q->num_max : 0;
    case VIRTIO_MMIO_QUEUE_READY: return q != NULL && q->vq.ready;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return v->isr;
    case VIRTIO_MMIO_STATUS: return v->status;
    case VIRTIO_MMIO_CONFIG_GENERATION: return v->config_generation;
    default:
        log_once(v, LOG_REG_READ, "read of a write-only or undefined register", offset);
        return 0;
    }
}

static uint64_t config_read(struct vdm_virtio *v, uint64_t offset, unsigned size)
{
    uint64_t value = 0;

    offset -= VIRTIO_MMIO_CONFIG;
    if (offset > v->config_size || size > v->config_size - offset) {
        log_once(v, LOG_CONFIG, "config access out of the device's config space", offset);
        return 0;
    }
    memcpy(&value, v->config + offset, size); /* little-endian guest, little-endian host */
    return value;
}

static void config_write(struct vdm_virtio *v, uint64_t offset, unsigned size, uint64_t value)
{
    offset -= VIRTIO_MMIO_CONFIG;
    if (offset > v->config_size || size > v->config_size - offset || v->ops->config_write == NULL) {
        log_once(v, LOG_CONFIG, "config write the device does not take", offset);
        return;
    }
    memcpy(v->config + offset, &value, size);
    v->ops->config_write(v, (unsigned)offset, size);
}

static bool valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint64_t virtio_read(struct vdm_device *dev, uint64_t offset, unsigned size)
{
    struct vdm_virtio *v = (struct vdm_virtio *)dev;

    if (offset >= VIRTIO_MMIO_CONFIG)
        return valid_size(size) ? config_read(v, offset, size) : 0;
    /* §4.2.2.2: registers are read and written 32 bits at a time, aligned. */
    if (size != 4 || (offset & 3) != 0) {
        log_once(v, LOG_REG_SIZE, "register access not 32-bit aligned", offset);
        return 0;
    }
    return read_register(v, offset);
}

/* FEATURES_OK only for what we offered, VIRTIO_F_VERSION_1 included (§4.2.2: version 2
 * has no legacy mode); the driver reads Status back and gives up without it. */
static bool features_acceptable(struct vdm_virtio *v)
{
    if (!vdm_virtio_has_feature(v, VIRTIO_F_VERSION_1)) {
        log_once(v, LOG_FEATURES, "driver without VIRTIO_F_VERSION_1 refused", 0);
        return false;
    }
    if ((v->driver_features & ~v->device_features) != 0) {
        log_once(v, LOG_FEATURES, "driver accepted features not offered, refused", 0);
        return false;
    }
    return true;
}

static void kick_ready_queues(struct vdm_virtio *v)
{
    for (unsigned q = 0; q < v->nr_queues; q++)
        queue_notify(v, q);
}

static void write_status(struct vdm_virtio *v, uint32_t value)
{
    uint32_t was = v->status;

    if (value == 0) {
        device_reset(v);
        return;
    }
    if ((value & VIRTIO_STATUS_FEATURES_OK) != 0 && (was & VIRTIO_STATUS_FEATURES_OK) == 0 &&
        !features_acceptable(v))
        value &= ~VIRTIO_STATUS_FEATURES_OK;
    /* NEEDS_RESET is the device's bit: the driver can neither set nor clear it. */
    v->status = (value & ~VIRTIO_STATUS_NEEDS_RESET) | (was & VIRTIO_STATUS_NEEDS_RESET);
    /* Buffers the driver made available before DRIVER_OK wait for it. */
    if ((was & VIRTIO_STATUS_DRIVER_OK) == 0 && (v->status & VIRTIO_STATUS_DRIVER_OK) != 0)
        kick_ready_queues(v);
}

static void write_driver_features(struct vdm_virtio *v, uint32_t value)
{
    unsigned shift;

    if (v->driver_features_sel > 1 || (v->status & VIRTIO_STATUS_FEATURES_OK) != 0)
        return;
    shift = 32 * v->driver_features_sel;
    v->driver_features &= ~(0xffffffffull << shift);
    v->driver_features |= (uint64_t)value << shift;
}

static void set_half(uint64_t *field, bool high, uint32_t value)
{
    if (high)
        *field = (*field & 0xffffffffull) | ((uint64_t)value << 32);
    else
        *field = (*field & ~0xffffffffull) | value;
}

static void register_doorbell(struct vdm_virtio *v, unsigned q)
{
    int index;

    if (v->queue[q].doorbell != -1)
        return;
    /* Once per queue for the device's life: a doorbell rung for a queue that is not ready
     * is ignored like the same plain write would be. */
    index = vdm_bus_doorbell_add(v->dev.env->bus, &v->dev, q,
                                 v->dev.base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q);
    v->queue[q].doorbell = index >= 0 ? index : -2;
}

bool vdm_virtio_enable_queue(struct vdm_virtio *v, unsigned index)
{
    struct vdm_virtio_queue *q = &v->queue[index];

    if (q->vq.num > q->num_max ||
        vdm_vq_enable(&q->vq, v->dev.env->mem,
                      vdm_virtio_has_feature(v, VIRTIO_F_RING_EVENT_IDX),
                      vdm_virtio_has_feature(v, VIRTIO_F_RING_INDIRECT_DESC)) < 0) {
        vdm_virtio_needs_reset(v, "queue rings outside guest RAM or bad queue size");
        return false;
    }
    register_doorbell(v, index);
    return true;
}

static void write_queue_ready(struct vdm_virtio *v, struct vdm_virtio_queue *q, uint32_t value)
{
    if (value == 0) {
        q->vq.ready = false;
        return;
    }
    if (q->vq.ready)
        return;
    vdm_virtio_enable_queue(v, (unsigned)(q - v->queue));
}

static bool is_queue_setup(uint64_t offset)
{
    return offset == VIRTIO_MMIO_QUEUE_NUM ||
           (offset >= VIRTIO_MMIO_QUEUE_DESC_LOW && offset <= VIRTIO_MMIO_QUEUE_DEVICE_HIGH &&
            (offset & 0xf) <= 4);
}

/* The queue registers that only change while the queue is not ready (§4.2.2.3). */
static bool write_queue_setup(struct vdm_virtio *v, uint64_t offset, uint32_t value)
{
    struct vdm_virtio_queue *q = selected_queue(v);
    struct vdm_vq *vq;

    if (q == NULL || q->vq.ready)
        return is_queue_setup(offset); /* ignored, but a register all the same */
    vq = &q->vq;
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_NUM: vq->num = (uint16_t)(value > 0xffff ? 0 : value); return true;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: set_half(&vq->desc_gpa, false, value); return true;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: set_half(&vq->desc_gpa, true, value); return true;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW: set_half(&vq->avail_gpa, false, value); return true;
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: set_half(&vq->avail_gpa, true, value); return true;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW: set_half(&vq->used_gpa, false, value); return true;
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: set_half(&vq->used_gpa, true, value); return true;
    default: return false;
    }
}

static void write_register(struct vdm_virtio *v, uint64_t offset, uint32_t value)
{
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: v->device_features_sel = value; return;
    case VIRTIO_MMIO_DRIVER_FEATURES: write_driver_features(v, value); return;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: v->driver_features_sel = value; return;
    case VIRTIO_MMIO_QUEUE_SEL: v->queue_sel = value; return;
    case VIRTIO_MMIO_QUEUE_NOTIFY: queue_notify(v, value); return;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        v->isr &= ~value;
        update_irq(v);
        return;
    case VIRTIO_MMIO_STATUS: write_status(v, value); return;
    case VIRTIO_MMIO_QUEUE_READY:
        if (selected_queue(v) != NULL)
            write_queue_ready(v, selected_queue(v), value);
        return;
    default:
        if (!write_queue_setup(v, offset, value))
            log_once(v, LOG_REG_WRITE, "write to a read-only or undefined register", offset);
        return;
    }
}

static void virtio_write(struct vdm_device *dev, uint64_t offset, unsigned size, uint64_t value)
{
    struct vdm_virtio *v = (struct vdm_virtio *)dev;

    if (offset >= VIRTIO_MMIO_CONFIG) {
        if (valid_size(size))
            config_write(v, offset, size, value);
        return;
    }
    if (size != 4 || (offset & 3) != 0) {
        log_once(v, LOG_REG_SIZE, "register access not 32-bit aligned", offset);
        return;
    }
    write_register(v, offset, (uint32_t)value);
}

static void virtio_doorbell(struct vdm_device *dev, unsigned cookie)
{
    queue_notify((struct vdm_virtio *)dev, cookie);
}

static void virtio_destroy(struct vdm_device *dev)
{
    struct vdm_virtio *v = (struct vdm_virtio *)dev;
    char *group = v->dev.group;

    v->ops->destroy(v);
    g_free(group);
}

static bool virtio_control(struct vdm_device *dev, const char *verb, const char *arg,
                           GString *reply, GError **error)
{
    struct vdm_virtio *v = (struct vdm_virtio *)dev;

    if (v->ops->control == NULL) {
        g_set_error(error, VDM_ERROR, 0, "%s takes no requests", dev->group);
        return false;
    }
    return v->ops->control(v, verb, arg, reply, error);
}

struct vdm_virtio *vdm_virtio_of(struct vdm_device *dev)
{
    return dev != NULL && dev->ops == &virtio_device_ops ? (struct vdm_virtio *)dev : NULL;
}

static const struct vdm_device_ops virtio_device_ops = {
    .read = virtio_read,
    .write = virtio_write,
    .doorbell = virtio_doorbell,
    .destroy = virtio_destroy,
    .control = virtio_control,
};
