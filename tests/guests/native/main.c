/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_native: the benchmark workload run directly by the (emulated) CPU with no hv,
 * the baseline for the under-hv run. Prints on COM1, then halts for the harness to stop.
 */
#include "guest.h"
#include "../bench/workload.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

void native_main(uint32_t magic, uint32_t info);

void native_main(uint32_t magic, uint32_t info)
{
    guest_printf("native: benchmark kernel up (multiboot2 magic %s, info at 0x%x)\n",
                 magic == MB2_BOOTLOADER_MAGIC ? "ok" : "WRONG", info);
    workload_report(3);
    guest_printf("native: done\n");
}
