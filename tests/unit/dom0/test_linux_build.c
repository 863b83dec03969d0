/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvireoctl's Linux domU builder (vctl_linux.c over hv/lib/linux_boot.c), on the host:
 * images told apart by content, the RAM split and e820 map of docs/guest-platform.md, where
 * kernel and initrd go, errors that name the file, and a whole guest laid out in host
 * memory from the Debian kernel the node boots (argv[1]), read back as the kernel would.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "public/vireo.h"
#include "le_read.h"
#include "vctl_acpi.h"
#include "vctl_linux.h"

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

static const char *vmlinuz_path;

static void wr16(uint8_t *b, unsigned off, uint16_t v)
{
    memcpy(b + off, &v, 2);
}

static void wr32(uint8_t *b, unsigned off, uint32_t v)
{
    memcpy(b + off, &v, 4);
}

/* A bzImage header like Debian's: protocol 2.15, 64-bit, relocatable, 64 MiB init_size. */
static uint8_t *fake_bzimage(size_t size, uint16_t version)
{
    uint8_t *b = g_malloc0(size);
    b[0x1f1] = 27; /* setup_sects */
    wr16(b, 0x1fe, 0xaa55);
    b[0x200] = 0xeb;
    b[0x201] = 0x6a; /* the jump past the header: it ends at 0x26c */
    memcpy(b + 0x202, "HdrS", 4);
    wr16(b, 0x206, version);
    b[0x211] = 0x01;            /* LOADED_HIGH */
    wr32(b, 0x22c, 0x7fffffff); /* initrd_addr_max */
    wr32(b, 0x230, 0x200000);   /* kernel_alignment */
    b[0x234] = 1;               /* relocatable */
    wr16(b, 0x236, 0x3);        /* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
    wr32(b, 0x238, 2047);       /* cmdline_size */
    memcpy(b + 0x258, &(uint64_t){0x1000000}, 8);
    wr32(b, 0x260, 64 * MiB); /* init_size */
    return b;
}

#define FAKE_SIZE (28 * 512 + 4096)

static void test_images_are_told_apart_by_content(void)
{
    uint8_t elf[64] = {0x7f, 'E', 'L', 'F'};
    g_autofree uint8_t *bz = fake_bzimage(FAKE_SIZE, 0x20f);
    uint8_t junk[1024] = {'M', 'Z'};
    g_assert_cmpint(vctl_image_kind(elf, sizeof(elf)), ==, VCTL_IMAGE_ELF);
    g_assert_cmpint(vctl_image_kind(bz, FAKE_SIZE), ==, VCTL_IMAGE_BZIMAGE);
    g_assert_cmpint(vctl_image_kind(junk, sizeof(junk)), ==, VCTL_IMAGE_UNKNOWN);
    g_assert_cmpint(vctl_image_kind(bz, 0x205), ==, VCTL_IMAGE_UNKNOWN);
}

static void check_e820(const struct vctl_linux_plan *p, unsigned i, uint64_t addr, uint64_t size,
                       uint32_t type)
{
    g_assert_cmpuint(i, <, p->nr_e820);
    g_assert_cmphex(p->e820[i].addr, ==, addr);
    g_assert_cmphex(p->e820[i].size, ==, size);
    g_assert_cmpuint(p->e820[i].type, ==, type);
}

static void test_small_domain_layout(void)
{
    g_autofree uint8_t *bz = fake_bzimage(FAKE_SIZE, 0x20f);
    struct vctl_linux_plan p;
    char err[256] = "";
    g_assert_cmpint(vctl_linux_plan(bz, FAKE_SIZE, "vmlinuz", 3 * MiB + 5, "initrd.img",
                                    "console=ttyS0", 256 * MiB, &p, err, sizeof(err)),
                    ==, 0);
    g_assert_cmphex(p.low_ram, ==, 256 * MiB);
    g_assert_cmphex(p.high_ram, ==, 0);
    g_assert_cmphex(p.load_addr, ==, 16 * MiB);
    /* As high as RAM allows, page aligned, whole. */
    g_assert_cmphex(p.initrd_addr % 4096, ==, 0);
    g_assert_cmphex(p.initrd_addr + p.initrd_size, <=, 256 * MiB);
    g_assert_cmphex(p.initrd_addr + p.initrd_size, >, 256 * MiB - 4096);
    g_assert_cmpuint(p.nr_e820, ==, 3);
    check_e820(&p, 0, 0, 0xa0000, 1);
    check_e820(&p, 1, VCTL_ACPI_BASE, VCTL_ACPI_SIZE, 2);
    check_e820(&p, 2, 1 * MiB, 255 * MiB, 1);
}

static void test_large_domain_splits_ram_at_3_gib(void)
{
    g_autofree uint8_t *bz = fake_bzimage(FAKE_SIZE, 0x20f);
    struct vctl_linux_plan p;
    char err[256] = "";
    g_assert_cmpint(vctl_linux_plan(bz, FAKE_SIZE, "vmlinuz", 100 * MiB, "initrd.img", NULL,
                                    5 * GiB, &p, err, sizeof(err)),
                    ==, 0);
    g_assert_cmphex(p.low_ram, ==, VIREO_PLAT_LOW_RAM_END);
    g_assert_cmphex(p.high_ram, ==, 2 * GiB);
    g_assert_cmpuint(p.nr_e820, ==, 4);
    check_e820(&p, 2, 1 * MiB, VIREO_PLAT_LOW_RAM_END - 1 * MiB, 1);
    check_e820(&p, 3, 4 * GiB, 2 * GiB, 1);
    /* The initrd stays below the kernel's initrd_addr_max (2 GiB - 1). */
    g_assert_cmphex(p.initrd_addr + p.initrd_size, <=, 2 * GiB);
    g_assert_cmphex(p.initrd_addr + p.initrd_size, >, 2 * GiB - 4096);
    /* Every RAM byte is in the map once: low RAM less the ISA hole, plus high RAM. */
    uint64_t ram = 0;
    for (unsigned i = 0; i < p.nr_e820; i++)
        ram += p.e820[i].type == 1 ? p.e820[i].size : 0;
    g_assert_cmphex(ram, ==, 5 * GiB - (1 * MiB - 0xa0000));
}

static void expect_refusal(uint8_t *image, size_t size, uint64_t mem, size_t initrd_size,
                           const char *cmdline, int want, const char *message_part)
{
    struct vctl_linux_plan p;
    char err[256] = "";
    int ret = vctl_linux_plan(image, size, "/x/vmlinuz", initrd_size, "/x/initrd.img", cmdline, mem,
                              &p, err, sizeof(err));
    g_test_message("refusal: %s", err);
    g_assert_cmpint(ret, ==, want);
    g_assert_nonnull(strstr(err, message_part));
}

static void test_refusals_name_the_file_and_the_reason(void)
{
    g_autofree uint8_t *bz = fake_bzimage(FAKE_SIZE, 0x20f);
    g_autofree uint8_t *old = fake_bzimage(FAKE_SIZE, 0x20a);
    g_autofree char *long_cmdline = g_strnfill(2048, 'x');

    expect_refusal(old, FAKE_SIZE, 256 * MiB, 0, NULL, -ENOEXEC,
                   "/x/vmlinuz: boot protocol older than 2.12");
    /* 16 MiB + 64 MiB of init_size does not fit in 64 MiB. */
    expect_refusal(bz, FAKE_SIZE, 64 * MiB, 0, NULL, -ENOMEM,
                   "/x/vmlinuz: the kernel needs RAM up to 80 MiB");
    /* 96 MiB leaves 16 MiB above the booting kernel: a 20 MiB initrd does not fit. */
    expect_refusal(bz, FAKE_SIZE, 96 * MiB, 20 * MiB, NULL, -ENOMEM,
                   "/x/initrd.img: the initrd (20 MiB) does not fit");
    expect_refusal(bz, FAKE_SIZE, 256 * MiB, 0, long_cmdline, -E2BIG,
                   "/x/vmlinuz: the command line has 2048 bytes, the kernel takes at most 2047");
    /* A header whose jump runs past the end of the file. */
    expect_refusal(bz, 0x280, 256 * MiB, 0, NULL, -ENOEXEC, "/x/vmlinuz: bzImage truncated");
    bz[0x201] = 0xff;
    expect_refusal(bz, 0x290, 256 * MiB, 0, NULL, -ENOEXEC, "/x/vmlinuz: bzImage truncated");
}

/* Guest RAM in host memory: what the foreign-mapping writer does in dom0. */
struct ram {
    uint8_t *bytes;
    uint64_t size;
};

static int write_ram(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    struct ram *r = ctx;
    if (gpa > r->size || len > r->size - gpa)
        return -1;
    if (src)
        memcpy(r->bytes + gpa, src, len);
    else
        memset(r->bytes + gpa, 0, len);
    return 0;
}

static void test_debian_kernel_lays_out_as_the_boot_protocol_says(void)
{
    g_autofree char *kernel = NULL;
    gsize ksize = 0;
    g_autoptr(GError) gerr = NULL;
    g_assert_true(g_file_get_contents(vmlinuz_path, &kernel, &ksize, &gerr));
    g_assert_cmpint(vctl_image_kind(kernel, ksize), ==, VCTL_IMAGE_BZIMAGE);

    const char *cmdline = "console=ttyS0 quiet";
    uint8_t initrd[10000];
    for (unsigned i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i * 7);
    struct vctl_linux_plan p;
    char err[256] = "";
    g_assert_cmpint(vctl_linux_plan(kernel, ksize, vmlinuz_path, sizeof(initrd), "initrd", cmdline,
                                    256 * MiB, &p, err, sizeof(err)),
                    ==, 0);
    struct ram ram = {g_malloc0(256 * MiB), 256 * MiB};
    struct vireo_vcpu_context ctx;
    g_assert_cmpint(vctl_linux_load(&p, kernel, ksize, initrd, cmdline, 2, write_ram, &ram, &ctx,
                                    err, sizeof(err)),
                    ==, 0);
    const uint8_t *zp = ram.bytes + VCTL_LINUX_BOOT_AREA;

    /* vCPU 0: the 64-bit entry, boot_params in RSI, paging on. */
    g_assert_cmphex(ctx.rip, ==, p.load_addr + 0x200);
    g_assert_cmphex(ctx.rsi, ==, VCTL_LINUX_BOOT_AREA);
    g_assert_cmphex(ctx.efer & 0x500, ==, 0x500);
    g_assert_cmphex(ctx.cr0 & 0x80000001u, ==, 0x80000001u);
    g_assert_cmphex(ctx.cr3, >=, VCTL_LINUX_BOOT_AREA);
    g_assert_cmphex(ctx.cr3, <, VCTL_LINUX_BOOT_AREA + LB_BOOT_AREA_SIZE);
    /* The protected-mode kernel at the load address, byte for byte. */
    uint64_t payload = (uint64_t)((uint8_t)kernel[0x1f1] + 1) * 512;
    g_assert_cmpmem(ram.bytes + p.load_addr, ksize - payload, kernel + payload, ksize - payload);
    /* boot_params: setup header, command line, initrd, RSDP, e820. */
    g_assert_cmphex(rd32(zp, 0x202), ==, rd32((const uint8_t *)kernel, 0x202));
    uint32_t cmd_ptr = rd32(zp, 0x228);
    g_assert_cmpstr((const char *)ram.bytes + cmd_ptr, ==, cmdline);
    g_assert_cmphex(rd32(zp, 0x218), ==, p.initrd_addr);
    g_assert_cmphex(rd32(zp, 0x21c), ==, sizeof(initrd));
    g_assert_cmpmem(ram.bytes + p.initrd_addr, sizeof(initrd), initrd, sizeof(initrd));
    g_assert_cmphex(rd64(zp, 0x070), ==, VCTL_ACPI_BASE);
    g_assert_cmpmem(ram.bytes + VCTL_ACPI_BASE, 8, "RSD PTR ", 8);
    g_assert_cmpuint(zp[0x1e8], ==, p.nr_e820);
    for (unsigned i = 0; i < p.nr_e820; i++) {
        g_assert_cmphex(rd64(zp, 0x2d0 + 20 * i), ==, p.e820[i].addr);
        g_assert_cmphex(rd64(zp, 0x2d0 + 20 * i + 8), ==, p.e820[i].size);
        g_assert_cmpuint(rd32(zp, 0x2d0 + 20 * i + 16), ==, p.e820[i].type);
    }
    /* Nothing the loader wrote overlaps: the kernel's init_size ends below the initrd. */
    g_assert_cmphex(p.load_addr + p.kernel.init_size, <=, p.initrd_addr);
    g_free(ram.bytes);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    vmlinuz_path = argc > 1 ? argv[1] : NULL;
    g_test_add_func("/linux-build/images-told-apart-by-content",
                    test_images_are_told_apart_by_content);
    g_test_add_func("/linux-build/small-domain-layout", test_small_domain_layout);
    g_test_add_func("/linux-build/large-domain-splits-ram-at-3-gib",
                    test_large_domain_splits_ram_at_3_gib);
    g_test_add_func("/linux-build/refusals-name-the-file-and-the-reason",
                    test_refusals_name_the_file_and_the_reason);
    if (vmlinuz_path)
        g_test_add_func("/linux-build/debian-kernel-lays-out-as-the-boot-protocol-says",
                        test_debian_kernel_lays_out_as_the_boot_protocol_says);
    return g_test_run();
}
