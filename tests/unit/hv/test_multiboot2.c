/* The multiboot2 parser reads a well-formed structure completely and refuses malformed
 * ones with a message instead of reading past the end. */
#include <string.h>
#include "arch/multiboot2.h"
#include "check.h"

static uint8_t buf[4096] __attribute__((aligned(8)));
static size_t len;

static void *tag(uint32_t type, uint32_t size)
{
    uint32_t *t = (uint32_t *)(buf + len);
    memset(t, 0, (size + 7) & ~7u);
    t[0] = type;
    t[1] = size;
    len += (size + 7) & ~7u;
    return t;
}

static void begin(void)
{
    memset(buf, 0, sizeof(buf));
    len = 8;
}

static void end(void)
{
    tag(0, 8);
    ((uint32_t *)buf)[0] = (uint32_t)len;
}

static void add_string(uint32_t type, const char *s)
{
    char *t = tag(type, 8 + strlen(s) + 1);
    strcpy(t + 8, s);
}

static void add_module(uint32_t start, uint32_t endaddr, const char *s)
{
    uint32_t *t = tag(3, 16 + strlen(s) + 1);
    t[2] = start;
    t[3] = endaddr;
    strcpy((char *)(t + 4), s);
}

static void add_mmap(void)
{
    uint32_t *t = tag(6, 16 + 3 * 24);
    t[2] = 24, t[3] = 0;
    uint64_t *e = (uint64_t *)(t + 4);
    e[0] = 0, e[1] = 0x9fc00, ((uint32_t *)&e[2])[0] = 1;
    e[3] = 0x100000, e[4] = 0x7ff00000, ((uint32_t *)&e[5])[0] = 1;
    e[6] = 0xfffc0000, e[7] = 0x40000, ((uint32_t *)&e[8])[0] = 2;
}

static void test_good(void)
{
    struct boot_info bi;
    const char *err = NULL;

    begin();
    add_string(1, "console=com2");
    add_string(2, "GRUB 2.06");
    add_mmap();
    add_module(0x1000000, 0x1200000, "vireo.domain name=a");
    add_module(0x1200000, 0x1200000, "");
    uint32_t *acpi = tag(15, 8 + 36);
    memcpy(acpi + 2, "RSD PTR ", 8);
    end();
    CHECK(mb2_parse(buf, MB2_BOOTLOADER_MAGIC, &bi, &err) == 0);
    CHECK(!strcmp(bi.cmdline, "console=com2"));
    CHECK(!strcmp(bi.loader, "GRUB 2.06"));
    CHECK(bi.nr_regions == 3 && bi.regions[1].base == 0x100000 && bi.regions[2].type == 2);
    CHECK(bi.nr_modules == 2 && bi.modules[0].end == 0x1200000);
    CHECK(!strcmp(bi.modules[0].cmdline, "vireo.domain name=a"));
    CHECK(bi.rsdp == (uintptr_t)(acpi + 2));
    CHECK(bi.info_size == len);
}

static int parse_fails(uint32_t magic, const char *want)
{
    struct boot_info bi;
    const char *err = NULL;
    int rc = mb2_parse(buf, magic, &bi, &err);
    if (rc == 0 || !err || !strstr(err, want)) {
        printf("  expected failure '%s', got rc %d '%s'\n", want, rc, err ? err : "");
        return 0;
    }
    return 1;
}

static void test_bad(void)
{
    begin();
    end();
    CHECK(parse_fails(0x2badb002, "magic"));

    begin();
    add_string(1, "x");
    ((uint32_t *)buf)[0] = (uint32_t)len; /* no end tag */
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "end tag"));

    begin();
    uint32_t *t = tag(1, 16);
    end();
    t[1] = 4096; /* runs past the structure */
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "past"));

    begin();
    t = tag(1, 12);
    memset(t + 2, 'a', 4); /* string without NUL */
    end();
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "unterminated"));

    begin();
    add_module(0x2000, 0x1000, "backwards");
    end();
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "ends before"));

    begin();
    for (int i = 0; i < BOOT_MAX_MODULES + 1; i++)
        add_module(0, 0, "m");
    end();
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "too many modules"));

    begin();
    t = tag(6, 16 + 20);
    t[2] = 20; /* entries smaller than the format's */
    end();
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "entry size"));

    begin();
    end();
    ((uint32_t *)buf)[0] = 4;
    CHECK(parse_fails(MB2_BOOTLOADER_MAGIC, "implausible"));
}

int main(void)
{
    test_good();
    test_bad();
    return check_done("multiboot2");
}
