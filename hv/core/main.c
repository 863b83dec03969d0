/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv's boot sequence on the boot CPU: parse what GRUB handed over, check the CPU, take
 * over memory, bring up every CPU, start the boot-time domains, then let CPUs 1..N-1
 * schedule domU vCPUs. CPU 0 is kept for dom0.
 */
#include "hv/hv.h"
#include "hv/arch.h"
#include "hv/cmdline.h"
#include "hv/dom0.h"
#include "hv/domain.h"
#include "hv/mm.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/setup.h"
#include "hv/time.h"
#include "arch/acpi.h"
#include "arch/apic.h"
#include "arch/cpu.h"
#include "arch/multiboot2.h"
#include "arch/serial.h"
#include "arch/traps.h"
#include "arch/x86.h"

struct hv_options hv_opts = {.console = "com2", .dom0_mem = DOM0_DEFAULT_MEM};
static struct boot_info boot_info;

static void parse_options(const char *cmdline)
{
    cmdline_get(cmdline, "console", hv_opts.console, sizeof(hv_opts.console));
    cmdline_get(cmdline, "selftest", hv_opts.selftest, sizeof(hv_opts.selftest));
    char val[24];
    if (cmdline_get(cmdline, "dom0_mem", val, sizeof(val)) &&
        (parse_u64(val, &hv_opts.dom0_mem, NULL, 1) || hv_opts.dom0_mem < MiB(64)))
        hv_opts.dom0_mem = DOM0_DEFAULT_MEM; /* reported below with the plan */
}

extern char hv_image_start[], hv_image_end[];

/* What is in use before hv allocates anything: low memory, hv's image, the loader's
 * information and the modules. */
static unsigned boot_busy_ranges(const struct boot_info *bi, struct mem_range *r)
{
    unsigned n = 0;

    r[n++] = (struct mem_range){0, LOW_MEMORY};
    r[n++] = (struct mem_range){(uint64_t)hv_image_start, (uint64_t)hv_image_end};
    r[n++] = (struct mem_range){bi->info_base, bi->info_base + bi->info_size};
    for (unsigned i = 0; i < bi->nr_modules; i++)
        r[n++] = (struct mem_range){bi->modules[i].start, bi->modules[i].end};
    return n;
}

/* Memory at boot: the allocator's tables go high, dom0's RAM comes from the bottom
 * around hv's image and those tables, and the allocator is told everything it must
 * never hand out. */
static void memory_init(const struct boot_info *bi)
{
    struct mem_range busy[BOOT_MAX_MODULES + 4];
    unsigned nb = boot_busy_ranges(bi, busy);
    struct mem_range tables = mm_place_tables(bi, busy, nb);
    const struct mem_range *dom0_ram = NULL;
    unsigned nr_dom0_ram = 0;

    if (dom0_configured(bi)) {
        const struct mem_range exclude[] = {
            {ALIGN_DOWN((uint64_t)hv_image_start, PAGE_SIZE), (uint64_t)hv_image_end}, tables};
        nr_dom0_ram =
            dom0_plan_memory(bi, hv_opts.dom0_mem, exclude, ARRAY_SIZE(exclude), &dom0_ram);
    }
    mm_init(bi, tables, busy, nb, dom0_ram, nr_dom0_ram);
}

/* The legacy PICs would deliver stray vectors hv does not expect. */
static void mask_legacy_pic(void)
{
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
}

/* Deliberate faults for the tests of hv's own exception handling. */
static __attribute__((noinline)) void selftest_fault(void)
{
    hv_log("selftest: executing ud2 in hv");
    __asm__ volatile("ud2");
}

NORETURN void hv_start_bsp(uint32_t magic, uint64_t mbi);

NORETURN void hv_start_bsp(uint32_t magic, uint64_t mbi)
{
    const char *err = NULL;

    cpu_set_gs(&cpus[0]);
    idt_init();
    idt_load();
    int parsed = mb2_parse((const void *)mbi, magic, &boot_info, &err);
    parse_options(boot_info.cmdline);
    serial_init(hv_opts.console);
    hv_log("Vireo %s starting", HV_VERSION);
    if (parsed)
        hv_fatal("boot information: %s", err);
    hv_log("command line: %s", boot_info.cmdline);
    cpu_check_features();

    memory_init(&boot_info);
    paging_init(&boot_info);
    cpus[0].index = 0;
    cpu_init(&cpus[0]);
    time_init();
    mask_legacy_pic();
    apic_init_cpu();
    cpus[0].apic_id = apic_id();
    cpus[0].online = true;
    apic_calibrate_timer();
    svm_global_init();

    if (acpi_init(boot_info.rsdp))
        hv_log("no usable ACPI MADT: running on the boot CPU only");
    unsigned n = smp_boot();
    hv_log("%u CPUs up", n);
    if (n < 2)
        hv_log("warning: no CPU left for domUs (CPU 0 is dom0's)");
    sched_init(1, n - 1);

    if (!strcmp(hv_opts.selftest, "fault"))
        selftest_fault();

    bootdom_start_all(&boot_info);
    smp_release();
    if (dom0_configured(&boot_info))
        dom0_start(&boot_info);
    if (!boot_domains_left)
        hv_log("no domains to run");
    for (;;)
        __asm__ volatile("sti; hlt; cli");
}
