/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The toolstack's requests to a test guest (VIREO_HC_CONTROL_TAKE): power off, reboot,
 * or a new memory target. A guest that wants to be well behaved calls
 * guest_control_service() from its main loop each time it wakes; a pending request
 * wakes a vCPU blocked in SCHED_BLOCK.
 */
#include "guest.h"

unsigned guest_control_service(struct guest_vcpu *v)
{
    static int first_call_done;
    unsigned requests = (unsigned)hypercall0(VIREO_HC_CONTROL_TAKE);

    if (requests & VIREO_CONTROL_POWEROFF) {
        guest_printf("control: poweroff requested\n");
        guest_poweroff();
    }
    if (requests & VIREO_CONTROL_REBOOT) {
        guest_printf("control: reboot requested\n");
        guest_reboot();
    }
    /* The first call also honours the target the domain was built with. */
    if ((requests & VIREO_CONTROL_MEMORY_TARGET) || !first_call_done) {
        int64_t target = hypercall0(VIREO_HC_MEMORY_TARGET);
        if (target < 0)
            guest_fail("control: MEMORY_TARGET returned %lld", (long long)target);
        balloon_reach(v->start, (uint64_t)target);
    }
    first_call_done = 1;
    return requests;
}
