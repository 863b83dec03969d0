/* SPDX-License-Identifier: GPL-2.0-only */
/* Virtual network procedures: each decodes its shape, calls one driver function, encodes back. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

#include <string.h>

#include "rpc-convert.h"

#define D(call) ((call)->client->daemon)
#define NET(args) net_from_wire(&((vd_wire_net_arg *)(args))->net)

static vd_network_ref *net_from_wire(const vd_wire_nonnull_network *w)
{
    return vd_network_ref_new(w->name, (const unsigned char *)w->uuid);
}

static void net_to_wire(const vd_network_ref *ref, vd_wire_nonnull_network *w)
{
    w->name = g_strdup(ref->name);
    memcpy(w->uuid, ref->uuid, sizeof(w->uuid));
}

static bool net_reply(vd_network_ref *ref, void *ret)
{
    if (!ref)
        return false;
    net_to_wire(ref, &((vd_wire_net_ret *)ret)->net);
    vd_network_ref_free(ref);
    return true;
}

static bool int_reply(int value, void *ret)
{
    ((vd_wire_int_ret *)ret)->value = value;
    return value >= 0;
}

static bool string_reply(char *s, void *ret)
{
    ((vd_wire_string_ret *)ret)->value = s;
    return s != NULL;
}

/* ---- lookups and lists ---------------------------------------------------------------------- */

bool vd_rpc_network_lookup_by_name(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return net_reply(vd_network_lookup_by_name(D(call), ((vd_wire_string_arg *)args)->value, err),
                     ret);
}

bool vd_rpc_network_lookup_by_uuid(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_uuid_arg *a = args;

    return net_reply(vd_network_lookup_by_uuid(D(call), (const unsigned char *)a->uuid, err), ret);
}

bool vd_rpc_connect_list_all_networks(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_list_all_args *a = args;
    vd_wire_list_all_networks_ret *r = ret;
    g_autoptr(GPtrArray) nets = vd_network_list_all(D(call), a->flags, err);

    if (!nets)
        return false;
    r->count = nets->len;
    if (!a->need_results || !nets->len)
        return true;
    r->nets.nets_len = nets->len;
    r->nets.nets_val = g_new0(vd_wire_nonnull_network, nets->len);
    for (unsigned i = 0; i < nets->len; i++)
        net_to_wire(g_ptr_array_index(nets, i), &r->nets.nets_val[i]);
    return true;
}

static GPtrArray *list_by_state(vd_rpc_call *call, unsigned flags, vd_error **err)
{
    return vd_network_list_all(D(call), flags, err);
}

static bool count_reply(vd_rpc_call *call, unsigned flags, void *ret, vd_error **err)
{
    g_autoptr(GPtrArray) nets = list_by_state(call, flags, err);

    return nets && int_reply(nets->len, ret);
}

static bool names_reply(vd_rpc_call *call, unsigned flags, int max, void *ret, vd_error **err)
{
    vd_wire_list_network_names_ret *r = ret;
    g_autoptr(GPtrArray) nets = NULL;

    if (max < 0 || max > VD_WIRE_NETWORK_LIST_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "maximum %d out of range 0..%d", max,
                     VD_WIRE_NETWORK_LIST_MAX);
        return false;
    }
    nets = list_by_state(call, flags, err);
    if (!nets)
        return false;
    r->names.names_len = MIN((int)nets->len, max);
    r->names.names_val = g_new0(vd_wire_nonnull_string, MAX(r->names.names_len, 1));
    for (unsigned i = 0; i < r->names.names_len; i++)
        r->names.names_val[i] = g_strdup(((vd_network_ref *)g_ptr_array_index(nets, i))->name);
    return true;
}

bool vd_rpc_connect_num_of_networks(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)args;
    return count_reply(call, VIR_CONNECT_LIST_NETWORKS_ACTIVE, ret, err);
}

bool vd_rpc_connect_num_of_defined_networks(vd_rpc_call *call, void *args, void *ret,
                                            vd_error **err)
{
    (void)args;
    return count_reply(call, VIR_CONNECT_LIST_NETWORKS_INACTIVE, ret, err);
}

bool vd_rpc_connect_list_networks(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return names_reply(call, VIR_CONNECT_LIST_NETWORKS_ACTIVE, ((vd_wire_int_arg *)args)->value,
                       ret, err);
}

bool vd_rpc_connect_list_defined_networks(vd_rpc_call *call, void *args, void *ret,
                                          vd_error **err)
{
    return names_reply(call, VIR_CONNECT_LIST_NETWORKS_INACTIVE,
                       ((vd_wire_int_arg *)args)->value, ret, err);
}

/* ---- definitions and lifecycle --------------------------------------------------------------- */

bool vd_rpc_network_define_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return net_reply(vd_network_define_xml(D(call), ((vd_wire_string_arg *)args)->value, 0, err),
                     ret);
}

bool vd_rpc_network_create_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return net_reply(vd_network_create_xml(D(call), ((vd_wire_string_arg *)args)->value, 0, err),
                     ret);
}

typedef bool (*net_action)(vd_daemon *d, const vd_network_ref *net, vd_error **err);

static bool act(vd_rpc_call *call, void *args, net_action fn, vd_error **err)
{
    g_autoptr(vd_network_ref) net = NET(args);

    return fn(D(call), net, err);
}

bool vd_rpc_network_create(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return act(call, args, vd_network_create, err);
}

bool vd_rpc_network_destroy(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return act(call, args, vd_network_destroy, err);
}

bool vd_rpc_network_undefine(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return act(call, args, vd_network_undefine, err);
}

/* ---- properties ------------------------------------------------------------------------------ */

bool vd_rpc_network_get_xml_desc(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_net_flags_arg *a = args;
    g_autoptr(vd_network_ref) net = net_from_wire(&a->net);

    return string_reply(vd_network_get_xml_desc(D(call), net, a->flags, err), ret);
}

bool vd_rpc_network_get_bridge_name(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_network_ref) net = NET(args);

    return string_reply(vd_network_get_bridge_name(D(call), net, err), ret);
}

bool vd_rpc_network_get_autostart(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_network_ref) net = NET(args);
    bool on = false;

    return vd_network_get_autostart(D(call), net, &on, err) && int_reply(on, ret);
}

bool vd_rpc_network_set_autostart(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_net_int_arg *a = args;
    g_autoptr(vd_network_ref) net = net_from_wire(&a->net);

    (void)ret;
    return vd_network_set_autostart(D(call), net, a->value != 0, err);
}

bool vd_rpc_network_is_active(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_network_ref) net = NET(args);

    return int_reply(vd_network_is_active(D(call), net, err), ret);
}

bool vd_rpc_network_is_persistent(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_network_ref) net = NET(args);

    return int_reply(vd_network_is_persistent(D(call), net, err), ret);
}

bool vd_rpc_network_update(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_network_update_args *a = args;
    g_autoptr(vd_network_ref) net = net_from_wire(&a->net);

    (void)ret;
    return vd_network_update(D(call), net, a->command, a->section, a->parent_index, a->xml,
                             a->flags, err);
}

static vd_wire_string opt_string(const char *s)
{
    vd_wire_string w;

    if (!s)
        return NULL;
    w = g_new0(char *, 1);
    *w = g_strdup(s);
    return w;
}

static void lease_to_wire(const vd_network_lease *l, vd_wire_network_dhcp_lease *w)
{
    w->iface = g_strdup(l->iface);
    w->expirytime = l->expiry_time;
    w->type = l->type;
    w->mac = opt_string(l->mac);
    w->iaid = opt_string(l->iaid);
    w->ipaddr = g_strdup(l->ipaddr);
    w->prefix = l->prefix;
    w->hostname = opt_string(l->hostname);
    w->clientid = opt_string(l->clientid);
}

bool vd_rpc_network_get_dhcp_leases(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_network_get_dhcp_leases_args *a = args;
    vd_wire_network_get_dhcp_leases_ret *r = ret;
    g_autoptr(vd_network_ref) net = net_from_wire(&a->net);
    g_autoptr(GPtrArray) leases =
        vd_network_get_dhcp_leases(D(call), net, vd_rpc_opt_string(a->mac), a->flags, err);

    if (!leases)
        return false;
    if (leases->len > VD_WIRE_NETWORK_DHCP_LEASES_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "too many leases '%u' for limit '%d'",
                     leases->len, VD_WIRE_NETWORK_DHCP_LEASES_MAX);
        return false;
    }
    r->count = leases->len;
    if (!a->need_results || !leases->len)
        return true;
    r->leases.leases_len = leases->len;
    r->leases.leases_val = g_new0(vd_wire_network_dhcp_lease, leases->len);
    for (unsigned i = 0; i < leases->len; i++)
        lease_to_wire(g_ptr_array_index(leases, i), &r->leases.leases_val[i]);
    return true;
}
