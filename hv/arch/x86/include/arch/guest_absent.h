/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Accesses a domU makes to hardware that is not there (a port no device decodes, an MSR
 * the CPU does not have, a page of the platform's MMIO hole): answered as absent hardware by their
 * exit handlers, and logged here once per domain and address, so a guest probing in a loop costs
 * hv's log a line, not a flood.
 */
#ifndef HV_ARCH_GUEST_ABSENT_H
#define HV_ARCH_GUEST_ABSENT_H

#include <stdbool.h>
#include <stdint.h>
#include "hv/spinlock.h"

/* Distinct addresses logged per domain; past that one line says logging stopped. A
 * domain's whole life costs hv's log at most ABSENT_SEEN_MAX + 1 lines. */
#define ABSENT_SEEN_MAX 32

enum absent_kind { ABSENT_PORT, ABSENT_MSR, ABSENT_MMIO };

struct absent_log {
    spinlock_t lock;
    unsigned nr;                    /* entries of seen[] in use */
    bool full_reported;             /* the "no longer logged" line was written */
    uint64_t seen[ABSENT_SEEN_MAX]; /* kind << 32 | port, MSR number or MMIO frame */
};

struct domain;

/* Logs the access unless this domain's log already holds it (or is full). `where` is the
 * port, the MSR, or for MMIO the frame number (gpa >> 12): one line per page. */
void guest_absent_note(struct domain *d, enum absent_kind kind, uint32_t where, bool write);

#endif
