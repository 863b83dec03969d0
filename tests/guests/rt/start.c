/* SPDX-License-Identifier: GPL-2.0-only */
/* From the entry stub to the guest's own code, and the ways a guest stops. */
#include "guest.h"

void rt_start(const struct vireo_start_info *si, uint64_t index);

__attribute__((weak)) void guest_secondary(struct guest_vcpu *v)
{
    (void)v;
}

void rt_start(const struct vireo_start_info *si, uint64_t index)
{
    struct guest_vcpu v = { .index = (unsigned)index, .start = si };

    /* Only vCPU 0 reports: a bad start state would otherwise print once per vCPU. */
    if (si->magic != VIREO_START_MAGIC) {
        if (index == 0)
            guest_fail("start info at %p has magic 0x%x, want 0x%x", (const void *)si,
                       si->magic, VIREO_START_MAGIC);
        guest_park();
    }
    if (index == 0) {
        guest_main(&v);
        guest_poweroff();
    }
    guest_secondary(&v);
    guest_park();
}

static _Noreturn void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* SCHED_SHUTDOWN does not return; if it does, say so where the tests look. */
static _Noreturn void shut_down(uint32_t reason, const char *what)
{
    int64_t rc = hc_shutdown(reason);

    guest_printf("FAIL: SCHED_SHUTDOWN(%s) returned %lld\n", what, (long long)rc);
    halt_forever();
}

_Noreturn void guest_poweroff(void)
{
    shut_down(VIREO_SHUTDOWN_POWEROFF, "poweroff");
}

_Noreturn void guest_reboot(void)
{
    shut_down(VIREO_SHUTDOWN_REBOOT, "reboot");
}

_Noreturn void guest_fail(const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    guest_printf("FAIL: %s\n", msg);
    hc_shutdown(VIREO_SHUTDOWN_CRASH);
    halt_forever();
}

_Noreturn void guest_park(void)
{
    for (;;)
        hc_block(0);
}
