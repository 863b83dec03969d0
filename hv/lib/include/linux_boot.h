/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loads a Linux bzImage for the 64-bit boot protocol (Documentation/x86/boot.rst): the
 * protected-mode kernel at an aligned address, boot_params (the "zero page") with the
 * e820 map, command line and initrd, identity page tables, a GDT with __BOOT_CS/__BOOT_DS,
 * and the entry context. Shared by hv (dom0) and libvireoctl (Linux domUs); memory is
 * written through a gb_write_fn callback.
 */
#ifndef VIREO_LINUX_BOOT_H
#define VIREO_LINUX_BOOT_H

#include <stdint.h>
#include "guest_build.h"

struct lb_kernel {
    uint64_t payload_offset; /* protected-mode kernel within the file */
    uint64_t payload_size;
    uint64_t pref_address;
    uint32_t init_size;        /* bytes needed from the load address while booting */
    uint32_t kernel_alignment;
    uint32_t cmdline_size;     /* longest command line, excluding the NUL */
    uint32_t initrd_addr_max;  /* highest address the initrd's last byte may have */
    uint16_t version;          /* boot protocol, e.g. 0x20f */
    uint16_t xloadflags;
    uint8_t relocatable;
};

struct lb_e820 {
    uint64_t addr, size;
    uint32_t type; /* 1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 unusable */
};

#define LB_E820_MAX 128
/* Scratch the loader needs below the kernel: zero page, command line, GDT, page tables. */
#define LB_BOOT_AREA_SIZE (16u * 4096)

struct lb_params {
    uint64_t load_addr;  /* kernel_alignment-aligned; equals pref_address unless relocatable */
    uint64_t boot_area;  /* LB_BOOT_AREA_SIZE bytes of guest RAM below 4 GiB, page aligned */
    const char *cmdline; /* may be NULL */
    uint64_t initrd_addr, initrd_size; /* 0 size: none */
    const struct lb_e820 *e820;
    unsigned nr_e820;
    uint64_t acpi_rsdp; /* 0: the kernel searches the BIOS areas itself */
};

/* Checks the header: a bzImage with the 64-bit entry point. */
int lb_parse(const void *image, uint64_t size, struct lb_kernel *k, const char **err);
/* Writes everything and fills the context of the boot CPU. */
int lb_load(const void *image, uint64_t size, const struct lb_kernel *k, const struct lb_params *p,
            gb_write_fn write, void *wctx, struct vireo_vcpu_context *ctx, const char **err);

#endif
