/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile: hypercalls hv must refuse. First a fixed list of cases with the one answer
 * the ABI allows (privileged calls -EPERM, pointers outside our RAM -EFAULT, ...), then
 * count=<n> random numbers and arguments (seed=<n>) whose answers must come from the
 * documented set. Every call also checks that hv changed no register but RAX. The guest
 * powers off normally; any wrong answer prints FAIL and crashes it.
 */
#include "guest.h"
#include "test_rng.h"

#define E(x) (-(int64_t)VIREO_##x)
#define OK_ANY INT64_MIN     /* in an answer list: any value >= 0 */
#define ANSWERS_END INT64_MAX /* ends an answer list */
#define ANSWERS(...) ((const int64_t[]){ __VA_ARGS__, ANSWERS_END })

struct call {
    uint64_t nr, arg[5];
};

/* VMMCALL with every register but RAX loaded with a known value and compared after. */
static int64_t checked_hypercall(const struct call *c)
{
    const uint64_t seed = 0x5a5a000000000000;
    register uint64_t rdi __asm__("rdi") = c->arg[0];
    register uint64_t rsi __asm__("rsi") = c->arg[1];
    register uint64_t rdx __asm__("rdx") = c->arg[2];
    register uint64_t r10 __asm__("r10") = c->arg[3];
    register uint64_t r8 __asm__("r8") = c->arg[4];
    register uint64_t rbx __asm__("rbx") = seed | 1;
    register uint64_t rcx __asm__("rcx") = seed | 2;
    register uint64_t r9 __asm__("r9") = seed | 3;
    register uint64_t r11 __asm__("r11") = seed | 4;
    register uint64_t r12 __asm__("r12") = seed | 5;
    register uint64_t r13 __asm__("r13") = seed | 6;
    register uint64_t r14 __asm__("r14") = seed | 7;
    register uint64_t r15 __asm__("r15") = seed | 8;
    int64_t ret;

    __asm__ volatile("vmmcall"
                     : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8),
                       "+r"(rbx), "+r"(rcx), "+r"(r9), "+r"(r11), "+r"(r12), "+r"(r13),
                       "+r"(r14), "+r"(r15)
                     : "a"(c->nr)
                     : "memory");

    const uint64_t after[] = { rdi, rsi, rdx, r10, r8, rbx, rcx, r9, r11, r12, r13, r14, r15 };
    const uint64_t before[] = { c->arg[0], c->arg[1], c->arg[2], c->arg[3], c->arg[4],
                                seed | 1, seed | 2, seed | 3, seed | 4, seed | 5,
                                seed | 6, seed | 7, seed | 8 };
    static const char *const names[] = { "rdi", "rsi", "rdx", "r10", "r8", "rbx", "rcx",
                                         "r9", "r11", "r12", "r13", "r14", "r15" };
    for (unsigned i = 0; i < sizeof(after) / sizeof(after[0]); i++)
        if (after[i] != before[i])
            guest_fail("hypercall 0x%llx changed %s: 0x%llx -> 0x%llx",
                       (unsigned long long)c->nr, names[i], (unsigned long long)before[i],
                       (unsigned long long)after[i]);
    return ret;
}

static void expect(const char *what, const struct call *c, const int64_t *answers)
{
    int64_t rc = checked_hypercall(c);

    for (unsigned i = 0; answers[i] != ANSWERS_END; i++)
        if (rc == answers[i] || (answers[i] == OK_ANY && rc >= 0))
            return;
    guest_fail("%s: hypercall 0x%llx (0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx) returned %lld",
               what, (unsigned long long)c->nr, (unsigned long long)c->arg[0],
               (unsigned long long)c->arg[1], (unsigned long long)c->arg[2],
               (unsigned long long)c->arg[3], (unsigned long long)c->arg[4], (long long)rc);
}

static uint64_t rng_state;

/* Reproducible from the seed printed at the start. */
static uint64_t rng_next(void)
{
    return test_rng_next(&rng_state);
}

static void random_args(struct call *c)
{
    for (unsigned i = 0; i < 5; i++)
        c->arg[i] = rng_next();
}

/* An address no byte of which can be ours: past the end of RAM, possibly wrapping. */
static uint64_t foreign_gpa(const struct vireo_start_info *si)
{
    uint64_t r = rng_next();

    switch (r & 3) {
    case 0: return si->mem_bytes + (r >> 40);         /* just past the end */
    case 1: return si->mem_bytes - 8;                  /* straddles the end (len >= 16) */
    case 2: return ~0ull - (r >> 56);                  /* wraps around */
    default: return 0xfee00000 + ((r >> 32) & 0xfff);  /* where an APIC would be */
    }
}

static void fixed_cases(const struct vireo_start_info *si)
{
    static uint64_t aligned_slot[8] __attribute__((aligned(32)));
    const uint64_t end = si->mem_bytes;
    struct call c;

    for (uint64_t nr = VIREO_HC_PRIVILEGED_BASE; nr <= VIREO_HC_PRIVILEGED_LAST; nr++) {
        expect("privileged call, zero arguments", &(struct call){ nr, { 0 } },
               ANSWERS(E(EPERM)));
        c.nr = nr;
        random_args(&c);
        expect("privileged call, random arguments", &c, ANSWERS(E(EPERM)));
    }
    for (uint64_t nr = VIREO_HC_GUEST_LAST + 1; nr < VIREO_HC_PRIVILEGED_BASE; nr++)
        expect("unknown call", &(struct call){ nr, { 0 } }, ANSWERS(E(ENOSYS)));

    /* Pointers with a byte outside our RAM fail whole, before anything is done. */
    expect("console write past the end of RAM",
           &(struct call){ VIREO_HC_CONSOLE_WRITE, { end, 1 } }, ANSWERS(E(EFAULT)));
    expect("console write straddling the end of RAM",
           &(struct call){ VIREO_HC_CONSOLE_WRITE, { end - 8, 16 } },
           ANSWERS(E(EFAULT)));
    expect("console write wrapping around",
           &(struct call){ VIREO_HC_CONSOLE_WRITE, { ~0ull - 7, 16 } },
           ANSWERS(E(EFAULT)));
    expect("console write longer than 64 KiB",
           &(struct call){ VIREO_HC_CONSOLE_WRITE, { 0x100000, 1ull << 63 } },
           ANSWERS(E(E2BIG), E(EINVAL), E(EFAULT)));
    expect("console read past the end of RAM",
           &(struct call){ VIREO_HC_CONSOLE_READ, { end, 16 } }, ANSWERS(E(EFAULT)));
    expect("time register past the end of RAM",
           &(struct call){ VIREO_HC_TIME_REGISTER, { end } }, ANSWERS(E(EFAULT)));
    /* An address with bits above the guest's address width set is not an alias of its
     * RAM: hv once dropped those bits and served buf from 2^48+buf, 2^52+buf, 2^63+buf. */
    static const unsigned high_bits[] = { 39, 48, 52, 63 };
    for (size_t i = 0; i < sizeof(high_bits) / sizeof(high_bits[0]); i++) {
        uint64_t alias = (1ull << high_bits[i]) + (uintptr_t)aligned_slot;
        expect("console write at 2^k + a buffer in RAM",
               &(struct call){ VIREO_HC_CONSOLE_WRITE, { alias, 8 } }, ANSWERS(E(EFAULT)));
        expect("console read at 2^k + a buffer in RAM",
               &(struct call){ VIREO_HC_CONSOLE_READ, { alias, 8 } }, ANSWERS(E(EFAULT)));
        expect("time register at 2^k + a slot in RAM",
               &(struct call){ VIREO_HC_TIME_REGISTER, { alias } }, ANSWERS(E(EFAULT)));
        expect("populate at 2^k",
               &(struct call){ VIREO_HC_MEMORY_POPULATE_SELF, { alias >> 12, 1 } },
               ANSWERS(E(EFAULT), E(EINVAL), E(ENOMEM)));
    }
    expect("time register misaligned",
           &(struct call){ VIREO_HC_TIME_REGISTER, { (uintptr_t)&aligned_slot[1] } },
           ANSWERS(E(EINVAL)));
    expect("shutdown with reason 3",
           &(struct call){ VIREO_HC_SCHED_SHUTDOWN, { VIREO_SHUTDOWN_MAX + 1 } },
           ANSWERS(E(EINVAL)));
    expect("shutdown with reason 0xffffffff",
           &(struct call){ VIREO_HC_SCHED_SHUTDOWN, { 0xffffffff } },
           ANSWERS(E(EINVAL)));
    expect("block with a deadline in the past",
           &(struct call){ VIREO_HC_SCHED_BLOCK, { 1 } }, ANSWERS(0));
    /* Balloon and control calls on memory the guest does not have or may not take. */
    expect("release of frames beyond RAM releases nothing",
           &(struct call){ VIREO_HC_MEMORY_RELEASE_SELF, { end >> 12, 16 } }, ANSWERS(0));
    expect("release of more frames than one call may name",
           &(struct call){ VIREO_HC_MEMORY_RELEASE_SELF, { 0, VIREO_MEMORY_SELF_MAX + 1 } },
           ANSWERS(E(E2BIG)));
    expect("populate beyond max_pages",
           &(struct call){ VIREO_HC_MEMORY_POPULATE_SELF, { end >> 12, 1 } }, ANSWERS(E(ENOMEM)));
    expect("populate of a wrapping range",
           &(struct call){ VIREO_HC_MEMORY_POPULATE_SELF, { ~0ull, 2 } }, ANSWERS(E(EINVAL)));
    expect("no control request pending", &(struct call){ VIREO_HC_CONTROL_TAKE, { 0 } },
           ANSWERS(0));
    expect("memory target is all of RAM", &(struct call){ VIREO_HC_MEMORY_TARGET, { 0 } },
           ANSWERS((int64_t)(si->mem_bytes >> 12)));
    expect("ABI version with garbage in the argument registers",
           &(struct call){ VIREO_HC_ABI_VERSION, { ~0ull, ~0ull, ~0ull, ~0ull, ~0ull } },
           ANSWERS(VIREO_ABI_VERSION));
}

static void random_call(const struct vireo_start_info *si)
{
    struct call c;
    uint64_t kind = rng_next() % 4;

    random_args(&c);
    switch (kind) {
    case 0: /* any number at all: unknown or privileged */
        c.nr = rng_next() | VIREO_HC_PRIVILEGED_BASE;
        expect("random number", &c, ANSWERS(E(EPERM), E(ENOSYS)));
        break;
    case 1: /* the low range, where unknown numbers sit next to real calls */
        c.nr = VIREO_HC_GUEST_LAST + 1 + rng_next() % (0x200 - VIREO_HC_GUEST_LAST - 1);
        expect("random low number", &c, ANSWERS(E(EPERM), E(ENOSYS)));
        break;
    case 2: /* real calls taking a pointer, given one that is not ours */
        c.arg[0] = foreign_gpa(si);
        c.arg[1] = 16 + rng_next() % 4096;
        c.nr = (uint64_t[]){ VIREO_HC_CONSOLE_WRITE, VIREO_HC_CONSOLE_READ,
                             VIREO_HC_TIME_REGISTER }[rng_next() % 3];
        expect("foreign pointer", &c, ANSWERS(E(EFAULT), E(EINVAL)));
        break;
    default: /* harmless real calls must ignore garbage in unused argument registers */
        c.nr = (uint64_t[]){ VIREO_HC_ABI_VERSION, VIREO_HC_VCPU_ID, VIREO_HC_DOMAIN_ID,
                             VIREO_HC_TIME_NOW, VIREO_HC_SCHED_YIELD }[rng_next() % 5];
        expect("harmless call with garbage arguments", &c, ANSWERS(OK_ANY));
        break;
    }
}

void guest_main(struct guest_vcpu *v)
{
    const struct vireo_start_info *si = v->start;
    uint64_t count = cmdline_u64(si, "count", 2000);

    rng_state = cmdline_u64(si, "seed", 0x1234567) | 1;
    time_sleep_ms(v, cmdline_u64(si, "delay_ms", 300));
    guest_printf("fuzzing hypercalls: seed=0x%llx count=%llu\n",
                 (unsigned long long)rng_state, (unsigned long long)count);
    fixed_cases(si);
    guest_printf("fixed cases answered as documented\n");
    for (uint64_t i = 0; i < count; i++)
        random_call(si);
    guest_printf("random hypercalls: %llu calls, every answer as documented\n",
                 (unsigned long long)count);
}
