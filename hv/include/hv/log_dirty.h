/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty-page logging of a domU's RAM for live migration (VIREO_HC_DOMAIN_LOG_DIRTY,
 * docs/hv.md "Dirty-page logging"): the log's life, its write protection in the nested
 * tables, and the two ways a page gets dirty (a guest write fault, a write by hv).
 */
#ifndef HV_LOG_DIRTY_H
#define HV_LOG_DIRTY_H

#include <stdbool.h>
#include <stdint.h>

struct domain;

/* VIREO_HC_DOMAIN_LOG_DIRTY for domU d, dom0 being caller (the bitmap's owner). */
int64_t log_dirty_call(struct domain *d, struct domain *caller, uint64_t op, uint64_t first_gfn,
                       uint64_t nr, uint64_t bitmap_gpa);
/* A write nested page fault at gpa: true if the log had protected the page (now logged
 * and writable again) or another vCPU's fault already lifted it: retry the instruction. */
bool log_dirty_write_fault(struct domain *d, uint64_t gpa);
/* hv is about to write the RAM page at gpa, leaf flags as npt_translate gave them: logs
 * it and lifts a protection. d's lock held. */
void log_dirty_hv_write_locked(struct domain *d, uint64_t gpa, uint64_t flags);
/* Frames [gfn, gfn + nr) were just backed: new contents, so dirty. d's lock held. */
void log_dirty_populated_locked(struct domain *d, uint64_t gfn, uint64_t nr);
/* The domain is being freed: the log goes with it. */
void log_dirty_free(struct domain *d);

#endif
