/* SPDX-License-Identifier: GPL-2.0-only */
/* The Linux 64-bit boot protocol loader (see linux_boot.h). Pure: no hv or libc state. */
#include "linux_boot.h"
#include "fmt.h"

/* Offsets in the bzImage file and in boot_params (the setup header sits at 0x1f1 in both). */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP 0x200
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
#define BP_ACPI_RSDP 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0

#define XLF_KERNEL_64 (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)
#define LOADFLAGS_LOADED_HIGH 0x01

/* Boot area layout (pages). */
#define AREA_ZERO_PAGE 0
#define AREA_CMDLINE 1
#define AREA_GDT 2
#define AREA_TABLES 3
#define PAGE 4096u

static uint32_t rd32(const uint8_t *b, unsigned off)
{
    uint32_t v;
    memcpy(&v, b + off, 4);
    return v;
}

static uint16_t rd16(const uint8_t *b, unsigned off)
{
    uint16_t v;
    memcpy(&v, b + off, 2);
    return v;
}

static void wr32(uint8_t *b, unsigned off, uint32_t v)
{
    memcpy(b + off, &v, 4);
}

int lb_parse(const void *image, uint64_t size, struct lb_kernel *k, const char **err)
{
    const uint8_t *b = image;

    memset(k, 0, sizeof(*k));
    if (size < 0x270 || rd16(b, HDR_BOOT_FLAG) != 0xaa55 || memcmp(b + HDR_MAGIC, "HdrS", 4)) {
        *err = "not a Linux bzImage (no HdrS setup header)";
        return -1;
    }
    k->version = rd16(b, HDR_VERSION);
    if (k->version < 0x20c) {
        *err = "boot protocol older than 2.12 (no 64-bit entry)";
        return -1;
    }
    k->xloadflags = rd16(b, HDR_XLOADFLAGS);
    if (!(k->xloadflags & XLF_KERNEL_64) || !(b[HDR_LOADFLAGS] & LOADFLAGS_LOADED_HIGH)) {
        *err = "kernel has no 64-bit entry point";
        return -1;
    }
    /* write_zero_page copies the setup header up to where its jump says it ends. */
    if (size < HDR_JUMP + 2u + b[HDR_JUMP + 1]) {
        *err = "bzImage truncated";
        return -1;
    }
    unsigned setup_sects = b[HDR_SETUP_SECTS] ? b[HDR_SETUP_SECTS] : 4;
    k->payload_offset = (uint64_t)(setup_sects + 1) * 512;
    if (k->payload_offset >= size) {
        *err = "bzImage truncated";
        return -1;
    }
    k->payload_size = size - k->payload_offset;
    k->kernel_alignment = rd32(b, HDR_KERNEL_ALIGNMENT);
    k->relocatable = b[HDR_RELOCATABLE];
    k->cmdline_size = rd32(b, HDR_CMDLINE_SIZE);
    memcpy(&k->pref_address, b + HDR_PREF_ADDRESS, 8);
    k->init_size = rd32(b, HDR_INIT_SIZE);
    k->initrd_addr_max = rd32(b, HDR_INITRD_ADDR_MAX);
    if (k->init_size < k->payload_size || k->kernel_alignment == 0 ||
        (k->kernel_alignment & (k->kernel_alignment - 1))) {
        *err = "bzImage header inconsistent (init_size or alignment)";
        return -1;
    }
    return 0;
}

static int write_gdt(uint64_t gpa, gb_write_fn write, void *wctx)
{
    /* __BOOT_CS = 0x10 (64-bit code), __BOOT_DS = 0x18 (data). */
    static const uint64_t gdt[4] = {0, 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull};
    return write(wctx, gpa, gdt, sizeof(gdt));
}

static int write_zero_page(const void *image, const struct lb_params *p, gb_write_fn write,
                           void *wctx)
{
    static uint8_t zp[PAGE];
    const uint8_t *b = image;
    uint64_t cmdline_gpa = p->boot_area + AREA_CMDLINE * PAGE;

    memset(zp, 0, sizeof(zp));
    /* The setup header as the kernel wrote it, then the loader's fields. */
    unsigned hdr_end = HDR_JUMP + 2 + b[HDR_JUMP + 1];
    memcpy(zp + HDR_SETUP_SECTS, b + HDR_SETUP_SECTS, hdr_end - HDR_SETUP_SECTS);
    zp[HDR_TYPE_OF_LOADER] = 0xff;
    wr32(zp, HDR_CMD_LINE_PTR, (uint32_t)cmdline_gpa);
    wr32(zp, BP_EXT_CMD_LINE_PTR, (uint32_t)(cmdline_gpa >> 32));
    wr32(zp, HDR_RAMDISK_IMAGE, (uint32_t)p->initrd_addr);
    wr32(zp, HDR_RAMDISK_SIZE, (uint32_t)p->initrd_size);
    wr32(zp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(p->initrd_addr >> 32));
    wr32(zp, BP_EXT_RAMDISK_SIZE, (uint32_t)(p->initrd_size >> 32));
    memcpy(zp + BP_ACPI_RSDP, &p->acpi_rsdp, 8);
    zp[BP_E820_ENTRIES] = (uint8_t)p->nr_e820;
    for (unsigned i = 0; i < p->nr_e820; i++) {
        uint8_t *e = zp + BP_E820_TABLE + i * 20;
        memcpy(e, &p->e820[i].addr, 8);
        memcpy(e + 8, &p->e820[i].size, 8);
        memcpy(e + 16, &p->e820[i].type, 4);
    }
    return write(wctx, p->boot_area + AREA_ZERO_PAGE * PAGE, zp, sizeof(zp));
}

static int write_cmdline(const struct lb_kernel *k, const struct lb_params *p, gb_write_fn write,
                         void *wctx)
{
    uint64_t gpa = p->boot_area + AREA_CMDLINE * PAGE;
    size_t n = p->cmdline ? strnlen(p->cmdline, PAGE - 1) : 0;
    if (n > k->cmdline_size)
        n = k->cmdline_size;
    return write(wctx, gpa, NULL, PAGE) || (n && write(wctx, gpa, p->cmdline, n));
}

int lb_load(const void *image, uint64_t size, const struct lb_kernel *k, const struct lb_params *p,
            gb_write_fn write, void *wctx, struct vireo_vcpu_context *ctx, const char **err)
{
    const uint8_t *b = image;

    if (p->load_addr % k->kernel_alignment || (!k->relocatable && p->load_addr != k->pref_address)) {
        *err = "load address not allowed by the kernel (alignment or not relocatable)";
        return -1;
    }
    if (p->load_addr + k->init_size > (4ull << 30) &&
        !(k->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G)) {
        *err = "kernel cannot be loaded above 4 GiB";
        return -1;
    }
    if (p->boot_area % PAGE || p->boot_area + LB_BOOT_AREA_SIZE > (4ull << 30) ||
        p->nr_e820 > LB_E820_MAX || p->initrd_addr + p->initrd_size < p->initrd_addr) {
        *err = "boot area, e820 map or initrd out of range";
        return -1;
    }
    if (p->cmdline && strnlen(p->cmdline, k->cmdline_size + 1) > k->cmdline_size) {
        *err = "command line longer than the kernel accepts";
        return -1;
    }
    (void)size;
    if (write(wctx, p->load_addr, b + k->payload_offset, k->payload_size) ||
        write_zero_page(image, p, write, wctx) || write_cmdline(k, p, write, wctx) ||
        write_gdt(p->boot_area + AREA_GDT * PAGE, write, wctx) ||
        gb_write_identity_tables(p->boot_area + AREA_TABLES * PAGE, write, wctx)) {
        *err = "guest memory write failed";
        return -1;
    }

    memset(ctx, 0, sizeof(*ctx));
    ctx->rip = p->load_addr + 0x200; /* the 64-bit entry */
    ctx->rsi = p->boot_area + AREA_ZERO_PAGE * PAGE;
    ctx->rsp = p->boot_area + LB_BOOT_AREA_SIZE; /* the kernel sets its own at once */
    ctx->rflags = 0x2;
    ctx->cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
    ctx->cr3 = p->boot_area + AREA_TABLES * PAGE;
    ctx->cr4 = 0x20;
    ctx->efer = 0x500; /* LMA LME */
    ctx->dr6 = 0xffff0ff0;
    ctx->dr7 = 0x400;
    ctx->cs = (struct vireo_segment){0x10, 0xa9b, 0xffffffff, 0};
    ctx->ds = ctx->es = ctx->ss = (struct vireo_segment){0x18, 0xc93, 0xffffffff, 0};
    ctx->tr = (struct vireo_segment){0, 0x8b, 0x67, 0};
    ctx->gdtr_base = p->boot_area + AREA_GDT * PAGE;
    ctx->gdtr_limit = 4 * 8 - 1;
    ctx->pat = 0x0007040600070406ull;
    ctx->flags = VIREO_VCPUF_ONLINE;
    return 0;
}
