/* SPDX-License-Identifier: GPL-2.0-only */
/* Credit scheduler accounting (see hv/sched_credit.h). */
#include "hv/sched_credit.h"

uint64_t credit_cap_budget(const struct domain *d, uint64_t period_ns)
{
    return d->cap ? period_ns * d->cap / 100 : 0;
}

void credit_charge(struct vcpu *v, uint64_t ran_ns, uint64_t period_ns)
{
    struct domain *d = v->dom;

    v->credit_ns -= (int64_t)ran_ns;
    v->period_used_ns += ran_ns;
    d->period_used_ns += ran_ns;
    if (d->cap && d->period_used_ns >= credit_cap_budget(d, period_ns))
        d->parked = true;
}

static bool wants_cpu(const struct vcpu *v)
{
    const struct domain *d = v->dom;
    return (v->state == VCPU_RUNNABLE && d->state == DOM_RUNNING && !d->dying &&
            !d->pause_count && v->id < d->nr_online) ||
           v->period_used_ns > 0;
}

void credit_new_period(struct vcpu *const *vcpus, unsigned n, unsigned nr_cpus, uint64_t period_ns)
{
    uint64_t total_weight = 0;

    for (unsigned i = 0; i < n; i++)
        vcpus[i]->dom->nr_active = 0;
    for (unsigned i = 0; i < n; i++) {
        if (!wants_cpu(vcpus[i]))
            continue;
        if (vcpus[i]->dom->nr_active++ == 0)
            total_weight += vcpus[i]->dom->weight;
    }
    const int64_t limit = (int64_t)period_ns;
    for (unsigned i = 0; i < n; i++) {
        struct vcpu *v = vcpus[i];
        struct domain *d = v->dom;
        if (wants_cpu(v) && total_weight) {
            uint64_t share = (uint64_t)nr_cpus * period_ns / total_weight * d->weight;
            share = MIN(share, (uint64_t)d->nr_active * period_ns);
            if (d->cap)
                share = MIN(share, credit_cap_budget(d, period_ns));
            v->credit_ns += (int64_t)(share / d->nr_active);
        }
        v->credit_ns = v->credit_ns > limit ? limit : v->credit_ns < -limit ? -limit : v->credit_ns;
    }
    /* A capped domain's overrun (timer lateness, a slice ending late) is carried into the
     * next period, so lateness cannot add up to more CPU time than the cap. */
    for (unsigned i = 0; i < n; i++) {
        struct domain *d = vcpus[i]->dom;
        vcpus[i]->period_used_ns = 0;
        if (d->nr_active == (unsigned)-1)
            continue; /* this domain was settled by an earlier vCPU */
        uint64_t budget = credit_cap_budget(d, period_ns);
        d->period_used_ns = d->cap && d->period_used_ns > budget ? d->period_used_ns - budget : 0;
        d->parked = d->cap && d->period_used_ns >= budget;
        d->nr_active = (unsigned)-1;
    }
}

bool credit_eligible(const struct vcpu *v)
{
    const struct domain *d = v->dom;
    return v->state == VCPU_RUNNABLE && !v->running && v->arch.initialised &&
           v->id < d->nr_online && d->state == DOM_RUNNING && !d->dying && !d->pause_count &&
           !d->parked;
}

struct vcpu *credit_pick(struct vcpu *runq)
{
    struct vcpu *best = NULL;

    for (struct vcpu *v = runq; v; v = v->rq_next)
        if (credit_eligible(v) && (!best || v->credit_ns > best->credit_ns))
            best = v;
    return best;
}
