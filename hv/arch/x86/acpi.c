/* SPDX-License-Identifier: GPL-2.0-only */
/* Finds the MADT through the RSDP and XSDT/RSDT, checking every checksum on the way. */
#include "hv/hv.h"
#include "arch/acpi.h"

struct rsdp {
    char sig[8];
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length;
    uint64_t xsdt;
    uint8_t ext_checksum, reserved[3];
} __attribute__((packed));

struct sdt_header {
    char sig[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static const struct sdt_header *madt;

static int checksum_ok(const void *p, uint32_t len)
{
    uint8_t sum = 0;
    for (uint32_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

static const struct rsdp *find_rsdp(uint64_t hint)
{
    if (hint)
        return (const struct rsdp *)(uintptr_t)hint;
    /* The BIOS data area holds the EBDA segment at 0x40e. */
    uint64_t ebda = (uint64_t)*(const uint16_t *)0x40e << 4;
    const uint64_t areas[2][2] = {{ebda, ebda + 1024}, {0xe0000, 0x100000}};
    for (int a = 0; a < 2; a++)
        for (uint64_t p = areas[a][0]; p + 20 <= areas[a][1]; p += 16)
            if (!memcmp((const void *)p, "RSD PTR ", 8) && checksum_ok((const void *)p, 20))
                return (const struct rsdp *)p;
    return NULL;
}

static const struct sdt_header *table(uint64_t pa)
{
    const struct sdt_header *h = (const struct sdt_header *)(uintptr_t)pa;
    if (!pa || h->length < sizeof(*h) || h->length > (1u << 20) || !checksum_ok(h, h->length))
        return NULL;
    return h;
}

int acpi_init(uint64_t rsdp_hint)
{
    const struct rsdp *rsdp = find_rsdp(rsdp_hint);
    if (!rsdp || memcmp(rsdp->sig, "RSD PTR ", 8) || !checksum_ok(rsdp, 20))
        return -1;
    bool use_x = rsdp->revision >= 2 && rsdp->xsdt;
    const struct sdt_header *root = table(use_x ? rsdp->xsdt : rsdp->rsdt);
    if (!root)
        return -1;
    unsigned entry = use_x ? 8 : 4;
    unsigned n = (root->length - sizeof(*root)) / entry;
    const uint8_t *ents = (const uint8_t *)(root + 1);
    for (unsigned i = 0; i < n; i++) {
        uint64_t pa = 0;
        memcpy(&pa, ents + i * entry, entry);
        const struct sdt_header *t = table(pa);
        if (t && !memcmp(t->sig, "APIC", 4)) {
            madt = t;
            return 0;
        }
    }
    return -1;
}

/* Calls fn on each MADT entry; entries are checked against the table length. */
static void madt_for_each(void (*fn)(uint8_t *entry, void *arg), void *arg)
{
    uint8_t *p = (uint8_t *)madt + sizeof(struct sdt_header) + 8;
    uint8_t *end = (uint8_t *)madt + madt->length;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        fn(p, arg);
        p += p[1];
    }
}

static void hide_cpu(uint8_t *e, void *arg)
{
    uint32_t keep = *(uint32_t *)arg, id, flags;
    unsigned flags_at = e[0] == 0 ? 4 : 8;

    if (e[0] == 0 && e[1] >= 8)
        id = e[3];
    else if (e[0] == 9 && e[1] >= 16)
        memcpy(&id, e + 4, 4);
    else
        return;
    if (id == keep)
        return;
    memcpy(&flags, e + flags_at, 4);
    flags &= ~3u; /* enabled, online capable */
    memcpy(e + flags_at, &flags, 4);
}

void acpi_hide_cpus_from_dom0(uint32_t keep)
{
    if (!madt)
        return;
    madt_for_each(hide_cpu, &keep);
    struct sdt_header *h = (struct sdt_header *)madt;
    h->checksum = 0;
    uint8_t sum = 0;
    for (uint32_t i = 0; i < h->length; i++)
        sum += ((const uint8_t *)h)[i];
    h->checksum = (uint8_t)-sum;
}

unsigned acpi_cpu_apic_ids(uint32_t *ids, unsigned max)
{
    unsigned n = 0;

    if (!madt)
        return 0;
    /* Entries follow the header and 8 bytes of local APIC address + flags. */
    const uint8_t *p = (const uint8_t *)madt + sizeof(struct sdt_header) + 8;
    const uint8_t *end = (const uint8_t *)madt + madt->length;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        if (p[0] == 0 && p[1] >= 8) { /* processor local APIC */
            uint32_t flags;
            memcpy(&flags, p + 4, 4);
            if ((flags & 1) && n < max)
                ids[n++] = p[3];
        } else if (p[0] == 9 && p[1] >= 16) { /* processor local x2APIC */
            uint32_t id, flags;
            memcpy(&id, p + 4, 4);
            memcpy(&flags, p + 8, 4);
            if ((flags & 1) && n < max)
                ids[n++] = id;
        }
        p += p[1];
    }
    return n;
}
