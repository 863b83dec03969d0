/* SPDX-License-Identifier: GPL-2.0-only */
/* Which public exit kind (VIREO_EXIT_*) an SVM exit code counts as. */
#ifndef HV_ARCH_SVM_EXIT_KIND_H
#define HV_ARCH_SVM_EXIT_KIND_H

#include <stdint.h>

/* info1 is the exit's EXITINFO1 (it tells an MSR write from a read). Never fails: a code
 * with no kind of its own is VIREO_EXIT_OTHER. */
unsigned svm_exit_kind(uint32_t code, uint64_t info1);

#endif
