/* SPDX-License-Identifier: GPL-2.0-only */
/* bench_workload: the CPU-bound workload as a guest under hv (runs=<n>). */
#include "guest.h"
#include "workload.h"

void guest_main(struct guest_vcpu *v)
{
    workload_report((unsigned)cmdline_u64(v->start, "runs", 3));
    guest_printf("workload done\n");
}
