/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv's IDT and what happens on a trap. An exception inside hv is always a bug: report
 * the registers and a backtrace, stop every CPU. hv's own interrupts only set flags
 * (interrupt handlers never take locks, see hv/spinlock.h).
 */
#include "hv/hv.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/symbols.h"
#include "arch/traps.h"
#include "arch/apic.h"
#include "arch/x86.h"

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));

#define STUB(n) extern char trap_stub_##n[];
STUB(0) STUB(1) STUB(2) STUB(3) STUB(4) STUB(5) STUB(6) STUB(7) STUB(8) STUB(9) STUB(10)
STUB(11) STUB(12) STUB(13) STUB(14) STUB(15) STUB(16) STUB(17) STUB(18) STUB(19) STUB(20)
STUB(21) STUB(22) STUB(23) STUB(24) STUB(25) STUB(26) STUB(27) STUB(28) STUB(29) STUB(30)
STUB(31) STUB(240) STUB(241) STUB(242) STUB(243) STUB(255)
#undef STUB

static char *const exception_stubs[32] = {
    trap_stub_0,  trap_stub_1,  trap_stub_2,  trap_stub_3,  trap_stub_4,  trap_stub_5,
    trap_stub_6,  trap_stub_7,  trap_stub_8,  trap_stub_9,  trap_stub_10, trap_stub_11,
    trap_stub_12, trap_stub_13, trap_stub_14, trap_stub_15, trap_stub_16, trap_stub_17,
    trap_stub_18, trap_stub_19, trap_stub_20, trap_stub_21, trap_stub_22, trap_stub_23,
    trap_stub_24, trap_stub_25, trap_stub_26, trap_stub_27, trap_stub_28, trap_stub_29,
    trap_stub_30, trap_stub_31,
};

static const char *const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
    "#GP general protection", "#PF page fault", "reserved", "#MF x87 error",
    "#AC alignment check", "#MC machine check", "#XM SIMD error", "#VE virtualization",
    "#CP control protection", "reserved", "reserved", "reserved", "reserved", "reserved",
    "reserved", "#HV injection", "#VC VMM communication", "#SX security", "reserved",
};

static void set_gate(unsigned vec, void *handler, unsigned ist)
{
    uint64_t a = (uint64_t)handler;
    idt[vec] = (struct idt_entry){
        .off0 = a & 0xffff, .sel = 0x08, .ist = ist, .type = 0x8e, /* present, interrupt gate */
        .off1 = (a >> 16) & 0xffff, .off2 = a >> 32, .zero = 0,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 32; v++)
        set_gate(v, exception_stubs[v], 0);
    /* Known-good stacks for the traps that may come with a broken one. */
    set_gate(X86_EXC_DF, exception_stubs[X86_EXC_DF], 1);
    set_gate(X86_EXC_NMI, exception_stubs[X86_EXC_NMI], 2);
    set_gate(X86_EXC_MC, exception_stubs[X86_EXC_MC], 3);
    set_gate(HV_VECTOR_TIMER, trap_stub_240, 0);
    set_gate(HV_VECTOR_RESCHED, trap_stub_241, 0);
    set_gate(HV_VECTOR_HALT, trap_stub_242, 0);
    set_gate(HV_VECTOR_KICK, trap_stub_243, 0);
    set_gate(HV_VECTOR_SPURIOUS, trap_stub_255, 0);
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) d = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(d));
}

extern char hv_text_start[], hv_text_end[];

static void log_frame(int depth, uint64_t addr)
{
    uint64_t off;
    const char *name = symbol_lookup(addr, &off);
    if (name)
        hv_log("  [%d] 0x%lx %s+0x%lx", depth, (unsigned long)addr, name, (unsigned long)off);
    else
        hv_log("  [%d] 0x%lx", depth, (unsigned long)addr);
}

void print_backtrace(uint64_t rbp)
{
    hv_log("backtrace:");
    for (int depth = 0; depth < 24 && rbp && IS_ALIGNED(rbp, 8); depth++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < (uint64_t)hv_text_start || ret >= (uint64_t)hv_text_end)
            break;
        log_frame(depth, ret);
        if (frame[0] <= rbp) /* the chain only goes up the stack */
            break;
        rbp = frame[0];
    }
}

static void dump_exception(const struct trap_frame *f)
{
    unsigned cpu = this_cpu() ? this_cpu()->index : 0;

    hv_log("PANIC: exception %s (vector %lu, error 0x%lx) in hv on CPU %u",
           exception_names[f->vector], (unsigned long)f->vector, (unsigned long)f->error_code,
           cpu);
    hv_log("RIP=%016lx CS=%04lx RFLAGS=%016lx", f->rip, f->cs, f->rflags);
    hv_log("RSP=%016lx SS=%04lx CR2=%016lx", f->rsp, f->ss, read_cr2());
    hv_log("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx", f->rax, f->rbx, f->rcx, f->rdx);
    hv_log("RSI=%016lx RDI=%016lx RBP=%016lx R8 =%016lx", f->rsi, f->rdi, f->rbp, f->r8);
    hv_log("R9 =%016lx R10=%016lx R11=%016lx R12=%016lx", f->r9, f->r10, f->r11, f->r12);
    hv_log("R13=%016lx R14=%016lx R15=%016lx", f->r13, f->r14, f->r15);
    hv_log("CR0=%016lx CR3=%016lx CR4=%016lx", read_cr0(), read_cr3(), read_cr4());
    hv_log("faulting instruction:");
    log_frame(-1, f->rip);
    print_backtrace(f->rbp);
}

void stop_other_cpus(void)
{
    struct cpu *self = this_cpu();

    for (unsigned i = 0; i < nr_cpus; i++)
        if (cpus[i].online && &cpus[i] != self)
            apic_send_ipi(cpus[i].apic_id, HV_VECTOR_HALT);
}

void trap_dispatch(struct trap_frame *f)
{
    switch (f->vector) {
    case HV_VECTOR_TIMER:
        apic_eoi();
        sched_timer_interrupt();
        return;
    case HV_VECTOR_RESCHED:
        apic_eoi();
        this_cpu()->need_resched = true;
        return;
    case HV_VECTOR_KICK:
        apic_eoi(); /* its work was the #VMEXIT it caused */
        return;
    case HV_VECTOR_HALT:
        halt_forever();
    case HV_VECTOR_SPURIOUS:
        return;
    case X86_EXC_NMI:
        /* hv sends no NMIs; one from the platform is reported and ignored. */
        hv_log("NMI on CPU %u ignored", this_cpu()->index);
        return;
    }
    dump_exception(f);
    stop_other_cpus();
    hv_log("halted");
    halt_forever();
}
