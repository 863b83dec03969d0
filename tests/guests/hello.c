/* SPDX-License-Identifier: GPL-2.0-only */
/* hello: prints a greeting and what its start info says, then powers off. */
#include "guest.h"

void guest_main(struct guest_vcpu *v)
{
    const struct vireo_start_info *si = v->start;

    guest_printf("hello from d%lld vCPU %u\n", (long long)hc_domain_id(), v->index);
    guest_printf("start info: abi=%u.%u domid=%u vcpus=%u memory=%lluM cmdline='%s'\n",
                 si->abi_version >> 16, si->abi_version & 0xffff, si->domid, si->nr_vcpus,
                 (unsigned long long)(si->mem_bytes >> 20), cmdline(si));
}
