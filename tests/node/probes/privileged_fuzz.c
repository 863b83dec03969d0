/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs in dom0 as root: COUNT hypercalls through /dev/vireo with random numbers and
 * arguments, as a toolstack gone wrong would make them. hv must answer every one with a
 * value or a VIREO_E* code and keep running. Pointer arguments are real bounce buffers
 * (the module's contract: a caller lying about a buffer's size only hurts dom0) filled
 * with random bytes; scalars are drawn from the edges of what hv checks. Domain ids come
 * from the command line (victims the test created), from domains the fuzz itself created,
 * and from hostile values (dom0, free ids, out of range).
 *
 *   vireo-privfuzz SEED COUNT [DOMID...]
 *
 * Prints how often each call number answered what, and "fuzz done: N calls".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "public/vireo.h"
#include "test_rng.h"
#include "vireo-dev.h"

#define MAX_DOMIDS 64
#define NR_SLOTS (VIREO_HC_PRIVILEGED_LAST - VIREO_HC_PRIVILEGED_BASE + 2)
/* A random scalar where a call takes a pointer would make hv write over dom0's memory. */
/* (The VIREO_HC_IOREQ_* calls are the module's own: it refuses them here with EPERM.) */
_Static_assert(VIREO_HC_PRIVILEGED_LAST == VIREO_HC_DOMAIN_LOG_DIRTY,
               "a new privileged call: teach make_call() which arguments are buffers");

static uint64_t rng_state;

/* Reproducible from the seed the test passes. */
static uint64_t rnd(void)
{
    return test_rng_next(&rng_state);
}

static uint64_t pick(const uint64_t *v, size_t n)
{
    return v[rnd() % n];
}

#define PICK(...) pick((const uint64_t[]){__VA_ARGS__}, sizeof((uint64_t[]){__VA_ARGS__}) / 8)

static uint32_t domids[MAX_DOMIDS];
static unsigned nr_domids;

static uint64_t any_domid(void)
{
    if (nr_domids && rnd() % 4 != 0)
        return domids[rnd() % nr_domids];
    return PICK(0, 1, 2, 7, VIREO_DOMID_MAX, VIREO_DOMID_MAX + 1, 0xffff, 0xffffffffull,
                0x100000001ull, ~0ull, rnd());
}

static uint64_t any_count(void)
{
    return PICK(0, 1, 2, 511, 512, 513, 4096, 1u << 18, 1u << 20, (1u << 20) + 1,
                0x7fffffffffffffffull, ~0ull, rnd() % 1024);
}

static uint64_t any_gfn(void)
{
    return PICK(0, 1, 0x100, 0x1ff, 0x200, 0xfee00, 1ull << 40, 1ull << 52, ~0ull,
                rnd() % 8192, rnd());
}

static uint64_t any_u32(void)
{
    return PICK(0, 1, 100, 256, 65535, 65536, 0x7fffffff, 0xffffffffull, 1ull << 32,
                rnd() % 128, rnd());
}

static void fill_random(void *buf, size_t len)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)rnd();
}

struct call {
    struct vireo_dev_hypercall hc;
    uint8_t buf[2][sizeof(struct vireo_domain_info) * 256];
};

static void add_buffer(struct call *c, unsigned i, uint32_t size, uint32_t flags, unsigned arg)
{
    struct vireo_dev_buffer *b = &c->hc.buffers[i];
    b->uaddr = (uintptr_t)c->buf[i];
    b->size = size;
    b->flags = flags;
    b->target_buf = VIREO_DEV_TARGET_ARG;
    b->target_arg = (uint16_t)arg;
    c->hc.nr_buffers = i + 1;
}

/* A creation request that is usually almost right, so the calls after it have a target. */
static void domain_config(struct vireo_domain_config *cfg, unsigned serial)
{
    fill_random(cfg, sizeof(*cfg));
    if (rnd() % 4 == 0)
        return;
    snprintf(cfg->name, sizeof(cfg->name), "fz%u", serial);
    cfg->nr_vcpus = (uint32_t)PICK(0, 1, 2, 4, VIREO_MAX_VCPUS, VIREO_MAX_VCPUS + 1);
    cfg->weight = (uint32_t)any_u32();
    cfg->cap = (uint32_t)PICK(0, 1, 50, 100, 400, 401, 0xffffffffull);
    cfg->flags = rnd() % 8 ? 0 : (uint32_t)rnd();
    cfg->max_pages = PICK(0, 1, 512, 4096, 1u << 20, ~0ull);
}

/* Fills c with call number nr and arguments for it. */
static void make_call(struct call *c, uint64_t nr, unsigned serial)
{
    memset(&c->hc, 0, sizeof(c->hc));
    c->hc.nr = nr;
    __u64 *a = c->hc.args;
    for (unsigned i = 0; i < VIREO_DEV_MAX_ARGS; i++)
        a[i] = rnd() % 3 ? any_u32() : rnd();
    a[0] = any_domid();
    switch (nr) {
    case VIREO_HC_DOMAIN_CREATE:
        domain_config((struct vireo_domain_config *)c->buf[0], serial);
        add_buffer(c, 0, sizeof(struct vireo_domain_config), VIREO_DEV_BUF_IN, 0);
        break;
    case VIREO_HC_DOMAIN_GET_INFO:
        add_buffer(c, 0, sizeof(struct vireo_domain_info), VIREO_DEV_BUF_OUT, 1);
        break;
    case VIREO_HC_DOMAIN_GET_EXIT_STATS:
        add_buffer(c, 0, sizeof(struct vireo_exit_stats), VIREO_DEV_BUF_OUT, 1);
        break;
    case VIREO_HC_DOMAIN_LIST:
        a[2] = PICK(0, 1, 2, 255, 256, 257, 0xffffffffull, ~0ull);
        add_buffer(c, 0, sizeof(c->buf[0]), VIREO_DEV_BUF_OUT, 1);
        break;
    case VIREO_HC_DOMAIN_SET_MAX_PAGES:
    case VIREO_HC_DOMAIN_SET_TARGET:
        a[1] = any_count();
        break;
    case VIREO_HC_MEMORY_POPULATE:
    case VIREO_HC_MEMORY_RELEASE:
        a[1] = any_gfn();
        a[2] = any_count();
        break;
    case VIREO_HC_VCPU_SET_CONTEXT:
    case VIREO_HC_VCPU_GET_CONTEXT: {
        a[1] = PICK(0, 1, 3, VIREO_MAX_VCPUS - 1, VIREO_MAX_VCPUS, 0xffffffffull, ~0ull);
        bool set = nr == VIREO_HC_VCPU_SET_CONTEXT;
        struct vireo_vcpu_context *ctx = (void *)c->buf[0];
        fill_random(ctx, sizeof(*ctx));
        if (set && rnd() % 2) { /* a sane 64-bit state with one field gone wrong */
            memset(ctx, 0, sizeof(*ctx));
            ctx->cr0 = 0x80050033;
            ctx->cr4 = 0x20;
            ctx->efer = 0x500;
            ctx->rflags = 2;
            ctx->cs.attrib = 0x29b;
            ((uint64_t *)ctx)[rnd() % (sizeof(*ctx) / 8)] = rnd();
        }
        add_buffer(c, 0, sizeof(*ctx), set ? VIREO_DEV_BUF_IN : VIREO_DEV_BUF_OUT, 2);
        break;
    }
    case VIREO_HC_DOMAIN_SET_ONLINE_VCPUS:
        a[1] = PICK(0, 1, 2, 4, VIREO_MAX_VCPUS, VIREO_MAX_VCPUS + 1, ~0ull);
        break;
    case VIREO_HC_SCHED_SET_PARAMS:
        a[1] = any_u32();
        a[2] = PICK(0, 1, 100, 101, 400, 401, 0xffffffffull, ~0ull);
        break;
    case VIREO_HC_PHYSINFO:
        add_buffer(c, 0, sizeof(struct vireo_physinfo), VIREO_DEV_BUF_OUT, 0);
        break;
    case VIREO_HC_CONSOLE_RING_READ:
    case VIREO_HC_HV_LOG_READ: {
        struct vireo_console_chunk *chunk = (void *)c->buf[0];
        fill_random(chunk, sizeof(*chunk));
        chunk->pos = PICK(0, 1, 16384, 1ull << 40, ~0ull, rnd());
        chunk->len = (uint32_t)(rnd() % (sizeof(c->buf[1]) + 1));
        add_buffer(c, 0, sizeof(*chunk), VIREO_DEV_BUF_IN | VIREO_DEV_BUF_OUT,
                   nr == VIREO_HC_HV_LOG_READ ? 0 : 1);
        add_buffer(c, 1, sizeof(c->buf[1]), VIREO_DEV_BUF_OUT, 0);
        c->hc.buffers[1].target_buf = 0;
        c->hc.buffers[1].target_offset = offsetof(struct vireo_console_chunk, buf_gpa);
        break;
    }
    case VIREO_HC_CONSOLE_INPUT:
        fill_random(c->buf[0], 256);
        a[2] = PICK(0, 1, 255, 256);
        add_buffer(c, 0, 256, VIREO_DEV_BUF_IN, 1);
        break;
    case VIREO_HC_VCPU_LIST:
        a[2] = PICK(0, 1, 2, VIREO_MAX_VCPUS, VIREO_MAX_VCPUS + 1, 0xffffffffull, ~0ull);
        add_buffer(c, 0, VIREO_MAX_VCPUS * sizeof(struct vireo_vcpu_info), VIREO_DEV_BUF_OUT,
                   1);
        break;
    case VIREO_HC_PLATFORM_GET_CONTEXT:
    case VIREO_HC_PLATFORM_SET_CONTEXT: {
        bool set = nr == VIREO_HC_PLATFORM_SET_CONTEXT;
        struct vireo_plat_ctx *h = (void *)c->buf[0];
        fill_random(c->buf[0], sizeof(c->buf[0]));
        if (set && rnd() % 2) { /* a believable header over random sections */
            h->magic = VIREO_PLAT_CTX_MAGIC;
            h->version = VIREO_PLAT_CTX_VERSION;
            h->nr_sections = (uint32_t)PICK(0, 1, 2, 66, 0xffffffffull);
            h->size = (uint32_t)PICK(16, 24, 4096, sizeof(c->buf[0]), 0xffffffffull);
        }
        a[2] = PICK(0, 1, 16, 4096, sizeof(c->buf[0]), VIREO_PLAT_CTX_MAX + 1, ~0ull);
        add_buffer(c, 0, sizeof(c->buf[0]), set ? VIREO_DEV_BUF_IN : VIREO_DEV_BUF_OUT, 1);
        break;
    }
    case VIREO_HC_DOMAIN_CONTROL:
        a[1] = PICK(0, VIREO_CONTROL_POWEROFF, VIREO_CONTROL_REBOOT, 3, 0x80000000ull, ~0ull);
        break;
    case VIREO_HC_DOMAIN_LOG_DIRTY:
        /* Mostly well-formed, so logging really starts and fetches walk its bitmap. The
         * bitmap is a buffer big enough for a chunk or 0, never a random address. */
        a[1] = PICK(VIREO_LOG_DIRTY_START, VIREO_LOG_DIRTY_FETCH, VIREO_LOG_DIRTY_FETCH,
                    VIREO_LOG_DIRTY_STOP, VIREO_LOG_DIRTY_UNPROTECT, 4, 0x100000001ull, ~0ull);
        a[2] = rnd() % 2 ? rnd() % 4096 : any_gfn();
        a[3] = PICK(0, 1, 63, 64, 65, VIREO_LOG_DIRTY_CHUNK, VIREO_LOG_DIRTY_CHUNK + 1, ~0ull,
                    rnd() % (VIREO_LOG_DIRTY_CHUNK + 1));
        a[4] = 0;
        if (a[1] == VIREO_LOG_DIRTY_START || a[1] == VIREO_LOG_DIRTY_STOP) {
            if (rnd() % 4)
                a[2] = a[3] = 0;
        } else if (a[1] == VIREO_LOG_DIRTY_FETCH && rnd() % 4) {
            add_buffer(c, 0, VIREO_LOG_DIRTY_CHUNK / 8, VIREO_DEV_BUF_OUT, 4);
        }
        break;
    default:
        break;
    }
}

static uint64_t any_number(void)
{
    if (rnd() % 16 == 0) /* unknown numbers, and the guest calls the module lets through */
        return PICK(VIREO_HC_ABI_VERSION, VIREO_HC_VCPU_ID, VIREO_HC_TIME_NOW,
                    VIREO_HC_DOMAIN_ID, VIREO_HC_CONTROL_TAKE, VIREO_HC_MEMORY_TARGET,
                    VIREO_HC_PRIVILEGED_LAST + 1, 0x1ff, 0x200, 0xffffffffull, rnd());
    /* Destroy and pause less often, or the victims would not live long. */
    uint64_t nr = VIREO_HC_PRIVILEGED_BASE + rnd() % (NR_SLOTS - 1);
    if ((nr == VIREO_HC_DOMAIN_DESTROY || nr == VIREO_HC_DOMAIN_PAUSE) && rnd() % 4)
        nr = VIREO_HC_DOMAIN_UNPAUSE;
    return nr;
}

static unsigned slot(uint64_t nr)
{
    uint64_t i = nr - VIREO_HC_PRIVILEGED_BASE;
    return i < NR_SLOTS - 1 ? (unsigned)i : NR_SLOTS - 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: vireo-privfuzz SEED COUNT [DOMID...]\n");
        return 2;
    }
    rng_state = strtoull(argv[1], NULL, 0) | 1;
    unsigned long count = strtoul(argv[2], NULL, 0);
    for (int i = 3; i < argc && nr_domids < MAX_DOMIDS; i++)
        domids[nr_domids++] = (uint32_t)strtoul(argv[i], NULL, 0);

    int fd = open(VIREO_DEV_PATH, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        perror(VIREO_DEV_PATH);
        return 1;
    }
    static struct call c;
    unsigned long ok[NR_SLOTS] = {0}, refused[NR_SLOTS] = {0}, module_refused[NR_SLOTS] = {0};
    unsigned created = 0;
    for (unsigned long i = 0; i < count; i++) {
        uint64_t nr = any_number();
        make_call(&c, nr, (unsigned)i);
        if (ioctl(fd, VIREO_DEV_IOC_HYPERCALL, &c.hc) < 0) {
            if (errno != EPERM && errno != EINVAL && errno != E2BIG) {
                fprintf(stderr, "call %lu (nr 0x%llx): ioctl: %s\n", i,
                        (unsigned long long)nr, strerror(errno));
                return 1;
            }
            module_refused[slot(nr)]++;
            continue;
        }
        (c.hc.result < 0 ? refused : ok)[slot(nr)]++;
        if (nr == VIREO_HC_DOMAIN_CREATE && c.hc.result > 0) {
            created++;
            if (nr_domids < MAX_DOMIDS)
                domids[nr_domids++] = (uint32_t)c.hc.result;
        }
    }
    for (unsigned s = 0; s < NR_SLOTS; s++) {
        if (!ok[s] && !refused[s] && !module_refused[s])
            continue;
        if (s == NR_SLOTS - 1)
            printf("  other:");
        else
            printf("  0x%x:", VIREO_HC_PRIVILEGED_BASE + s);
        printf(" %lu answered, %lu refused by hv, %lu by the module\n", ok[s], refused[s],
               module_refused[s]);
    }
    printf("fuzz done: %lu calls, %u domains created\n", count, created);
    close(fd);
    return 0;
}
