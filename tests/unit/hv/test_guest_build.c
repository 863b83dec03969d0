/* The ELF domain builder produces exactly the start state public/vireo.h documents, and
 * refuses malformed or ill-fitting images without writing outside guest RAM. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "guest_build.h"
#include "check.h"

#define MEM (16u << 20)
static uint8_t *ram;
static int writes_outside;

static int write_ram(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
    (void)ctx;
    if (gpa > MEM || len > MEM - gpa) {
        writes_outside++;
        return -1;
    }
    if (src)
        memcpy(ram + gpa, src, len);
    else
        memset(ram + gpa, 0, len);
    return 0;
}

struct elf {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
    struct {
        uint32_t type, flags;
        uint64_t offset, vaddr, paddr, filesz, memsz, align;
    } ph;
    uint8_t code[16];
};

static void make_elf(struct elf *e)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->ident, "\177ELF\2\1\1", 7);
    e->type = 2, e->machine = 62, e->version = 1;
    e->entry = 0x100000;
    e->phoff = offsetof(struct elf, ph);
    e->ehsize = 64, e->phentsize = sizeof(e->ph), e->phnum = 1;
    e->ph.type = 1, e->ph.flags = 5;
    e->ph.offset = offsetof(struct elf, code);
    e->ph.vaddr = e->ph.paddr = 0x100000;
    e->ph.filesz = sizeof(e->code);
    e->ph.memsz = 0x3000; /* bss after the code */
    memset(e->code, 0xf4, sizeof(e->code));
}

static void test_start_state(void)
{
    struct elf e;
    struct gb_image img;
    const char *err = NULL;
    struct gb_layout l = {MEM, 3, 7, "hello world"};

    make_elf(&e);
    memset(ram, 0xaa, MEM);
    CHECK(gb_build(&e, sizeof(e), &l, write_ram, NULL, &img, &err) == 0);
    CHECK(img.entry == 0x100000 && img.lowest == 0x100000 && img.highest == 0x103000);
    CHECK(ram[0x100000] == 0xf4 && ram[0x10000f] == 0xf4);
    CHECK(ram[0x100010] == 0 && ram[0x102fff] == 0); /* bss zeroed */

    uint64_t reserved = gb_reserved_gpa(&l);
    CHECK(reserved == MEM - 8 * 4096 - 3 * VIREO_VCPU_STACK_SIZE);

    struct vireo_vcpu_context c0, c2;
    gb_vcpu_context(&l, img.entry, 0, &c0);
    gb_vcpu_context(&l, img.entry, 2, &c2);
    CHECK(c0.rip == 0x100000 && c0.rsi == 0 && c2.rsi == 2);
    CHECK(c0.rsp == reserved + VIREO_VCPU_STACK_SIZE);
    CHECK(c2.rsp == reserved + 3 * VIREO_VCPU_STACK_SIZE);
    CHECK(c0.cr0 == 0x80010033 && c0.cr4 == 0x20 && c0.efer == 0xd00);
    CHECK(c0.cs.selector == 0x08 && c0.cs.attrib == 0xa9b && c0.ss.selector == 0x10);
    CHECK(c0.cr3 >= reserved && c0.cr3 < MEM && c0.cr3 % 4096 == 0);

    /* Page tables: PML4[0] -> PDPT, PDPT[0..3] -> PDs, identity 2 MiB pages. */
    uint64_t *pml4 = (uint64_t *)(ram + c0.cr3);
    uint64_t pdpt_pa = pml4[0] & ~0xfffull;
    CHECK((pml4[0] & 1) && pml4[1] == 0);
    uint64_t *pdpt = (uint64_t *)(ram + pdpt_pa);
    uint64_t pd3_pa = pdpt[3] & ~0xfffull;
    CHECK(pdpt[4] == 0);
    uint64_t *pd3 = (uint64_t *)(ram + pd3_pa);
    CHECK((pd3[511] & ~0xfffull) == (4ull << 30) - (2u << 20) && (pd3[511] & 0x81) == 0x81);

    /* GDT at gdtr with the selectors the context uses. */
    uint64_t *gdt = (uint64_t *)(ram + c0.gdtr_base);
    CHECK(c0.gdtr_limit == 23 && gdt[1] == 0x00af9b000000ffffull);

    struct vireo_start_info *si = (struct vireo_start_info *)(ram + c0.rdi);
    CHECK(si->magic == VIREO_START_MAGIC && si->domid == 7 && si->nr_vcpus == 3);
    CHECK(si->mem_bytes == MEM && si->reserved_gpa == reserved);
    CHECK(si->cmdline_len == 11 && !strcmp((char *)ram + si->cmdline_gpa, "hello world"));
    CHECK(writes_outside == 0);
}

static int refused(struct elf *e, size_t size, const struct gb_layout *l, const char *want)
{
    struct gb_image img;
    const char *err = NULL;
    int rc = gb_build(e, size, l, write_ram, NULL, &img, &err);
    if (rc == 0 || !err || !strstr(err, want)) {
        printf("  expected refusal '%s', got rc %d '%s'\n", want, rc, err ? err : "");
        return 0;
    }
    return 1;
}

static void test_refusals(void)
{
    struct gb_layout l = {MEM, 1, 1, NULL};
    struct elf e;

    make_elf(&e);
    CHECK(refused(&e, 10, &l, "not an ELF"));
    make_elf(&e);
    e.machine = 3;
    CHECK(refused(&e, sizeof(e), &l, "x86-64"));
    make_elf(&e);
    e.type = 3;
    CHECK(refused(&e, sizeof(e), &l, "ET_EXEC"));
    make_elf(&e);
    e.phoff = 1 << 20;
    CHECK(refused(&e, sizeof(e), &l, "program headers"));
    make_elf(&e);
    e.ph.filesz = 1 << 20;
    e.ph.memsz = 1 << 21;
    CHECK(refused(&e, sizeof(e), &l, "segment out of bounds"));
    make_elf(&e);
    e.ph.paddr = 0x1000;
    e.entry = 0x1000;
    CHECK(refused(&e, sizeof(e), &l, "do not fit"));
    make_elf(&e);
    e.ph.memsz = MEM; /* runs into the reserved area */
    CHECK(refused(&e, sizeof(e), &l, "do not fit"));
    make_elf(&e);
    e.entry = 0x200000;
    CHECK(refused(&e, sizeof(e), &l, "entry point"));
    make_elf(&e);
    e.ph.paddr = ~0ull - 10;
    CHECK(refused(&e, sizeof(e), &l, "out of bounds"));
    struct gb_layout odd = {MEM + 4096, 1, 1, NULL};
    make_elf(&e);
    CHECK(refused(&e, sizeof(e), &odd, "memory size"));
    struct gb_layout many = {MEM, VIREO_MAX_VCPUS + 1, 1, NULL};
    CHECK(refused(&e, sizeof(e), &many, "vCPU count"));
    CHECK(writes_outside == 0);
}

int main(void)
{
    ram = malloc(MEM);
    test_start_state();
    test_refusals();
    free(ram);
    return check_done("guest builder");
}
