/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * device_model: a platform guest (platform=1) whose device window is served by a dom0
 * process (the node suite's vireo-dmprobe, mode serve). Values written come back at every
 * width, a read-modify-write and an exchange make their two requests, and doorbell writes
 * are counted by hv without a request while a non-matching write to the same register
 * still is one. Register map: see tests/node/probes/device_model.c. With hammer=1 it
 * only reads and writes the window for ever, believing nothing (for a hostile probe).
 */
#include "guest.h"

#define DM 0xd0000000ull /* VIREO_PLAT_DM_BASE */
#define REG(type, off) (*(volatile type *)(DM + (off)))
#define MAGIC 0x214d4456u /* "VDM!" */
#define DOORBELLS 100u

static unsigned checks;

static void want(int ok, const char *what, uint64_t got)
{
    if (!ok)
        guest_fail("%s (got %#llx)", what, (unsigned long long)got);
    checks++;
}

static void widths(void)
{
    REG(uint64_t, 0x08) = 0x1122334455667788ull;
    want(REG(uint64_t, 0x08) == 0x1122334455667788ull, "64-bit value back", REG(uint64_t, 0x08));
    want(REG(uint8_t, 0x08) == 0x88, "8-bit read", REG(uint8_t, 0x08));
    want(REG(uint16_t, 0x0a) == 0x5566, "16-bit read", REG(uint16_t, 0x0a));
    want(REG(uint32_t, 0x0c) == 0x11223344, "32-bit read", REG(uint32_t, 0x0c));
    REG(uint8_t, 0x0f) = 0xaa;
    want(REG(uint64_t, 0x08) == 0xaa22334455667788ull, "8-bit write merged",
         REG(uint64_t, 0x08));
}

static void two_access_instructions(void)
{
    REG(uint32_t, 0x10) = 0x11223344;
    __asm__ volatile("orl $0xff00, (%0)" ::"r"(DM + 0x10) : "cc", "memory");
    want(REG(uint32_t, 0x10) == 0x1122ff44, "or m32, imm", REG(uint32_t, 0x10));
    uint32_t x = 0xcafef00d;
    __asm__ volatile("xchgl %0, (%1)" : "+r"(x) : "r"(DM + 0x10) : "memory");
    want(x == 0x1122ff44 && REG(uint32_t, 0x10) == 0xcafef00d, "xchg m32, r32", x);
}

static void doorbells(void)
{
    for (unsigned i = 0; i < DOORBELLS; i++)
        REG(uint32_t, 0x50) = 7; /* the probe's doorbell: no request, no wait */
    REG(uint32_t, 0x50) = 8;     /* another value: a plain write request */
    uint64_t by_hv = REG(uint64_t, 0x68), plain = REG(uint64_t, 0x70), seen = REG(uint64_t, 0x60);
    want(by_hv == DOORBELLS, "doorbell writes hv took without a request", by_hv);
    want(plain == 1, "plain writes to the doorbell register", plain);
    want(seen >= 1 && seen <= DOORBELLS, "doorbell rings the probe saw", seen);
}

static void hammer(void)
{
    for (uint64_t i = 0;; i++) {
        REG(uint64_t, 0x08) = i;
        (void)REG(uint32_t, (i * 4) % 0x40);
        __asm__ volatile("orl $1, (%0)" ::"r"(DM + 0x10) : "cc", "memory");
    }
}

void guest_main(struct guest_vcpu *v)
{
    if (cmdline_u64(v->start, "hammer", 0))
        hammer();
    want(REG(uint32_t, 0) == MAGIC, "magic", REG(uint32_t, 0));
    widths();
    two_access_instructions();
    doorbells();
    guest_printf("device model: %u checks passed\n", checks);
}
