/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Network event registrations (313/314) and delivery of 315 NETWORK_EVENT_LIFECYCLE. They
 * share the client's registration list with domain events, marked `network`, and the
 * per-daemon callback id counter.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-events.h"

#include <string.h>

#include "rpc-client.h"
#include "rpc-dispatch.h"
#include "rpc-packet.h"
#include "rpc-procs.h"

bool vd_rpc_network_event_register_any(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_network_event_register_args *a = args;
    vd_rpc_event_reg reg = {.kind = VD_RPC_EVENTS_NETWORK, .event_id = a->event_id};

    if (a->event_id < 0 || a->event_id >= VIR_NETWORK_EVENT_ID_LAST) {
        vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                     "invalid argument: unsupported network event ID %d", a->event_id);
        return false;
    }
    ((vd_wire_int_ret *)ret)->value =
        vd_rpc_event_add(call->client, reg, a->net ? (const unsigned char *)a->net->uuid : NULL);
    return true;
}

bool vd_rpc_network_event_deregister_any(vd_rpc_call *call, void *args, void *ret,
                                         vd_error **err)
{
    (void)ret;
    return vd_rpc_event_remove(call->client, VD_RPC_EVENTS_NETWORK,
                               ((vd_wire_int_arg *)args)->value, err);
}

static GBytes *network_packet(int callback_id, const vd_network_ref *net, int event, int detail)
{
    vd_wire_network_event_lifecycle_msg m = {.callback_id = callback_id, .event = event,
                                             .detail = detail};
    vd_wire_header h =
        vd_rpc_remote_header(VD_PROC_NETWORK_EVENT_LIFECYCLE, VD_WIRE_MESSAGE, 0, VD_WIRE_OK);

    m.net.name = net->name;
    memcpy(m.net.uuid, net->uuid, sizeof(m.net.uuid));
    return vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_network_event_lifecycle_msg, &m, NULL);
}

static void deliver_to_client(vd_rpc_client *c, const vd_network_ref *net, int event, int detail)
{
    g_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->events->len; i++) {
        const vd_rpc_event_reg *reg = &g_array_index(c->events, vd_rpc_event_reg, i);

        if (reg->kind != VD_RPC_EVENTS_NETWORK || (!reg->any_domain && memcmp(reg->uuid, net->uuid, 16) != 0))
            continue;
        vd_rpc_client_send_locked(c, network_packet(reg->callback_id, net, event, detail));
    }
    g_mutex_unlock(&c->lock);
}

void vd_rpc_events_on_network(const vd_network_ref *net, int event, int detail, void *user)
{
    g_autoptr(GPtrArray) clients = vd_rpc_events_clients(user);

    for (unsigned i = 0; i < clients->len; i++)
        deliver_to_client(g_ptr_array_index(clients, i), net, event, detail);
}
