/* SPDX-License-Identifier: GPL-2.0-only */
/* CPU features hv needs, and per-CPU setup: descriptor tables, control registers, SVM. */
#include "hv/hv.h"
#include "hv/mm.h"
#include "hv/percpu.h"
#include "arch/cpu.h"
#include "arch/traps.h"
#include "arch/x86.h"

struct cpu_features cpu_features;

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)

void cpu_check_features(void)
{
    uint32_t r[4];

    cpuid_count(0x80000000, 0, r);
    uint32_t max_ext = r[0];
    cpuid_count(0x80000001, 0, r);
    cpu_features.svm = r[2] & (1u << 2);
    cpu_features.nx = r[3] & (1u << 20);
    cpu_features.pdpe1gb = r[3] & (1u << 26);
    cpu_features.rdtscp = r[3] & (1u << 27);
    if (!cpu_features.svm)
        hv_fatal("this CPU lacks AMD-V (SVM); hv needs SVM with nested paging (NPT)");
    if ((rdmsr(MSR_VM_CR) & VM_CR_SVMDIS))
        hv_fatal("AMD-V (SVM) is disabled by the firmware (VM_CR.SVMDIS)");
    if (max_ext >= 0x8000000a) {
        cpuid_count(0x8000000a, 0, r);
        cpu_features.nr_asids = r[1];
        cpu_features.npt = r[3] & (1u << 0);
        cpu_features.nrips = r[3] & (1u << 3);
        cpu_features.flush_by_asid = r[3] & (1u << 6);
    }
    if (!cpu_features.npt)
        hv_fatal("this CPU lacks nested paging (NPT); hv needs SVM with nested paging");
    if (!cpu_features.nx)
        hv_fatal("this CPU lacks the NX bit");

    cpuid_count(1, 0, r);
    cpu_features.xsave = r[2] & (1u << 26);
    if (cpu_features.xsave) {
        cpuid_count(0xd, 0, r);
        cpu_features.xcr0_supported = (((uint64_t)r[3] << 32) | r[0]) &
                                      (XCR0_X87 | XCR0_SSE | XCR0_AVX);
        cpu_features.xsave_size = r[2];
    }
    hv_log("CPU: SVM with NPT, %u ASIDs%s%s, XCR0 mask 0x%lx", cpu_features.nr_asids,
           cpu_features.nrips ? ", NRIP save" : "",
           cpu_features.flush_by_asid ? ", flush by ASID" : "",
           (unsigned long)cpu_features.xcr0_supported);
}

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));

static void load_descriptor_tables(struct cpu *c)
{
    struct tss64 *tss = (struct tss64 *)c->tss;
    const unsigned ist_pages = 2;

    memset(tss, 0, sizeof(*tss));
    for (int i = 0; i < 3; i++) {
        uint8_t *stack = page_alloc(ist_pages);
        HV_ASSERT(stack);
        tss->ist[i] = (uint64_t)(stack + ist_pages * PAGE_SIZE);
    }
    tss->iomap_base = sizeof(*tss);

    uint64_t base = (uint64_t)tss, limit = sizeof(*tss) - 1;
    c->gdt[0] = 0;
    c->gdt[1] = 0x00af9a000000ffffull; /* 0x08: 64-bit code */
    c->gdt[2] = 0x00cf92000000ffffull; /* 0x10: data */
    c->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
                (((base >> 24) & 0xff) << 56); /* 0x18: available 64-bit TSS */
    c->gdt[4] = base >> 32;

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) gdtr = {5 * 8 - 1, (uint64_t)c->gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "pushq $0x08\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1: mov $0x10, %%eax\n\t"
                     "mov %%eax, %%ds\n\t"
                     "mov %%eax, %%es\n\t"
                     "mov %%eax, %%ss\n\t"
                     "mov $0x18, %%eax\n\t"
                     "ltr %%ax" ::"m"(gdtr)
                     : "rax", "memory");
    idt_load();
}

static void enable_svm(struct cpu *c)
{
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME | EFER_NXE);
    void *hsave = page_alloc(1), *host = page_alloc(1);
    HV_ASSERT(hsave && host);
    c->hsave_pa = virt_to_phys(hsave);
    c->host_vmcb_pa = virt_to_phys(host);
    wrmsr(MSR_VM_HSAVE_PA, c->hsave_pa);
    /* hv's own FS/GS/TR/LDTR/syscall MSRs, reloaded after every #VMEXIT. */
    __asm__ volatile("vmsave %%rax" ::"a"(c->host_vmcb_pa) : "memory");
}

void cpu_set_gs(struct cpu *c)
{
    c->self = c;
    wrmsr(MSR_GS_BASE, (uint64_t)c);
}

void cpu_init(struct cpu *c)
{
    cpu_set_gs(c);
    load_descriptor_tables(c);

    uint64_t cr4 = read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_PGE;
    if (cpu_features.xsave)
        cr4 |= X86_CR4_OSXSAVE;
    write_cr4(cr4);
    write_cr0((read_cr0() | X86_CR0_NE | X86_CR0_MP | X86_CR0_WP) & ~(X86_CR0_EM | X86_CR0_TS));
    if (cpu_features.xsave)
        xsetbv(0, cpu_features.xcr0_supported);
    enable_svm(c);
}
