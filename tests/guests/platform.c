/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * platform: the guest platform (VIREO_DOMCFG_PLATFORM) seen from inside, as a kernel sees
 * it. Run with vcpus=2 platform=1: only vCPU 0 starts. It checks CPUID (x2APIC,
 * TSC-deadline, the KVM leaves), the x2APIC registers and their #GPs, the vLAPIC timer in
 * one-shot, periodic and TSC-deadline mode and a self-IPI (each interrupt must come, and
 * not before its time), the UART's registers (scratch, divisor latch, FIFO IIR, the
 * loopback that Linux's probe checks), an IOAPIC pin routed to the vLAPIC (the UART's
 * THR-empty interrupt on GSI 4), then starts vCPU 1 with INIT and a start-up IPI into a
 * real-mode trampoline, which enables its vLAPIC and counts the IPIs vCPU 0 sends it by
 * physical destination, by shorthand and by logical (cluster) destination.
 */
#include "guest.h"

#define GP 13
#define VEC_TIMER 0x40
#define VEC_SELF 0x41
#define VEC_UART 0x42
#define VEC_AP 0x43

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define X2APIC_ID 0x802
#define X2APIC_VERSION 0x803
#define X2APIC_EOI 0x80b
#define X2APIC_LDR 0x80d
#define X2APIC_SVR 0x80f
#define X2APIC_ICR 0x830
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_TMICT 0x838
#define X2APIC_TMCCT 0x839
#define X2APIC_TDCR 0x83e
#define X2APIC_SELF_IPI 0x83f
#define TIMER_PERIODIC (1u << 17)
#define TIMER_TSC_DEADLINE (2u << 17)

#define IOAPIC ((volatile uint32_t *)0xfec00000ul)
#define COM1 0x3f8
#define TRAMPOLINE 0x8000ul /* start-up IPI vector 8 */

/* ---- interrupts and faults ---- */

volatile uint64_t irq_count[256];
uint64_t pf_vector, pf_recover_rip;

__asm__(".text\n"
        "pf_gp: movq $13, pf_vector(%rip); addq $8, %rsp\n"
        "   movq pf_recover_rip(%rip), %r11; movq %r11, (%rsp); iretq\n"
        ".macro irq vec\n"
        "irq_\\vec: incq irq_count+8*\\vec(%rip)\n"
        "   pushq %rax; pushq %rcx; pushq %rdx\n"
        "   movl $0x80b, %ecx; xorl %eax, %eax; xorl %edx, %edx; wrmsr\n"
        "   popq %rdx; popq %rcx; popq %rax; iretq\n"
        ".endm\n"
        "irq 0x40\n irq 0x41\n irq 0x42\n");
extern char pf_gp[], irq_0x40[], irq_0x41[], irq_0x42[];

#define PROBE(insn, ...)                                                                    \
    __asm__ volatile("leaq 1f(%%rip), %%r11\n movq %%r11, pf_recover_rip(%%rip)\n"          \
                     "movq $0, pf_vector(%%rip)\n" insn "\n1:\n" ::__VA_ARGS__              \
                     : "r11", "memory")

static void load_idt(void)
{
    idt_set_gate(GP, pf_gp);
    idt_set_gate(VEC_TIMER, irq_0x40);
    idt_set_gate(VEC_SELF, irq_0x41);
    idt_set_gate(VEC_UART, irq_0x42);
    idt_load();
}

static unsigned checks;

static void want(int ok, const char *what, uint64_t got)
{
    if (!ok)
        guest_fail("%s (got %#llx)", what, (unsigned long long)got);
    checks++;
}

static uint64_t try_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    PROBE("rdmsr", "c"(msr), "a"(0), "d"(0));
    (void)lo, (void)hi;
    return pf_vector;
}

static uint64_t try_wrmsr(uint32_t msr, uint64_t v)
{
    PROBE("wrmsr", "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
    return pf_vector;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* Sleeps with interrupts on until irq_count[vec] reaches n; fails after timeout_ms. */
static uint64_t wait_irq(struct guest_vcpu *v, unsigned vec, uint64_t n, uint64_t timeout_ms,
                         const char *what)
{
    uint64_t deadline = time_now_ns(v) + timeout_ms * 1000000;

    while (irq_count[vec] < n) {
        if (time_now_ns(v) > deadline)
            guest_fail("%s: interrupt %#x came %llu times, want %llu", what, vec,
                       (unsigned long long)irq_count[vec], (unsigned long long)n);
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    }
    return time_now_ns(v);
}

/* ---- the checks ---- */

static void check_cpuid(void)
{
    uint32_t r[4];

    cpuid(1, r);
    want(r[2] & (1u << 21), "CPUID.1:ECX.x2APIC", r[2]);
    want(r[2] & (1u << 24), "CPUID.1:ECX.TSC-deadline", r[2]);
    want(r[2] & (1u << 31), "CPUID.1:ECX.hypervisor", r[2]);
    cpuid(0x40000000, r);
    want(r[0] == 0x40000001 && r[1] == 0x4b4d564b && r[2] == 0x564b4d56 && r[3] == 0x4d,
         "KVM signature leaf", r[1]);
    cpuid(0x40000001, r);
    want(r[0] == ((1u << 3) | (1u << 24)), "KVM features: CLOCKSOURCE2 and the stable bit", r[0]);
}

static void check_registers(void)
{
    want(rdmsr(MSR_APIC_BASE) == 0xfee00d00, "APIC_BASE: x2APIC on, BSP", rdmsr(MSR_APIC_BASE));
    want(rdmsr(X2APIC_ID) == 0, "APIC ID of vCPU 0", rdmsr(X2APIC_ID));
    want((rdmsr(X2APIC_VERSION) & 0xff) == 0x14, "APIC version", rdmsr(X2APIC_VERSION));
    want(rdmsr(X2APIC_LDR) == 1, "x2APIC LDR of APIC 0: cluster 0, bit 0", rdmsr(X2APIC_LDR));
    want(try_wrmsr(X2APIC_ID, 5) == GP, "writing the read-only ID raises #GP", pf_vector);
    want(try_rdmsr(X2APIC_EOI) == GP, "reading the write-only EOI raises #GP", pf_vector);
    want(try_wrmsr(X2APIC_EOI, 1) == GP, "a non-zero EOI raises #GP", pf_vector);
    want(try_wrmsr(X2APIC_ICR, 1ull << 13) == GP, "reserved ICR bits raise #GP", pf_vector);
    want(try_rdmsr(0x831) == GP, "no ICR2 in x2APIC mode", pf_vector);
    want(try_wrmsr(MSR_APIC_BASE, 0xfee00900) == GP, "leaving x2APIC mode raises #GP", pf_vector);
    wrmsr(X2APIC_SVR, 0x1ff);
    want(rdmsr(X2APIC_SVR) == 0x1ff, "SVR enabled", rdmsr(X2APIC_SVR));
}

static void check_timer(struct guest_vcpu *v)
{
    /* One-shot, divide by 1: 5 ms of 1 GHz bus ticks. */
    wrmsr(X2APIC_TDCR, 0xb);
    wrmsr(X2APIC_LVT_TIMER, VEC_TIMER);
    uint64_t t0 = time_now_ns(v);
    wrmsr(X2APIC_TMICT, 5000000);
    uint64_t count = rdmsr(X2APIC_TMCCT);
    want(count > 0 && count <= 5000000, "TMCCT counts down from TMICT", count);
    uint64_t t1 = wait_irq(v, VEC_TIMER, 1, 2000, "one-shot timer");
    want(t1 - t0 >= 5000000, "one-shot timer not before its time", t1 - t0);
    want(rdmsr(X2APIC_TMCCT) == 0, "TMCCT is 0 once the one-shot fired", rdmsr(X2APIC_TMCCT));

    /* Periodic, divide by 2: 2 ms periods, five of them. */
    wrmsr(X2APIC_TDCR, 0x0);
    wrmsr(X2APIC_LVT_TIMER, VEC_TIMER | TIMER_PERIODIC);
    t0 = time_now_ns(v);
    wrmsr(X2APIC_TMICT, 1000000);
    t1 = wait_irq(v, VEC_TIMER, 6, 3000, "periodic timer");
    want(t1 - t0 >= 10000000, "five periods take at least 10 ms", t1 - t0);
    wrmsr(X2APIC_TMICT, 0);

    /* TSC deadline, 3 ms ahead (the TSC rate measured against the pvclock). */
    uint64_t n0 = time_now_ns(v), c0 = rdtsc();
    while (time_now_ns(v) < n0 + 1000000)
        cpu_relax();
    uint64_t tsc_per_ms = rdtsc() - c0;
    wrmsr(X2APIC_LVT_TIMER, VEC_TIMER | TIMER_TSC_DEADLINE);
    uint64_t before = irq_count[VEC_TIMER];
    t0 = time_now_ns(v);
    wrmsr(MSR_TSC_DEADLINE, rdtsc() + 3 * tsc_per_ms);
    want(rdmsr(MSR_TSC_DEADLINE) != 0, "the armed TSC deadline reads back", 0);
    t1 = wait_irq(v, VEC_TIMER, before + 1, 2000, "TSC-deadline timer");
    want(t1 - t0 >= 2500000, "TSC-deadline timer not much before its time", t1 - t0);
    want(rdmsr(MSR_TSC_DEADLINE) == 0, "the TSC deadline reads 0 once it fired",
         rdmsr(MSR_TSC_DEADLINE));
    wrmsr(X2APIC_LVT_TIMER, 1u << 16);

    /* Self IPI. */
    wrmsr(X2APIC_SELF_IPI, VEC_SELF);
    wait_irq(v, VEC_SELF, 1, 1000, "self IPI");
    checks++;
}

static void check_uart(void)
{
    outb(COM1 + 7, 0x5a);
    want(inb(COM1 + 7) == 0x5a, "UART scratch register", inb(COM1 + 7));
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    want(inb(COM1 + 0) == 0x01 && inb(COM1 + 1) == 0, "UART divisor latch", inb(COM1));
    outb(COM1 + 3, 0x03); /* 8N1 */
    want(inb(COM1 + 3) == 0x03, "UART LCR", inb(COM1 + 3));
    outb(COM1 + 1, 0xff);
    want(inb(COM1 + 1) == 0x0f, "UART IER keeps only its four bits", inb(COM1 + 1));
    outb(COM1 + 1, 0);
    outb(COM1 + 2, 0x07); /* FIFOs on, cleared */
    want((inb(COM1 + 2) & 0xcf) == 0xc1, "UART IIR: FIFOs, nothing pending", inb(COM1 + 2));
    want((inb(COM1 + 5) & 0x61) == 0x60, "UART LSR: transmitter empty, no data", inb(COM1 + 5));
    outb(COM1 + 4, 0x1a); /* loopback with RTS and OUT2, as Linux's probe */
    want((inb(COM1 + 6) & 0xf0) == 0x90, "UART loopback modem status (CTS, DCD)", inb(COM1 + 6));
    outb(COM1 + 0, 'L');
    want((inb(COM1 + 5) & 1) && inb(COM1 + 0) == 'L', "UART loopback data", 0);
    outb(COM1 + 4, 0x0b);
}

/* GSI 4 (the UART) routed to vCPU 0: enabling THR-empty interrupts raises it. */
static void check_ioapic(struct guest_vcpu *v)
{
    IOAPIC[0] = 1;
    want((IOAPIC[4] & 0xff00ff) == 0x170011, "IOAPIC version: 0x11, 24 pins", IOAPIC[4]);
    IOAPIC[0] = 0x10 + 2 * 4 + 1;
    IOAPIC[4] = 0;                 /* destination APIC 0 */
    IOAPIC[0] = 0x10 + 2 * 4;
    IOAPIC[4] = VEC_UART;          /* fixed, physical, edge, high, unmasked */
    want(IOAPIC[4] == VEC_UART, "IOAPIC redirection entry reads back", IOAPIC[4]);
    outb(COM1 + 1, 0x02);          /* THR-empty interrupt on */
    wait_irq(v, VEC_UART, 1, 1000, "UART interrupt through the IOAPIC");
    want((inb(COM1 + 2) & 0x0f) == 0x02, "UART IIR names THR empty", 0);
    want((inb(COM1 + 2) & 0x0f) == 0x01, "reading that IIR acknowledged it", 0);
    outb(COM1 + 1, 0);
    IOAPIC[0] = 0x10 + 2 * 4;
    IOAPIC[4] = 1u << 16;
}

/* vCPU 1's start: real mode at TRAMPOLINE, CS = 0x800. It enables its vLAPIC, says it
 * is up at 0x100, and counts interrupt VEC_AP (its IVT entry) at 0x101. */
__asm__(".section .rodata\n"
        ".code16\n"
        "ap_start:\n"
        "  mov %cs, %ax\n  mov %ax, %ds\n"
        "  mov $0x80f, %ecx\n  mov $0x1ff, %eax\n  xor %edx, %edx\n  wrmsr\n"
        "  movb $1, 0x100\n"
        "  sti\n"
        "1: hlt\n  jmp 1b\n"
        "ap_irq:\n"
        "  incb 0x101\n"
        "  mov $0x80b, %ecx\n  xor %eax, %eax\n  xor %edx, %edx\n  wrmsr\n"
        "  iret\n"
        "ap_end:\n"
        ".code64\n"
        ".globl ap_start, ap_irq, ap_end\n"
        ".text\n");
extern const char ap_start[], ap_irq[], ap_end[];

static void wait_byte(struct guest_vcpu *v, volatile uint8_t *p, uint8_t want_value,
                      const char *what)
{
    uint64_t deadline = time_now_ns(v) + 5000000000ull;

    while (*p != want_value) {
        if (time_now_ns(v) > deadline)
            guest_fail("%s: byte is %u, want %u", what, *p, want_value);
        hc_yield();
    }
}

static void check_ap(struct guest_vcpu *v)
{
    volatile uint8_t *tramp = (volatile uint8_t *)TRAMPOLINE;
    volatile uint32_t *ivt;
    __asm__("" : "=r"(ivt) : "0"(0ul)); /* the real-mode IVT is at address 0, really */

    for (size_t i = 0; i < (size_t)(ap_end - ap_start); i++)
        tramp[i] = (uint8_t)ap_start[i];
    tramp[0x100] = tramp[0x101] = 0;
    ivt[VEC_AP] = (uint32_t)(TRAMPOLINE >> 4) << 16 | (uint32_t)(ap_irq - ap_start);

    wrmsr(X2APIC_ICR, (1ull << 32) | 0xc500); /* INIT, level assert, to APIC 1 */
    wrmsr(X2APIC_ICR, (1ull << 32) | 0x8500); /* INIT de-assert: does nothing */
    wrmsr(X2APIC_ICR, (1ull << 32) | 0x0600 | (TRAMPOLINE >> 12)); /* start-up */
    wrmsr(X2APIC_ICR, (1ull << 32) | 0x0600 | (TRAMPOLINE >> 12)); /* the second is ignored */
    wait_byte(v, &tramp[0x100], 1, "vCPU 1 started by INIT/SIPI");
    guest_printf("vCPU 1 up in real mode at 0x%x\n", (unsigned)TRAMPOLINE);

    wrmsr(X2APIC_ICR, (1ull << 32) | VEC_AP); /* fixed, physical destination 1 */
    wait_byte(v, &tramp[0x101], 1, "IPI to physical APIC 1");
    wrmsr(X2APIC_ICR, (3u << 18) | VEC_AP); /* all excluding self */
    wait_byte(v, &tramp[0x101], 2, "IPI to all excluding self");
    wrmsr(X2APIC_ICR, (2ull << 32) | (1u << 11) | VEC_AP); /* logical: cluster 0, APIC 1 */
    wait_byte(v, &tramp[0x101], 3, "IPI to logical cluster 0 bit 1");
    checks += 4;
}

void guest_main(struct guest_vcpu *v)
{
    load_idt();
    check_cpuid();
    check_registers();
    check_timer(v);
    check_uart();
    check_ioapic(v);
    check_ap(v);
    guest_printf("platform: %u checks pass\n", checks);
}
