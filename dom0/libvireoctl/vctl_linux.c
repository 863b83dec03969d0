/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the Linux domU layout of docs/guest-platform.md. RAM is [0, min(mem,
 * 3 GiB)) and the rest from 4 GiB; the ACPI tables sit in the BIOS area, the boot area at
 * 0x20000, the kernel at its preferred address and the initrd as high as it may go. The
 * boot protocol itself is hv's shared loader (hv/lib/linux_boot.c), the one dom0 boots by.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "public/vireo.h"
#include "vctl_acpi.h"
#include "vctl_linux.h"

#define MiB (1024ull * 1024ull)
#define FOUR_GIB (4ull << 30)
#define PAGE 4096ull
#define ISA_HOLE 0xa0000ull /* legacy VGA window and option ROMs up to 1 MiB: not RAM */
#define E820_RAM 1
#define E820_RESERVED 2

enum vctl_image_kind vctl_image_kind(const void *image, size_t size)
{
    const uint8_t *b = image;

    if (size >= 4 && !memcmp(b, "\177ELF", 4))
        return VCTL_IMAGE_ELF;
    /* The boot sector's 0xaa55 and the setup header's magic (boot protocol 2.00+). */
    if (size >= 0x206 && b[0x1fe] == 0x55 && b[0x1ff] == 0xaa && !memcmp(b + 0x202, "HdrS", 4))
        return VCTL_IMAGE_BZIMAGE;
    return VCTL_IMAGE_UNKNOWN;
}

void vctl_linux_ram_split(uint64_t mem_bytes, uint64_t *low, uint64_t *high)
{
    *low = mem_bytes < VIREO_PLAT_LOW_RAM_END ? mem_bytes : VIREO_PLAT_LOW_RAM_END;
    *high = mem_bytes - *low;
}

static void add_e820(struct vctl_linux_plan *p, uint64_t addr, uint64_t size, uint32_t type)
{
    p->e820[p->nr_e820++] = (struct lb_e820){addr, size, type};
}

static void plan_e820(struct vctl_linux_plan *p)
{
    /* Low RAM below the ISA hole holds the boot area, and Linux's real-mode trampoline
     * (SMP start-up) must find free RAM below 1 MiB. RAM is at least 2 MiB. */
    add_e820(p, 0, ISA_HOLE, E820_RAM);
    add_e820(p, VCTL_ACPI_BASE, VCTL_ACPI_SIZE, E820_RESERVED);
    add_e820(p, 1 * MiB, p->low_ram - 1 * MiB, E820_RAM);
    if (p->high_ram)
        add_e820(p, FOUR_GIB, p->high_ram, E820_RAM);
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

__attribute__((format(printf, 4, 5))) static int fail(int ret, char *err, size_t err_size,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return ret;
}

int vctl_linux_plan(const void *kernel, size_t kernel_size, const char *kernel_name,
                    size_t initrd_size, const char *initrd_name, const char *cmdline,
                    uint64_t mem_bytes, struct vctl_linux_plan *p, char *err, size_t err_size)
{
    const char *why = NULL;

    memset(p, 0, sizeof(*p));
    if (lb_parse(kernel, kernel_size, &p->kernel, &why))
        return fail(-ENOEXEC, err, err_size, "%s: %s", kernel_name, why);
    vctl_linux_ram_split(mem_bytes, &p->low_ram, &p->high_ram);
    const struct lb_kernel *k = &p->kernel;
    size_t cmdline_len = cmdline ? strlen(cmdline) : 0;
    if (cmdline_len > k->cmdline_size)
        return fail(-E2BIG, err, err_size,
                    "%s: the command line has %zu bytes, the kernel takes at most %u", kernel_name,
                    cmdline_len, k->cmdline_size);
    /* A relocatable kernel still decompresses at or above its preferred address, so a
     * lower load address would gain nothing. */
    p->load_addr =
        k->relocatable ? align_up(k->pref_address, k->kernel_alignment) : k->pref_address;
    uint64_t kernel_end = p->load_addr + k->init_size;
    if (kernel_end > p->low_ram)
        return fail(-ENOMEM, err, err_size,
                    "%s: the kernel needs RAM up to %llu MiB to boot (%llu MiB from its "
                    "load address), the domain has %llu MiB",
                    kernel_name, (unsigned long long)(align_up(kernel_end, MiB) / MiB),
                    (unsigned long long)(align_up(k->init_size, MiB) / MiB),
                    (unsigned long long)(mem_bytes / MiB));
    if (initrd_size) {
        uint64_t top = p->low_ram;
        if (k->initrd_addr_max && (uint64_t)k->initrd_addr_max + 1 < top)
            top = (uint64_t)k->initrd_addr_max + 1;
        if (initrd_size > top || ((top - initrd_size) & ~(PAGE - 1)) < kernel_end)
            return fail(-ENOMEM, err, err_size,
                        "%s: the initrd (%llu MiB) does not fit between the booting kernel "
                        "(up to %llu MiB) and %llu MiB; give the domain more memory",
                        initrd_name, (unsigned long long)(align_up(initrd_size, MiB) / MiB),
                        (unsigned long long)(align_up(kernel_end, MiB) / MiB),
                        (unsigned long long)(top / MiB));
        p->initrd_addr = (top - initrd_size) & ~(PAGE - 1);
        p->initrd_size = initrd_size;
    }
    plan_e820(p);
    return 0;
}

int vctl_linux_load(const struct vctl_linux_plan *plan, const void *kernel, size_t kernel_size,
                    const void *initrd, const char *cmdline, uint32_t nr_vcpus, gb_write_fn write,
                    void *wctx, struct vireo_vcpu_context *ctx, char *err, size_t err_size)
{
    const char *why = "writing the guest's memory failed";
    uint8_t *acpi = malloc(VCTL_ACPI_SIZE);
    int ret = -1;

    if (!acpi) {
        snprintf(err, err_size, "out of memory for the ACPI tables");
        return -1;
    }
    struct lb_params p = {
        .load_addr = plan->load_addr,
        .boot_area = VCTL_LINUX_BOOT_AREA,
        .cmdline = cmdline,
        .initrd_addr = plan->initrd_addr,
        .initrd_size = plan->initrd_size,
        .e820 = plan->e820,
        .nr_e820 = plan->nr_e820,
        .acpi_rsdp = vctl_acpi_build(acpi, nr_vcpus, plan->dm_slots),
    };
    if (write(wctx, VCTL_ACPI_BASE, acpi, VCTL_ACPI_SIZE) ||
        (plan->initrd_size && write(wctx, plan->initrd_addr, initrd, plan->initrd_size)))
        goto out;
    if (lb_load(kernel, kernel_size, &plan->kernel, &p, write, wctx, ctx, &why))
        goto out;
    ret = 0;
out:
    if (ret)
        snprintf(err, err_size, "%s", why);
    free(acpi);
    return ret;
}
