/* SPDX-License-Identifier: GPL-2.0-only */
/* Connection, authentication and node procedures. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

#include <string.h>

#include "rpc-auth.h"
#include "rpc-convert.h"

/* The URIs a vireo client may send: the scheme, then an empty path or /system. Clients
 * strip the transport (+unix, +tcp) and query before sending. NULL or "" = default. */
static bool uri_is_ours(const char *name)
{
    g_autoptr(GUri) uri = NULL;
    const char *path;

    if (!name || !*name)
        return true;
    uri = g_uri_parse(name, G_URI_FLAGS_NONE, NULL);
    if (!uri || g_strcmp0(g_uri_get_scheme(uri), "vireo") != 0)
        return false;
    path = g_uri_get_path(uri);
    return !*path || strcmp(path, "/") == 0 || strcmp(path, "/system") == 0;
}

bool vd_rpc_connect_open(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_connect_open_args *a = args;
    vd_rpc_client *c = call->client;
    const char *name = vd_rpc_opt_string(a->name);
    bool ok = true;

    (void)ret;
    if (!uri_is_ours(name)) {
        vd_error_set(err, VIR_ERR_NO_CONNECT, VIR_FROM_NONE,
                     "no connection driver available for %s", name);
        return false;
    }
    g_mutex_lock(&c->lock);
    if (c->opened) {
        ok = false;
    } else {
        c->opened = true;
        /* A read-only socket forces read-only; any socket honours a client's RO flag. */
        c->readonly = c->readonly || (a->flags & VIR_CONNECT_RO);
    }
    g_mutex_unlock(&c->lock);
    if (!ok)
        vd_error_set(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_REMOTE,
                     "internal error: connection already open");
    return ok;
}

bool vd_rpc_connect_close(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_rpc_client *c = call->client;

    (void)args;
    (void)ret;
    (void)err;
    g_mutex_lock(&c->lock);
    c->opened = false;
    g_array_set_size(c->events, 0);
    g_mutex_unlock(&c->lock);
    return true;
}

bool vd_rpc_connect_supports_feature(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_int_arg *a = args;
    vd_wire_int_ret *r = ret;
    vd_rpc_client *c = call->client;

    (void)err;
    switch (a->value) {
    case VIR_DRV_FEATURE_PROGRAM_KEEPALIVE:
        /* As libvirtd: a client that asks can answer pings, so start pinging it. */
        g_mutex_lock(&c->lock);
        c->keepalive = true;
        g_mutex_unlock(&c->lock);
        r->value = 1;
        break;
    case VIR_DRV_FEATURE_TYPED_PARAM_STRING:
    case VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK:
    case VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK:
    /* Migration: version 3 with parameters, live and offline (vd-domain-migrate.c). */
    case VIR_DRV_FEATURE_MIGRATION_V3:
    case VIR_DRV_FEATURE_MIGRATION_PARAMS:
    case VIR_DRV_FEATURE_MIGRATION_OFFLINE:
    case VIR_DRV_FEATURE_MIGRATION_P2P: /* rpc-procs-domain-migrate.c, rpc-peer.c */
        r->value = 1;
        break;
    default:
        r->value = 0; /* change protection, fd passing: not offered */
        break;
    }
    return true;
}

bool vd_rpc_auth_list(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_auth_list_ret *r = ret;
    vd_rpc_client *c = call->client;
    bool polkit;

    (void)args;
    (void)err;
    g_mutex_lock(&c->lock);
    polkit = !c->authenticated;
    g_mutex_unlock(&c->lock);
    r->types.types_len = 1;
    r->types.types_val = g_new0(vd_wire_auth_type, 1);
    r->types.types_val[0] = polkit ? VD_WIRE_AUTH_POLKIT : VD_WIRE_AUTH_NONE;
    return true;
}

bool vd_rpc_auth_polkit(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_int_ret *r = ret;
    vd_rpc_client *c = call->client;

    (void)args;
    g_mutex_lock(&c->lock);
    r->value = c->authenticated;
    g_mutex_unlock(&c->lock);
    if (r->value)
        return true;
    if (!vd_rpc_polkit_check(c->pid, c->uid, VD_RPC_POLKIT_ACTION, err)) {
        g_message("%s: polkit refused %s", c->peer, VD_RPC_POLKIT_ACTION);
        return false;
    }
    g_mutex_lock(&c->lock);
    c->authenticated = true;
    g_mutex_unlock(&c->lock);
    r->value = 1;
    return true;
}

bool vd_rpc_connect_get_type(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_string_ret *r = ret;

    (void)args;
    (void)err;
    r->value = g_strdup(vd_connect_get_type(call->client->daemon));
    return true;
}

bool vd_rpc_connect_get_version(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_uhyper_ret *r = ret;

    (void)args;
    (void)err;
    r->value = vd_connect_get_version(call->client->daemon);
    return true;
}

bool vd_rpc_connect_get_lib_version(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_uhyper_ret *r = ret;

    (void)call;
    (void)args;
    (void)err;
    r->value = VD_RPC_LIB_VERSION;
    return true;
}

bool vd_rpc_connect_get_hostname(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_string_ret *r = ret;

    (void)args;
    r->value = vd_connect_get_hostname(call->client->daemon, err);
    return r->value != NULL;
}

bool vd_rpc_connect_get_uri(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_string_ret *r = ret;
    const char *uri = call->client->server ? call->client->server->cfg.uri : NULL;

    (void)args;
    (void)err;
    r->value = g_strdup(uri ? uri : "vireo:///system");
    return true;
}

bool vd_rpc_connect_is_secure(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_int_ret *r = ret;

    (void)args;
    (void)err;
    /* Unix sockets never leave the host; plain TCP is not encrypted. */
    r->value = call->client->transport != VD_RPC_TCP;
    return true;
}

bool vd_rpc_connect_close_callback(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    /* The client's close callback fires on its side when the socket drops; the daemon
     * only acknowledges (un)registration. */
    (void)call;
    (void)args;
    (void)ret;
    (void)err;
    return true;
}

bool vd_rpc_node_get_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_node_get_info_ret *r = ret;
    vd_node_info info = {0};

    (void)args;
    if (!vd_node_get_info(call->client->daemon, &info, err))
        return false;
    /* strncpy: the wire field is a fixed 32-char array, NUL-padded, not a C string. */
    strncpy(r->model, info.model, sizeof(r->model));
    r->memory = info.memory_kib;
    r->cpus = info.cpus;
    r->mhz = info.mhz;
    r->nodes = info.nodes;
    r->sockets = info.sockets;
    r->cores = info.cores;
    r->threads = info.threads;
    return true;
}

bool vd_rpc_connect_get_capabilities(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_string_ret *r = ret;

    (void)args;
    r->value = vd_connect_get_capabilities(call->client->daemon, err);
    return r->value != NULL;
}

bool vd_rpc_connect_get_sysinfo(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_string_ret *r = ret;

    r->value = vd_connect_get_sysinfo(call->client->daemon, ((vd_wire_flags_arg *)args)->flags,
                                      err);
    return r->value != NULL;
}

bool vd_rpc_connect_get_domain_capabilities(vd_rpc_call *call, void *args, void *ret,
                                            vd_error **err)
{
    vd_wire_connect_get_domain_capabilities_args *a = args;
    vd_wire_string_ret *r = ret;

    r->value = vd_connect_get_domain_capabilities(
        call->client->daemon, vd_rpc_opt_string(a->emulatorbin), vd_rpc_opt_string(a->arch),
        vd_rpc_opt_string(a->machine), vd_rpc_opt_string(a->virttype), a->flags, err);
    return r->value != NULL;
}

bool vd_rpc_node_get_security_model(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    /* Vireo runs no security driver (no SELinux/AppArmor labels on domains): an empty
     * model tells virsh dominfo to print no security lines and not ask for labels. */
    (void)call;
    (void)args;
    (void)ret;
    (void)err;
    return true;
}

bool vd_rpc_connect_get_max_vcpus(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_string type = ((vd_wire_opt_string_arg *)args)->value;
    int n = vd_connect_get_max_vcpus(call->client->daemon, type ? *type : NULL, err);

    ((vd_wire_int_ret *)ret)->value = n;
    return n >= 0;
}

/* ---- node memory: libvirt gives free memory in bytes, statistics in KiB ------------------ */

bool vd_rpc_node_get_free_memory(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_node_memory mem;

    (void)args;
    if (!vd_node_get_memory(call->client->daemon, -1, 0, &mem, err))
        return false;
    ((vd_wire_uhyper_ret *)ret)->value = mem.free_kib * 1024;
    return true;
}

bool vd_rpc_node_get_cells_free_memory(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_node_get_cells_free_memory_args *a = args;
    vd_wire_node_get_cells_free_memory_ret *r = ret;
    vd_node_memory mem;

    if (a->max_cells <= 0 || a->max_cells > VD_WIRE_NODE_MAX_CELLS) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "maxCells %d out of range 1..%d", a->max_cells,
                     VD_WIRE_NODE_MAX_CELLS);
        return false;
    }
    if (!vd_node_get_memory(call->client->daemon, a->start_cell, 0, &mem, err))
        return false;
    r->cells.cells_len = 1; /* the node's one cell, whatever room the caller has */
    r->cells.cells_val = g_new0(uint64_t, 1);
    r->cells.cells_val[0] = mem.free_kib * 1024;
    return true;
}

bool vd_rpc_node_get_memory_stats(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_node_get_memory_stats_args *a = args;
    vd_wire_node_get_memory_stats_ret *r = ret;
    vd_node_memory mem;
    const int count = 2; /* total, free */

    if (a->nparams < 0 || a->nparams > VD_WIRE_NODE_MEMORY_STATS_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "nparams %d out of range 0..%d", a->nparams,
                     VD_WIRE_NODE_MEMORY_STATS_MAX);
        return false;
    }
    if (!vd_node_get_memory(call->client->daemon, a->cell_num, a->flags, &mem, err))
        return false;
    r->nparams = count;
    if (a->nparams == 0) /* the caller asks how many there are */
        return true;
    if (a->nparams != count) {
        vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                     "invalid argument: nparams in virNodeGetMemoryStats must be %d", count);
        return false;
    }
    r->params.params_len = count;
    r->params.params_val = g_new0(vd_wire_node_memory_stat, count);
    r->params.params_val[0].field = g_strdup("total");
    r->params.params_val[0].value = mem.total_kib;
    r->params.params_val[1].field = g_strdup("free");
    r->params.params_val[1].value = mem.free_kib;
    return true;
}

/* Every CPU of the node is online: hv brings all of them up or none. */
bool vd_rpc_node_get_cpu_map(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_node_get_cpu_map_args *a = args;
    vd_wire_node_get_cpu_map_ret *r = ret;
    vd_node_info info = {0};

    if (!vd_rpc_check_flags(call, a->flags, 0, VIR_FROM_RPC, err))
        return false;
    if (!vd_node_get_info(call->client->daemon, &info, err))
        return false;
    int cpus = CLAMP(info.cpus, 1, VD_WIRE_CPUMAP_MAX * 8);
    r->ret = cpus;
    r->online = a->need_online ? (unsigned)cpus : 0;
    if (a->need_map) {
        r->cpumap.cpumap_len = (cpus + 7) / 8;
        r->cpumap.cpumap_val = g_malloc0(r->cpumap.cpumap_len);
        for (int i = 0; i < cpus; i++)
            r->cpumap.cpumap_val[i / 8] |= (char)(1u << (i % 8));
    }
    return true;
}
