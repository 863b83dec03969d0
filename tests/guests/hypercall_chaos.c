/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: every vCPU at once makes every guest hypercall with random, mostly plausible
 * arguments: 64 KiB console writes of newlines, reads, short blocks, time registration,
 * balloon releases and populates of a shared scratch area (sometimes more frames than
 * one call may name), garbage in unused registers. Each answer must be one the ABI
 * allows for that call. write_max=<bytes> caps the console writes (64 KiB by default). count=<n> calls per vCPU, 0 for ever (a toolstack then pauses,
 * unpauses and destroys the domain while it runs). Run with memory=32M.
 */
#include "guest.h"
#include "test_rng.h"

#define E(x) (-(int64_t)VIREO_##x)
#define SCRATCH_GFN (16ull << 20 >> 12) /* [16 MiB, 24 MiB): frames nothing else uses */
#define SCRATCH_FRAMES 2048u

static char newlines[65536];
static unsigned finished;

struct chaos {
    uint64_t rng;
    uint64_t calls;
    uint64_t write_max; /* longest console write asked for */
    struct vireo_time_info slot __attribute__((aligned(32)));
    char input[4096];
};

static struct chaos per_vcpu[VIREO_MAX_VCPUS];

static int64_t call(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t junk)
{
    /* Unused argument registers carry junk: hv must not read them. */
    return hypercall5(nr, a0, a1, junk, ~junk, junk ^ 0x5a5a);
}

static int one_of(int64_t rc, const int64_t *ok, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (rc == ok[i])
            return 1;
    return 0;
}
#define ALLOWED(rc, ...)                                                                    \
    one_of(rc, (const int64_t[]){ __VA_ARGS__ }, sizeof((int64_t[]){ __VA_ARGS__ }) / 8)

static void chaos_call(struct guest_vcpu *v, struct chaos *c)
{
    uint64_t r = test_rng_next(&c->rng), junk = test_rng_next(&c->rng);
    uint64_t nr = r % (VIREO_HC_GUEST_LAST + 1), a0 = 0, a1 = 0;
    int ok = 0;
    int64_t rc;

    r >>= 8;
    switch (nr) {
    case VIREO_HC_CONSOLE_WRITE:
        a0 = (uintptr_t)newlines + r % sizeof(newlines);
        a1 = (r >> 16) % (c->write_max + 1);
        if (a0 + a1 > (uintptr_t)newlines + sizeof(newlines))
            a1 = (uintptr_t)newlines + sizeof(newlines) - a0;
        rc = call(nr, a0, a1, junk);
        ok = rc >= 0 && rc <= (int64_t)a1 && rc <= VIREO_CONSOLE_WRITE_MAX;
        break;
    case VIREO_HC_CONSOLE_READ:
        a1 = r % (sizeof(c->input) + 1);
        rc = call(nr, (uintptr_t)c->input, a1, junk);
        ok = rc >= 0 && rc <= (int64_t)a1;
        break;
    case VIREO_HC_SCHED_BLOCK:
        rc = call(nr, time_now_ns(v) + r % 2000000 + 1, 0, junk);
        ok = rc == 0;
        break;
    case VIREO_HC_SCHED_SHUTDOWN:
        return; /* the one call that would end the test */
    case VIREO_HC_TIME_REGISTER:
        /* Its own slot, or one misaligned by a byte. Registering moves time_now_ns's slot
         * too, which reads whichever is current. */
        a0 = (uintptr_t)&c->slot + ((r & 1) ? 1 : 0);
        rc = call(nr, a0, 0, junk);
        ok = (r & 1) ? rc == E(EINVAL) : rc == 0;
        if (r & 1)
            break;
        v->time = &c->slot;
        break;
    case VIREO_HC_MEMORY_RELEASE_SELF:
    case VIREO_HC_MEMORY_POPULATE_SELF:
        a0 = SCRATCH_GFN + r % SCRATCH_FRAMES;
        a1 = 1 + (r >> 12) % (VIREO_MEMORY_SELF_MAX + 64);
        if (a0 + a1 > SCRATCH_GFN + SCRATCH_FRAMES)
            a1 = SCRATCH_GFN + SCRATCH_FRAMES - a0;
        rc = call(nr, a0, a1, junk);
        if (a1 > VIREO_MEMORY_SELF_MAX)
            ok = rc == E(E2BIG);
        else if (nr == VIREO_HC_MEMORY_RELEASE_SELF)
            ok = rc >= 0 && rc <= (int64_t)a1;
        else
            ok = ALLOWED(rc, 0, E(EEXIST), E(ENOMEM));
        break;
    case VIREO_HC_VCPU_ID:
        rc = call(nr, r, r, junk);
        ok = rc == v->index;
        break;
    default: /* ABI_VERSION, YIELD, TIME_NOW, DOMAIN_ID, CONTROL_TAKE, MEMORY_TARGET */
        rc = call(nr, r, ~r, junk);
        ok = rc >= 0;
        break;
    }
    if (!ok)
        guest_fail("vCPU %u: hypercall 0x%llx (0x%llx, 0x%llx) returned %lld", v->index,
                   (unsigned long long)nr, (unsigned long long)a0, (unsigned long long)a1,
                   (long long)rc);
    c->calls++;
}

static void chaos(struct guest_vcpu *v)
{
    struct chaos *c = &per_vcpu[v->index];
    uint64_t count = cmdline_u64(v->start, "count", 3000);

    c->write_max = cmdline_u64(v->start, "write_max", sizeof(newlines));
    if (c->write_max > sizeof(newlines))
        c->write_max = sizeof(newlines);
    c->rng = (cmdline_u64(v->start, "seed", 0xc4a05) ^ ((uint64_t)v->index << 32)) | 1;
    for (uint64_t i = 0; count == 0 || i < count; i++)
        chaos_call(v, c);
    __atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
}

void guest_secondary(struct guest_vcpu *v)
{
    chaos(v);
    guest_park();
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t total = 0;

    if (v->start->mem_bytes < ((SCRATCH_GFN + SCRATCH_FRAMES) << 12) + (4ull << 20))
        guest_fail("needs memory=32M");
    for (size_t i = 0; i < sizeof(newlines); i++)
        newlines[i] = '\n';
    guest_printf("hypercall chaos: %u vCPUs, seed=0x%llx\n", v->start->nr_vcpus,
                 (unsigned long long)cmdline_u64(v->start, "seed", 0xc4a05));
    chaos(v);
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < v->start->nr_vcpus)
        hc_yield();
    for (unsigned i = 0; i < v->start->nr_vcpus; i++)
        total += per_vcpu[i].calls;
    time_sleep_ms(v, 300); /* hv's log takes our lines at 20/s: let a few tokens refill */
    guest_printf("hypercall chaos: %llu calls, every answer as documented\n",
                 (unsigned long long)total);
}
