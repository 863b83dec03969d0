/* SPDX-License-Identifier: GPL-2.0-only */
/* Trapped MMIO: decode the guest instruction and complete it through a device model. */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_insn.h"
#include "arch/mmio.h"
#include "arch/svm.h"
#include "arch/x86.h"
#include "svm_internal.h"

int mmio_emulate(struct vcpu *v, uint64_t gpa, const struct mmio_ops *ops, const char **why)
{
    struct insn in;

    enum guest_insn_result fetched = guest_insn_fetch(v, &in, why);
    if (fetched != GUEST_INSN_OK)
        return fetched;
    if (in.kind != INSN_LOAD && in.kind != INSN_STORE) {
        *why = "MMIO access by an instruction hv does not emulate";
        return -1;
    }
    if ((gpa & (PAGE_SIZE - 1)) + in.mem_size > PAGE_SIZE) {
        *why = "MMIO access crossing a page";
        return -1;
    }

    struct insn_regs regs;
    guest_insn_load_regs(v, &regs);
    if (in.kind == INSN_LOAD) {
        uint64_t val;
        if (ops->read(v, gpa, in.mem_size, &val)) {
            *why = "MMIO read refused by the device";
            return -1;
        }
        insn_complete_load(&in, &regs, val);
        guest_insn_store_regs(v, &regs);
    } else if (ops->write(v, gpa, in.mem_size, insn_source_value(&in, &regs))) {
        *why = "MMIO write refused by the device";
        return -1;
    }
    svm_skip_instruction(v, in.len);
    return 0;
}
