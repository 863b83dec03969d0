/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl: domain lifecycle, requests to the guest, listing, limits, balloon target,
 * scheduler parameters and vCPU state. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vctl_private.h"

/* Entries fetched per VIREO_HC_DOMAIN_LIST call; hv accepts up to 256. */
#define LIST_BATCH 64

int vctl_domain_create(vctl_t *h, const struct vireo_domain_config *cfg, uint32_t *domid)
{
    struct vctl_buf buf = { (void *)cfg, sizeof(*cfg), VIREO_DEV_BUF_IN, 0, 0, 0 };
    int64_t ret = vctl_hypercall(h, VIREO_HC_DOMAIN_CREATE, NULL, &buf, 1);
    if (ret < 0)
        return (int)ret;
    *domid = (uint32_t)ret;
    return 0;
}

int vctl_domain_destroy(vctl_t *h, uint32_t domid)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_DESTROY, domid, 0, 0);
}

int vctl_domain_pause(vctl_t *h, uint32_t domid)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_PAUSE, domid, 0, 0);
}

int vctl_domain_unpause(vctl_t *h, uint32_t domid)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_UNPAUSE, domid, 0, 0);
}

int vctl_domain_info(vctl_t *h, uint32_t domid, struct vireo_domain_info *out)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = { domid };
    struct vctl_buf buf = { out, sizeof(*out), VIREO_DEV_BUF_OUT, 1, 0, 0 };
    return (int)vctl_hypercall(h, VIREO_HC_DOMAIN_GET_INFO, args, &buf, 1);
}

int vctl_domain_list(vctl_t *h, struct vireo_domain_info **out, size_t *count)
{
    struct vireo_domain_info *all = NULL;
    size_t n = 0;
    uint32_t next = 0;

    for (;;) {
        struct vireo_domain_info *grown = realloc(all, (n + LIST_BATCH) * sizeof(*all));
        if (!grown) {
            free(all);
            return -ENOMEM;
        }
        all = grown;
        uint64_t args[VIREO_DEV_MAX_ARGS] = { next, 0, LIST_BATCH };
        struct vctl_buf buf = { all + n, LIST_BATCH * sizeof(*all), VIREO_DEV_BUF_OUT, 1,
                                0, 0 };
        int64_t got = vctl_hypercall(h, VIREO_HC_DOMAIN_LIST, args, &buf, 1);
        if (got < 0 || got > LIST_BATCH) {
            free(all);
            return got < 0 ? (int)got : -EIO;
        }
        n += (size_t)got;
        if (got < LIST_BATCH)
            break;
        next = all[n - 1].domid + 1;
    }
    *out = all;
    *count = n;
    return 0;
}

int vctl_domain_exit_stats(vctl_t *h, uint32_t domid, struct vireo_exit_stats *out)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = { domid };
    struct vctl_buf buf = { out, sizeof(*out), VIREO_DEV_BUF_OUT, 1, 0, 0 };
    return (int)vctl_hypercall(h, VIREO_HC_DOMAIN_GET_EXIT_STATS, args, &buf, 1);
}

static bool parse_domid(const char *s, uint32_t *domid)
{
    char *end;
    if (!*s)
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || errno || v > VIREO_DOMID_MAX || s[0] == '-' || s[0] == '+')
        return false;
    *domid = (uint32_t)v;
    return true;
}

int vctl_domain_lookup(vctl_t *h, const char *name_or_id, struct vireo_domain_info *out)
{
    uint32_t domid;
    if (parse_domid(name_or_id, &domid))
        return vctl_domain_info(h, domid, out);

    struct vireo_domain_info *all;
    size_t n;
    int ret = vctl_domain_list(h, &all, &n);
    if (ret < 0)
        return ret;
    ret = -ESRCH;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(all[i].name, name_or_id, VIREO_NAME_MAX) == 0) {
            *out = all[i];
            ret = 0;
            break;
        }
    }
    free(all);
    return ret;
}

int vctl_domain_set_max_pages(vctl_t *h, uint32_t domid, uint64_t max_pages)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_SET_MAX_PAGES, domid, max_pages, 0);
}

int vctl_domain_set_online_vcpus(vctl_t *h, uint32_t domid, uint32_t nr_online)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_SET_ONLINE_VCPUS, domid, nr_online, 0);
}

int vctl_sched_set_params(vctl_t *h, uint32_t domid, uint32_t weight, uint32_t cap)
{
    return (int)vctl_hypercall3(h, VIREO_HC_SCHED_SET_PARAMS, domid, weight, cap);
}

int vctl_domain_control(vctl_t *h, uint32_t domid, uint32_t requests)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_CONTROL, domid, requests, 0);
}

int vctl_domain_set_target(vctl_t *h, uint32_t domid, uint64_t target_pages)
{
    return (int)vctl_hypercall3(h, VIREO_HC_DOMAIN_SET_TARGET, domid, target_pages, 0);
}

int vctl_memory_populate(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr)
{
    return (int)vctl_hypercall3(h, VIREO_HC_MEMORY_POPULATE, domid, first_gfn, nr);
}

int64_t vctl_memory_release(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr)
{
    return vctl_hypercall3(h, VIREO_HC_MEMORY_RELEASE, domid, first_gfn, nr);
}

static int vcpu_context_call(vctl_t *h, uint64_t nr, uint32_t domid, uint32_t vcpu,
                             struct vireo_vcpu_context *ctx, uint32_t flags)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = { domid, vcpu };
    struct vctl_buf buf = { ctx, sizeof(*ctx), flags, 2, 0, 0 };
    return (int)vctl_hypercall(h, nr, args, &buf, 1);
}

int vctl_vcpu_get_context(vctl_t *h, uint32_t domid, uint32_t vcpu,
                          struct vireo_vcpu_context *out)
{
    return vcpu_context_call(h, VIREO_HC_VCPU_GET_CONTEXT, domid, vcpu, out,
                             VIREO_DEV_BUF_OUT);
}

int vctl_vcpu_set_context(vctl_t *h, uint32_t domid, uint32_t vcpu,
                          const struct vireo_vcpu_context *ctx)
{
    return vcpu_context_call(h, VIREO_HC_VCPU_SET_CONTEXT, domid, vcpu,
                             (struct vireo_vcpu_context *)ctx, VIREO_DEV_BUF_IN);
}

int vctl_vcpu_list(vctl_t *h, uint32_t domid, struct vireo_vcpu_info *out, unsigned max)
{
    if (max > VIREO_MAX_VCPUS)
        max = VIREO_MAX_VCPUS;
    if (!max)
        return 0;
    uint64_t args[VIREO_DEV_MAX_ARGS] = { domid, 0, max };
    struct vctl_buf buf = { out, max * (uint32_t)sizeof(*out), VIREO_DEV_BUF_OUT, 1, 0, 0 };
    int64_t got = vctl_hypercall(h, VIREO_HC_VCPU_LIST, args, &buf, 1);
    return got > (int64_t)max ? -EIO : (int)got;
}

const char *vctl_domstate_name(uint32_t state)
{
    switch (state) {
    case VIREO_DOMSTATE_RUNNING: return "running";
    case VIREO_DOMSTATE_BLOCKED: return "blocked";
    case VIREO_DOMSTATE_PAUSED: return "paused";
    case VIREO_DOMSTATE_SHUTDOWN: return "shutdown";
    case VIREO_DOMSTATE_CRASHED: return "crashed";
    case VIREO_DOMSTATE_DYING: return "dying";
    default: return "unknown";
    }
}

const char *vctl_exit_kind_name(unsigned kind)
{
    static const char *const names[VIREO_EXIT_KINDS] = {
        [VIREO_EXIT_INTR] = "intr",
        [VIREO_EXIT_NMI] = "nmi",
        [VIREO_EXIT_VINTR] = "vintr",
        [VIREO_EXIT_HLT] = "hlt",
        [VIREO_EXIT_IO] = "io",
        [VIREO_EXIT_MSR_READ] = "msr_read",
        [VIREO_EXIT_MSR_WRITE] = "msr_write",
        [VIREO_EXIT_CPUID] = "cpuid",
        [VIREO_EXIT_HYPERCALL] = "hypercall",
        [VIREO_EXIT_NPF] = "npf",
        [VIREO_EXIT_CR_WRITE] = "cr_write",
        [VIREO_EXIT_EXCEPTION] = "exception",
        [VIREO_EXIT_SHUTDOWN] = "shutdown",
        [VIREO_EXIT_OTHER] = "other",
    };
    return kind < VIREO_EXIT_KINDS ? names[kind] : "unknown";
}

const char *vctl_crash_reason_name(uint32_t reason)
{
    switch (reason) {
    case VIREO_CRASH_NONE: return "none";
    case VIREO_CRASH_TRIPLE_FAULT: return "triple fault";
    case VIREO_CRASH_BAD_MEMORY: return "bad memory access";
    case VIREO_CRASH_UNHANDLED_EXIT: return "unhandled exit";
    case VIREO_CRASH_INVALID_STATE: return "invalid vCPU state";
    case VIREO_CRASH_GUEST_REQUEST: return "guest request";
    case VIREO_CRASH_DEVICE_MODEL: return "device model gone";
    default: return "unknown";
    }
}
