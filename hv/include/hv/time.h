/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv system time: nanoseconds since hv calibrated the TSC, computed from the TSC with the
 * same scale guests get in struct vireo_time_info, so hv and guests agree exactly.
 */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <stdint.h>

struct time_scale {
    uint64_t tsc_base; /* TSC at time 0 */
    uint32_t mul;      /* 32.32 fixed-point ns per shifted tick */
    int8_t shift;
};

/* Chooses mul/shift so that ns = ((tsc << shift) * mul) >> 32 for a TSC of tsc_hz. */
void time_scale_for(uint64_t tsc_hz, struct time_scale *ts);
/* Applies a scale to a TSC delta. */
uint64_t time_scale_apply(const struct time_scale *ts, uint64_t tsc_delta);

extern struct time_scale hv_time;
extern uint64_t hv_tsc_khz;

uint64_t hv_now_ns(void);
void time_init(void); /* calibrates the TSC against the PIT */
struct domain;
/* Writes the struct vireo_time_info (KVM's pvclock_vcpu_time_info) at gpa in d: guest
 * time system_ns at guest TSC tsc, counting on at hv's rate; VIREO_HC_TIME_REGISTER
 * passes hv's own (hv_time.tsc_base, 0), kvmclock its domain's. 0 or -VIREO_EFAULT. */
int time_info_publish(struct domain *d, uint64_t gpa, uint64_t tsc, uint64_t system_ns);
/* Busy-waits (used during CPU bring-up only). */
void time_udelay(uint64_t us);

#endif
