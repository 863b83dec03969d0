/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scheduler's glue: one global run queue and lock (a few CPUs only), each domU CPU
 * looping pick -> run until preempted/blocked -> account -> requeue, one-shot APIC timers
 * for slice ends, period boundaries and block deadlines, and IPIs to idle or busy CPUs
 * when something changes. Policy is in sched_credit.c.
 */
#include "hv/hv.h"
#include "hv/arch.h"
#include "hv/domain.h"
#include "hv/percpu.h"
#include "hv/sched.h"
#include "hv/sched_credit.h"
#include "hv/time.h"
#include "arch/apic.h"
#include "arch/x86.h"

#define MAX_SCHED_VCPUS (HV_MAX_DOMAINS * 4)

static spinlock_t lock = SPINLOCK_INIT;
static struct vcpu *runq_head, *runq_tail;
static struct vcpu *all_vcpus[MAX_SCHED_VCPUS];
static unsigned nr_all;
static unsigned first_cpu, nr_sched_cpus;
static uint64_t next_period_ns;

void sched_lock(void)
{
    spin_lock(&lock);
}

void sched_unlock(void)
{
    spin_unlock(&lock);
}

void sched_init(unsigned first, unsigned n)
{
    first_cpu = first;
    nr_sched_cpus = n;
    next_period_ns = hv_now_ns() + SCHED_PERIOD_NS;
}

static void runq_push(struct vcpu *v)
{
    if (v->on_runq || v->running)
        return;
    v->rq_next = NULL;
    if (runq_tail)
        runq_tail->rq_next = v;
    else
        runq_head = v;
    runq_tail = v;
    v->on_runq = true;
}

static void runq_remove(struct vcpu *v)
{
    struct vcpu **pp = &runq_head, *prev = NULL;

    if (!v->on_runq)
        return;
    while (*pp && *pp != v) {
        prev = *pp;
        pp = &(*pp)->rq_next;
    }
    HV_ASSERT(*pp == v);
    *pp = v->rq_next;
    if (runq_tail == v)
        runq_tail = prev;
    v->on_runq = false;
}

int sched_add_vcpus(struct vcpu *const *v, unsigned n)
{
    int rc = -VIREO_ENOSPC;
    spin_lock(&lock);
    if (nr_all + n <= MAX_SCHED_VCPUS) {
        for (unsigned i = 0; i < n; i++)
            all_vcpus[nr_all++] = v[i];
        rc = 0;
    }
    spin_unlock(&lock);
    return rc;
}

void sched_remove_vcpu(struct vcpu *v)
{
    spin_lock(&lock);
    HV_ASSERT(!v->running);
    runq_remove(v);
    for (unsigned i = 0; i < nr_all; i++)
        if (all_vcpus[i] == v) {
            all_vcpus[i] = all_vcpus[--nr_all];
            break;
        }
    spin_unlock(&lock);
}

/* Wake-ups that do not depend on a CPU: idle CPUs pick the work up. */
static void kick_idle_cpus(void)
{
    struct cpu *self = this_cpu();
    for (unsigned i = first_cpu; i < first_cpu + nr_sched_cpus; i++)
        if (cpus[i].online && READ_ONCE(cpus[i].idle) && &cpus[i] != self)
            apic_send_ipi(cpus[i].apic_id, HV_VECTOR_RESCHED);
}

static void wake_locked(struct vcpu *v)
{
    v->state = VCPU_RUNNABLE;
    v->block_deadline_ns = 0;
    runq_push(v);
}

/* Period accounting and expired block deadlines; lock held. */
static void housekeeping(uint64_t now)
{
    if (now >= next_period_ns) {
        credit_new_period(all_vcpus, nr_all, nr_sched_cpus, SCHED_PERIOD_NS);
        while (next_period_ns <= now)
            next_period_ns += SCHED_PERIOD_NS;
    }
    for (unsigned i = 0; i < nr_all; i++) {
        struct vcpu *v = all_vcpus[i];
        if (v->state == VCPU_BLOCKED && v->block_deadline_ns && v->block_deadline_ns <= now)
            wake_locked(v);
    }
}

static uint64_t earliest_deadline(void)
{
    uint64_t t = ~0ull;
    for (unsigned i = 0; i < nr_all; i++)
        if (all_vcpus[i]->state == VCPU_BLOCKED && all_vcpus[i]->block_deadline_ns)
            t = MIN(t, all_vcpus[i]->block_deadline_ns);
    return t;
}

/* Chooses this CPU's next vCPU and arms its timer; lock held. */
static struct vcpu *pick_locked(struct cpu *c, uint64_t now)
{
    housekeeping(now);
    struct vcpu *v = credit_pick(runq_head);
    uint64_t next = MIN(next_period_ns, earliest_deadline());

    if (v) {
        runq_remove(v);
        v->running = true;
        v->cpu = c->index;
        v->run_start_ns = now;
        v->dom->nr_running++;
        __atomic_add_fetch(&v->dom->refs, 1, __ATOMIC_ACQUIRE);
        uint64_t slice_end = now + SCHED_SLICE_NS;
        uint64_t budget = credit_cap_budget(v->dom, SCHED_PERIOD_NS);
        if (budget)
            slice_end = MIN(slice_end, now + budget - MIN(budget, v->dom->period_used_ns));
        next = MIN(next, slice_end);
    }
    c->current = v;
    WRITE_ONCE(c->idle, v == NULL);
    c->timer_sched_ns = next;
    c->timer_armed_ns = next;
    apic_timer_oneshot(next > now ? next - now : 1);
    return v;
}

static bool may_keep_running(const struct vcpu *v)
{
    const struct domain *d = v->dom;
    return READ_ONCE(v->state) == VCPU_RUNNABLE && READ_ONCE(d->state) == DOM_RUNNING &&
           !READ_ONCE(d->dying) && !READ_ONCE(d->pause_count) && !READ_ONCE(d->parked) &&
           v->id < READ_ONCE(d->nr_online);
}

/* Accounts a vCPU leaving the CPU and requeues it; returns true if its domain stopped
 * and this was its last running vCPU (the caller reports it). Lock held. */
static bool put_locked(struct vcpu *v, uint64_t now)
{
    struct domain *d = v->dom;
    uint64_t ran = now - v->run_start_ns;

    v->cpu_time_ns += ran;
    credit_charge(v, ran, SCHED_PERIOD_NS);
    v->running = false;
    d->nr_running--;
    if (v->state == VCPU_RUNNABLE)
        runq_push(v);
    if (d->state != DOM_RUNNING && d->nr_running == 0 && !d->stop_reported) {
        d->stop_reported = true;
        return true;
    }
    return false;
}

static void idle_wait(struct cpu *c)
{
    uint64_t t0 = hv_now_ns();
    if (!READ_ONCE(c->need_resched))
        __asm__ volatile("sti; hlt; cli" ::: "memory");
    c->idle_ns += hv_now_ns() - t0;
}

void sched_run_cpu(void)
{
    struct cpu *c = this_cpu();

    for (;;) {
        spin_lock(&lock);
        c->need_resched = false;
        struct vcpu *v = pick_locked(c, hv_now_ns());
        spin_unlock(&lock);
        if (!v) {
            idle_wait(c);
            continue;
        }
        arch_vcpu_switch_in(v);
        while (!READ_ONCE(c->need_resched) && may_keep_running(v)) {
            arch_vcpu_run(v);
            irq_window(); /* the exit may have been for hv's timer or an IPI */
        }
        arch_vcpu_switch_out(v);
        spin_lock(&lock);
        bool stopped = put_locked(v, hv_now_ns());
        c->current = NULL;
        spin_unlock(&lock);
        if (stopped)
            domain_stopped(v->dom);
        domain_put(v->dom);
    }
}

/* The timer also fires for a running vCPU's own deadlines (sched_guest_timer): those only
 * need the exit they caused; the run loop re-arms before the next entry. */
void sched_timer_interrupt(void)
{
    struct cpu *c = this_cpu();

    c->timer_armed_ns = ~0ull;
    if (!c->current || hv_now_ns() >= c->timer_sched_ns)
        c->need_resched = true;
}

void sched_guest_timer(uint64_t deadline_ns)
{
    struct cpu *c = this_cpu();
    uint64_t want = MIN(c->timer_sched_ns, deadline_ns);

    if (want == c->timer_armed_ns)
        return;
    uint64_t now = hv_now_ns();
    apic_timer_oneshot(want > now ? want - now : 1);
    c->timer_armed_ns = want;
}

void sched_kick_vcpu(struct vcpu *v)
{
    struct cpu *self = this_cpu();

    spin_lock(&lock);
    bool woke = v->state == VCPU_BLOCKED;
    if (woke)
        wake_locked(v);
    else
        v->wake_pending = true;
    bool remote = v->running && &cpus[v->cpu] != self;
    uint32_t apic = cpus[v->cpu].apic_id;
    spin_unlock(&lock);
    if (remote)
        apic_send_ipi(apic, HV_VECTOR_KICK); /* the exit is all it needs: entry injects */
    if (woke)
        kick_idle_cpus();
}

void sched_wake(struct vcpu *v)
{
    spin_lock(&lock);
    wake_locked(v);
    spin_unlock(&lock);
    kick_idle_cpus();
}

void sched_block(struct vcpu *v, uint64_t deadline_ns)
{
    spin_lock(&lock);
    if (v->wake_pending) {
        v->wake_pending = false; /* an interrupt came since the vCPU looked: do not sleep */
    } else if (v->dom->events) {
        v->dom->events = 0; /* an event is already pending: do not sleep */
    } else if (!deadline_ns || deadline_ns > hv_now_ns()) {
        v->state = VCPU_BLOCKED;
        v->block_deadline_ns = deadline_ns;
        this_cpu()->need_resched = true;
    }
    spin_unlock(&lock);
}

void sched_yield(struct vcpu *v)
{
    (void)v;
    this_cpu()->need_resched = true;
}

void sched_notify_domain(struct domain *d)
{
    bool woke = false;

    spin_lock(&lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->state == VCPU_BLOCKED) {
            wake_locked(d->vcpus[i]);
            woke = true;
        }
    d->events = !woke; /* consumed by the vCPUs it woke, else kept for the next block */
    spin_unlock(&lock);
    if (woke)
        kick_idle_cpus();
}

void sched_kick_domain(struct domain *d, bool wait)
{
    struct cpu *self = this_cpu();

    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (READ_ONCE(v->running) && &cpus[v->cpu] != self)
            apic_send_ipi(cpus[v->cpu].apic_id, HV_VECTOR_RESCHED);
    }
    while (wait && READ_ONCE(d->nr_running))
        cpu_relax();
}

void sched_domain_changed(struct domain *d)
{
    spin_lock(&lock);
    bool report = d->state != DOM_RUNNING && d->nr_running == 0 && !d->stop_reported;
    if (report)
        d->stop_reported = true;
    spin_unlock(&lock);
    sched_kick_domain(d, false);
    kick_idle_cpus();
    if (report)
        domain_stopped(d);
}

void sched_pause_domain(struct domain *d)
{
    spin_lock(&lock);
    d->pause_count++;
    spin_unlock(&lock);
    sched_kick_domain(d, true);
}

void sched_unpause_domain(struct domain *d)
{
    spin_lock(&lock);
    HV_ASSERT(d->pause_count > 0);
    d->pause_count--;
    spin_unlock(&lock);
    kick_idle_cpus();
}
