/* SPDX-License-Identifier: GPL-2.0-only */
/* Where the AP start-up code runs, and the variables the BSP hands each AP. */
#ifndef HV_ARCH_TRAMPOLINE_H
#define HV_ARCH_TRAMPOLINE_H

#define TRAMPOLINE_BASE 0x8000 /* SIPI vector 0x08 */

#ifndef __ASSEMBLER__
#include <stdint.h>
struct trampoline_vars {
    uint64_t cr3, stack, entry, cpu;
};
extern const char trampoline_start[], trampoline_end[], tramp_vars[];
#endif

#endif
