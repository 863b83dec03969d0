/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl internals: building a Linux domU from a bzImage on the guest platform of
 * docs/guest-platform.md. Pure logic over a guest-memory writer, so the unit tests lay a
 * whole guest out in host memory.
 */
#ifndef VCTL_LINUX_H
#define VCTL_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "guest_build.h"
#include "linux_boot.h"

/* The zero page, command line, GDT and boot page tables (contract: docs/guest-platform.md). */
#define VCTL_LINUX_BOOT_AREA 0x20000u
#define VCTL_LINUX_E820_MAX 4

enum vctl_image_kind { VCTL_IMAGE_UNKNOWN, VCTL_IMAGE_ELF, VCTL_IMAGE_BZIMAGE };

/* What an image is, by its content: ELF magic, or the bzImage "HdrS" setup header. */
enum vctl_image_kind vctl_image_kind(const void *image, size_t size);

/* RAM of a domain of mem_bytes: [0, low) and [4 GiB, 4 GiB + high). */
void vctl_linux_ram_split(uint64_t mem_bytes, uint64_t *low, uint64_t *high);

struct vctl_linux_plan {
    struct lb_kernel kernel;
    uint64_t low_ram, high_ram; /* vctl_linux_ram_split */
    uint64_t load_addr;         /* the protected-mode kernel */
    uint64_t initrd_addr;       /* 0 without an initrd */
    uint64_t initrd_size;
    struct lb_e820 e820[VCTL_LINUX_E820_MAX];
    unsigned nr_e820;
    uint32_t dm_slots; /* vctl_build_config.dm_slots, for the DSDT; vctl_linux_plan sets 0 */
};

/*
 * Checks the kernel (and that it takes the command line) and places it, the initrd and the
 * boot area in a domain of mem_bytes. On failure returns -ENOEXEC (not a kernel that boots
 * this way), -E2BIG (command line too long) or -ENOMEM (does not fit), with a message in
 * err that names the file concerned (kernel_name, initrd_name) and the reason.
 */
int vctl_linux_plan(const void *kernel, size_t kernel_size, const char *kernel_name,
                    size_t initrd_size, const char *initrd_name, const char *cmdline,
                    uint64_t mem_bytes, struct vctl_linux_plan *plan, char *err, size_t err_size);

/*
 * Writes the ACPI tables, the kernel, the initrd and the boot area through `write` and
 * fills vCPU 0's start context (64-bit entry, RSI = boot_params). Returns 0, or -1 with
 * err set.
 */
int vctl_linux_load(const struct vctl_linux_plan *plan, const void *kernel, size_t kernel_size,
                    const void *initrd, const char *cmdline, uint32_t nr_vcpus, gb_write_fn write,
                    void *wctx, struct vireo_vcpu_context *ctx, char *err, size_t err_size);

#endif /* VCTL_LINUX_H */
