/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SVM vCPUs: VMCB set-up for domUs, architectural context in and out, and one round trip
 * into the guest. Exits are handled in svm_exit.c.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/mm.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/tlb.h"
#include "arch/cpu.h"
#include "arch/serial.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"
#include "vplat.h"

static uint64_t domu_iopm_pa, domu_msrpm_pa, dom0_iopm_pa, dom0_msrpm_pa;
static uint64_t next_vcpu_uid = 1;

void svm_vmrun(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_vmcb_pa);
extern const char svm_vmrun_resume[];

/* Sets (intercept) or clears (direct access) both permission bits of an MSR. */
static void msrpm_set(uint8_t *msrpm, uint32_t msr, bool intercept)
{
    uint32_t base;
    if (msr < 0x2000)
        base = 0;
    else if (msr - 0xc0000000u < 0x2000)
        base = 0x800, msr -= 0xc0000000u;
    else
        base = 0x1000, msr -= 0xc0010000u;
    uint8_t bits = 3u << ((msr % 4) * 2);
    msrpm[base + msr / 4] = intercept ? msrpm[base + msr / 4] | bits : msrpm[base + msr / 4] & ~bits;
}

/* dom0 owns the machine: it reaches every port and MSR directly except hv's log UART and
 * what would let it see or touch SVM, or the other CPUs' APICs. */
static void dom0_maps_init(void)
{
    uint8_t *iopm = page_alloc(3), *msrpm = page_alloc(2);
    HV_ASSERT(iopm && msrpm);
    for (unsigned port = serial_port(); port && port < serial_port() + 8u; port++)
        iopm[port / 8] |= 1u << (port % 8);
    static const uint32_t trapped[] = {MSR_EFER, MSR_APIC_BASE, MSR_VM_CR, 0xc0010115, 0xc0010116,
                                       MSR_VM_HSAVE_PA};
    for (unsigned i = 0; i < ARRAY_SIZE(trapped); i++)
        msrpm_set(msrpm, trapped[i], true);
    for (uint32_t msr = 0x800; msr < 0x900; msr++) /* x2APIC: not offered, keep it so */
        msrpm_set(msrpm, msr, true);
    dom0_iopm_pa = virt_to_phys(iopm);
    dom0_msrpm_pa = virt_to_phys(msrpm);
}

void svm_global_init(void)
{
    uint8_t *iopm = page_alloc(3), *msrpm = page_alloc(2);
    HV_ASSERT(iopm && msrpm);
    memset(iopm, 0xff, 3 * PAGE_SIZE);  /* every port exits */
    memset(msrpm, 0xff, 2 * PAGE_SIZE); /* every MSR exits ... */
    static const uint32_t direct[] = {MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR,
                                      MSR_LSTAR,   MSR_CSTAR,   MSR_SFMASK,         0x174,
                                      0x175,       0x176,       MSR_TSC_AUX};
    /* ... but those VMLOAD/VMSAVE switch, and TSC_AUX, which the vCPU switch moves: a
     * guest's RDTSCP reads it natively, and Linux sets it before it has an IDT. */
    for (unsigned i = 0; i < ARRAY_SIZE(direct); i++)
        msrpm_set(msrpm, direct[i], false);
    domu_iopm_pa = virt_to_phys(iopm);
    domu_msrpm_pa = virt_to_phys(msrpm);
    dom0_maps_init();
}

/*
 * dom0 runs as a passthrough guest (as Jailhouse's root cell): no INTR intercept and
 * V_INTR_MASKING clear, so physical interrupts go straight through its IDT; HLT, NMI and
 * the cache instructions stay native. INIT is intercepted because TCG acts on it even with
 * GIF clear and would reset hv's CPU.
 */
static void init_dom0_controls(struct vmcb_control *c)
{
    c->intercept_cr = 0;
    c->intercept_exceptions = 0;
    c->intercept_misc1 = SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_IOIO |
                         SVM_INTERCEPT_MSR | SVM_INTERCEPT_SHUTDOWN;
    c->iopm_base_pa = dom0_iopm_pa;
    c->msrpm_base_pa = dom0_msrpm_pa;
    c->int_ctl = 0;
}

static uint32_t asid_for(const struct domain *d)
{
    /* Distinct where possible; collisions are harmless because hv flushes the TLB
     * whenever a CPU switches vCPU (see arch_vcpu_run). */
    uint32_t n = cpu_features.nr_asids > 1 ? cpu_features.nr_asids - 1 : 1;
    return 1 + d->id % n;
}

int arch_vcpu_init(struct vcpu *v)
{
    struct vmcb *vmcb = page_alloc(1);
    uint32_t xsave_pages = (MAX(cpu_features.xsave_size, 576u) + PAGE_SIZE - 1) / PAGE_SIZE;
    void *xsave = page_alloc(xsave_pages);

    if (!vmcb || !xsave) {
        page_free(vmcb, 1);
        page_free(xsave, xsave_pages);
        return -VIREO_ENOMEM;
    }
    v->arch.vmcb = vmcb;
    v->arch.vmcb_pa = virt_to_phys(vmcb);
    if (v->dom->privileged && !(v->arch.vmcb_entered = page_alloc(1))) {
        page_free(vmcb, 1);
        page_free(xsave, xsave_pages);
        return -VIREO_ENOMEM;
    }
    v->arch.xsave = xsave;
    v->arch.xcr0 = 1; /* x87 only, the architectural reset value */
    /* MXCSR is loaded from the legacy area whenever SSE is restored: use its reset value. */
    *(uint32_t *)((char *)xsave + 24) = 0x1f80;
    v->arch.uid = __atomic_fetch_add(&next_vcpu_uid, 1, __ATOMIC_RELAXED);

    struct vmcb_control *c = &vmcb->control;
    /* CR0/CR4 writes: their reserved bits follow the guest's CPUID (guest_cr.c). */
    c->intercept_cr = SVM_INTERCEPT_CR_WRITE(0) | SVM_INTERCEPT_CR_WRITE(4);
    c->intercept_exceptions = (1u << X86_EXC_DB) | (1u << X86_EXC_AC); /* CVE-2015-5307/8104 */
    c->intercept_misc1 = SVM_INTERCEPT_INTR | SVM_INTERCEPT_NMI | SVM_INTERCEPT_SMI |
                         SVM_INTERCEPT_INIT | SVM_INTERCEPT_CPUID | SVM_INTERCEPT_INVD |
                         SVM_INTERCEPT_HLT | SVM_INTERCEPT_IOIO | SVM_INTERCEPT_MSR |
                         SVM_INTERCEPT_SHUTDOWN;
    c->intercept_misc2 = SVM_INTERCEPT_VMRUN | SVM_INTERCEPT_VMMCALL | SVM_INTERCEPT_VMLOAD |
                         SVM_INTERCEPT_VMSAVE | SVM_INTERCEPT_STGI | SVM_INTERCEPT_CLGI |
                         SVM_INTERCEPT_SKINIT | SVM_INTERCEPT_MONITOR | SVM_INTERCEPT_MWAIT |
                         SVM_INTERCEPT_MWAIT_COND | SVM_INTERCEPT_XSETBV | SVM_INTERCEPT_RDPRU;
    c->iopm_base_pa = domu_iopm_pa;
    c->msrpm_base_pa = domu_msrpm_pa;
    c->asid = asid_for(v->dom);
    c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
    c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
    c->nested_cr3 = v->dom->npt.root_pa;
    vmcb->save.g_pat = 0x0007040600070406ull;
    if (v->dom->privileged)
        init_dom0_controls(c);
    vplat_vcpu_init(v);
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    uint32_t xsave_pages = (MAX(cpu_features.xsave_size, 576u) + PAGE_SIZE - 1) / PAGE_SIZE;
    page_free(v->arch.vmcb, 1);
    page_free(v->arch.vmcb_entered, 1);
    page_free(v->arch.xsave, xsave_pages);
}

static void seg_in(struct vmcb_seg *s, const struct vireo_segment *c)
{
    s->selector = c->selector;
    s->attrib = c->attrib;
    s->limit = c->limit;
    s->base = c->base;
}

static void seg_out(struct vireo_segment *c, const struct vmcb_seg *s)
{
    c->selector = s->selector;
    c->attrib = s->attrib;
    c->limit = s->limit;
    c->base = s->base;
}

int arch_vcpu_set_context(struct vcpu *v, const struct vireo_vcpu_context *ctx)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_regs *r = &v->arch.regs;

    if (ctx->efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
        return -VIREO_EINVAL;
    if ((ctx->cr0 & X86_CR0_PG) && !(ctx->cr0 & X86_CR0_PE))
        return -VIREO_EINVAL;
    r->rbx = ctx->rbx, r->rcx = ctx->rcx, r->rdx = ctx->rdx, r->rsi = ctx->rsi;
    r->rdi = ctx->rdi, r->rbp = ctx->rbp, r->r8 = ctx->r8, r->r9 = ctx->r9;
    r->r10 = ctx->r10, r->r11 = ctx->r11, r->r12 = ctx->r12, r->r13 = ctx->r13;
    r->r14 = ctx->r14, r->r15 = ctx->r15;
    s->rax = ctx->rax;
    s->rsp = ctx->rsp;
    s->rip = ctx->rip;
    s->rflags = ctx->rflags | X86_RFLAGS_FIXED;
    s->cr0 = ctx->cr0;
    s->cr2 = ctx->cr2;
    s->cr3 = ctx->cr3;
    s->cr4 = ctx->cr4;
    s->efer = ctx->efer | EFER_SVME; /* VMRUN requires it; CPUID/MSR emulation hide it */
    s->dr6 = ctx->dr6;
    s->dr7 = ctx->dr7;
    seg_in(&s->cs, &ctx->cs);
    seg_in(&s->ds, &ctx->ds);
    seg_in(&s->es, &ctx->es);
    seg_in(&s->fs, &ctx->fs);
    seg_in(&s->gs, &ctx->gs);
    seg_in(&s->ss, &ctx->ss);
    seg_in(&s->tr, &ctx->tr);
    seg_in(&s->ldtr, &ctx->ldtr);
    s->cpl = (ctx->ss.attrib >> 5) & 3;
    s->gdtr.base = ctx->gdtr_base, s->gdtr.limit = ctx->gdtr_limit;
    s->idtr.base = ctx->idtr_base, s->idtr.limit = ctx->idtr_limit;
    s->star = ctx->star, s->lstar = ctx->lstar, s->cstar = ctx->cstar;
    s->sfmask = ctx->sfmask, s->kernel_gs_base = ctx->kernel_gs_base;
    s->sysenter_cs = ctx->sysenter_cs, s->sysenter_esp = ctx->sysenter_esp;
    s->sysenter_eip = ctx->sysenter_eip;
    s->g_pat = ctx->pat ? ctx->pat : 0x0007040600070406ull;
    v->arch.vmcb->control.event_inj = 0;
    v->arch.vmcb->control.int_state = 0;
    v->arch.initialised = true;
    return 0;
}

/*
 * A start-up IPI: the AP begins in real mode at vector << 12 (CS = vector << 8, IP = 0),
 * with the rest of the state INIT leaves (APM vol. 2, 14.1.3). NPT runs it unpaged.
 */
void svm_vcpu_start_real_mode(struct vcpu *v, uint8_t vector)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_save *s = &vmcb->save;
    const struct vmcb_seg data = {0, 0x93, 0xffff, 0}; /* present, writable, accessed */

    memset(&v->arch.regs, 0, sizeof(v->arch.regs));
    s->cs = (struct vmcb_seg){(uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12};
    s->ds = s->es = s->fs = s->gs = s->ss = data;
    s->gdtr = s->idtr = (struct vmcb_seg){0, 0, 0xffff, 0};
    s->ldtr = (struct vmcb_seg){0, 0x82, 0xffff, 0};
    s->tr = (struct vmcb_seg){0, 0x8b, 0xffff, 0};
    s->cpl = 0;
    s->rip = 0;
    s->rsp = 0;
    s->rax = 0;
    s->rflags = X86_RFLAGS_FIXED;
    s->cr0 = X86_CR0_ET;
    s->cr2 = s->cr3 = s->cr4 = 0;
    s->efer = EFER_SVME; /* hidden from the guest, needed by VMRUN */
    s->dr6 = 0xffff0ff0;
    s->dr7 = 0x400;
    s->g_pat = 0x0007040600070406ull;
    vmcb->control.event_inj = 0;
    vmcb->control.int_state = 0;
    v->arch.xcr0 = 1;
    v->arch.npt_gen = ~0ull; /* flush on entry */
    v->arch.initialised = true;
}

void arch_vcpu_get_context(struct vcpu *v, struct vireo_vcpu_context *ctx)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    const struct guest_regs *r = &v->arch.regs;

    memset(ctx, 0, sizeof(*ctx));
    ctx->rbx = r->rbx, ctx->rcx = r->rcx, ctx->rdx = r->rdx, ctx->rsi = r->rsi;
    ctx->rdi = r->rdi, ctx->rbp = r->rbp, ctx->r8 = r->r8, ctx->r9 = r->r9;
    ctx->r10 = r->r10, ctx->r11 = r->r11, ctx->r12 = r->r12, ctx->r13 = r->r13;
    ctx->r14 = r->r14, ctx->r15 = r->r15;
    ctx->rax = s->rax, ctx->rsp = s->rsp, ctx->rip = s->rip, ctx->rflags = s->rflags;
    ctx->cr0 = s->cr0, ctx->cr2 = s->cr2, ctx->cr3 = s->cr3, ctx->cr4 = s->cr4;
    ctx->efer = s->efer & ~EFER_SVME;
    ctx->dr6 = s->dr6, ctx->dr7 = s->dr7;
    seg_out(&ctx->cs, &s->cs);
    seg_out(&ctx->ds, &s->ds);
    seg_out(&ctx->es, &s->es);
    seg_out(&ctx->fs, &s->fs);
    seg_out(&ctx->gs, &s->gs);
    seg_out(&ctx->ss, &s->ss);
    seg_out(&ctx->tr, &s->tr);
    seg_out(&ctx->ldtr, &s->ldtr);
    ctx->gdtr_base = s->gdtr.base, ctx->gdtr_limit = s->gdtr.limit;
    ctx->idtr_base = s->idtr.base, ctx->idtr_limit = s->idtr.limit;
    ctx->star = s->star, ctx->lstar = s->lstar, ctx->cstar = s->cstar;
    ctx->sfmask = s->sfmask, ctx->kernel_gs_base = s->kernel_gs_base;
    ctx->sysenter_cs = s->sysenter_cs, ctx->sysenter_esp = s->sysenter_esp;
    ctx->sysenter_eip = s->sysenter_eip;
    ctx->pat = s->g_pat;
    ctx->flags = v->id < v->dom->nr_online ? VIREO_VCPUF_ONLINE : 0;
}

/*
 * QEMU's TCG (7.2) at times enters dom0 with hv's own state: the VMCB then holds the host
 * state VMRUN saved (hv's CR3, RIP at svm_vmrun_resume) and dom0 faults on its first
 * fetch, having run nothing. Seen in 4 of 14 runs of a node whose two domUs moved
 * 4 x 64 MiB over TCP through their device models; the cause inside the emulator is not
 * known. hv keeps dom0's VMCB as it entered and, on that exact signature, puts it back and
 * enters again (docs/hv.md).
 */
static bool dom0_entered_with_hv_state(const struct vcpu *v)
{
    const struct vmcb *vmcb = v->arch.vmcb;

    return v->arch.vmcb_entered && vmcb->control.exit_code == SVM_EXIT_NPF &&
           vmcb->save.cr3 == hv_cr3 && vmcb->save.rip == (uint64_t)svm_vmrun_resume;
}

static void vmrun_dom0(struct vcpu *v, struct cpu *c)
{
    struct vmcb *vmcb = v->arch.vmcb;
    static uint32_t reentries;

    for (unsigned tries = 0;; tries++) {
        memcpy(v->arch.vmcb_entered, vmcb, sizeof(*vmcb));
        svm_vmrun(&v->arch.regs, v->arch.vmcb_pa, c->host_vmcb_pa);
        if (tries == 3 || !dom0_entered_with_hv_state(v))
            return; /* a fourth time in a row is left to svm_handle_exit's check */
        /* An interrupt the CPU took for dom0 during that entry was lost with it: deliver it
         * now, or its vector stays in service and dom0 hears nothing more below it. */
        uint64_t lost = vmcb->control.exit_int_info;
        uint64_t npf_error = vmcb->control.exit_info_1, npf_gpa = vmcb->control.exit_info_2;
        uint64_t entered_rip = v->arch.vmcb_entered->save.rip;
        /* Who wrote hv's state there: VMRUN saves the host's RSP and RAX (the VMCB it ran)
         * with CR3 and RIP, so these name the CPU and the VMRUN. */
        uint64_t bogus_rsp = vmcb->save.rsp, bogus_rax = vmcb->save.rax, here = (uint64_t)&tries;
        memcpy(vmcb, v->arch.vmcb_entered, sizeof(*vmcb));
        if (lost & SVM_EVTINJ_VALID)
            vmcb->control.event_inj = svm_event_to_reinject(lost);
        vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
        uint32_t n = __atomic_add_fetch(&reentries, 1, __ATOMIC_RELAXED);
        if (n <= 4)
            /* What the next look at this fault needs: where the walk stopped, the event it
             * carried, and where dom0 was entered (issue 7's note). */
            hv_log("d0: VMRUN entered hv's own state (an emulator fault); dom0's VMCB is put "
                   "back and entered again (%u so far%s): npf gpa 0x%llx error 0x%llx, "
                   "int_info 0x%llx, dom0 rip 0x%llx; that state's rsp 0x%llx rax 0x%llx "
                   "(this CPU %u: stack near 0x%llx, dom0 VMCB 0x%llx, hsave 0x%llx)",
                   n, n == 4 ? ", no more logged" : "", (unsigned long long)npf_gpa,
                   (unsigned long long)npf_error, (unsigned long long)lost,
                   (unsigned long long)entered_rip, (unsigned long long)bogus_rsp,
                   (unsigned long long)bogus_rax, c->index, (unsigned long long)here,
                   (unsigned long long)v->arch.vmcb_pa, (unsigned long long)c->hsave_pa);
    }
}

void arch_vcpu_run(struct vcpu *v)
{
    struct cpu *c = this_cpu();
    struct vmcb *vmcb = v->arch.vmcb;

    /* A vCPU waiting for its device model stays out of guest mode until the answer is in
     * and its instruction is done: no interrupt may come between. */
    if (vdm_waiting(v) && !vdm_resume(v)) {
        sched_block(v, 0);
        return;
    }
    /* Timers and interrupts before guest mode is entered (and locks may be taken). */
    if (v->dom->arch.plat)
        virq_before_entry(v);
    else if (!v->dom->privileged)
        sched_guest_timer(~0ull); /* the timer may have fired early for this slice */
    uint64_t gen = tlb_guest_enter(c, v->dom);

    /* TCG honours only a full flush (and no flush-by-ASID): flush whenever this CPU last
     * ran another vCPU or the domain's nested tables lost mappings since. */
    if (c->last_vmrun_uid != v->arch.uid || v->arch.npt_gen != gen) {
        vmcb->control.tlb_control = SVM_TLB_FLUSH_ALL;
        c->last_vmrun_uid = v->arch.uid;
        v->arch.npt_gen = gen;
    }
    vmcb->control.clean_bits = 0;
    if (v->dom->privileged)
        vmrun_dom0(v, c);
    else
        svm_vmrun(&v->arch.regs, v->arch.vmcb_pa, c->host_vmcb_pa);
    tlb_guest_exit(c);
    vmcb->control.tlb_control = 0;
    svm_handle_exit(v);
}

/* Every component is saved and restored whatever the guest's XCR0: legacy SSE works
 * with XCR0 = x87 only, and one guest's registers must never reach another. */
void arch_vcpu_switch_in(struct vcpu *v)
{
    if (cpu_features.rdtscp)
        wrmsr(MSR_TSC_AUX, v->arch.tsc_aux);
    if (!cpu_features.xsave) {
        __asm__ volatile("fxrstor64 (%0)" ::"r"(v->arch.xsave) : "memory");
        return;
    }
    xsetbv(0, cpu_features.xcr0_supported);
    __asm__ volatile("xrstor64 (%0)" ::"r"(v->arch.xsave), "a"(~0u), "d"(~0u) : "memory");
    xsetbv(0, v->arch.xcr0);
}

void arch_vcpu_switch_out(struct vcpu *v)
{
    if (cpu_features.rdtscp)
        v->arch.tsc_aux = rdmsr(MSR_TSC_AUX);
    if (!cpu_features.xsave) {
        __asm__ volatile("fxsave64 (%0)" ::"r"(v->arch.xsave) : "memory");
        return;
    }
    /* TCG runs a guest's XSETBV without the intercept: XCR0 itself is the truth. */
    v->arch.xcr0 = xgetbv(0);
    xsetbv(0, cpu_features.xcr0_supported);
    __asm__ volatile("xsave64 (%0)" ::"r"(v->arch.xsave), "a"(~0u), "d"(~0u) : "memory");
}
