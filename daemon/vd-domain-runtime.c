/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a running domain is doing, as hv sees it: each vCPU's state, physical CPU and CPU
 * time with the CPUs it may run on (virsh vcpuinfo), its vCPU ceiling, and the memory
 * figures Vireo really has (virsh dommemstat).
 */
#include "vd-daemon-private.h"
#include "vd-dm.h"

#include <string.h>
#include <unistd.h>

int vd_domain_get_max_vcpus(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    /* libvirt defines it as the live maximum: an inactive domain is an error. */
    return vd_domain_get_vcpus_flags(d, ref, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_VCPU_MAXIMUM, err);
}

/* The CPUs domU vCPUs may run on, [*first, *end): the last nr_domu_cpus of hv's (CPU 0 is
 * dom0's). Without hv, the CPUs hv would give them on this machine: all but the first. */
static bool domu_cpus(vd_daemon *d, unsigned *first, unsigned *end, vd_error **err)
{
    vd_hv_physinfo phys;
    if (vd_hv_present(d->hv)) {
        if (!d->hv->ops->physinfo(d->hv, &phys, err))
            return false;
        *first = phys.nr_cpus - phys.nr_domu_cpus;
        *end = phys.nr_cpus;
        return true;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    *end = n > 0 ? (unsigned)n : 1;
    *first = *end > 1 ? 1 : 0;
    return true;
}

/* One map per vCPU, `count` of them, the rest of the caller's `nmaps` zero: hv pins no
 * vCPU to fewer CPUs than the domU set. */
static bool fill_cpumaps(vd_daemon *d, unsigned char *maps, unsigned nmaps, unsigned maplen,
                         unsigned count, vd_error **err)
{
    unsigned first, end;
    if (!maplen)
        return true;
    if (!domu_cpus(d, &first, &end, err))
        return false;
    memset(maps, 0, (size_t)nmaps * maplen);
    for (unsigned v = 0; v < count && v < nmaps; v++) {
        for (unsigned cpu = first; cpu < end && cpu / 8 < maplen; cpu++)
            maps[(size_t)v * maplen + cpu / 8] |= 1u << (cpu % 8);
    }
    return true;
}

int vd_domain_get_vcpus(vd_daemon *d, const vd_domain_ref *ref, vd_vcpu_info *info,
                        unsigned maxinfo, unsigned char *cpumaps, unsigned maplen, vd_error **err)
{
    vd_hv_vcpu vcpus[VD_MAX_VCPUS];
    int n = -1;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && dom->id < 0)
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "cannot retrieve vcpu information for inactive domain");
    else if (dom)
        n = d->hv->ops->domain_vcpu_list(d->hv, dom->id, vcpus, MIN(maxinfo, VD_MAX_VCPUS), err);
    vd_read_unlock(d);
    if (n < 0 || !fill_cpumaps(d, cpumaps, maxinfo, maplen, (unsigned)n, err))
        return -1;
    for (int i = 0; i < n; i++) {
        info[i].number = vcpus[i].number;
        info[i].state = (int)vcpus[i].state; /* hv's values are virVcpuState's */
        info[i].cpu_time_ns = vcpus[i].cpu_time_ns;
        info[i].cpu = vcpus[i].cpu;
    }
    return n;
}

int vd_domain_get_vcpu_pin_info(vd_daemon *d, const vd_domain_ref *ref, unsigned ncpumaps,
                                unsigned char *cpumaps, unsigned maplen, unsigned flags,
                                vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, err, -1);
    bool live, config;
    int count = -1;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && vd_affect(dom, flags, &live, &config, err))
        count = (int)MIN(ncpumaps, (live ? dom->live : dom->def)->vcpus);
    vd_read_unlock(d);
    if (count < 0 || !fill_cpumaps(d, cpumaps, ncpumaps, maplen, (unsigned)count, err))
        return -1;
    return count;
}

int vd_domain_memory_stats(vd_daemon *d, const vd_domain_ref *ref, vd_memory_stat *out,
                           unsigned max, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, -1);
    vd_hv_info info;
    int found = -1, domid = -1;
    bool balloon_device = false;
    uint64_t balloon = 0;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    if (dom) {
        balloon = dom->live->current_kib;
        balloon_device = dom->live->balloon == VD_BALLOON_VIRTIO;
        domid = dom->id;
        found = d->hv->ops->domain_info(d->hv, dom->id, &info, err);
    }
    vd_read_unlock(d);
    if (found < 0)
        return -1;
    /* With a virtio balloon, vireo-dm's file has its actual size and the guest's own
     * figures; without one, actual is the target. rss is what hv backs the guest with. */
    vd_memory_stat stats[VD_MEMORY_STATS_MAX];
    int n = 0;
    if (balloon_device)
        n = vd_dm_balloon_stats_read(d->cfg, domid, stats, G_N_ELEMENTS(stats) - 1, err);
    if (n < 0)
        return -1;
    if (n == 0)
        stats[n++] = (vd_memory_stat){VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, balloon};
    if (found > 0)
        stats[n++] = (vd_memory_stat){VIR_DOMAIN_MEMORY_STAT_RSS, info.memory_kib};
    n = MIN((unsigned)n, max);
    memcpy(out, stats, (size_t)n * sizeof(stats[0]));
    return n;
}
