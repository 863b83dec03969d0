/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the ACPI tables of a Linux domU, the one place that describes the guest
 * platform (VIREO_PLAT_* in public/vireo.h) to the guest. Offsets are those of the ACPI
 * 6.3 specification, chapter 5.2; the DSDT is ASL compiled by iasl at build time, with one
 * value (the device model's slots) patched in per domain.
 */
#include <string.h>

#include "public/vireo.h"
#include "vctl_acpi.h"
#include "vctl_dsdt.hex"

#define OEM_ID "VIREO "         /* 6 bytes */
#define OEM_TABLE_ID "VIREOPLT" /* 8 bytes */
#define CREATOR_ID "VIRE"
#define HEADER_LEN 36

/* FADT (ACPI 6.3 table 5-34): revision 6 is the table's layout, 276 bytes. */
#define FADT_REVISION 6
#define FADT_MINOR_REVISION 3
#define FADT_LEN 276
/* Flags: C1 works, the power button is the fixed-feature one (PWR_BUTTON clear), there
 * is no sleep button (SLP_BUTTON set) and no RTC (FIX_RTC: no RTC wake status), reset
 * through RESET_REG, no monitor or keyboard to detect (HEADLESS). */
#define FADT_WBINVD (1u << 0)
#define FADT_PROC_C1 (1u << 2)
#define FADT_SLP_BUTTON (1u << 5)
#define FADT_FIX_RTC (1u << 6)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HEADLESS (1u << 12)
/* IA-PC boot architecture flags: LEGACY_DEVICES and 8042 stay clear (no LPC devices, no
 * keyboard controller), so Linux probes neither; no VGA; no CMOS RTC. */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)
/* C2/C3 latencies above these limits mean "not supported". */
#define FADT_NO_C2_LATENCY 101
#define FADT_NO_C3_LATENCY 1001

/* Generic Address Structure: I/O space and access sizes. */
#define GAS_SYSTEM_IO 1
#define GAS_BYTE 1
#define GAS_WORD 2
#define GAS_DWORD 3

/* MADT entries. */
#define MADT_LOCAL_APIC 0
#define MADT_IOAPIC 1
#define MADT_INT_SRC_OVERRIDE 2
#define MADT_LAPIC_ENABLED 1u
#define MPS_ACTIVE_HIGH 0x1u
#define MPS_LEVEL (0x3u << 2)

struct cursor {
    uint8_t *area;
    uint32_t used; /* bytes of area handed out */
};

static void put8(uint8_t *p, uint32_t off, uint8_t v)
{
    p[off] = v;
}

static void put16(uint8_t *p, uint32_t off, uint16_t v)
{
    memcpy(p + off, &v, sizeof(v)); /* x86 guests: little endian like the host */
}

static void put32(uint8_t *p, uint32_t off, uint32_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static void put64(uint8_t *p, uint32_t off, uint64_t v)
{
    memcpy(p + off, &v, sizeof(v));
}

static uint8_t checksum(const uint8_t *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += p[i];
    return (uint8_t)-sum;
}

/* Hands out len bytes at the next `align` boundary; returns their offset in the area. */
static uint32_t take(struct cursor *c, uint32_t len, uint32_t align)
{
    uint32_t off = (c->used + align - 1) & ~(align - 1);
    c->used = off + len;
    return off;
}

static uint64_t gpa_of(uint32_t off)
{
    return VCTL_ACPI_BASE + (uint64_t)off;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
    memcpy(t, sig, 4);
    put32(t, 4, len);
    put8(t, 8, revision);
    memcpy(t + 10, OEM_ID, 6);
    memcpy(t + 16, OEM_TABLE_ID, 8);
    put32(t, 24, 1);
    memcpy(t + 28, CREATOR_ID, 4);
    put32(t, 32, 1);
}

/* Called once a table is complete: the checksum byte makes its bytes sum to zero. */
static void seal(uint8_t *t)
{
    uint32_t len;
    memcpy(&len, t + 4, sizeof(len));
    t[9] = 0;
    t[9] = checksum(t, len);
}

static void gas(uint8_t *p, uint32_t off, uint8_t bits, uint8_t access, uint64_t port)
{
    put8(p, off, GAS_SYSTEM_IO);
    put8(p, off + 1, bits);
    put8(p, off + 2, 0);
    put8(p, off + 3, access);
    put64(p, off + 4, port);
}

/* The DSDT's `Name (DMSL, 0xFFFFFF00)` as iasl encodes it: NameOp, the name, DWordPrefix,
 * the placeholder (little endian). vctl_dsdt.asl says why it is patched. */
static const uint8_t dmsl_name[] = {0x08, 'D', 'M', 'S', 'L', 0x0c, 0x00, 0xff, 0xff, 0xff};
#define DMSL_VALUE_OFF 6

static uint32_t find_dmsl(const uint8_t *aml, uint32_t len)
{
    for (uint32_t i = HEADER_LEN; i + sizeof(dmsl_name) <= len; i++)
        if (!memcmp(aml + i, dmsl_name, sizeof(dmsl_name)))
            return i + DMSL_VALUE_OFF;
    return 0;
}

/* The compiled DSDT with DMSL = dm_slots: the device model's slots n present. If iasl ever
 * encoded DMSL differently the placeholder stays (no device) and the unit tests fail. */
static uint32_t build_dsdt(struct cursor *c, uint32_t dm_slots)
{
    uint32_t off = take(c, sizeof(vctl_dsdt_aml_code), 16);
    uint8_t *t = c->area + off;
    memcpy(t, vctl_dsdt_aml_code, sizeof(vctl_dsdt_aml_code));
    uint32_t at = find_dmsl(t, sizeof(vctl_dsdt_aml_code));
    if (at) {
        put32(t, at, dm_slots & ((1u << VIREO_PLAT_DM_SLOTS) - 1));
        seal(t);
    }
    return off;
}

/* FACS (table 5-37): no S4BIOS, no waking vector (no S3), a global lock nobody uses. It
 * is required of every platform that is not hardware-reduced; the FADT points at it. */
static uint32_t build_facs(struct cursor *c)
{
    uint32_t off = take(c, 64, 64);
    uint8_t *t = c->area + off;
    memcpy(t, "FACS", 4);
    put32(t, 4, 64);
    put8(t, 32, 2); /* version */
    return off;
}

static uint32_t build_fadt(struct cursor *c, uint32_t facs, uint32_t dsdt)
{
    uint32_t off = take(c, FADT_LEN, 16);
    uint8_t *t = c->area + off;

    header(t, "FACP", FADT_LEN, FADT_REVISION);
    put32(t, 36, (uint32_t)gpa_of(facs));
    put32(t, 40, (uint32_t)gpa_of(dsdt));
    put16(t, 46, VIREO_PLAT_SCI_GSI);
    /* SMI_CMD (48) 0: the platform is always in ACPI mode, nothing to switch. */
    put32(t, 56, VIREO_PLAT_PM1A_EVT_PORT);
    put32(t, 64, VIREO_PLAT_PM1A_CNT_PORT);
    put32(t, 76, VIREO_PLAT_PM_TMR_PORT);
    put8(t, 88, 4); /* PM1_EVT_LEN: status and enable, 2 bytes each */
    put8(t, 89, 2); /* PM1_CNT_LEN */
    put8(t, 91, 4); /* PM_TMR_LEN */
    put16(t, 96, FADT_NO_C2_LATENCY);
    put16(t, 98, FADT_NO_C3_LATENCY);
    put16(t, 109, IAPC_VGA_NOT_PRESENT | IAPC_CMOS_RTC_NOT_PRESENT);
    put32(t, 112,
          FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON | FADT_FIX_RTC | FADT_RESET_REG_SUP |
              FADT_HEADLESS);
    gas(t, 116, 8, GAS_BYTE, VIREO_PLAT_RESET_PORT);
    put8(t, 128, VIREO_PLAT_RESET_VALUE);
    put8(t, 131, FADT_MINOR_REVISION);
    put64(t, 132, gpa_of(facs));
    put64(t, 140, gpa_of(dsdt));
    /* The 64-bit blocks repeat the 32-bit ones; ACPICA warns when their widths differ
     * from the *_LEN fields. */
    gas(t, 148, 32, GAS_WORD, VIREO_PLAT_PM1A_EVT_PORT);
    gas(t, 172, 16, GAS_WORD, VIREO_PLAT_PM1A_CNT_PORT);
    gas(t, 208, 32, GAS_DWORD, VIREO_PLAT_PM_TMR_PORT);
    memcpy(t + 268, "Vireo\0\0\0", 8); /* hypervisor vendor identity */
    seal(t);
    return off;
}

static uint32_t build_madt(struct cursor *c, uint32_t nr_vcpus)
{
    uint32_t len = 44 + nr_vcpus * 8 + 12 + 10;
    uint32_t off = take(c, len, 16);
    uint8_t *t = c->area + off;
    uint32_t e = 44;

    header(t, "APIC", len, 5);
    put32(t, 36, VIREO_PLAT_LAPIC_BASE);
    /* Flags (40) 0: no PCAT_COMPAT, there is no 8259 pair to mask. */
    for (uint32_t v = 0; v < nr_vcpus; v++, e += 8) {
        put8(t, e, MADT_LOCAL_APIC);
        put8(t, e + 1, 8);
        put8(t, e + 2, (uint8_t)v); /* ACPI processor UID */
        put8(t, e + 3, (uint8_t)v); /* APIC ID = vCPU index */
        put32(t, e + 4, MADT_LAPIC_ENABLED);
    }
    put8(t, e, MADT_IOAPIC);
    put8(t, e + 1, 12);
    put8(t, e + 2, VIREO_PLAT_IOAPIC_ID);
    put32(t, e + 4, VIREO_PLAT_IOAPIC_BASE);
    put32(t, e + 8, 0); /* GSI base */
    e += 12;
    /* The SCI is level triggered, active high: ISA IRQ 9's defaults say edge. */
    put8(t, e, MADT_INT_SRC_OVERRIDE);
    put8(t, e + 1, 10);
    put8(t, e + 2, 0); /* bus: ISA */
    put8(t, e + 3, VIREO_PLAT_SCI_GSI);
    put32(t, e + 4, VIREO_PLAT_SCI_GSI);
    put16(t, e + 8, MPS_ACTIVE_HIGH | MPS_LEVEL);
    seal(t);
    return off;
}

static uint32_t build_xsdt(struct cursor *c, const uint32_t *tables, unsigned n)
{
    uint32_t len = HEADER_LEN + 8 * n;
    uint32_t off = take(c, len, 16);
    uint8_t *t = c->area + off;

    header(t, "XSDT", len, 1);
    for (unsigned i = 0; i < n; i++)
        put64(t, HEADER_LEN + 8 * i, gpa_of(tables[i]));
    seal(t);
    return off;
}

/* RSDP (table 5-27), revision 2: only the XSDT, no RSDT. */
static void build_rsdp(uint8_t *r, uint32_t xsdt)
{
    memcpy(r, "RSD PTR ", 8);
    memcpy(r + 9, OEM_ID, 6);
    put8(r, 15, 2);
    put32(r, 20, 36);
    put64(r, 24, gpa_of(xsdt));
    put8(r, 8, checksum(r, 20));
    put8(r, 32, checksum(r, 36));
}

/* The most the tables take (64 vCPUs), with room for every alignment gap. */
_Static_assert(36 + 64 + sizeof(vctl_dsdt_aml_code) + FADT_LEN + 44 + 8 * VIREO_MAX_VCPUS + 22 +
                       HEADER_LEN + 16 + 6 * 64 <=
                   VCTL_ACPI_SIZE,
               "ACPI tables outgrow their area");

uint64_t vctl_acpi_build(uint8_t *area, uint32_t nr_vcpus, uint32_t dm_slots)
{
    struct cursor c = {.area = area};

    memset(area, 0, VCTL_ACPI_SIZE);
    uint32_t rsdp = take(&c, 36, 16); /* first: at the area's start, 16-byte aligned */
    uint32_t facs = build_facs(&c);
    uint32_t dsdt = build_dsdt(&c, dm_slots);
    uint32_t tables[2];
    tables[0] = build_fadt(&c, facs, dsdt);
    tables[1] = build_madt(&c, nr_vcpus);
    uint32_t xsdt = build_xsdt(&c, tables, 2);
    build_rsdp(area + rsdp, xsdt);
    return gpa_of(rsdp);
}
