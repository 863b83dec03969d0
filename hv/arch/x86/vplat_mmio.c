/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MMIO hole of a platform domain, [VIREO_PLAT_LOW_RAM_END, 4 GiB), where a PC has its
 * devices: what no device model claims is an empty bus (reads all ones, writes dropped,
 * each page logged once), reached through the full MMIO emulator, so a driver probing a
 * device that is not there sees absent hardware instead of crashing its domain.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/decode.h"
#include "arch/guest_absent.h"
#include "arch/mmio.h"

bool vplat_mmio_hole(uint64_t gpa)
{
    return gpa >= VIREO_PLAT_LOW_RAM_END && gpa < GiB(4);
}

static int hole_read(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t *val)
{
    guest_absent_note(v->dom, ABSENT_MMIO, (uint32_t)(gpa >> PAGE_SHIFT), false);
    *val = insn_size_mask(size);
    return 0;
}

static int hole_write(struct vcpu *v, uint64_t gpa, unsigned size, uint64_t val)
{
    (void)size, (void)val;
    guest_absent_note(v->dom, ABSENT_MMIO, (uint32_t)(gpa >> PAGE_SHIFT), true);
    return 0;
}

const struct mmio_ops vplat_hole_ops = {.read = hole_read, .write = hole_write};
