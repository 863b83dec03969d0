/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Handlers for what virsh's informational commands ask about one domain: vCPUs
 * (vcpuinfo, maxvcpus), memory statistics (dommemstat), title and description (desc,
 * metadata), the running job (domjobinfo). Wire limits are checked here; the meaning
 * lives in daemon/.
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
    vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC,
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
    r->num = vd_domain_get_vcpu_pin_info(D(call), dom, a->ncpumaps, maps, a->maplen, a->flags, err);
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
    vd_memory_stat stats[VD_MEMORY_STATS_MAX];
    int n;

    if (a->max_stats > VD_WIRE_DOMAIN_MEMORY_STATS_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "maxStats %u above %d", a->max_stats,
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

bool vd_rpc_domain_get_block_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_get_block_info_args *a = args;
    vd_wire_domain_get_block_info_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_block_info info;
    if (!vd_domain_get_block_info(D(call), dom, a->path, a->flags, &info, err))
        return false;
    r->allocation = info.allocation;
    r->capacity = info.capacity;
    r->physical = info.physical;
    return true;
}

/* libvirt's VIR_DOMAIN_BLOCK_STATS_* fields Vireo counts (no *_total_times: vireo-dm does
 * not time requests); nparams 0 asks how many there are. */
bool vd_rpc_domain_block_stats_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_block_stats_flags_args *a = args;
    vd_wire_domain_block_stats_flags_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    g_autoptr(GPtrArray) params =
        g_ptr_array_new_with_free_func((GDestroyNotify)vd_typed_param_free);
    vd_block_stats st;

    if (!vd_rpc_check_flags(call, a->flags, VIR_TYPED_PARAM_STRING_OKAY, VIR_FROM_DOMAIN, err))
        return false;
    if (a->nparams < 0 || a->nparams > VD_WIRE_BLOCK_STATS_PARAMS_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "nparams too large");
        return false;
    }
    if (!vd_domain_block_stats(D(call), dom, a->path, &st, err))
        return false;
    const struct {
        const char *field;
        int64_t value;
    } fields[] = {
        {"rd_operations", st.rd_req}, {"rd_bytes", st.rd_bytes},
        {"wr_operations", st.wr_req}, {"wr_bytes", st.wr_bytes},
        {"flush_operations", st.flush_req}, {"errs", st.errs},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(fields); i++)
        g_ptr_array_add(params, vd_typed_param_number(fields[i].field, VIR_TYPED_PARAM_LLONG,
                                                    (uint64_t)fields[i].value));
    if (a->nparams == 0) {
        r->nparams = (int)params->len;
        return true;
    }
    vd_rpc_params_to_wire(params, (unsigned)a->nparams, &r->params.params_val,
                          &r->params.params_len);
    return true;
}

bool vd_rpc_domain_block_stats(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_block_stats_args *a = args;
    vd_wire_domain_block_stats_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_block_stats st;
    if (!vd_domain_block_stats(D(call), dom, a->path, &st, err))
        return false;
    *r = (vd_wire_domain_block_stats_ret){st.rd_req, st.rd_bytes, st.wr_req, st.wr_bytes, st.errs};
    return true;
}

bool vd_rpc_domain_interface_stats(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_interface_stats_args *a = args;
    vd_wire_domain_interface_stats_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_interface_stats st;
    if (!vd_domain_interface_stats(D(call), dom, a->device, &st, err))
        return false;
    *r = (vd_wire_domain_interface_stats_ret){st.rx_bytes, st.rx_packets, st.rx_errs, st.rx_drop,
                                              st.tx_bytes, st.tx_packets, st.tx_errs, st.tx_drop};
    return true;
}

bool vd_rpc_domain_get_metadata(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_get_metadata_args *a = args;
    vd_wire_string_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    r->value =
        vd_domain_get_metadata(D(call), dom, a->type, vd_rpc_opt_string(a->uri), a->flags, err);
    return r->value != NULL;
}

bool vd_rpc_domain_set_metadata(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_set_metadata_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_set_metadata(D(call), dom, a->type, vd_rpc_opt_string(a->metadata),
                                  vd_rpc_opt_string(a->key), vd_rpc_opt_string(a->uri), a->flags,
                                  err);
}

bool vd_rpc_domain_get_job_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);
    vd_wire_domain_get_job_info_ret *r = ret;
    vd_job_info job;

    if (!vd_domain_get_job_info(D(call), dom, &job, err))
        return false;
    r->type = job.type;
    r->time_elapsed = job.elapsed_ms;
    if (job.has_memory) {
        r->data_total = r->mem_total = job.memory.total;
        r->data_processed = r->mem_processed = job.memory.processed;
        r->data_remaining = r->mem_remaining = job.memory.remaining;
    }
    return true;
}

bool vd_rpc_domain_abort_job(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&((vd_wire_dom_arg *)args)->dom);

    (void)ret;
    return vd_domain_abort_job(D(call), dom, err);
}

/* libvirt's names: "operation" (virDomainJobOperation), "time_elapsed" (ms). */
bool vd_rpc_domain_get_job_stats(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    vd_wire_domain_get_job_stats_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    g_autoptr(GPtrArray) params =
        g_ptr_array_new_with_free_func((GDestroyNotify)vd_typed_param_free);
    vd_job_info job;

    /* COMPLETED asks for the last save or migration to end, KEEP_COMPLETED to keep it. */
    if (!vd_rpc_check_flags(call, a->flags,
                            VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                            VIR_FROM_DOMAIN, err))
        return false;
    bool ok = (a->flags & VIR_DOMAIN_JOB_STATS_COMPLETED)
                  ? vd_domain_get_completed_job_info(
                        D(call), dom, a->flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, &job, err)
                  : vd_domain_get_job_info(D(call), dom, &job, err);
    if (!ok)
        return false;
    r->type = job.type;
    if (r->type != VIR_DOMAIN_JOB_NONE) {
        g_ptr_array_add(params, vd_typed_param_number("operation", VIR_TYPED_PARAM_INT, job.operation));
        g_ptr_array_add(params, vd_typed_param_number("time_elapsed", VIR_TYPED_PARAM_ULLONG, job.elapsed_ms));
    }
    if (r->type != VIR_DOMAIN_JOB_NONE && job.has_memory) {
        /* An outgoing migration: libvirt's memory_* and data_* statistics. */
        const struct {
            const char *name;
            uint64_t value;
        } memory[] = {
            {"memory_total", job.memory.total},
            {"memory_processed", job.memory.processed},
            {"memory_remaining", job.memory.remaining},
            {"memory_dirty_rate", job.memory.dirty_rate},
            {"memory_iteration", job.memory.iteration},
            {"data_total", job.memory.total + job.memory.disk_total},
            {"data_processed", job.memory.processed + job.memory.disk_processed},
            {"data_remaining",
             job.memory.remaining + job.memory.disk_total - job.memory.disk_processed},
            /* --copy-storage-all */
            {"disk_total", job.memory.disk_total},
            {"disk_processed", job.memory.disk_processed},
            {"disk_remaining", job.memory.disk_total - job.memory.disk_processed},
        };
        for (size_t i = 0; i < G_N_ELEMENTS(memory); i++)
            g_ptr_array_add(params, vd_typed_param_number(memory[i].name, VIR_TYPED_PARAM_ULLONG,
                                                          memory[i].value));
        /* --auto-converge's throttle: % of the guest's CPU time held back. */
        g_ptr_array_add(params, vd_typed_param_number("auto_converge_throttle",
                                                      VIR_TYPED_PARAM_INT, job.memory.throttle));
    }
    vd_rpc_params_to_wire(params, VD_WIRE_DOMAIN_JOB_STATS_MAX, &r->params.params_val,
                          &r->params.params_len);
    return true;
}
