/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Split virtqueues: chains out of the available ring, elements into the used ring, and
 * whether the driver wants to hear about them. Nothing read from the rings is trusted.
 */
#include "vdm_virtqueue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(_Atomic uint16_t) == 2, "ring indexes are plain 16-bit fields");
_Static_assert(sizeof(struct vdm_vring_desc) == 16, "virtq_desc layout");
_Static_assert(sizeof(struct vdm_vring_used_elem) == 8, "virtq_used_elem layout");

void vdm_vq_reset(struct vdm_vq *vq)
{
    vq->num = 0;
    vq->desc_gpa = vq->avail_gpa = vq->used_gpa = 0;
    vq->ready = vq->event_idx = vq->indirect = false;
    vq->mem = NULL;
    vq->desc = NULL;
    vq->avail = NULL;
    vq->used = NULL;
    vq->last_avail = vq->used_idx = vq->signalled = 0;
}

int vdm_vq_enable(struct vdm_vq *vq, const struct vdm_guest_mem *mem, bool event_idx,
                  bool indirect)
{
    uint64_t num = vq->num;

    if (num == 0 || num > VDM_VQ_NUM_MAX || (num & (num - 1)) != 0)
        return -EINVAL;
    /* §2.6: alignment 16 for the table, 2 for the available ring, 4 for the used ring. */
    if ((vq->desc_gpa & 15) != 0 || (vq->avail_gpa & 1) != 0 || (vq->used_gpa & 3) != 0)
        return -EINVAL;
    /* Sizes include used_event / avail_event, which the driver places there anyway. */
    vq->desc = vdm_guest_mem_ptr(mem, vq->desc_gpa, 16 * num);
    vq->avail = vdm_guest_mem_ptr(mem, vq->avail_gpa, 6 + 2 * num);
    vq->used = vdm_guest_mem_ptr(mem, vq->used_gpa, 6 + 8 * num);
    if (vq->desc == NULL || vq->avail == NULL || vq->used == NULL)
        return -EINVAL;
    vq->mem = mem;
    vq->event_idx = event_idx;
    vq->indirect = indirect;
    /* Both ends start at 0: "signalled at 0" is exact, not a guess. */
    vq->last_avail = vq->used_idx = vq->signalled = 0;
    vq->ready = true;
    return 0;
}

static _Atomic uint16_t *used_event(struct vdm_vq *vq)
{
    return &vq->avail->ring[vq->num];
}

static _Atomic uint16_t *avail_event(struct vdm_vq *vq)
{
    return (_Atomic uint16_t *)(void *)&vq->used->ring[vq->num];
}

/* -EIO, saying why (vdm_vq.broken). */
static int broken(struct vdm_vq *vq, const char *why)
{
    vq->broken = why;
    return -EIO;
}

/* Where one walk through a descriptor table stands. */
struct chain_walk {
    const uint8_t *table; /* the queue's table or an indirect one */
    uint32_t table_len;   /* its entries */
    uint32_t steps;       /* descriptors taken from this table: more than its size is a loop */
    bool indirect;        /* already inside an indirect table */
    bool seen_write;
    unsigned nr_out, nr_in, nr;
    size_t out_len, in_len;
};

/* One copy of the guest's descriptor: the guest may rewrite it while we look at it. */
static void read_desc(const uint8_t *table, uint32_t idx, struct vdm_vring_desc *d)
{
    memcpy(d, table + (size_t)idx * sizeof(*d), sizeof(*d));
    atomic_signal_fence(memory_order_seq_cst); /* use the copy, never re-read the source */
}

static int enter_indirect(struct vdm_vq *vq, struct chain_walk *w,
                          const struct vdm_vring_desc *d)
{
    /* §2.6.5.3.1: no nesting, no NEXT beside INDIRECT, a whole number of entries. */
    if (!vq->indirect || w->indirect || (d->flags & VIRTQ_DESC_F_NEXT) != 0)
        return broken(vq, "indirect table not negotiated, nested or with NEXT");
    if (d->len == 0 || d->len % sizeof(struct vdm_vring_desc) != 0 ||
        d->len / sizeof(struct vdm_vring_desc) > VDM_VQ_CHAIN_MAX)
        return broken(vq, "indirect table of a bad size");
    w->table = vdm_guest_mem_ptr(vq->mem, d->addr, d->len);
    if (w->table == NULL)
        return broken(vq, "indirect table outside guest RAM");
    w->table_len = d->len / sizeof(struct vdm_vring_desc);
    w->steps = 0;
    w->indirect = true;
    return 0;
}

static int add_buffer(struct vdm_vq *vq, struct chain_walk *w, const struct vdm_vring_desc *d)
{
    bool writable = (d->flags & VIRTQ_DESC_F_WRITE) != 0;
    void *host;

    if (!writable && w->seen_write)
        return broken(vq, "readable buffer after a writable one"); /* §2.6.4.2 */
    w->seen_write |= writable;
    if (d->len == 0)
        return 0;
    host = vdm_guest_mem_ptr(vq->mem, d->addr, d->len);
    if (host == NULL)
        return broken(vq, "buffer outside guest RAM");
    if (w->nr == VDM_VQ_CHAIN_MAX)
        return broken(vq, "chain of too many buffers");
    vq->scratch[w->nr++] = (struct iovec){ .iov_base = host, .iov_len = d->len };
    if (writable) {
        w->nr_in++;
        w->in_len += d->len;
    } else {
        w->nr_out++;
        w->out_len += d->len;
    }
    return 0;
}

static int walk_chain(struct vdm_vq *vq, uint16_t head, struct chain_walk *w)
{
    uint32_t idx = head;
    uint32_t total = 0;

    *w = (struct chain_walk){ .table = (const uint8_t *)vq->desc, .table_len = vq->num };
    for (;;) {
        struct vdm_vring_desc d;
        int ret;

        if (idx >= w->table_len)
            return broken(vq, "descriptor index out of the table");
        if (++w->steps > w->table_len || ++total > VDM_VQ_CHAIN_MAX)
            return broken(vq, "descriptor loop or chain too long");
        read_desc(w->table, idx, &d);
        if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
            ret = enter_indirect(vq, w, &d);
            if (ret < 0)
                return ret;
            idx = 0;
            continue;
        }
        ret = add_buffer(vq, w, &d);
        if (ret < 0)
            return ret;
        if ((d.flags & VIRTQ_DESC_F_NEXT) == 0)
            return 0;
        idx = d.next;
    }
}

static struct vdm_chain *chain_from_walk(struct vdm_vq *vq, uint16_t head,
                                         const struct chain_walk *w)
{
    struct vdm_chain *c = malloc(sizeof(*c) + w->nr * sizeof(struct iovec));

    if (c == NULL)
        return NULL;
    c->mem = vq->mem;
    c->head = head;
    c->nr_out = w->nr_out;
    c->nr_in = w->nr_in;
    c->out_len = w->out_len;
    c->in_len = w->in_len;
    memcpy(c->iov, vq->scratch, w->nr * sizeof(struct iovec));
    return c;
}

/* Nothing available: with EVENT_IDX ask for a notification at the next entry, then look
 * again, since the driver may have added one before it could see our request. */
static bool still_empty(struct vdm_vq *vq)
{
    if (!vq->event_idx)
        return true;
    atomic_store_explicit(avail_event(vq), vq->last_avail, memory_order_relaxed);
    vdm_guest_mem_wrote(vq->mem, avail_event(vq), sizeof(uint16_t));
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(&vq->avail->idx, memory_order_acquire) == vq->last_avail;
}

int vdm_vq_pop(struct vdm_vq *vq, struct vdm_chain **chain)
{
    struct chain_walk w;
    uint16_t avail_idx, head;
    int ret;

    *chain = NULL;
    if (!vq->ready)
        return 0;
    /* Acquire: the ring entry and descriptors the driver wrote before idx are visible. */
    avail_idx = atomic_load_explicit(&vq->avail->idx, memory_order_acquire);
    if (avail_idx == vq->last_avail) {
        if (still_empty(vq))
            return 0;
        avail_idx = atomic_load_explicit(&vq->avail->idx, memory_order_acquire);
    }
    if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
        return broken(vq, "more available entries than the ring holds");
    head = atomic_load_explicit(&vq->avail->ring[vq->last_avail % vq->num],
                                memory_order_relaxed);
    ret = walk_chain(vq, head, &w);
    if (ret < 0)
        return ret;
    *chain = chain_from_walk(vq, head, &w);
    if (*chain == NULL)
        return -ENOMEM;
    vq->last_avail++;
    return 1;
}

/* The dirty log's view of a push of n chains from used entry `first`: what the device
 * wrote in the buffers (even if a reset took the ring meanwhile), the entries and index. */
static void log_push(const struct vdm_vq *vq, struct vdm_chain *const *chains,
                     const uint32_t *written, unsigned n, uint16_t first)
{
    for (unsigned i = 0; i < n; i++) {
        const struct vdm_chain *c = chains[i];

        vdm_guest_mem_log_iov(c->mem, c->iov + c->nr_out, c->nr_in, 0, written[i]);
    }
    if (!vq->ready)
        return;
    for (unsigned i = 0; i < n; i++)
        vdm_guest_mem_log_host(vq->mem, &vq->used->ring[(uint16_t)(first + i) % vq->num],
                               sizeof(struct vdm_vring_used_elem));
    vdm_guest_mem_log_host(vq->mem, &vq->used->idx, sizeof(vq->used->idx));
}

void vdm_vq_push_batch(struct vdm_vq *vq, struct vdm_chain *const *chains,
                       const uint32_t *written, unsigned n)
{
    uint16_t first = vq->used_idx;

    for (unsigned i = 0; i < n && vq->ready; i++) {
        struct vdm_vring_used_elem *e = &vq->used->ring[(uint16_t)(first + i) % vq->num];
        e->id = chains[i]->head;
        e->len = written[i];
    }
    if (vq->ready) {
        vq->used_idx = (uint16_t)(vq->used_idx + n);
        /* Release: the elements are visible before the index that hands them over. */
        atomic_store_explicit(&vq->used->idx, vq->used_idx, memory_order_release);
    }
    /* One branch while the log is off; every chain shares the queue's memory. */
    if (n > 0 && vdm_dirty_log_on(&chains[0]->mem->dirty))
        log_push(vq, chains, written, n, first);
    for (unsigned i = 0; i < n; i++)
        free(chains[i]);
}

void vdm_vq_push(struct vdm_vq *vq, struct vdm_chain *chain, uint32_t written)
{
    vdm_vq_push_batch(vq, &chain, &written, 1);
}

bool vdm_vq_should_interrupt(struct vdm_vq *vq)
{
    uint16_t old, event;

    if (!vq->ready)
        return false;
    old = vq->signalled;
    /* Nothing used since the last look: an interrupt would find no work, and a line
     * that keeps firing for nothing gets disabled by the guest's kernel. */
    if (vq->used_idx == old)
        return false;
    vq->signalled = vq->used_idx;
    /* Our used->idx store must be visible before we read what the driver asked for, or
     * both sides may decide the other will act (§2.6.7.1 / §2.6.10). */
    atomic_thread_fence(memory_order_seq_cst);
    if (!vq->event_idx) {
        return (atomic_load_explicit(&vq->avail->flags, memory_order_relaxed) &
                VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
    }
    event = atomic_load_explicit(used_event(vq), memory_order_relaxed);
    /* vring_need_event: used_event lies in [old, new). */
    return (uint16_t)(vq->used_idx - event - 1) < (uint16_t)(vq->used_idx - old);
}

static size_t copy_iov(const struct iovec *iov, unsigned nr, size_t skip, uint8_t *buf,
                       size_t len, bool to_iov)
{
    size_t done = 0;

    for (unsigned i = 0; i < nr && done < len; i++) {
        size_t n;

        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        n = iov[i].iov_len - skip;
        if (n > len - done)
            n = len - done;
        if (to_iov)
            memcpy((uint8_t *)iov[i].iov_base + skip, buf + done, n);
        else
            memcpy(buf + done, (uint8_t *)iov[i].iov_base + skip, n);
        done += n;
        skip = 0;
    }
    return done;
}

size_t vdm_chain_gather(const struct vdm_chain *c, size_t skip, void *buf, size_t len)
{
    return copy_iov(c->iov, c->nr_out, skip, buf, len, false);
}

size_t vdm_chain_scatter(const struct vdm_chain *c, size_t skip, const void *buf, size_t len)
{
    size_t done = copy_iov(c->iov + c->nr_out, c->nr_in, skip, (uint8_t *)buf, len, true);

    vdm_chain_wrote(c, skip, done);
    return done;
}
