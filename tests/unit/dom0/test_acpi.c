/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvireoctl's ACPI tables for Linux domUs (vctl_acpi.c): every table found from the
 * RSDP the way a guest finds it, checksums and lengths right, and the platform of
 * public/vireo.h described field by field. With `--dump FILE NR_VCPUS [DM_SLOTS]` it writes
 * the table area instead, for acpi_acpica_check.py (ACPICA's own parser's verdict).
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "public/vireo.h"
#include "le_read.h"
#include "vctl_acpi.h"

static uint8_t area[VCTL_ACPI_SIZE];

static uint8_t sum(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;
    while (len--)
        s += *p++;
    return s;
}

/* A table at a guest-physical address, checked to lie inside the area. */
static const uint8_t *at(uint64_t gpa, uint32_t len)
{
    g_assert_cmpuint(gpa, >=, VCTL_ACPI_BASE);
    g_assert_cmpuint(gpa + len, <=, VCTL_ACPI_BASE + VCTL_ACPI_SIZE);
    return area + (gpa - VCTL_ACPI_BASE);
}

static const uint8_t *table(uint64_t gpa, const char *sig)
{
    const uint8_t *t = at(gpa, 36);
    g_assert_cmpmem(t, 4, sig, 4);
    uint32_t len = rd32(t, 4);
    at(gpa, len);
    g_assert_cmpuint(sum(t, len), ==, 0);
    return t;
}

/* What Linux's BIOS-area scan does: 16-byte steps through [0xe0000, 0x100000). */
static uint64_t scan_for_rsdp(void)
{
    for (uint32_t off = 0; off + 36 <= VCTL_ACPI_SIZE; off += 16)
        if (!memcmp(area + off, "RSD PTR ", 8) && sum(area + off, 20) == 0)
            return VCTL_ACPI_BASE + off;
    return 0;
}

static const uint8_t *xsdt_entry(const uint8_t *xsdt, const char *sig)
{
    uint32_t n = (rd32(xsdt, 4) - 36) / 8;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *t = at(rd64(xsdt, 36 + 8 * i), 36);
        if (!memcmp(t, sig, 4))
            return table(rd64(xsdt, 36 + 8 * i), sig);
    }
    g_error("XSDT has no %s", sig);
}

static void check_gas_io(const uint8_t *fadt, uint32_t off, unsigned bits, uint64_t port)
{
    g_assert_cmpuint(fadt[off], ==, 1); /* SystemIO */
    g_assert_cmpuint(fadt[off + 1], ==, bits);
    g_assert_cmpuint(rd64(fadt, off + 4), ==, port);
}

static void check_fadt(const uint8_t *fadt)
{
    g_assert_cmpuint(rd32(fadt, 4), ==, 276);
    g_assert_cmpuint(fadt[8], >=, 5);
    g_assert_cmpuint(rd16(fadt, 46), ==, VIREO_PLAT_SCI_GSI);
    g_assert_cmpuint(rd32(fadt, 48), ==, 0); /* SMI_CMD: always in ACPI mode */
    g_assert_cmpuint(rd32(fadt, 56), ==, VIREO_PLAT_PM1A_EVT_PORT);
    g_assert_cmpuint(rd32(fadt, 64), ==, VIREO_PLAT_PM1A_CNT_PORT);
    g_assert_cmpuint(rd32(fadt, 76), ==, VIREO_PLAT_PM_TMR_PORT);
    g_assert_cmpuint(fadt[88], ==, 4);
    g_assert_cmpuint(fadt[89], ==, 2);
    g_assert_cmpuint(fadt[91], ==, 4);
    g_assert_cmpuint(rd32(fadt, 80), ==, 0); /* no GPE block */
    uint16_t boot = rd16(fadt, 109);
    g_assert_cmpuint(boot & 0x3, ==, 0);     /* no legacy devices, no 8042 */
    g_assert_cmpuint(boot & 0x24, ==, 0x24); /* no VGA, no CMOS RTC */
    uint32_t flags = rd32(fadt, 112);
    g_assert_cmpuint(flags & (1u << 4), ==, 0);         /* fixed-feature power button */
    g_assert_cmpuint(flags & (1u << 5), ==, 1u << 5);   /* no sleep button */
    g_assert_cmpuint(flags & (1u << 10), ==, 1u << 10); /* reset register */
    g_assert_cmpuint(flags & (1u << 20), ==, 0);        /* not hardware-reduced */
    check_gas_io(fadt, 116, 8, VIREO_PLAT_RESET_PORT);
    g_assert_cmpuint(fadt[128], ==, VIREO_PLAT_RESET_VALUE);
    check_gas_io(fadt, 148, 32, VIREO_PLAT_PM1A_EVT_PORT);
    check_gas_io(fadt, 172, 16, VIREO_PLAT_PM1A_CNT_PORT);
    check_gas_io(fadt, 208, 32, VIREO_PLAT_PM_TMR_PORT);
    /* 32- and 64-bit pointers agree, and lead to a valid DSDT and FACS. */
    g_assert_cmpuint(rd32(fadt, 40), ==, rd64(fadt, 140));
    g_assert_cmpuint(rd32(fadt, 36), ==, rd64(fadt, 132));
    const uint8_t *dsdt = table(rd64(fadt, 140), "DSDT");
    g_assert_cmpuint(rd32(dsdt, 4), >, 36);
    uint64_t facs_gpa = rd64(fadt, 132);
    g_assert_cmpuint(facs_gpa % 64, ==, 0);
    const uint8_t *facs = at(facs_gpa, 64);
    g_assert_cmpmem(facs, 4, "FACS", 4);
    g_assert_cmpuint(rd32(facs, 4), ==, 64);
}

static void check_madt(const uint8_t *madt, uint32_t nr_vcpus)
{
    uint32_t len = rd32(madt, 4);
    uint32_t lapics = 0, ioapics = 0, overrides = 0;

    g_assert_cmpuint(rd32(madt, 36), ==, VIREO_PLAT_LAPIC_BASE);
    g_assert_cmpuint(rd32(madt, 40), ==, 0); /* no PCAT_COMPAT */
    for (uint32_t off = 44; off < len; off += madt[off + 1]) {
        const uint8_t *e = madt + off;
        g_assert_cmpuint(e[1], >=, 2);
        g_assert_cmpuint(off + e[1], <=, len);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics); /* processor UID */
            g_assert_cmpuint(e[3], ==, lapics); /* APIC ID = vCPU index */
            g_assert_cmpuint(rd32(e, 4), ==, 1);
            lapics++;
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(e[2], ==, VIREO_PLAT_IOAPIC_ID);
            g_assert_cmpuint(rd32(e, 4), ==, VIREO_PLAT_IOAPIC_BASE);
            g_assert_cmpuint(rd32(e, 8), ==, 0);
            ioapics++;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0);
            g_assert_cmpuint(e[3], ==, VIREO_PLAT_SCI_GSI);
            g_assert_cmpuint(rd32(e, 4), ==, VIREO_PLAT_SCI_GSI);
            g_assert_cmpuint(rd16(e, 8), ==, 0xd); /* level, active high */
            overrides++;
            break;
        default:
            g_error("unexpected MADT entry type %u", e[0]);
        }
    }
    g_assert_cmpuint(lapics, ==, nr_vcpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(overrides, ==, 1);
}

/* The DSDT's DMSL (vctl_dsdt.asl): NameOp "DMSL" DWordPrefix, then the slot mask. */
static uint32_t dsdt_dm_slots(const uint8_t *dsdt)
{
    static const uint8_t name[] = {0x08, 'D', 'M', 'S', 'L', 0x0c};
    uint32_t len = rd32(dsdt, 4), found = 0, value = 0;
    for (uint32_t i = 36; i + sizeof(name) + 4 <= len; i++)
        if (!memcmp(dsdt + i, name, sizeof(name))) {
            value = rd32(dsdt, i + sizeof(name));
            found++;
        }
    g_assert_cmpuint(found, ==, 1);
    return value;
}

static void check_tables_with_slots(uint32_t nr_vcpus, uint32_t dm_slots)
{
    memset(area, 0xa5, sizeof(area)); /* the builder must clear what it does not use */
    uint64_t rsdp_gpa = vctl_acpi_build(area, nr_vcpus, dm_slots);
    g_assert_cmpuint(rsdp_gpa, ==, scan_for_rsdp());
    const uint8_t *rsdp = at(rsdp_gpa, 36);
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(rd32(rsdp, 20), ==, 36);
    g_assert_cmpuint(sum(rsdp, 36), ==, 0);
    const uint8_t *xsdt = table(rd64(rsdp, 24), "XSDT");
    g_assert_cmpuint(rd32(xsdt, 4), ==, 36 + 2 * 8);
    check_fadt(xsdt_entry(xsdt, "FACP"));
    check_madt(xsdt_entry(xsdt, "APIC"), nr_vcpus);
    const uint8_t *fadt = xsdt_entry(xsdt, "FACP");
    /* table() checked the patched DSDT's checksum; only slots 0..7 exist. */
    g_assert_cmpuint(dsdt_dm_slots(table(rd64(fadt, 140), "DSDT")), ==,
                     dm_slots & ((1u << VIREO_PLAT_DM_SLOTS) - 1));
    g_assert_cmpuint(area[VCTL_ACPI_SIZE - 1], ==, 0);
}

static void check_tables(uint32_t nr_vcpus)
{
    check_tables_with_slots(nr_vcpus, 0);
}

static void test_dm_slots_are_patched_into_the_dsdt(void)
{
    check_tables_with_slots(2, 0x01);
    check_tables_with_slots(2, 0x85);
    check_tables_with_slots(1, 0xff);
    check_tables_with_slots(1, 0x1ff); /* bit 8: no such slot, dropped */
}

static void test_one_vcpu(void)
{
    check_tables(1);
}

static void test_two_vcpus(void)
{
    check_tables(2);
}

static void test_most_vcpus(void)
{
    check_tables(VIREO_MAX_VCPUS);
}

static int dump(const char *path, const char *nr, const char *slots)
{
    vctl_acpi_build(area, (uint32_t)g_ascii_strtoull(nr, NULL, 10),
                    slots ? (uint32_t)g_ascii_strtoull(slots, NULL, 0) : 0);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(area, 1, sizeof(area), f) != sizeof(area) || fclose(f)) {
        perror(path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "--dump"))
        return dump(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/one-vcpu", test_one_vcpu);
    g_test_add_func("/acpi/two-vcpus", test_two_vcpus);
    g_test_add_func("/acpi/most-vcpus", test_most_vcpus);
    g_test_add_func("/acpi/dm-slots-are-patched-into-the-dsdt",
                    test_dm_slots_are_patched_into_the_dsdt);
    return g_test_run();
}
