/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues (virtio 1.1 §2.6): taking available descriptor chains as host iovecs,
 * returning used elements, and the notification suppression of §2.6.7/§2.6.10. The guest
 * writes the rings from other CPUs while we read them: ring indexes are C11 atomics, and
 * every descriptor is copied once before it is checked (the guest may change it after).
 * Guest and host are both little-endian x86-64, so ring fields are used as they are.
 */
#ifndef VDM_VIRTQUEUE_H
#define VDM_VIRTQUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vdm_guest_mem.h"

#define VDM_VQ_NUM_MAX 1024u   /* largest queue size we accept (a power of 2) */
#define VDM_VQ_CHAIN_MAX 1024u /* descriptors in one chain, indirect ones included */

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_USED_F_NO_NOTIFY 1u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/* The guest-visible layout (§2.6.5, §2.6.6, §2.6.8). */
struct vdm_vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct vdm_vring_avail {
    _Atomic uint16_t flags;
    _Atomic uint16_t idx;
    _Atomic uint16_t ring[]; /* then used_event (EVENT_IDX) */
};
struct vdm_vring_used_elem {
    uint32_t id;
    uint32_t len;
};
struct vdm_vring_used {
    _Atomic uint16_t flags;
    _Atomic uint16_t idx;
    struct vdm_vring_used_elem ring[]; /* then avail_event (EVENT_IDX) */
};

/* One available chain: nr_out device-readable buffers, then nr_in device-writable ones. */
struct vdm_chain {
    const struct vdm_guest_mem *mem; /* where the buffers are: writes to them are logged */
    uint16_t head;   /* descriptor index that names the chain in the used ring */
    unsigned nr_out; /* iov[0 .. nr_out) */
    unsigned nr_in;  /* iov[nr_out .. nr_out + nr_in) */
    size_t out_len;  /* bytes readable */
    size_t in_len;   /* bytes writable */
    struct iovec iov[];
};

struct vdm_vq {
    /* Set by the transport while the queue is not ready. */
    uint16_t num;      /* queue size, power of 2, <= VDM_VQ_NUM_MAX */
    uint64_t desc_gpa; /* QueueDesc */
    uint64_t avail_gpa; /* QueueDriver */
    uint64_t used_gpa;  /* QueueDevice */
    /* Set by vdm_vq_enable. */
    bool ready;
    bool event_idx; /* VIRTIO_RING_F_EVENT_IDX negotiated */
    bool indirect;  /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
    const struct vdm_guest_mem *mem;
    struct vdm_vring_desc *desc;
    struct vdm_vring_avail *avail;
    struct vdm_vring_used *used;
    uint16_t last_avail;   /* next avail ring entry we take */
    uint16_t used_idx;     /* next used ring entry we fill (published with release) */
    uint16_t signalled;    /* used_idx at the last interrupt decision */
    const char *broken;    /* what the last -EIO of vdm_vq_pop found wrong, for the log */
    struct iovec scratch[VDM_VQ_CHAIN_MAX];
};

/* Forgets the rings (device reset). */
void vdm_vq_reset(struct vdm_vq *vq);
/* Checks the rings lie in guest RAM and starts using them. -EINVAL when they do not. */
int vdm_vq_enable(struct vdm_vq *vq, const struct vdm_guest_mem *mem, bool event_idx,
                  bool indirect);
/*
 * Takes the next available chain: 1 and *chain (malloc()ed; vdm_vq_push or free() it),
 * 0 when none is available, -EIO when the ring or chain is malformed (bad index or address,
 * a loop, too long, a readable buffer after a writable one, a nested indirect table):
 * the device must then be reset by the driver.
 */
int vdm_vq_pop(struct vdm_vq *vq, struct vdm_chain **chain);
/* Returns a chain as used with `written` bytes written to its writable part; frees it.
 * Those bytes and the used ring entries go into the dirty log (vdm_guest_mem.h): a device
 * that wrote beyond `written` says so with vdm_chain_wrote. */
void vdm_vq_push(struct vdm_vq *vq, struct vdm_chain *chain, uint32_t written);
/* Returns n chains as used under one used->idx update (the driver sees all or none: a
 * merged receive frame, virtio 1.1 §5.1.6.4); frees them. */
void vdm_vq_push_batch(struct vdm_vq *vq, struct vdm_chain *const *chains,
                       const uint32_t *written, unsigned n);
/* After pushes: true when the driver wants an interrupt for them (flags or used_event). */
bool vdm_vq_should_interrupt(struct vdm_vq *vq);

/* Copies between a chain's buffers and a flat buffer, from byte `skip` of the readable
 * (gather) or writable (scatter) part. Return the bytes copied. */
size_t vdm_chain_gather(const struct vdm_chain *c, size_t skip, void *buf, size_t len);
size_t vdm_chain_scatter(const struct vdm_chain *c, size_t skip, const void *buf, size_t len);
/* The device wrote bytes [skip, skip + len) of the chain's writable part itself (readv,
 * libnbd, a status byte past `written`): into the dirty log. vdm_chain_scatter and
 * vdm_vq_push log what they write without it. */
static inline void vdm_chain_wrote(const struct vdm_chain *c, size_t skip, size_t len)
{
    vdm_guest_mem_wrote_iov(c->mem, c->iov + c->nr_out, c->nr_in, skip, len);
}

#endif /* VDM_VIRTQUEUE_H */
