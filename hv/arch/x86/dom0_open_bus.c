/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What dom0 finds where hv took memory out of its address space (hv itself, the domU
 * pool, the foreign window, anything past its map): an empty bus, as a real machine shows
 * for an address nothing decodes. Reads return all-ones and writes vanish, so a stray
 * /dev/mem access from dom0 neither reaches hidden memory nor takes the node down with
 * it. The first accesses are logged; fetches from there still crash dom0.
 */
#include "hv/hv.h"
#include "arch/mmio.h"

#define LOGGED_ACCESSES 8

static unsigned long accesses; /* dom0 runs on CPU 0 alone: no lock needed */

static void note(uint64_t gpa, const char *kind)
{
    if (accesses++ < LOGGED_ACCESSES)
        hv_log("d0: %s of hidden memory at gpa 0x%lx: empty bus%s", kind, (unsigned long)gpa,
               accesses == LOGGED_ACCESSES ? " (further accesses not logged)" : "");
}

static int open_bus_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)v;
    note(gpa, "read");
    *val = size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
    return 0;
}

static int open_bus_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
    (void)v, (void)size, (void)val;
    note(gpa, "write");
    return 0;
}

const struct mmio_ops dom0_open_bus_ops = {.read = open_bus_read, .write = open_bus_write};
