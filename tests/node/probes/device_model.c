/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dmprobe DOMAIN MODE: a small device model through libvireoctl, for the node
 * suite's device-model tests. It attaches to a paused platform domain, prints
 * "dmprobe: attached" and serves the domain's device window until the domain ends:
 *   serve   registers for tests/guests/device_model.c:
 *             0x00 magic "VDM!" (read-only)
 *             0x08..0x3f scratch, any width
 *             0x50 doorbell 0 (writes of 7); other writes counted at 0x70
 *             0x60 doorbell rings seen, 0x68 hv's doorbell_writes, 0x70 plain writes
 *   ones    reads all ones, writes dropped (the empty bus; platform_mmio dm=1)
 *   hostile answers, then misbehaves: completes slots that are not DONE, scribbles over
 *           the page (slot states, doorbells), and exits without a word after a few
 *           requests — hv must crash the domain alone.
 * It also checks the ownership rules: a second attach fails with EBUSY, and another
 * handle may not map the domain's memory (EPERM).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vireoctl.h"

#define MAGIC 0x214d4456u
#define DM_BASE VIREO_PLAT_DM_BASE

struct probe {
    vctl_t *h;
    struct vireo_ioreq_page *page;
    const char *mode;
    uint8_t regs[0x40];
    uint64_t rings, plain, requests;
};

static void ring(void *ctx, unsigned index)
{
    struct probe *p = ctx;
    if (index == 0)
        p->rings++;
}

static uint64_t serve_read(struct probe *p, uint64_t off, unsigned size)
{
    uint64_t v = 0;
    if (off == 0)
        return MAGIC;
    if (off >= 0x08 && off + size <= 0x40) {
        memcpy(&v, p->regs + off, size);
        return v;
    }
    if (off == 0x60)
        return p->rings;
    if (off == 0x68)
        return __atomic_load_n(&p->page->doorbell_writes, __ATOMIC_ACQUIRE);
    if (off == 0x70)
        return p->plain;
    return 0;
}

static uint64_t dm_read(void *ctx, uint64_t gpa, unsigned size)
{
    struct probe *p = ctx;
    p->requests++;
    if (!strcmp(p->mode, "ones"))
        return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
    return serve_read(p, gpa - DM_BASE, size);
}

static void dm_write(void *ctx, uint64_t gpa, unsigned size, uint64_t value)
{
    struct probe *p = ctx;
    uint64_t off = gpa - DM_BASE;
    p->requests++;
    if (strcmp(p->mode, "serve"))
        return;
    if (off >= 0x08 && off + size <= 0x40)
        memcpy(p->regs + off, &value, size);
    else if (off == 0x50)
        p->plain++;
}

/* The rules only the owner of a domain's device model may break. */
static int check_ownership(uint32_t domid)
{
    vctl_t *other = vctl_open();
    struct vireo_ioreq_page *pg;
    int rc = 0;

    if (!other)
        return -1;
    int err = vctl_ioreq_attach(other, domid, &pg);
    if (err != -EBUSY) {
        fprintf(stderr, "dmprobe: a second attach gave %d, want -EBUSY\n", err);
        rc = -1;
    }
    void *m = vctl_map_foreign(other, domid, 0, 1);
    if (m || errno != EPERM) {
        fprintf(stderr, "dmprobe: another handle mapped the domain's memory (errno %d)\n", errno);
        rc = -1;
    }
    vctl_close(other);
    return rc;
}

/* Garbage where hv looks: it may crash the domain, never hv. */
static void scribble(struct probe *p, unsigned round)
{
    for (uint32_t v = 0; v < VIREO_MAX_VCPUS + 2; v++) {
        p->page->slot[v % VIREO_MAX_VCPUS].state = (uint8_t)(round + v);
        p->page->slot[v % VIREO_MAX_VCPUS].data = ~0ull / (round + 1);
        /* Completes slots in any state, and vCPUs the domain does not have. */
        if (ioctl(vctl_fd(p->h), VIREO_DEV_IOC_IOREQ_COMPLETE, &v) < 0 && errno != EINVAL)
            fprintf(stderr, "dmprobe: a hostile completion gave errno %d\n", errno);
    }
    memset(p->page->doorbell, (int)(round * 37), sizeof(p->page->doorbell));
}

/* Takes the handle's events and serves the window; -1 on failure. */
static int serve_events(struct probe *p, const struct vctl_ioreq_ops *ops)
{
    int64_t bits = vctl_events_read(vctl_fd(p->h));
    if (bits < 0)
        return -1;
    if (bits & VIREO_EVENT_IOREQ) {
        int rc = vctl_ioreq_dispatch(p->h, ops, p);
        if (rc < 0) {
            fprintf(stderr, "dmprobe: dispatch failed: %s\n", strerror(-rc));
            return -1;
        }
    }
    return 0;
}

static int serve(struct probe *p, uint32_t domid)
{
    struct vctl_ioreq_ops ops = {.doorbell = ring, .read = dm_read, .write = dm_write};
    bool hostile = !strcmp(p->mode, "hostile");
    unsigned scribbled = 0;

    for (unsigned round = 0;; round++) {
        struct pollfd pfd = {.fd = vctl_fd(p->h), .events = POLLIN};
        /* A hostile probe may have left its vCPU waiting for ever: it goes on by time. */
        int n = poll(&pfd, 1, hostile ? 100 : -1);
        if ((n < 0 && errno != EINTR) || (n > 0 && serve_events(p, &ops) < 0))
            return -1;
        if (hostile && p->requests >= 3) {
            scribble(p, round);
            if (++scribbled == 20) {
                printf("dmprobe: hostile exit after %llu requests\n",
                       (unsigned long long)p->requests);
                return 0;
            }
        }
        struct vireo_domain_info info;
        if (vctl_domain_info(p->h, domid, &info) < 0 || info.state >= VIREO_DOMSTATE_SHUTDOWN)
            return 0;
    }
}

int main(int argc, char **argv)
{
    struct vireo_domain_info info;
    struct probe p = {0};

    if (argc != 3) {
        fprintf(stderr, "usage: vireo-dmprobe DOMAIN serve|ones|hostile\n");
        return 2;
    }
    p.mode = argv[2];
    p.h = vctl_open();
    if (!p.h || vctl_domain_lookup(p.h, argv[1], &info) < 0) {
        fprintf(stderr, "dmprobe: no domain %s\n", argv[1]);
        return 1;
    }
    int rc = vctl_ioreq_attach(p.h, info.domid, &p.page);
    if (rc < 0) {
        fprintf(stderr, "dmprobe: attach: %s\n", strerror(-rc));
        return 1;
    }
    if (vctl_ioreq_set_doorbell(p.h, 0, DM_BASE + 0x50, 4, true, 7) < 0 ||
        check_ownership(info.domid) < 0)
        return 1;
    printf("dmprobe: attached to d%u\n", info.domid);
    fflush(stdout);
    if (serve(&p, info.domid) < 0)
        return 1;
    printf("dmprobe: served %llu requests, %llu doorbell rings; hv took %llu requests, "
           "%llu doorbell writes\n",
           (unsigned long long)p.requests, (unsigned long long)p.rings,
           (unsigned long long)p.page->requests, (unsigned long long)p.page->doorbell_writes);
    return 0;
}
