/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration procedures, libvirt's version 3 with parameters (302-307 but 304, the
 * tunnelled prepare, which Vireo does not offer). The parameters become a
 * vd_migrate_params; cookies are not used: Vireo sends none and ignores what comes.
 * Peer to peer (`virsh migrate --p2p`), the source's Perform drives the whole protocol
 * itself, calling the destination's daemon (rpc-peer.h) as libvirtd does.
 * And a domain's migration limits (virsh migrate-setmaxdowntime, migrate-setspeed).
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

#include "rpc-convert.h"
#include "rpc-peer.h"

#include <string.h>

#define D(call) ((call)->client->daemon)

/* Migration parameters by name: where each goes in vd_migrate_params. */
typedef struct param_slot {
    const char *name;
    int type;
    size_t offset;
} param_slot;

static const param_slot slots[] = {
    {"migrate_uri", VIR_TYPED_PARAM_STRING, offsetof(vd_migrate_params, uri)},
    {"destination_name", VIR_TYPED_PARAM_STRING, offsetof(vd_migrate_params, dest_name)},
    {"destination_xml", VIR_TYPED_PARAM_STRING, offsetof(vd_migrate_params, dest_xml)},
    {"persistent_xml", VIR_TYPED_PARAM_STRING, offsetof(vd_migrate_params, persist_xml)},
    {"listen_address", VIR_TYPED_PARAM_STRING, offsetof(vd_migrate_params, listen_address)},
    {"bandwidth", VIR_TYPED_PARAM_ULLONG, offsetof(vd_migrate_params, bandwidth_mib)},
    {"disks_port", VIR_TYPED_PARAM_INT, offsetof(vd_migrate_params, disks_port)},
};

/* Fills p from the wire; the strings stay the wire's. Unknown or mistyped: refused. */
static bool params_from_wire(const vd_wire_typed_param *w, unsigned n, vd_migrate_params *p,
                             vd_error **err)
{
    memset(p, 0, sizeof(*p));
    for (unsigned i = 0; i < n; i++) {
        if (strcmp(w[i].field, "migrate_disks") == 0 &&
            w[i].value.type == VIR_TYPED_PARAM_STRING) { /* one per disk */
            if (p->n_migrate_disks == VD_MIGRATE_DISKS_MAX) {
                vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                             "more disks to migrate than a domain has");
                return false;
            }
            p->migrate_disks[p->n_migrate_disks++] = w[i].value.vd_wire_param_value_u.s;
            continue;
        }
        const param_slot *slot = NULL;
        for (size_t k = 0; k < G_N_ELEMENTS(slots) && !slot; k++)
            if (strcmp(w[i].field, slots[k].name) == 0)
                slot = &slots[k];
        if (!slot || w[i].value.type != slot->type) {
            vd_error_set(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_DOMAIN,
                         slot ? "migration parameter '%s' has the wrong type"
                              : "migration parameter '%s' is not supported by Vireo",
                         w[i].field);
            return false;
        }
        char *at = (char *)p + slot->offset;
        if (slot->type == VIR_TYPED_PARAM_STRING) {
            *(const char **)at = w[i].value.vd_wire_param_value_u.s;
        } else if (slot->type == VIR_TYPED_PARAM_INT) {
            int v = w[i].value.vd_wire_param_value_u.i;
            if (v < 0 || v > 65535) {
                vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                             "migration parameter '%s' is not a port: %d", w[i].field, v);
                return false;
            }
            *(unsigned *)at = (unsigned)v;
        } else {
            *(uint64_t *)at = w[i].value.vd_wire_param_value_u.ul;
        }
    }
    return true;
}

bool vd_rpc_domain_migrate_begin3_params(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_migrate_begin3_params_args *a = args;
    vd_wire_migrate_begin3_params_ret *r = ret;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_migrate_params p;

    if (!params_from_wire(a->params.params_val, a->params.params_len, &p, err))
        return false;
    r->xml = vd_domain_migrate_begin(D(call), dom, &p, a->flags, err);
    return r->xml != NULL;
}

bool vd_rpc_domain_migrate_prepare3_params(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_migrate_prepare3_params_args *a = args;
    vd_wire_migrate_prepare3_params_ret *r = ret;
    vd_migrate_params p;
    char *uri = NULL;

    if (!params_from_wire(a->params.params_val, a->params.params_len, &p, err) ||
        !vd_domain_migrate_prepare(D(call), &p, a->flags, call->client->daemon_id, &uri, err))
        return false;
    r->uri_out = g_new(char *, 1);
    *r->uri_out = uri;
    return true;
}

/* The client's parameters with destination_xml set to xml (Begin's, as libvirtd sends it
 * on): a new array of the same strings, for encoding only. */
static vd_wire_typed_param *with_dest_xml(const vd_wire_typed_param *w, unsigned n, char **xml,
                                          unsigned *out_n)
{
    vd_wire_typed_param *out = g_new0(vd_wire_typed_param, n + 1);
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (strcmp(w[i].field, "destination_xml") != 0)
            out[k++] = w[i];
    out[k].field = (char *)"destination_xml";
    out[k].value.type = VIR_TYPED_PARAM_STRING;
    out[k].value.vd_wire_param_value_u.s = *xml;
    *out_n = k + 1;
    return out;
}

/* Begin here, Prepare there, Perform here, Finish there, Confirm here: the client's five
 * steps, with this daemon as the destination's client. The first failure is the one
 * reported; after it the destination is told to drop its copy (Finish cancelled) and this
 * side resumes the guest (Confirm cancelled), so one copy runs, on the source. */
static bool perform_peer2peer(vd_daemon *d, const vd_domain_ref *dom, const char *dconnuri,
                              const vd_wire_typed_param *w, unsigned nw, const vd_migrate_params *p,
                              unsigned flags, vd_error **err)
{
    unsigned local = flags & ~VIR_MIGRATE_PEER2PEER;
    if (flags & VIR_MIGRATE_TUNNELLED) {
        vd_error_set(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_DOMAIN,
                     "tunnelled migration is not offered; its data goes over its own "
                     "connection (drop --tunnelled)");
        return false;
    }
    g_autoptr(vd_rpc_peer) peer = vd_rpc_peer_open(dconnuri, err);
    if (!peer)
        return false;
    g_autofree char *xml = vd_domain_migrate_begin(d, dom, p, local, err);
    if (!xml)
        return false;
    unsigned np = 0;
    g_autofree vd_wire_typed_param *params = with_dest_xml(w, nw, &xml, &np);
    vd_wire_migrate_prepare3_params_args pa = {.params = {np, params}, .flags = local};
    vd_wire_migrate_prepare3_params_ret pr;
    memset(&pr, 0, sizeof(pr));
    if (!vd_rpc_peer_call(peer, VD_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS,
                          (xdrproc_t)xdr_vd_wire_migrate_prepare3_params_args, &pa,
                          (xdrproc_t)xdr_vd_wire_migrate_prepare3_params_ret, &pr, err))
        return false; /* nothing started on either side (Begin only looked) */

    /* The guest goes where the destination listens: its answer (which took --migrateuri's
     * host and added the port), as libvirt's client passes it on to Perform. */
    vd_migrate_params to = *p;
    if (vd_rpc_opt_string(pr.uri_out))
        to.uri = vd_rpc_opt_string(pr.uri_out);
    bool sent = vd_domain_migrate_perform(d, dom, &to, local, err);
    xdr_free((xdrproc_t)xdr_vd_wire_migrate_prepare3_params_ret, (char *)&pr);

    /* Once a step failed, what the clean-up steps say is only logged. */
    g_autoptr(vd_error) cleanup = NULL;
    vd_wire_migrate_finish3_params_args fa = {
        .params = {np, params}, .flags = local, .cancelled = !sent};
    vd_wire_migrate_finish3_params_ret fr;
    memset(&fr, 0, sizeof(fr));
    bool finished = vd_rpc_peer_call(peer, VD_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS,
                                     (xdrproc_t)xdr_vd_wire_migrate_finish3_params_args, &fa,
                                     (xdrproc_t)xdr_vd_wire_migrate_finish3_params_ret, &fr,
                                     sent ? err : &cleanup);
    if (finished)
        xdr_free((xdrproc_t)xdr_vd_wire_migrate_finish3_params_ret, (char *)&fr);
    bool moved = sent && finished;
    bool confirmed = vd_domain_migrate_confirm(d, dom, p, local, !moved,
                                               moved     ? err
                                               : cleanup ? NULL
                                                         : &cleanup);
    if (cleanup)
        g_message("peer-to-peer migration to %s, after its first failure: %s", dconnuri,
                  cleanup->message);
    return moved && confirmed;
}

bool vd_rpc_domain_migrate_perform3_params(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_migrate_perform3_params_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_migrate_params p;

    (void)ret;
    if (!params_from_wire(a->params.params_val, a->params.params_len, &p, err))
        return false;
    if ((a->flags & VIR_MIGRATE_PEER2PEER) && call->client->server->cfg.no_peer_calls) {
        vd_error_set(err, VIR_ERR_OPERATION_DENIED, VIR_FROM_RPC,
                     "peer-to-peer migration is disabled on this daemon");
        return false;
    }
    if (a->flags & VIR_MIGRATE_PEER2PEER)
        return perform_peer2peer(D(call), dom, vd_rpc_opt_string(a->dconnuri), a->params.params_val,
                                 a->params.params_len, &p, a->flags, err);
    return vd_domain_migrate_perform(D(call), dom, &p, a->flags, err); /* dconnuri: p2p only */
}

bool vd_rpc_domain_migrate_finish3_params(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_migrate_finish3_params_args *a = args;
    vd_wire_migrate_finish3_params_ret *r = ret;
    vd_migrate_params p;

    if (!params_from_wire(a->params.params_val, a->params.params_len, &p, err))
        return false;
    g_autoptr(vd_domain_ref) dom =
        vd_domain_migrate_finish(D(call), &p, a->flags, a->cancelled != 0, err);
    if (!dom)
        return false;
    vd_rpc_dom_to_wire(dom, &r->dom);
    return true;
}

bool vd_rpc_domain_migrate_confirm3_params(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_migrate_confirm3_params_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_migrate_params p;

    (void)ret;
    return params_from_wire(a->params.params_val, a->params.params_len, &p, err) &&
           vd_domain_migrate_confirm(D(call), dom, &p, a->flags, a->cancelled != 0, err);
}

bool vd_rpc_domain_migrate_set_max_downtime(vd_rpc_call *call, void *args, void *ret,
                                            vd_error **err)
{
    vd_wire_dom_uhyper_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_rpc_check_flags(call, a->flags, 0, VIR_FROM_DOMAIN, err) &&
           vd_domain_migrate_set_max_downtime(D(call), dom, a->value, err);
}

bool vd_rpc_domain_migrate_set_max_speed(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_uhyper_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_rpc_check_flags(call, a->flags, 0, VIR_FROM_DOMAIN, err) &&
           vd_domain_migrate_set_max_speed(D(call), dom, a->value, err);
}

bool vd_rpc_domain_migrate_get_max_speed(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    return vd_rpc_check_flags(call, a->flags, 0, VIR_FROM_DOMAIN, err) &&
           vd_domain_migrate_get_max_speed(D(call), dom, &((vd_wire_uhyper_ret *)ret)->value, err);
}

bool vd_rpc_domain_migrate_get_max_downtime(vd_rpc_call *call, void *args, void *ret,
                                            vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    return vd_rpc_check_flags(call, a->flags, 0, VIR_FROM_DOMAIN, err) &&
           vd_domain_migrate_get_max_downtime(D(call), dom, &((vd_wire_uhyper_ret *)ret)->value,
                                              err);
}
