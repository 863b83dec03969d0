/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hostile, on the guest platform (platform=1, one vCPU): random writes and reads of every
 * x2APIC register, the TSC deadline, the kvmclock MSRs (addresses outside its RAM), the
 * IOAPIC's registers, the UART's ports, the MMIO hole, self IPIs of random vectors, and
 * halts on short timers, with a #GP handler that resumes and an interrupt handler on every
 * vector. Nothing it does may crash or wedge hv: the domain powers off after count=<n>
 * operations and a ticker beside it keeps its period.
 */
#include "guest.h"
#include "test_rng.h"

#define X2APIC_EOI 0x80b
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TMICT 0x838
#define X2APIC_TDCR 0x83e
#define IOAPIC ((volatile uint32_t *)0xfec00000ul)
#define HOLE ((volatile uint32_t *)0xe0000000ul)

uint64_t chaos_recover_rip, chaos_faults, chaos_irqs;

/* #GP resumes at the probe's end; every other vector counts and EOIs. */
__asm__(".text\n"
        "chaos_gp: incq chaos_faults(%rip); addq $8, %rsp\n"
        "   movq chaos_recover_rip(%rip), %r11; movq %r11, (%rsp); iretq\n"
        "chaos_irq: incq chaos_irqs(%rip)\n"
        "   pushq %rax; pushq %rcx; pushq %rdx\n"
        "   movl $0x80b, %ecx; xorl %eax, %eax; xorl %edx, %edx; wrmsr\n"
        "   popq %rdx; popq %rcx; popq %rax; iretq\n");
extern char chaos_gp[], chaos_irq[];

#define PROBE(insn, ...)                                                                    \
    __asm__ volatile("leaq 1f(%%rip), %%r11\n movq %%r11, chaos_recover_rip(%%rip)\n" insn  \
                     "\n1:\n" ::__VA_ARGS__                                                 \
                     : "r11", "memory")

static void try_wrmsr(uint32_t msr, uint64_t v)
{
    PROBE("wrmsr", "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void try_rdmsr(uint32_t msr)
{
    __asm__ volatile("leaq 1f(%%rip), %%r11\n movq %%r11, chaos_recover_rip(%%rip)\n"
                     "rdmsr\n1:\n" ::"c"(msr)
                     : "rax", "rdx", "r11", "memory");
}

/* A short one-shot on a sane vLAPIC, then HLT: the timer must end it. Interrupts stay
 * off until the STI that HLT's shadow covers, or the timer could fire before the HLT
 * and leave it sleeping for ever (as on hardware). */
static void halt_briefly(void)
{
    __asm__ volatile("cli" ::: "memory");
    try_wrmsr(X2APIC_SVR, 0x1ff);
    try_wrmsr(0x808, 0); /* TPR: a masked timer would make this HLT last for ever */
    try_wrmsr(X2APIC_TDCR, 0xb);
    try_wrmsr(X2APIC_LVT_TIMER, 0x40);
    try_wrmsr(X2APIC_TMICT, 100000);
    __asm__ volatile("sti; hlt" ::: "memory");
}

static void one(uint64_t *rng)
{
    uint64_t r = test_rng_next(rng), val = test_rng_next(rng);
    uint32_t msr;

    switch (r % 10) {
    case 0:
        msr = 0x800 + (uint32_t)((r >> 8) % 256);
        if (msr == X2APIC_ICR) /* never NMI, INIT or start-up: they would end this code */
            val &= ~(4ull << 8);
        if (msr == X2APIC_TMICT) /* a period shorter than an exit would starve this loop */
            val |= 1ull << 24;
        try_wrmsr(msr, (r >> 16) & 1 ? val : val & 0xffffffff);
        break;
    case 1:
        try_rdmsr(0x800 + (uint32_t)((r >> 8) % 256));
        break;
    case 2:
        try_wrmsr(0x6e0, (r >> 8) & 1 ? rdtsc() + (val & 0xfffff) : val);
        break;
    case 3: /* kvmclock at addresses that are not its RAM */
        try_wrmsr(0x4b564d00 + (uint32_t)((r >> 8) & 1),
                  (r >> 9) & 1 ? 0xfec00000 | ((r >> 10) & 1) : (1ull << 40) | 1);
        break;
    case 4:
        IOAPIC[0] = (uint32_t)val;
        if ((r >> 8) & 1)
            IOAPIC[4] = (uint32_t)(val >> 32) | (1u << 16); /* masked: no NMI storms */
        else
            (void)IOAPIC[4];
        (void)IOAPIC[(r >> 9) % 1024];
        break;
    case 5:
        outb(0x3f8 + (uint16_t)((r >> 8) % 8), (uint8_t)val);
        break;
    case 6:
        (void)inb(0x3f8 + (uint16_t)((r >> 8) % 8));
        break;
    case 7:
        HOLE[(r >> 8) % 4096] = (uint32_t)val;
        (void)HOLE[(r >> 20) % 4096];
        break;
    case 8:
        try_wrmsr(0x83f, val & ((r >> 8) & 1 ? 0xff : ~0ull)); /* self IPI */
        break;
    default:
        halt_briefly();
        break;
    }
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 20000), rng = 0x5eed ^ count;

    idt_set_gate(13, chaos_gp);
    /* Every vector a random IPI can name (16 and up), or one without a gate would turn
     * into a #GP whose handler resumes some other probe. */
    for (unsigned vec = 16; vec < 256; vec++)
        idt_set_gate(vec, chaos_irq);
    idt_set_gate(2, chaos_irq); /* NMI: its EOI write is harmless */
    idt_load();
    __asm__ volatile("sti" ::: "memory");
    for (uint64_t i = 0; i < count; i++)
        one(&rng);
    __asm__ volatile("cli" ::: "memory");
    try_wrmsr(X2APIC_LVT_TIMER, 1u << 16);
    try_wrmsr(X2APIC_TMICT, 0);
    console_write("\n", 1); /* ends the line of bytes the UART writes left open */
    guest_printf("platform chaos: %llu operations, %llu #GP, %llu interrupts\n",
                 (unsigned long long)count, (unsigned long long)chaos_faults,
                 (unsigned long long)chaos_irqs);
}
