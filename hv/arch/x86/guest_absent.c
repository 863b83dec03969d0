/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The log-once of a domU's accesses to absent ports and MSRs (see arch/guest_absent.h).
 * What the guest gets back is its exit handler's business; this only remembers.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "arch/guest_absent.h"

static const char *const kind_names[] = {
    [ABSENT_PORT] = "port", [ABSENT_MSR] = "MSR", [ABSENT_MMIO] = "MMIO"};
static const char *const kind_answers[] = {[ABSENT_PORT] = "reads all ones, writes dropped",
                                           [ABSENT_MSR] = "#GP",
                                           [ABSENT_MMIO] = "reads all ones, writes dropped"};

/* Records the key; true if it is new and was recorded (the caller logs it). */
static bool remember(struct absent_log *log, uint64_t key, bool *full_now)
{
    *full_now = false;
    for (unsigned i = 0; i < log->nr; i++)
        if (log->seen[i] == key)
            return false;
    if (log->nr < ABSENT_SEEN_MAX) {
        log->seen[log->nr++] = key;
        return true;
    }
    if (!log->full_reported)
        *full_now = log->full_reported = true;
    return false;
}

void guest_absent_note(struct domain *d, enum absent_kind kind, uint32_t where, bool write)
{
    struct absent_log *log = &d->absent;
    bool full_now, fresh;

    spin_lock(&log->lock);
    fresh = remember(log, (uint64_t)kind << 32 | where, &full_now);
    spin_unlock(&log->lock);
    uint64_t addr = kind == ABSENT_MMIO ? (uint64_t)where << PAGE_SHIFT : where;
    if (fresh)
        hv_log("d%u (%s) absent %s 0x%lx (%s): %s; logged once", d->id, d->name, kind_names[kind],
               (unsigned long)addr, write ? "write" : "read", kind_answers[kind]);
    else if (full_now)
        hv_log("d%u (%s) touched more than %u absent ports, MSRs and MMIO pages: no longer "
               "logged",
               d->id, d->name, ABSENT_SEEN_MAX);
}
