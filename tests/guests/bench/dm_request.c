/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_dm: what one access to a device costs the guest, in guest TSC cycles (run with
 * platform=1, its window served by vireo-dmprobe serve; bench/dm). Side by side in every
 * batch: a read of RAM, a read of the IOAPIC's index register (MMIO hv answers itself), a
 * read and a write served by the device model in dom0 (one I/O request round trip each),
 * and a doorbell write (no round trip). Each figure is the median of batches=<n> batches
 * of count=<n>.
 */
#include "guest.h"
#include "stats.h"

#define DM 0xd0000000ull     /* VIREO_PLAT_DM_BASE */
#define IOAPIC 0xfec00000ull /* VIREO_PLAT_IOAPIC_BASE */

static volatile uint32_t ram_cell;

static uint64_t per_access(volatile uint32_t *p, uint64_t count, int write, uint32_t value)
{
    uint64_t t0 = rdtsc();
    for (uint64_t i = 0; i < count; i++) {
        if (write)
            *p = value;
        else
            (void)*p;
    }
    return (rdtsc() - t0) / count;
}

void guest_main(struct guest_vcpu *v)
{
    uint64_t count = cmdline_u64(v->start, "count", 200);
    unsigned batches = (unsigned)cmdline_u64(v->start, "batches", 5);
    enum { RAM, HV_MMIO, DM_READ, DM_WRITE, DOORBELL, KINDS };
    uint64_t cycles[KINDS][BENCH_MAX_BATCHES];

    if (batches == 0 || batches > BENCH_MAX_BATCHES || count == 0)
        guest_fail("batches must be 1..%u and count > 0", BENCH_MAX_BATCHES);
    for (unsigned b = 0; b < batches; b++) {
        cycles[RAM][b] = per_access(&ram_cell, count, 0, 0);
        cycles[HV_MMIO][b] = per_access((volatile uint32_t *)IOAPIC, count, 0, 0);
        cycles[DM_READ][b] = per_access((volatile uint32_t *)(DM + 0x08), count, 0, 0);
        cycles[DM_WRITE][b] = per_access((volatile uint32_t *)(DM + 0x08), count, 1, b);
        cycles[DOORBELL][b] = per_access((volatile uint32_t *)(DM + 0x50), count, 1, 7);
    }
    uint64_t m[KINDS];
    for (unsigned k = 0; k < KINDS; k++)
        m[k] = bench_median(cycles[k], batches);
    guest_printf("bench: ram_read_cycles=%llu hv_mmio_read_cycles=%llu dm_read_cycles=%llu "
                 "dm_write_cycles=%llu doorbell_write_cycles=%llu accesses=%llu\n",
                 (unsigned long long)m[RAM], (unsigned long long)m[HV_MMIO],
                 (unsigned long long)m[DM_READ], (unsigned long long)m[DM_WRITE],
                 (unsigned long long)m[DOORBELL], (unsigned long long)(count * batches));
}
