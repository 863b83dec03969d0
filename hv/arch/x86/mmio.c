/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trapped MMIO: decode the guest instruction and execute it (guest_insn_execute), its
 * operands reached through the guest's page tables: guest RAM directly, anything else
 * through the device model. So a string move may have MMIO on either side, and a REP
 * string does at most GUEST_INSN_STRING_BUDGET elements per exit, like string port I/O.
 */
#include "hv/hv.h"
#include "arch/guest_insn.h"
#include "arch/mmio.h"

int mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops, const char **why)
{
    struct guest_insn_devices dev = {.mmio = ops, .npf_gpa = gpa};
    struct insn in;

    enum guest_insn_result fetched = guest_insn_fetch(v, &in, why);
    if (fetched != GUEST_INSN_OK)
        return fetched;
    return guest_insn_execute(v, &in, &dev, why);
}
