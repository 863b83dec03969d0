/* SPDX-License-Identifier: GPL-2.0-only */
/* AMD SVM: the VMCB layout (APM vol. 2, appendix B), intercept bits and exit codes. */
#ifndef HV_ARCH_SVM_H
#define HV_ARCH_SVM_H

#include <stdint.h>

struct vmcb_seg {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;
    uint64_t base;
};

struct vmcb_control {
    uint32_t intercept_cr;  /* reads in 15:0, writes in 31:16 */
    uint32_t intercept_dr;
    uint32_t intercept_exceptions;
    uint32_t intercept_misc1;
    uint32_t intercept_misc2;
    uint32_t intercept_misc3;
    uint8_t reserved1[0x3c - 0x18];
    uint16_t pause_filter_threshold;
    uint16_t pause_filter_count;
    uint64_t iopm_base_pa;
    uint64_t msrpm_base_pa;
    uint64_t tsc_offset;
    uint32_t asid;
    uint8_t tlb_control;
    uint8_t reserved2[3];
    uint64_t int_ctl; /* V_TPR, V_IRQ, V_INTR_PRIO, V_IGN_TPR, V_INTR_MASKING, V_INTR_VECTOR */
    uint64_t int_state; /* bit 0: interrupt shadow */
    uint64_t exit_code;
    uint64_t exit_info_1;
    uint64_t exit_info_2;
    uint64_t exit_int_info;
    uint64_t nested_ctl;
    uint64_t avic_apic_bar;
    uint64_t ghcb_gpa;
    uint64_t event_inj;
    uint64_t nested_cr3;
    uint64_t virt_ext;
    uint32_t clean_bits;
    uint32_t reserved3;
    uint64_t next_rip;
    uint8_t insn_len;
    uint8_t insn_bytes[15];
    uint8_t reserved4[0x400 - 0xe0];
};

struct vmcb_save {
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr;
    uint8_t reserved1[0xcb - 0xa0];
    uint8_t cpl;
    uint32_t reserved2;
    uint64_t efer;
    uint8_t reserved3[0x148 - 0xd8];
    uint64_t cr4, cr3, cr0, dr7, dr6, rflags, rip;
    uint8_t reserved4[0x1d8 - 0x180];
    uint64_t rsp;
    uint8_t reserved5[0x1f8 - 0x1e0];
    uint64_t rax;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t cr2;
    uint8_t reserved6[0x268 - 0x248];
    uint64_t g_pat;
    uint64_t dbgctl;
    uint64_t br_from, br_to, last_excp_from, last_excp_to;
};

struct vmcb {
    struct vmcb_control control;
    struct vmcb_save save;
} __attribute__((aligned(4096)));

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area size");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "VMCB efer");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr4) == 0x548, "VMCB cr4");
_Static_assert(__builtin_offsetof(struct vmcb, save.rsp) == 0x5d8, "VMCB rsp");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "VMCB rax");
_Static_assert(__builtin_offsetof(struct vmcb, save.cr2) == 0x640, "VMCB cr2");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB g_pat");

/* intercept_cr */
#define SVM_INTERCEPT_CR_WRITE(n) (1u << (16 + (n)))
/* intercept_misc1 */
#define SVM_INTERCEPT_INTR (1u << 0)
#define SVM_INTERCEPT_NMI (1u << 1)
#define SVM_INTERCEPT_SMI (1u << 2)
#define SVM_INTERCEPT_INIT (1u << 3)
#define SVM_INTERCEPT_VINTR (1u << 4)
#define SVM_INTERCEPT_CPUID (1u << 18)
#define SVM_INTERCEPT_INVD (1u << 22)
#define SVM_INTERCEPT_HLT (1u << 24)
#define SVM_INTERCEPT_IOIO (1u << 27)
#define SVM_INTERCEPT_MSR (1u << 28)
#define SVM_INTERCEPT_SHUTDOWN (1u << 31)
/* intercept_misc2 */
#define SVM_INTERCEPT_VMRUN (1u << 0)
#define SVM_INTERCEPT_VMMCALL (1u << 1)
#define SVM_INTERCEPT_VMLOAD (1u << 2)
#define SVM_INTERCEPT_VMSAVE (1u << 3)
#define SVM_INTERCEPT_STGI (1u << 4)
#define SVM_INTERCEPT_CLGI (1u << 5)
#define SVM_INTERCEPT_SKINIT (1u << 6)
#define SVM_INTERCEPT_MONITOR (1u << 10)
#define SVM_INTERCEPT_MWAIT (1u << 11)
#define SVM_INTERCEPT_MWAIT_COND (1u << 12)
#define SVM_INTERCEPT_XSETBV (1u << 13)
#define SVM_INTERCEPT_RDPRU (1u << 14)

#define SVM_INT_CTL_V_IRQ (1ull << 8)
#define SVM_INT_CTL_V_INTR_PRIO(p) ((uint64_t)(p) << 16)
#define SVM_INT_CTL_V_IGN_TPR (1ull << 20)
#define SVM_INT_CTL_V_INTR_MASKING (1ull << 24)
#define SVM_NESTED_CTL_NP_ENABLE (1ull << 0)
#define SVM_TLB_FLUSH_ALL 1

/* EVENTINJ / EXITINTINFO */
#define SVM_EVTINJ_VALID (1ull << 31)
#define SVM_EVTINJ_VALID_ERR (1ull << 11)
#define SVM_EVTINJ_TYPE_INTR (0ull << 8)
#define SVM_EVTINJ_TYPE_NMI (2ull << 8)
#define SVM_EVTINJ_TYPE_EXC (3ull << 8)
#define SVM_EVTINJ_TYPE_MASK (7ull << 8)
#define SVM_EVTINJ_VECTOR_MASK 0xffull

/* Exit codes (compare the low 32 bits: TCG zero-extends VMEXIT_INVALID). */
#define SVM_EXIT_WRITE_CR0 0x10
#define SVM_EXIT_WRITE_CR4 0x14
#define SVM_EXIT_EXCP_BASE 0x40
#define SVM_EXIT_INTR 0x60
#define SVM_EXIT_NMI 0x61
#define SVM_EXIT_SMI 0x62
#define SVM_EXIT_INIT 0x63
#define SVM_EXIT_VINTR 0x64
#define SVM_EXIT_CPUID 0x72
#define SVM_EXIT_INVD 0x76
#define SVM_EXIT_HLT 0x78
#define SVM_EXIT_IOIO 0x7b
#define SVM_EXIT_MSR 0x7c
#define SVM_EXIT_SHUTDOWN 0x7f
#define SVM_EXIT_VMRUN 0x80
#define SVM_EXIT_VMMCALL 0x81
#define SVM_EXIT_VMLOAD 0x82
#define SVM_EXIT_VMSAVE 0x83
#define SVM_EXIT_STGI 0x84
#define SVM_EXIT_CLGI 0x85
#define SVM_EXIT_SKINIT 0x86
#define SVM_EXIT_MONITOR 0x8a
#define SVM_EXIT_MWAIT 0x8b
#define SVM_EXIT_MWAIT_COND 0x8c
#define SVM_EXIT_XSETBV 0x8d
#define SVM_EXIT_RDPRU 0x8e
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffu

/* NPF exit_info_1 bits (a #PF error code plus where the fault happened). */
#define NPF_WRITE (1ull << 1)
#define NPF_FETCH (1ull << 4)

#endif
