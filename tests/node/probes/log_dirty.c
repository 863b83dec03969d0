/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-logdirty DOMAIN ROUNDS: a pre-copy migration of a running domU's RAM into this
 * process's memory, done as virtvireod will, to prove the dirty-page log loses nothing:
 * enable logging, copy all RAM, then ROUNDS times wait a second, fetch the log and copy
 * the dirty pages again; pause, fetch and copy the rest, and compare the copy with the
 * domain's memory page by page. Then the error cases. Prints one line of key=value:
 *   enable_us fetch_us (the last running round's fetch, all of its RAM) rounds=a,b,c
 *   last (dirty at the paused fetch) after (a fetch right after it) pages mismatch
 * Still paused, it sends 16 pages a second time with vctl_domain_write_frames, one of them
 * given back first, as a migration's target receives a page the guest dirtied again
 * ("resend ok"). Then "errors ok" or the first wrong answer. Leaves logging off and the
 * domain running.
 */
#define _GNU_SOURCE /* clock_gettime, CLOCK_MONOTONIC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vireoctl.h"

#define HIGH_GFN (1ull << 20)

struct copy {
    uint64_t frames; /* max_pages: the low span covered here (ELF-built domains) */
    uint8_t *data;   /* frames pages */
    uint8_t *backed; /* one byte per frame */
    uint64_t mismatched;
    int comparing;
};

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int take(void *ctx, uint64_t gfn, uint64_t nr, const void *data)
{
    struct copy *c = ctx;
    for (uint64_t i = 0; i < nr && gfn + i < c->frames; i++) {
        uint8_t *dst = c->data + (gfn + i) * VIREO_PAGE_SIZE;
        const uint8_t *src = (const uint8_t *)data + i * VIREO_PAGE_SIZE;
        if (c->comparing)
            c->mismatched += !c->backed[gfn + i] || memcmp(dst, src, VIREO_PAGE_SIZE) != 0;
        else
            memcpy(dst, src, VIREO_PAGE_SIZE);
        c->backed[gfn + i] = 1;
    }
    return 0;
}

/* Copies the runs of dirty frames the bitmap names. */
static int copy_dirty(vctl_t *h, uint32_t domid, struct copy *c, const uint64_t *bitmap)
{
    for (uint64_t g = 0; g < c->frames;) {
        if (!((bitmap[g / 64] >> (g % 64)) & 1)) {
            g++;
            continue;
        }
        uint64_t run = 1;
        while (g + run < c->frames && ((bitmap[(g + run) / 64] >> ((g + run) % 64)) & 1))
            run++;
        int ret = vctl_domain_read_frames(h, domid, g, run, take, c);
        if (ret < 0)
            return ret;
        g += run;
    }
    return 0;
}

static int64_t fetch(vctl_t *h, uint32_t domid, struct copy *c, uint64_t *bitmap, uint64_t *us)
{
    uint64_t t0 = now_us();
    int64_t dirty = vctl_domain_log_dirty_fetch(h, domid, 0, c->frames, bitmap);
    if (us)
        *us = now_us() - t0;
    return dirty;
}

static int fail(const char *what, long long got)
{
    printf("errors wrong: %s gave %lld\n", what, got);
    return 1;
}

/* Pages already backed take their contents again, a page given back is backed again: the
 * domain's memory must read as the copy afterwards. The domain is paused. */
static int check_resend(vctl_t *h, uint32_t domid, struct copy *c)
{
    uint64_t first = c->frames / 4, nr = 16;
    int64_t released = vctl_memory_release(h, domid, first + 5, 1);
    int ret = vctl_domain_write_frames(h, domid, first, nr, c->data + first * VIREO_PAGE_SIZE);
    c->mismatched = 0;
    if (!ret)
        ret = vctl_domain_read_frames(h, domid, first, nr, take, c);
    if (released != 1 || ret < 0 || c->mismatched) {
        printf("resend wrong: released %lld, write %d, %llu pages differ\n", (long long)released,
               ret, (unsigned long long)c->mismatched);
        return 1;
    }
    printf("resend ok\n");
    return 0;
}

/* Every wrong argument is an errno, and the log's state changes only when it should. */
static int check_errors(vctl_t *h, uint32_t domid, uint64_t *bitmap)
{
    int64_t r;
    if ((r = vctl_domain_log_dirty_fetch(h, domid, 0, 64, bitmap)) != -ENOENT)
        return fail("fetch while off", r);
    if ((r = vctl_domain_log_dirty_enable(h, 0)) != -EPERM)
        return fail("enable dom0", r);
    if ((r = vctl_domain_log_dirty_enable(h, 0x7ffe)) != -ESRCH)
        return fail("enable a missing domain", r);
    if ((r = vctl_domain_log_dirty_enable(h, domid)) != 0)
        return fail("enable", r);
    if ((r = vctl_domain_log_dirty_enable(h, domid)) != -EBUSY)
        return fail("enable twice", r);
    if ((r = vctl_domain_log_dirty_fetch(h, domid, 1ull << 27, 64, bitmap)) != -EINVAL)
        return fail("fetch beyond 512 GiB", r);
    if ((r = vctl_domain_log_dirty_fetch(h, domid, (1ull << 27) - 32, 64, bitmap)) != -EINVAL)
        return fail("fetch across 512 GiB", r);
    if ((r = vctl_domain_log_dirty_fetch(h, domid, ~0ull - 10, 64, bitmap)) != -EINVAL)
        return fail("fetch wrapping", r);
    if ((r = vctl_domain_log_dirty_fetch(h, domid, 0x80000, 64, bitmap)) != 0)
        return fail("fetch in the MMIO hole", r);
    if ((r = vctl_domain_log_dirty_disable(h, domid)) != 0)
        return fail("disable", r);
    if ((r = vctl_domain_log_dirty_disable(h, domid)) != 0)
        return fail("disable twice", r);
    printf("errors ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: vireo-logdirty DOMAIN ROUNDS\n");
        return 2;
    }
    vctl_t *h = vctl_open();
    struct vireo_domain_info info;
    if (!h || vctl_domain_lookup(h, argv[1], &info) < 0) {
        perror("vireo-logdirty: open or lookup");
        return 1;
    }
    uint32_t domid = info.domid;
    unsigned rounds = (unsigned)atoi(argv[2]);
    struct copy c = {.frames = info.max_pages < HIGH_GFN ? info.max_pages : HIGH_GFN};
    c.data = malloc(c.frames * VIREO_PAGE_SIZE);
    c.backed = calloc(c.frames, 1);
    uint64_t *bitmap = calloc((c.frames + 63) / 64, sizeof(uint64_t));
    if (!c.data || !c.backed || !bitmap)
        return 1;

    uint64_t t0 = now_us(), fetch_us = 0;
    int ret = vctl_domain_log_dirty_enable(h, domid);
    uint64_t enable_us = now_us() - t0;
    if (ret < 0) {
        printf("enable failed: %s\n", strerror(-ret));
        return 1;
    }
    /* The first pass: everything, while the guest runs on and dirties what it likes. */
    if ((ret = vctl_domain_read_frames(h, domid, 0, c.frames, take, &c)) < 0)
        return 1;
    printf("enable_us=%llu rounds=", (unsigned long long)enable_us);
    for (unsigned r = 0; r < rounds; r++) {
        sleep(1);
        int64_t dirty = fetch(h, domid, &c, bitmap, &fetch_us);
        if (dirty < 0 || copy_dirty(h, domid, &c, bitmap) < 0) {
            printf("\nround %u failed: %lld\n", r, (long long)dirty);
            return 1;
        }
        printf("%s%lld", r ? "," : "", (long long)dirty);
    }
    /* Stop and copy: what the last fetch misses, a migration would lose. */
    if (vctl_domain_pause(h, domid) < 0)
        return 1;
    int64_t last = fetch(h, domid, &c, bitmap, NULL);
    if (last < 0 || copy_dirty(h, domid, &c, bitmap) < 0)
        return 1;
    int64_t after = fetch(h, domid, &c, bitmap, NULL);
    c.comparing = 1;
    if (vctl_domain_read_frames(h, domid, 0, c.frames, take, &c) < 0)
        return 1;
    uint64_t pages = 0;
    for (uint64_t g = 0; g < c.frames; g++)
        pages += c.backed[g];
    printf(" fetch_us=%llu last=%lld after=%lld pages=%llu mismatch=%llu\n",
           (unsigned long long)fetch_us, (long long)last, (long long)after,
           (unsigned long long)pages, (unsigned long long)c.mismatched);
    int resend = check_resend(h, domid, &c);
    ret = vctl_domain_log_dirty_disable(h, domid);
    vctl_domain_unpause(h, domid);
    if (resend)
        return 1;
    if (ret < 0) {
        printf("disable failed: %s\n", strerror(-ret));
        return 1;
    }
    return check_errors(h, domid, bitmap);
}
