/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot2 information parser. Every length is checked against the structure's total
 * size before use: the loader is trusted, but a truncated or corrupted structure must
 * give a clear message instead of a wild read.
 */
#include "arch/multiboot2.h"
#include "fmt.h"

enum {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_LOADER = 2,
    MB2_TAG_MODULE = 3,
    MB2_TAG_MMAP = 6,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
    uint32_t type, size;
};

struct mb2_mmap_entry {
    uint64_t base, len;
    uint32_t type, reserved;
};

/* A string that fills a tag's payload must end inside it. */
static const char *tag_string(const struct mb2_tag *t, uint32_t offset)
{
    if (t->size <= offset)
        return NULL;
    const char *s = (const char *)t + offset;
    return strnlen(s, t->size - offset) < t->size - offset ? s : NULL;
}

static int parse_mmap(const struct mb2_tag *t, struct boot_info *out, const char **err)
{
    const uint32_t *hdr = (const uint32_t *)(t + 1);
    if (t->size < 16) {
        *err = "memory map tag too short";
        return -1;
    }
    uint32_t entry_size = hdr[0];
    if (entry_size < sizeof(struct mb2_mmap_entry) || entry_size % 8) {
        *err = "memory map entry size invalid";
        return -1;
    }
    for (uint32_t off = 16; off + entry_size <= t->size; off += entry_size) {
        const struct mb2_mmap_entry *e = (const void *)((const char *)t + off);
        if (e->len == 0)
            continue;
        if (out->nr_regions == BOOT_MAX_REGIONS) {
            *err = "too many memory map entries";
            return -1;
        }
        struct boot_region *r = &out->regions[out->nr_regions++];
        r->base = e->base;
        r->len = e->len;
        r->type = e->type >= BOOT_MEM_RAM && e->type <= BOOT_MEM_BAD ? e->type : BOOT_MEM_RESERVED;
    }
    return 0;
}

static int parse_module(const struct mb2_tag *t, struct boot_info *out, const char **err)
{
    const uint32_t *range = (const uint32_t *)(t + 1);
    const char *cmdline = tag_string(t, 16);

    if (t->size < 17 || !cmdline) {
        *err = "module tag malformed";
        return -1;
    }
    if (range[1] < range[0]) {
        *err = "module ends before it starts";
        return -1;
    }
    if (out->nr_modules == BOOT_MAX_MODULES) {
        *err = "too many modules";
        return -1;
    }
    struct boot_module *m = &out->modules[out->nr_modules++];
    m->start = range[0];
    m->end = range[1];
    m->cmdline = cmdline;
    return 0;
}

int mb2_parse(const void *mbi, uint32_t magic, struct boot_info *out, const char **err)
{
    const uint32_t *head = mbi;

    memset(out, 0, sizeof(*out));
    out->cmdline = "";
    out->loader = "";
    if (magic != MB2_BOOTLOADER_MAGIC) {
        *err = "not started by a multiboot2 loader (bad magic)";
        return -1;
    }
    uint32_t total = head[0];
    if (total < 16 || total > (64u << 20)) {
        *err = "boot information size implausible";
        return -1;
    }
    out->info_base = (uintptr_t)mbi;
    out->info_size = total;

    uint32_t off = 8;
    for (;;) {
        if (off + sizeof(struct mb2_tag) > total) {
            *err = "boot information has no end tag";
            return -1;
        }
        const struct mb2_tag *t = (const void *)((const char *)mbi + off);
        if (t->size < sizeof(*t) || t->size > total - off) {
            *err = "boot information tag size runs past the structure";
            return -1;
        }
        switch (t->type) {
        case MB2_TAG_END:
            return 0;
        case MB2_TAG_CMDLINE:
        case MB2_TAG_LOADER: {
            const char *s = tag_string(t, sizeof(*t));
            if (!s) {
                *err = "unterminated string tag";
                return -1;
            }
            *(t->type == MB2_TAG_CMDLINE ? &out->cmdline : &out->loader) = s;
            break;
        }
        case MB2_TAG_MODULE:
            if (parse_module(t, out, err))
                return -1;
            break;
        case MB2_TAG_MMAP:
            if (parse_mmap(t, out, err))
                return -1;
            break;
        case MB2_TAG_ACPI_NEW:
            out->rsdp = (uintptr_t)(t + 1); /* v2 wins over v1 */
            break;
        case MB2_TAG_ACPI_OLD:
            if (!out->rsdp)
                out->rsdp = (uintptr_t)(t + 1);
            break;
        }
        off += (t->size + 7) & ~7u;
    }
}
