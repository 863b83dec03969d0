/* Credit scheduler accounting, run as a simulation of CPUs slicing time the way
 * core/sched.c does: weights share CPUs proportionally, caps hold, a domain never gets
 * more than its vCPUs can use, and idle capacity is not wasted. */
#include <math.h>
#include <string.h>
#include "hv/sched.h"
#include "hv/sched_credit.h"
#include "check.h"

#define MAX_V 16
#define MAX_CPUS 4
#define STEP_NS 100000ull /* 0.1 ms simulation step */

struct sim {
    struct domain doms[4];
    struct vcpu vcpus[MAX_V];
    struct vcpu *all[MAX_V];
    unsigned nr_doms, nr_v, nr_cpus;
    struct vcpu *current[MAX_CPUS];
    uint64_t slice_end[MAX_CPUS];
};

static void add_domain(struct sim *s, unsigned nvcpus, uint32_t weight, uint32_t cap)
{
    struct domain *d = &s->doms[s->nr_doms++];
    memset(d, 0, sizeof(*d));
    d->weight = weight, d->cap = cap, d->state = DOM_RUNNING;
    d->nr_vcpus = d->nr_online = nvcpus;
    for (unsigned i = 0; i < nvcpus; i++) {
        struct vcpu *v = &s->vcpus[s->nr_v];
        memset(v, 0, sizeof(*v));
        v->dom = d, v->id = i, v->state = VCPU_RUNNABLE, v->arch.initialised = true;
        d->vcpus[i] = v;
        s->all[s->nr_v++] = v;
    }
}

/* Run queue in FIFO order of last descheduling, as sched.c keeps it. */
static struct vcpu *queue[MAX_V];
static unsigned qlen;

static struct vcpu *pick(void)
{
    for (unsigned i = 0; i < qlen; i++)
        queue[i]->rq_next = i + 1 < qlen ? queue[i + 1] : NULL;
    struct vcpu *v = credit_pick(qlen ? queue[0] : NULL);
    if (!v)
        return NULL;
    for (unsigned i = 0; i < qlen; i++)
        if (queue[i] == v) {
            memmove(&queue[i], &queue[i + 1], (qlen - i - 1) * sizeof(queue[0]));
            qlen--;
            break;
        }
    return v;
}

static void simulate(struct sim *s, uint64_t duration_ns)
{
    uint64_t next_period = SCHED_PERIOD_NS;
    qlen = 0;
    for (unsigned i = 0; i < s->nr_v; i++)
        queue[qlen++] = s->all[i];
    memset(s->current, 0, sizeof(s->current));

    for (uint64_t now = 0; now < duration_ns; now += STEP_NS) {
        for (unsigned c = 0; c < s->nr_cpus; c++) {
            struct vcpu *v = s->current[c];
            if (v && now < s->slice_end[c])
                continue;
            if (v) { /* put: charge and requeue */
                uint64_t ran = now - v->run_start_ns;
                v->cpu_time_ns += ran;
                credit_charge(v, ran, SCHED_PERIOD_NS);
                v->running = false;
                queue[qlen++] = v;
                s->current[c] = NULL;
            }
            if (now >= next_period) {
                credit_new_period(s->all, s->nr_v, s->nr_cpus, SCHED_PERIOD_NS);
                while (next_period <= now)
                    next_period += SCHED_PERIOD_NS;
            }
            v = pick();
            if (!v) {
                s->slice_end[c] = next_period; /* idle until the period turns */
                continue;
            }
            v->running = true;
            v->run_start_ns = now;
            uint64_t end = now + SCHED_SLICE_NS;
            uint64_t budget = credit_cap_budget(v->dom, SCHED_PERIOD_NS);
            if (budget) {
                uint64_t used = v->dom->period_used_ns;
                end = now + (budget > used ? budget - used : 0);
                end = end < now + SCHED_SLICE_NS ? end : now + SCHED_SLICE_NS;
            }
            s->current[c] = v;
            s->slice_end[c] = end > now ? end : now + STEP_NS;
        }
    }
}

static double domain_share(const struct domain *d, uint64_t duration)
{
    uint64_t t = 0;
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        t += d->vcpus[i]->cpu_time_ns;
    return (double)t / (double)duration;
}

static void weights_share_one_cpu(void)
{
    struct sim s = {.nr_cpus = 1};
    add_domain(&s, 1, 256, 0);
    add_domain(&s, 1, 512, 0);
    simulate(&s, 3000000000ull);
    double a = domain_share(&s.doms[0], 3000000000ull), b = domain_share(&s.doms[1], 3000000000ull);
    printf("  1 CPU, weights 256:512 -> %.3f : %.3f (ratio %.3f)\n", a, b, b / a);
    CHECK(fabs(b / a - 2.0) < 0.1);
    CHECK(a + b > 0.99); /* work conserving */
}

static void cap_limits_lone_domain(void)
{
    struct sim s = {.nr_cpus = 1};
    add_domain(&s, 1, 256, 25);
    simulate(&s, 3000000000ull);
    double c = domain_share(&s.doms[0], 3000000000ull);
    printf("  cap 25 alone on 1 CPU -> %.3f\n", c);
    CHECK(c <= 0.255 && c >= 0.24);
}

static void weights_share_three_cpus(void)
{
    struct sim s = {.nr_cpus = 3};
    add_domain(&s, 3, 256, 0);
    add_domain(&s, 3, 512, 0);
    simulate(&s, 3000000000ull);
    double a = domain_share(&s.doms[0], 3000000000ull), b = domain_share(&s.doms[1], 3000000000ull);
    printf("  3 CPUs, 3+3 vCPUs, weights 256:512 -> %.3f : %.3f CPUs\n", a, b);
    CHECK(fabs(a - 1.0) < 0.06 && fabs(b - 2.0) < 0.06);
}

static void domain_limited_by_its_vcpus(void)
{
    struct sim s = {.nr_cpus = 2};
    add_domain(&s, 1, 512, 0);
    add_domain(&s, 1, 256, 0);
    simulate(&s, 3000000000ull);
    double a = domain_share(&s.doms[0], 3000000000ull), b = domain_share(&s.doms[1], 3000000000ull);
    printf("  2 CPUs, one vCPU each, weights 512:256 -> %.3f : %.3f CPUs\n", a, b);
    CHECK(a > 0.98 && b > 0.98);
}

static void capped_beside_uncapped(void)
{
    struct sim s = {.nr_cpus = 1};
    add_domain(&s, 1, 256, 20);
    add_domain(&s, 1, 256, 0);
    simulate(&s, 3000000000ull);
    double a = domain_share(&s.doms[0], 3000000000ull), b = domain_share(&s.doms[1], 3000000000ull);
    printf("  1 CPU, cap 20 beside uncapped -> %.3f : %.3f\n", a, b);
    CHECK(a <= 0.205 && b >= 0.79);
}

int main(void)
{
    weights_share_one_cpu();
    cap_limits_lone_domain();
    weights_share_three_cpus();
    domain_limited_by_its_vcpus();
    capped_beside_uncapped();
    return check_done("credit scheduler");
}
