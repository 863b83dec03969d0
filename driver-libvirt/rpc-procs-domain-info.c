/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Handlers for what virsh's informational commands ask about one domain: vCPUs
 * (vcpuinfo, maxvcpus), memory statistics (dommemstat), title and description (desc,
 * metadata). Wire limits are checked here; the meaning lives in daemon/.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

#include "rpc-convert.h"

#define D(call) ((call)->client->daemon)

bool vd_rpc_domain_get_max_vcpus(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    int n = vd_domain_get_max_vcpus(D(call), dom, err);

    ((vd_wire_int_ret *)ret)->value = n;
    return n >= 0;
}

/* Bounds libvirt's daemon puts on a request for n entries and n maps of maplen bytes. */
static bool check_vcpu_request(int n, int maplen, vd_error **err)
{
    if (n >= 0 && n <= VD_WIRE_VCPUINFO_MAX && maplen >= 0 &&
        (int64_t)n * maplen <= VD_WIRE_CPUMAPS_MAX)
        return true;
    vd_error_set(err, VD_ERR_RPC, VD_FROM_RPC,
                 "%d vCPUs or map length %d out of range (at most %d entries, %d map bytes)", n,
                 maplen, VD_WIRE_VCPUINFO_MAX, VD_WIRE_CPUMAPS_MAX);
    return false;
}

bool vd_rpc_domain_get_vcpus(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_get_vcpus_args *a = args;
    vd_wire_domain_get_vcpus_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    g_autofree vd_vcpu_info *info = NULL;
    g_autofree unsigned char *maps = NULL;
    int n;

    if (!check_vcpu_request(a->maxinfo, a->maplen, err))
        return false;
    info = g_new0(vd_vcpu_info, MAX(a->maxinfo, 1));
    maps = a->maplen ? g_malloc0((size_t)a->maxinfo * a->maplen) : NULL;
    n = vd_domain_get_vcpus(D(call), dom, info, a->maxinfo, maps, a->maplen, err);
    if (n < 0)
        return false;
    r->info.info_len = n;
    r->info.info_val = g_new0(vd_wire_vcpu_info, MAX(n, 1));
    for (int i = 0; i < n; i++) {
        r->info.info_val[i].number = info[i].number;
        r->info.info_val[i].state = info[i].state;
        r->info.info_val[i].cpu_time = info[i].cpu_time_ns;
        r->info.info_val[i].cpu = info[i].cpu;
    }
    /* libvirt always answers maxinfo maps, unused ones zero. */
    r->cpumaps.cpumaps_len = maps ? (unsigned)a->maxinfo * a->maplen : 0;
    r->cpumaps.cpumaps_val = (char *)g_steal_pointer(&maps);
    return true;
}

bool vd_rpc_domain_get_vcpu_pin_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_get_vcpu_pin_info_args *a = args;
    vd_wire_domain_get_vcpu_pin_info_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    g_autofree unsigned char *maps = NULL;

    if (!check_vcpu_request(a->ncpumaps, a->maplen, err))
        return false;
    maps = g_malloc0(MAX((size_t)a->ncpumaps * a->maplen, 1));
    r->num = vd_domain_get_vcpu_pin_info(D(call), dom, a->ncpumaps, maps, a->maplen, a->flags,
                                         err);
    if (r->num < 0)
        return false;
    r->cpumaps.cpumaps_len = (unsigned)a->ncpumaps * a->maplen;
    r->cpumaps.cpumaps_val = (char *)g_steal_pointer(&maps);
    return true;
}

bool vd_rpc_domain_memory_stats(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_memory_stats_args *a = args;
    vd_wire_domain_memory_stats_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_memory_stat stats[8];
    int n;

    if (a->max_stats > VD_WIRE_DOMAIN_MEMORY_STATS_MAX) {
        vd_error_set(err, VD_ERR_RPC, VD_FROM_RPC, "maxStats %u above %d", a->max_stats,
                     VD_WIRE_DOMAIN_MEMORY_STATS_MAX);
        return false;
    }
    n = vd_domain_memory_stats(D(call), dom, stats, MIN(a->max_stats, G_N_ELEMENTS(stats)),
                               a->flags, err);
    if (n < 0)
        return false;
    r->stats.stats_len = n;
    r->stats.stats_val = g_new0(vd_wire_domain_memory_stat, MAX(n, 1));
    for (int i = 0; i < n; i++) {
        r->stats.stats_val[i].tag = stats[i].tag;
        r->stats.stats_val[i].val = stats[i].value;
    }
    return true;
}

bool vd_rpc_domain_get_metadata(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_get_metadata_args *a = args;
    vd_wire_string_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    r->value = vd_domain_get_metadata(D(call), dom, a->type, vd_rpc_opt_string(a->uri), a->flags, err);
    return r->value != NULL;
}

bool vd_rpc_domain_set_metadata(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_set_metadata_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_set_metadata(D(call), dom, a->type, vd_rpc_opt_string(a->metadata), vd_rpc_opt_string(a->key),
                                  vd_rpc_opt_string(a->uri), a->flags, err);
}
