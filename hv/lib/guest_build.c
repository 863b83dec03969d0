/* SPDX-License-Identifier: GPL-2.0-only */
/* The ELF domain builder (see guest_build.h). Pure: no hv or libc state. */
#include "guest_build.h"
#include "fmt.h"

#define PAGE 4096u
#define LARGE 0x200000u
#define TABLE_PAGES GB_IDENTITY_TABLE_PAGES
#define GDT_SEL_CODE 0x08
#define GDT_SEL_DATA 0x10

struct elf64_ehdr {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1

/* Reserved area, from reserved_gpa upwards: stacks, page tables, GDT, start info. */
static uint64_t stacks_gpa(const struct gb_layout *l)
{
    return gb_reserved_gpa(l);
}

static uint64_t tables_gpa(const struct gb_layout *l)
{
    return stacks_gpa(l) + (uint64_t)l->nr_vcpus * VIREO_VCPU_STACK_SIZE;
}

static uint64_t gdt_gpa(const struct gb_layout *l)
{
    return tables_gpa(l) + TABLE_PAGES * PAGE;
}

static uint64_t start_info_gpa(const struct gb_layout *l)
{
    return gdt_gpa(l) + PAGE;
}

uint64_t gb_reserved_gpa(const struct gb_layout *l)
{
    return l->mem_bytes - (TABLE_PAGES + 2) * PAGE - (uint64_t)l->nr_vcpus * VIREO_VCPU_STACK_SIZE;
}

static const struct elf64_phdr *phdr(const void *elf, unsigned i)
{
    const struct elf64_ehdr *eh = elf;
    return (const void *)((const char *)elf + eh->phoff + (uint64_t)i * eh->phentsize);
}

int gb_elf_check(const void *elf, uint64_t size, struct gb_image *img, const char **err)
{
    const struct elf64_ehdr *eh = elf;

    if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4)) {
        *err = "not an ELF file";
        return -1;
    }
    if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62) {
        *err = "not a little-endian ELF64 x86-64 image";
        return -1;
    }
    if (eh->type != 2) {
        *err = "not an executable ELF (ET_EXEC)";
        return -1;
    }
    if (eh->phentsize < sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phnum > 64 ||
        eh->phoff > size || (uint64_t)eh->phnum * eh->phentsize > size - eh->phoff) {
        *err = "ELF program headers out of bounds";
        return -1;
    }
    img->lowest = UINT64_MAX;
    img->highest = 0;
    int entry_ok = 0;
    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = phdr(elf, i);
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset ||
            ph->paddr + ph->memsz < ph->paddr) {
            *err = "ELF segment out of bounds";
            return -1;
        }
        img->lowest = ph->paddr < img->lowest ? ph->paddr : img->lowest;
        if (ph->paddr + ph->memsz > img->highest)
            img->highest = ph->paddr + ph->memsz;
        if (eh->entry >= ph->paddr && eh->entry < ph->paddr + ph->memsz)
            entry_ok = 1;
    }
    if (img->highest == 0) {
        *err = "ELF has no loadable segment";
        return -1;
    }
    if (!entry_ok) {
        *err = "ELF entry point is outside its segments";
        return -1;
    }
    img->entry = eh->entry;
    return 0;
}

static int load_segments(const void *elf, gb_write_fn write, void *ctx)
{
    const struct elf64_ehdr *eh = elf;

    for (unsigned i = 0; i < eh->phnum; i++) {
        const struct elf64_phdr *ph = phdr(elf, i);
        if (ph->type != PT_LOAD || ph->memsz == 0)
            continue;
        if (write(ctx, ph->paddr, (const char *)elf + ph->offset, ph->filesz) ||
            (ph->memsz > ph->filesz &&
             write(ctx, ph->paddr + ph->filesz, NULL, ph->memsz - ph->filesz)))
            return -1;
    }
    return 0;
}

int gb_write_identity_tables(uint64_t base, gb_write_fn write, void *ctx)
{
    uint64_t page[512];

    memset(page, 0, sizeof(page));
    page[0] = (base + PAGE) | 0x3; /* PML4[0] -> PDPT */
    if (write(ctx, base, page, PAGE))
        return -1;
    memset(page, 0, sizeof(page));
    for (unsigned i = 0; i < 4; i++)
        page[i] = (base + (2 + i) * PAGE) | 0x3; /* PDPT[i] -> PD i */
    if (write(ctx, base + PAGE, page, PAGE))
        return -1;
    for (unsigned pd = 0; pd < 4; pd++) {
        for (unsigned i = 0; i < 512; i++)
            page[i] = ((uint64_t)(pd * 512 + i) * LARGE) | 0xe3; /* P W A D PS */
        if (write(ctx, base + (2 + pd) * PAGE, page, PAGE))
            return -1;
    }
    return 0;
}

static int write_start_info(const struct gb_layout *l, gb_write_fn write, void *ctx)
{
    static const uint64_t gdt[3] = {0, 0x00af9b000000ffffull, 0x00cf93000000ffffull};
    uint64_t si_gpa = start_info_gpa(l);
    struct vireo_start_info si = {
        .magic = VIREO_START_MAGIC,
        .abi_version = VIREO_ABI_VERSION,
        .domid = l->domid,
        .nr_vcpus = l->nr_vcpus,
        .mem_bytes = l->mem_bytes,
        .reserved_gpa = gb_reserved_gpa(l),
    };
    size_t len = l->cmdline ? strnlen(l->cmdline, VIREO_CMDLINE_MAX) : 0;

    if (len) {
        si.cmdline_gpa = si_gpa + 256;
        si.cmdline_len = (uint32_t)len;
    }
    if (write(ctx, gdt_gpa(l), gdt, sizeof(gdt)) || write(ctx, si_gpa, &si, sizeof(si)) ||
        (len && (write(ctx, si.cmdline_gpa, l->cmdline, len) ||
                 write(ctx, si.cmdline_gpa + len, NULL, 1))))
        return -1;
    return 0;
}

int gb_build(const void *elf, uint64_t size, const struct gb_layout *l, gb_write_fn write,
             void *ctx, struct gb_image *img, const char **err)
{
    if (l->nr_vcpus == 0 || l->nr_vcpus > VIREO_MAX_VCPUS || l->mem_bytes % LARGE ||
        l->mem_bytes > (4ull << 30) ||
        l->mem_bytes < VIREO_ELF_MIN_PADDR + (TABLE_PAGES + 2) * PAGE +
                           (uint64_t)l->nr_vcpus * VIREO_VCPU_STACK_SIZE) {
        *err = "memory size or vCPU count unusable (RAM: 2 MiB multiple up to 4 GiB)";
        return -1;
    }
    if (gb_elf_check(elf, size, img, err))
        return -1;
    if (img->lowest < VIREO_ELF_MIN_PADDR || img->highest > gb_reserved_gpa(l)) {
        *err = "ELF segments do not fit between 1 MiB and the reserved area";
        return -1;
    }
    if (load_segments(elf, write, ctx) || gb_write_identity_tables(tables_gpa(l), write, ctx) ||
        write_start_info(l, write, ctx)) {
        *err = "guest memory write failed";
        return -1;
    }
    return 0;
}

void gb_vcpu_context(const struct gb_layout *l, uint64_t entry, uint32_t vcpu,
                     struct vireo_vcpu_context *ctx)
{
    const struct vireo_segment code = {GDT_SEL_CODE, 0xa9b, 0xffffffff, 0};
    const struct vireo_segment data = {GDT_SEL_DATA, 0xc93, 0xffffffff, 0};

    memset(ctx, 0, sizeof(*ctx));
    ctx->rip = entry;
    ctx->rdi = start_info_gpa(l);
    ctx->rsi = vcpu;
    ctx->rsp = stacks_gpa(l) + (uint64_t)(vcpu + 1) * VIREO_VCPU_STACK_SIZE;
    ctx->rflags = 0x2;
    ctx->cr0 = 0x80010033; /* PG WP NE ET MP PE */
    ctx->cr3 = tables_gpa(l);
    ctx->cr4 = 0x20;       /* PAE */
    ctx->efer = 0xd00;     /* NXE LMA LME */
    ctx->dr6 = 0xffff0ff0;
    ctx->dr7 = 0x400;
    ctx->cs = code;
    ctx->ds = ctx->es = ctx->ss = data;
    ctx->tr = (struct vireo_segment){0, 0x8b, 0x67, 0};
    ctx->gdtr_base = gdt_gpa(l);
    ctx->gdtr_limit = 3 * 8 - 1;
    ctx->pat = 0x0007040600070406ull;
    ctx->flags = VIREO_VCPUF_ONLINE;
}
