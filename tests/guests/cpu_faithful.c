/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cpu_faithful: the instructions hv intercepts and emulates for a domU must behave as
 * on hardware wherever the guest can tell. With its own IDT, the guest makes each
 * illegal change (EFER.LME off while paging, reserved bits in CR0/CR3/CR4, CR4.PAE or
 * CR0.PG off in long mode, CR0.NW without CD) and expects #GP with the register
 * unchanged; it makes the legal ones (CR4.PGE, CR0.TS, CLTS, LMSW) and reads them back;
 * and it runs REP INS/OUTS long enough to need several exits, backwards, with a 32-bit
 * address size, into a page its own page tables do not map (#PF with RCX/RDI showing
 * the progress made) and at a non-canonical address (#GP, nothing done). hv once
 * crashed the domain on a reserved CR bit and left string I/O's registers as they were.
 * Run with memory=32M.
 */
#include "guest.h"
#include "trap.h"

#define GP TRAP_GP
#define PF TRAP_PF
#define NO_FAULT TRAP_NONE

#define MSR_EFER 0xc0000080u
#define EFER_LME (1ull << 8)
#define CR0_TS (1ull << 3)
#define CR0_NW (1ull << 29)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define PTE_P 1ull
#define PF_WRITE (1ull << 1)

#define HOLE (10ull << 20)  /* a 2 MiB page the guest unmaps from its own tables */
#define PORT 0x1234         /* no device answers here: reads are all ones */
#define LONG 5000           /* elements: more than one exit's worth */

static unsigned checks;
static uint8_t buf[16384] __attribute__((aligned(4096)));

static void want(int ok, const char *what, uint64_t got)
{
    if (!ok)
        guest_fail("%s (got %#llx, fault vector %llu error %#llx)", what, (unsigned long long)got,
                   (unsigned long long)trap_vector, (unsigned long long)trap_error);
    checks++;
}

static uint64_t try_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile(TRAP_PROBE_BEGIN "wrmsr\n" TRAP_PROBE_END
                     : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "r11", "memory");
    return trap_vector;
}

#define CR_ACCESSORS(n)                                                                     \
    static uint64_t read_cr##n(void)                                                        \
    {                                                                                       \
        uint64_t v;                                                                         \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                   \
        return v;                                                                           \
    }                                                                                       \
    static uint64_t try_write_cr##n(uint64_t v)                                             \
    {                                                                                       \
        __asm__ volatile(TRAP_PROBE_BEGIN "mov %0, %%cr" #n "\n"                            \
                         TRAP_PROBE_END : : "r"(v) : "r11", "memory");                      \
        return trap_vector;                                                                 \
    }
CR_ACCESSORS(0)
CR_ACCESSORS(3)
CR_ACCESSORS(4)

static uint64_t read_cr2(void)
{
    uint64_t v;

    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* An illegal write: #GP(0) and the register keeps its value. */
static void refused(const char *what, uint64_t (*write)(uint64_t), uint64_t (*read)(void),
                    uint64_t value)
{
    uint64_t before = read();

    want(write(value) == GP && trap_error == 0, what, value);
    want(read() == before, "a refused write changed the register", read());
}

static void control_registers(void)
{
    uint64_t efer = rdmsr(MSR_EFER), cr0 = read_cr0(), cr4 = read_cr4();

    want(try_wrmsr(MSR_EFER, efer) == NO_FAULT, "rewriting EFER unchanged faulted", efer);
    want(try_wrmsr(MSR_EFER, efer & ~EFER_LME) == GP, "clearing EFER.LME while paging", efer);
    want(rdmsr(MSR_EFER) == efer, "a refused EFER write changed EFER", rdmsr(MSR_EFER));

    refused("CR4 with reserved bit 63", try_write_cr4, read_cr4, cr4 | (1ull << 63));
    refused("CR4 without PAE in long mode", try_write_cr4, read_cr4, cr4 & ~CR4_PAE);
    want(try_write_cr4(cr4 ^ CR4_PGE) == NO_FAULT && read_cr4() == (cr4 ^ CR4_PGE),
         "toggling CR4.PGE", read_cr4());
    want(try_write_cr4(cr4) == NO_FAULT && read_cr4() == cr4, "restoring CR4", read_cr4());

    refused("CR0 with reserved bit 63", try_write_cr0, read_cr0, cr0 | (1ull << 63));
    refused("CR0.NW without CR0.CD", try_write_cr0, read_cr0, cr0 | CR0_NW);
    refused("CR0 without PG in 64-bit mode", try_write_cr0, read_cr0, cr0 & ~CR0_PG);
    want(try_write_cr0(cr0 | CR0_TS) == NO_FAULT && read_cr0() == (cr0 | CR0_TS),
         "setting CR0.TS", read_cr0());
    __asm__ volatile("clts");
    want(read_cr0() == cr0, "CLTS left CR0.TS set", read_cr0());
    /* LMSW sets TS here, but cannot clear PE (bit 0 of its operand is 0). */
    __asm__ volatile("lmsw %0" : : "r"((uint16_t)((cr0 | CR0_TS) & ~1ull)));
    want(read_cr0() == (cr0 | CR0_TS), "LMSW", read_cr0());
    __asm__ volatile("clts");

    refused("CR3 with reserved bit 62", try_write_cr3, read_cr3, read_cr3() | (1ull << 62));
}

struct string_io {
    uint64_t fault, rcx, rdi, rsi;
};

static struct string_io rep_insb(uint64_t rdi, uint64_t rcx, int backwards)
{
    struct string_io r;

    if (backwards)
        __asm__ volatile("std");
    __asm__ volatile(TRAP_PROBE_BEGIN "rep insb\n" TRAP_PROBE_END "cld\n"
                     : "+D"(rdi), "+c"(rcx) : "d"(PORT) : "r11", "memory");
    r = (struct string_io){ trap_vector, rcx, rdi, 0 };
    return r;
}

static void string_io(void)
{
    uintptr_t b = (uintptr_t)buf;
    struct string_io r;
    uint64_t rsi, rcx;
    int all_ones = 1;

    /* Forwards, many exits' worth: every byte all ones, RCX 0, RDI past the end. */
    buf[LONG] = 0x5a;
    r = rep_insb(b, LONG, 0);
    for (unsigned i = 0; i < LONG; i++)
        all_ones &= buf[i] == 0xff;
    want(r.fault == NO_FAULT && r.rcx == 0 && r.rdi == b + LONG, "REP INSB registers", r.rdi);
    want(all_ones && buf[LONG] == 0x5a, "REP INSB wrote other than 5000 bytes of 0xff", 0);

    /* Backwards (DF=1), words: 100 words ending at buf+200, RDI two bytes below buf. */
    for (unsigned i = 0; i < 256; i++)
        buf[i] = 0;
    {
        uint64_t rdi = b + 198, cnt = 100;
        __asm__ volatile("std\n" TRAP_PROBE_BEGIN "rep insw\n" TRAP_PROBE_END "cld\n"
                         : "+D"(rdi), "+c"(cnt) : "d"(PORT) : "r11", "memory");
        want(trap_vector == NO_FAULT && cnt == 0 && rdi == b - 2,
             "REP INSW with DF=1 registers", rdi);
        want(buf[0] == 0xff && buf[199] == 0xff && buf[200] == 0, "REP INSW with DF=1 bytes",
             buf[200]);
    }

    /* 32-bit address size: ECX counts, EDI addresses. */
    for (unsigned i = 0; i < 256; i++)
        buf[i] = 0;
    {
        uint64_t rdi = b, cnt = (1ull << 32) | 100;
        __asm__ volatile(TRAP_PROBE_BEGIN "addr32 rep insb\n" TRAP_PROBE_END
                         : "+D"(rdi), "+c"(cnt) : "d"(PORT) : "r11", "memory");
        want(trap_vector == NO_FAULT && (uint32_t)cnt == 0 && (uint32_t)rdi == b + 100,
             "addr32 REP INSB registers", rdi);
        want(buf[99] == 0xff && buf[100] == 0, "addr32 REP INSB took RCX's high half", buf[100]);
    }

    /* Out: RSI advances, RCX reaches 0. */
    rsi = b;
    rcx = LONG;
    __asm__ volatile(TRAP_PROBE_BEGIN "rep outsb\n" TRAP_PROBE_END
                     : "+S"(rsi), "+c"(rcx) : "d"(PORT) : "r11", "memory");
    want(trap_vector == NO_FAULT && rcx == 0 && rsi == b + LONG, "REP OUTSB registers", rsi);

    /* Non-canonical destination: #GP before any element, registers untouched. */
    r = rep_insb(1ull << 63, 10, 0);
    want(r.fault == GP && r.rcx == 10 && r.rdi == 1ull << 63, "REP INSB to a non-canonical "
         "address", r.rcx);
}

/* REP INS/OUTS running into a page the guest's own tables do not map. */
static void string_io_page_fault(void)
{
    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
    uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[0] & 0x000ffffffffff000ull);
    uint64_t saved = pd[HOLE >> 21], rsi, rcx;
    volatile uint8_t *before = (volatile uint8_t *)(uintptr_t)(HOLE - 100);
    struct string_io r;

    for (unsigned i = 0; i < 100; i++)
        before[i] = 0;
    pd[HOLE >> 21] = saved & ~PTE_P;
    __asm__ volatile("invlpg (%0)" : : "r"(HOLE) : "memory");

    r = rep_insb(HOLE - 100, LONG, 0);
    want(r.fault == PF && (trap_error & (PF_WRITE | PTE_P)) == PF_WRITE,
         "REP INSB into an unmapped page: #PF (write, not present)", trap_error);
    want(read_cr2() == HOLE, "REP INSB #PF: CR2", read_cr2());
    want(r.rcx == LONG - 100 && r.rdi == HOLE, "REP INSB #PF: RCX/RDI show the progress", r.rcx);
    want(before[0] == 0xff && before[99] == 0xff, "REP INSB #PF lost the elements before it",
         before[99]);

    rsi = HOLE - 100;
    rcx = LONG;
    __asm__ volatile(TRAP_PROBE_BEGIN "rep outsb\n" TRAP_PROBE_END
                     : "+S"(rsi), "+c"(rcx) : "d"(PORT) : "r11", "memory");
    want(trap_vector == PF && (trap_error & (PF_WRITE | PTE_P)) == 0,
         "REP OUTSB from an unmapped page: #PF (read, not present)", trap_error);
    want(rcx == LONG - 100 && rsi == HOLE, "REP OUTSB #PF: RCX/RSI show the progress", rcx);

    pd[HOLE >> 21] = saved;
    __asm__ volatile("invlpg (%0)" : : "r"(HOLE) : "memory");
}

void guest_main(struct guest_vcpu *v)
{
    if (v->start->mem_bytes < (32ull << 20))
        guest_fail("needs memory=32M");
    trap_install();
    control_registers();
    string_io();
    string_io_page_fault();
    guest_printf("cpu faithful: %u checks behave as on hardware\n", checks);
}
