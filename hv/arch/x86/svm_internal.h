/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the SVM files: exit handling and the guest-instruction helpers. */
#ifndef HV_SVM_INTERNAL_H
#define HV_SVM_INTERNAL_H

#include <stdint.h>

struct vcpu;

void svm_handle_exit(struct vcpu *v);
uint64_t svm_event_to_reinject(uint64_t exit_int_info);
/* Skips the intercepted instruction: NRIP when the CPU saves it, else its known length
 * (TCG has no NRIP save; hv's intercepted instructions have fixed encodings). */
void svm_skip_instruction(struct vcpu *v, unsigned len);
void svm_inject_exception(struct vcpu *v, unsigned vector, bool has_error, uint32_t error);

/* Port I/O exits (guest_io.c). */
void guest_io_exit(struct vcpu *v);
/* Control-register write exits, and TCG's error exit for a MOV to CR3 (guest_cr.c). */
void guest_cr_write_exit(struct vcpu *v);
bool guest_cr_invalid_exit(struct vcpu *v);

/* Guest CPUID and MSR emulation. */
void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t out[4]);
/* Return 0, or -1 when the guest must get #GP. */
int guest_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int guest_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);

#endif
