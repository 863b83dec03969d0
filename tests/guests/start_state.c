/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * start_state: every vCPU checks the start state public/vireo.h promises (control
 * registers, segments, IF, its own stack in the builder's area, zeroed BSS, start info,
 * the CPUID leaves) and vCPU 0 reports once all agree. Run with memory=16M and
 * "memory_mib=16" on the command line so the guest knows what to expect.
 */
#include "guest.h"

#define CR0_WANT ((1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31))
#define CR4_PAE (1u << 5)
#define EFER_WANT ((1u << 8) | (1u << 10) | (1u << 11)) /* LME, LMA, NXE */
#define EFER_SVME (1u << 12)
#define RFLAGS_IF (1u << 9)

extern char _end[]; /* from guest.ld: end of the image */

static uint8_t untouched_bss[4096];
static uintptr_t stack_of[VIREO_MAX_VCPUS];
static unsigned checked;

#define REQUIRE(cond, ...)                                                                  \
    do {                                                                                    \
        if (!(cond))                                                                        \
            guest_fail(__VA_ARGS__);                                                        \
    } while (0)

static uint64_t read_cr(int n)
{
    uint64_t v = 0;

    if (n == 0)
        __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    else if (n == 4)
        __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static uint16_t read_sel(int which)
{
    uint16_t v = 0;

    switch (which) {
    case 0: __asm__ volatile("mov %%cs, %0" : "=r"(v)); break;
    case 1: __asm__ volatile("mov %%ds, %0" : "=r"(v)); break;
    case 2: __asm__ volatile("mov %%es, %0" : "=r"(v)); break;
    case 3: __asm__ volatile("mov %%ss, %0" : "=r"(v)); break;
    case 4: __asm__ volatile("mov %%fs, %0" : "=r"(v)); break;
    default: __asm__ volatile("mov %%gs, %0" : "=r"(v)); break;
    }
    return v;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void check_cpu(struct guest_vcpu *v)
{
    static const uint16_t want_sel[] = { 0x08, 0x10, 0x10, 0x10, 0, 0 };
    static const char *const sel_name[] = { "CS", "DS", "ES", "SS", "FS", "GS" };
    uint64_t rflags;
    unsigned i = v->index;

    REQUIRE((read_cr(0) & CR0_WANT) == CR0_WANT, "vCPU %u: CR0=0x%llx lacks PE|MP|ET|NE|WP|PG",
            i, (unsigned long long)read_cr(0));
    REQUIRE(read_cr(4) & CR4_PAE, "vCPU %u: CR4=0x%llx lacks PAE", i,
            (unsigned long long)read_cr(4));
    uint64_t efer = rdmsr(0xc0000080);
    REQUIRE((efer & EFER_WANT) == EFER_WANT && !(efer & EFER_SVME),
            "vCPU %u: EFER=0x%llx, want LME|LMA|NXE and SVME hidden", i,
            (unsigned long long)efer);
    for (unsigned s = 0; s < 6; s++)
        REQUIRE(read_sel(s) == want_sel[s], "vCPU %u: %s=0x%x, want 0x%x", i, sel_name[s],
                read_sel(s), want_sel[s]);
    __asm__ volatile("pushfq; popq %0" : "=r"(rflags));
    REQUIRE(!(rflags & RFLAGS_IF), "vCPU %u: IF is set", i);

    uint32_t r[4];
    cpuid(VIREO_CPUID_BASE_DOMU, r);
    REQUIRE(r[0] >= VIREO_CPUID_BASE_DOMU + 1 && r[1] == VIREO_CPUID_SIG_EBX &&
                r[2] == VIREO_CPUID_SIG_ECX && r[3] == VIREO_CPUID_SIG_EDX,
            "vCPU %u: CPUID 0x%x = %x %x %x %x, want the Vireo signature", i,
            VIREO_CPUID_BASE_DOMU, r[0], r[1], r[2], r[3]);
    cpuid(VIREO_CPUID_BASE_DOMU + 1, r);
    REQUIRE(r[0] == VIREO_ABI_VERSION && r[1] == v->start->domid && r[2] == i,
            "vCPU %u: CPUID 0x%x = abi 0x%x dom %u vcpu %u", i, VIREO_CPUID_BASE_DOMU + 1,
            r[0], r[1], r[2]);
    REQUIRE(hc_vcpu_id() == (int64_t)i, "vCPU %u: VCPU_ID says %lld", i,
            (long long)hc_vcpu_id());
}

static void check_stack(struct guest_vcpu *v)
{
    const struct vireo_start_info *si = v->start;
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

    REQUIRE(sp >= si->reserved_gpa && sp < si->mem_bytes,
            "vCPU %u: stack at 0x%llx, outside the builder's area [0x%llx, 0x%llx)", v->index,
            (unsigned long long)sp, (unsigned long long)si->reserved_gpa,
            (unsigned long long)si->mem_bytes);
    stack_of[v->index] = sp;
}

static void check_all(struct guest_vcpu *v)
{
    check_cpu(v);
    check_stack(v);
    __atomic_add_fetch(&checked, 1, __ATOMIC_SEQ_CST);
}

void guest_secondary(struct guest_vcpu *v)
{
    check_all(v);
}

void guest_main(struct guest_vcpu *v)
{
    const struct vireo_start_info *si = v->start;
    uint64_t mem = cmdline_u64(si, "memory_mib", 16) << 20;

    for (unsigned k = 0; k < sizeof(untouched_bss); k++)
        REQUIRE(!untouched_bss[k], "BSS byte %u is 0x%x, not zero", k, untouched_bss[k]);
    REQUIRE(si->abi_version == VIREO_ABI_VERSION, "start info abi 0x%x", si->abi_version);
    REQUIRE((int64_t)si->domid == hc_domain_id(), "start info domid %u, DOMAIN_ID %lld",
            si->domid, (long long)hc_domain_id());
    REQUIRE(si->mem_bytes == mem, "mem_bytes 0x%llx, want 0x%llx",
            (unsigned long long)si->mem_bytes, (unsigned long long)mem);
    REQUIRE(si->reserved_gpa >= (uintptr_t)_end && si->reserved_gpa < si->mem_bytes &&
                !(si->reserved_gpa & (VIREO_PAGE_SIZE - 1)),
            "reserved_gpa 0x%llx: not a page boundary between the image end %p and RAM end",
            (unsigned long long)si->reserved_gpa, (void *)_end);
    REQUIRE(si->cmdline_gpa && si->cmdline_len == strlen(cmdline(si)),
            "cmdline_len %u, strlen %zu", si->cmdline_len, strlen(cmdline(si)));
    check_all(v);

    uint64_t deadline = time_now_ns(v) + 20000ull * 1000000;
    while (__atomic_load_n(&checked, __ATOMIC_SEQ_CST) < si->nr_vcpus) {
        REQUIRE(time_now_ns(v) < deadline, "only %u of %u vCPUs checked in", checked,
                si->nr_vcpus);
        hc_yield();
    }
    for (unsigned a = 0; a < si->nr_vcpus; a++)
        for (unsigned b = a + 1; b < si->nr_vcpus; b++) {
            uintptr_t d = stack_of[a] > stack_of[b] ? stack_of[a] - stack_of[b]
                                                    : stack_of[b] - stack_of[a];
            REQUIRE(d >= VIREO_VCPU_STACK_SIZE / 2, "vCPUs %u and %u share a stack (0x%llx)",
                    a, b, (unsigned long long)stack_of[a]);
        }
    guest_printf("start state as documented on %u vCPUs\n", si->nr_vcpus);
}
