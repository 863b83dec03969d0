/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hypercalls every domain may make, and the dispatch of all of them. Each handler checks
 * its arguments first and touches guest memory only through guest_read/guest_write.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/hypercall.h"
#include "hv/hypercall_priv.h"
#include "hv/sched.h"
#include "hv/time.h"

#define CONSOLE_IO_MAX 65536u
/* Each call does bounded work (docs/hv.md, "Bounded work"): long requests are short. */
#define SELF_MEMORY_MAX VIREO_MEMORY_SELF_MAX

static int64_t hc_abi_version(struct vcpu *v, const uint64_t *a)
{
    (void)v, (void)a;
    return VIREO_ABI_VERSION;
}

static int64_t hc_console_write(struct vcpu *v, const uint64_t *a)
{
    uint64_t gpa = a[0], len = a[1];
    char buf[256];

    if (len > CONSOLE_IO_MAX)
        return -VIREO_E2BIG;
    len = MIN(len, (uint64_t)VIREO_CONSOLE_WRITE_MAX);
    int rc = guest_check(v->dom, gpa, len, false);
    if (rc)
        return rc;
    for (uint64_t off = 0; off < len;) {
        uint64_t n = MIN(len - off, sizeof(buf));
        if ((rc = guest_read(v->dom, buf, gpa + off, n)))
            return off ? (int64_t)off : rc; /* memory vanished under us: report progress */
        console_guest_write(v->dom, buf, n);
        off += n;
    }
    return (int64_t)len;
}

static int64_t hc_console_read(struct vcpu *v, const uint64_t *a)
{
    uint64_t gpa = a[0], len = MIN(a[1], (uint64_t)CONSOLE_IN_SIZE);
    char buf[CONSOLE_IN_SIZE];

    if (a[1] > CONSOLE_IO_MAX)
        return -VIREO_E2BIG;
    int rc = guest_check(v->dom, gpa, len, true);
    if (rc)
        return rc;
    size_t n = console_input_pop(v->dom, buf, len);
    rc = guest_write(v->dom, gpa, buf, n);
    return rc ? rc : (int64_t)n;
}

static int64_t hc_vcpu_id(struct vcpu *v, const uint64_t *a)
{
    (void)a;
    return v->id;
}

static int64_t hc_sched_yield(struct vcpu *v, const uint64_t *a)
{
    (void)a;
    sched_yield(v);
    return 0;
}

static int64_t hc_sched_block(struct vcpu *v, const uint64_t *a)
{
    sched_block(v, a[0]);
    return 0;
}

static int64_t hc_sched_shutdown(struct vcpu *v, const uint64_t *a)
{
    if (a[0] > VIREO_SHUTDOWN_MAX)
        return -VIREO_EINVAL;
    domain_shutdown(v->dom, (uint32_t)a[0]);
    return 0;
}

static int64_t hc_time_register(struct vcpu *v, const uint64_t *a)
{
    uint64_t gpa = a[0];

    if (gpa == 0) {
        v->time_info_gpa = 0;
        return 0;
    }
    if (!IS_ALIGNED(gpa, 32))
        return -VIREO_EINVAL;
    int rc = time_info_publish(v->dom, gpa, hv_time.tsc_base, 0); /* TSC offset 0 */
    if (!rc)
        v->time_info_gpa = gpa;
    return rc;
}

static int64_t hc_time_now(struct vcpu *v, const uint64_t *a)
{
    (void)v, (void)a;
    return (int64_t)hv_now_ns();
}

static int64_t hc_domain_id(struct vcpu *v, const uint64_t *a)
{
    (void)a;
    return v->dom->id;
}

static int64_t hc_control_take(struct vcpu *v, const uint64_t *a)
{
    (void)a;
    return __atomic_exchange_n(&v->dom->control, 0, __ATOMIC_ACQ_REL);
}

static int64_t hc_memory_target(struct vcpu *v, const uint64_t *a)
{
    (void)a;
    return (int64_t)READ_ONCE(v->dom->target_pages);
}

static int64_t hc_memory_release_self(struct vcpu *v, const uint64_t *a)
{
    if (a[1] > SELF_MEMORY_MAX)
        return -VIREO_E2BIG;
    if (v->dom->privileged)
        return -VIREO_EPERM; /* dom0's memory is fixed */
    return (int64_t)domain_release(v->dom, a[0], a[1]);
}

static int64_t hc_memory_populate_self(struct vcpu *v, const uint64_t *a)
{
    if (v->dom->privileged)
        return -VIREO_EPERM;
    if (a[1] > SELF_MEMORY_MAX)
        return -VIREO_E2BIG;
    return domain_populate(v->dom, a[0], a[1]);
}

typedef int64_t (*hypercall_fn)(struct vcpu *v, const uint64_t *args);

static const hypercall_fn guest_calls[] = {
    [VIREO_HC_ABI_VERSION] = hc_abi_version,   [VIREO_HC_CONSOLE_WRITE] = hc_console_write,
    [VIREO_HC_CONSOLE_READ] = hc_console_read, [VIREO_HC_VCPU_ID] = hc_vcpu_id,
    [VIREO_HC_SCHED_YIELD] = hc_sched_yield,   [VIREO_HC_SCHED_BLOCK] = hc_sched_block,
    [VIREO_HC_SCHED_SHUTDOWN] = hc_sched_shutdown, [VIREO_HC_TIME_REGISTER] = hc_time_register,
    [VIREO_HC_TIME_NOW] = hc_time_now,         [VIREO_HC_DOMAIN_ID] = hc_domain_id,
    [VIREO_HC_CONTROL_TAKE] = hc_control_take, [VIREO_HC_MEMORY_TARGET] = hc_memory_target,
    [VIREO_HC_MEMORY_RELEASE_SELF] = hc_memory_release_self,
    [VIREO_HC_MEMORY_POPULATE_SELF] = hc_memory_populate_self,
};

int64_t hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[5])
{
    if (nr < ARRAY_SIZE(guest_calls) && guest_calls[nr])
        return guest_calls[nr](v, args);
    if (nr >= VIREO_HC_PRIVILEGED_BASE && nr < VIREO_HC_PRIVILEGED_BASE + 0x100) {
        if (!v->dom->privileged)
            return -VIREO_EPERM;
        return hypercall_privileged(v, nr, args);
    }
    return -VIREO_ENOSYS;
}
