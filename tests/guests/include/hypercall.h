/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * VMMCALL wrappers for test guests, following the register convention of
 * hv/include/public/vireo.h: number in RAX, arguments in RDI, RSI, RDX, R10, R8,
 * result in RAX. hv preserves every other register.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include "public/vireo.h"

static inline int64_t hypercall5(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
                                 uint64_t a4, uint64_t a5)
{
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    int64_t ret;

    /* "memory": hv may read or write guest buffers the arguments point to. */
    __asm__ volatile("vmmcall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
                     : "memory");
    return ret;
}

static inline int64_t hypercall0(uint64_t nr)
{
    return hypercall5(nr, 0, 0, 0, 0, 0);
}

static inline int64_t hypercall1(uint64_t nr, uint64_t a1)
{
    return hypercall5(nr, a1, 0, 0, 0, 0);
}

static inline int64_t hypercall2(uint64_t nr, uint64_t a1, uint64_t a2)
{
    return hypercall5(nr, a1, a2, 0, 0, 0);
}

static inline int64_t hc_vcpu_id(void)
{
    return hypercall0(VIREO_HC_VCPU_ID);
}

static inline int64_t hc_domain_id(void)
{
    return hypercall0(VIREO_HC_DOMAIN_ID);
}

static inline int64_t hc_yield(void)
{
    return hypercall0(VIREO_HC_SCHED_YIELD);
}

static inline int64_t hc_block(uint64_t deadline_ns)
{
    return hypercall1(VIREO_HC_SCHED_BLOCK, deadline_ns);
}

static inline int64_t hc_shutdown(uint32_t reason)
{
    return hypercall1(VIREO_HC_SCHED_SHUTDOWN, reason);
}

static inline int64_t hc_console_write(const void *buf, uint64_t len)
{
    /* Guest RAM is identity-mapped, so a pointer is its own guest-physical address. */
    return hypercall2(VIREO_HC_CONSOLE_WRITE, (uintptr_t)buf, len);
}

#endif
