/* SPDX-License-Identifier: GPL-2.0-only */
/* What the boot loader handed hv, in a loader-neutral form (filled from multiboot2). */
#ifndef HV_BOOT_H
#define HV_BOOT_H

#include <stdint.h>

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 32

/* Memory map types, as in the e820/multiboot2 map. */
#define BOOT_MEM_RAM 1
#define BOOT_MEM_RESERVED 2
#define BOOT_MEM_ACPI 3
#define BOOT_MEM_NVS 4
#define BOOT_MEM_BAD 5

struct boot_region {
    uint64_t base, len;
    uint32_t type;
};

struct boot_module {
    uint64_t start, end; /* physical, [start, end) */
    const char *cmdline; /* the text after the file name on the module2 line */
};

struct boot_info {
    const char *cmdline; /* hv's own command line */
    const char *loader;  /* boot loader name, "" if not given */
    struct boot_region regions[BOOT_MAX_REGIONS];
    unsigned nr_regions;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned nr_modules;
    uint64_t rsdp;      /* physical address of the loader's copy of the ACPI RSDP, 0 if none */
    uint64_t info_base; /* the loader's structure itself, to keep it reserved */
    uint64_t info_size;
};

#endif
