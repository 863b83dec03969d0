/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SVM exit codes grouped into the kinds dom0 reads per domain (VIREO_HC_DOMAIN_GET_EXIT_STATS).
 * Pure, so the host unit tests check the grouping.
 */
#include "public/vireo.h"
#include "arch/svm.h"
#include "arch/svm_exit_kind.h"

unsigned svm_exit_kind(uint32_t code, uint64_t info1)
{
    switch (code) {
    case SVM_EXIT_INTR:
        return VIREO_EXIT_INTR;
    case SVM_EXIT_NMI:
    case SVM_EXIT_SMI:
    case SVM_EXIT_INIT:
        return VIREO_EXIT_NMI;
    case SVM_EXIT_VINTR:
        return VIREO_EXIT_VINTR;
    case SVM_EXIT_HLT:
        return VIREO_EXIT_HLT;
    case SVM_EXIT_IOIO:
        return VIREO_EXIT_IO;
    case SVM_EXIT_MSR:
        return info1 ? VIREO_EXIT_MSR_WRITE : VIREO_EXIT_MSR_READ; /* APM: 1 = WRMSR */
    case SVM_EXIT_CPUID:
        return VIREO_EXIT_CPUID;
    case SVM_EXIT_VMMCALL:
        return VIREO_EXIT_HYPERCALL;
    case SVM_EXIT_NPF:
        return VIREO_EXIT_NPF;
    case SVM_EXIT_WRITE_CR0:
    case SVM_EXIT_WRITE_CR4:
        return VIREO_EXIT_CR_WRITE;
    case SVM_EXIT_SHUTDOWN:
        return VIREO_EXIT_SHUTDOWN;
    }
    if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
        return VIREO_EXIT_EXCEPTION;
    return VIREO_EXIT_OTHER;
}
