/* SPDX-License-Identifier: GPL-2.0-only */
/* x86 architectural constants and the thin inline wrappers around privileged instructions. */
#ifndef HV_ARCH_X86_H
#define HV_ARCH_X86_H

#include <stdint.h>

#define X86_CR0_PE (1ul << 0)
#define X86_CR0_MP (1ul << 1)
#define X86_CR0_EM (1ul << 2)
#define X86_CR0_TS (1ul << 3)
#define X86_CR0_ET (1ul << 4)
#define X86_CR0_NE (1ul << 5)
#define X86_CR0_WP (1ul << 16)
#define X86_CR0_AM (1ul << 18)
#define X86_CR0_NW (1ul << 29)
#define X86_CR0_CD (1ul << 30)
#define X86_CR0_PG (1ul << 31)

#define X86_CR4_PAE (1ul << 5)
#define X86_CR4_PGE (1ul << 7)
#define X86_CR4_OSFXSR (1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)
#define X86_CR4_OSXSAVE (1ul << 18)

#define X86_RFLAGS_IF (1ul << 9)
#define X86_RFLAGS_FIXED (1ul << 1)

#define MSR_EFER 0xc0000080
#define EFER_SCE (1ul << 0)
#define EFER_LME (1ul << 8)
#define EFER_LMA (1ul << 10)
#define EFER_NXE (1ul << 11)
#define EFER_SVME (1ul << 12)
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX 0xc0000103
#define MSR_VM_CR 0xc0010114
#define VM_CR_SVMDIS (1ul << 4)
#define MSR_VM_HSAVE_PA 0xc0010117
#define MSR_APIC_BASE 0x1b
#define MSR_PAT 0x277
#define MSR_TSC 0x10

/* Page table entry bits (hv paging and NPT share them). */
#define PTE_P (1ul << 0)
#define PTE_W (1ul << 1)
#define PTE_U (1ul << 2)
#define PTE_PWT (1ul << 3)
#define PTE_PCD (1ul << 4)
#define PTE_A (1ul << 5)
#define PTE_D (1ul << 6)
#define PTE_PS (1ul << 7)
#define PTE_G (1ul << 8)
#define PTE_AVL0 (1ul << 9)
#define PTE_NX (1ul << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ul

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ul << PAGE_SHIFT)
#define LARGE_PAGE_SHIFT 21
#define LARGE_PAGE_SIZE (1ul << LARGE_PAGE_SHIFT)
#define HUGE_PAGE_SIZE (1ul << 30)

/* Exception vectors. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_AC 17
#define X86_EXC_MC 18

/* hv's own interrupt vectors. */
#define HV_VECTOR_TIMER 0xf0   /* local APIC timer: scheduler tick */
#define HV_VECTOR_RESCHED 0xf1 /* another CPU asks this one to reschedule */
#define HV_VECTOR_HALT 0xf2    /* hv panicked on another CPU: stop */
#define HV_VECTOR_KICK 0xf3    /* leave guest mode now (TLB shootdown); nothing else */
#define HV_VECTOR_SPURIOUS 0xff

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

#define DEFINE_CR(n)                                                                           \
    static inline uint64_t read_cr##n(void)                                                    \
    {                                                                                          \
        uint64_t v;                                                                            \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                      \
        return v;                                                                              \
    }                                                                                          \
    static inline void write_cr##n(uint64_t v)                                                 \
    {                                                                                          \
        __asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");                               \
    }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void xsetbv(uint32_t idx, uint64_t v)
{
    __asm__ volatile("xsetbv" ::"c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t xgetbv(uint32_t idx)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(idx));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("cli" ::: "memory");
}

static inline void irq_enable(void)
{
    __asm__ volatile("sti" ::: "memory");
}

/* Lets interrupts that are pending right now run, then masks them again. */
static inline void irq_window(void)
{
    __asm__ volatile("sti; nop; cli" ::: "memory");
}

static inline uint64_t read_rflags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    return f;
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif
