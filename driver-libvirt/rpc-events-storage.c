/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage pool event registrations (368/369) and delivery: 370 STORAGE_POOL_EVENT_LIFECYCLE
 * and 373 STORAGE_POOL_EVENT_REFRESH to every client registration that matches.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-events-storage.h"

#include <string.h>

#include "rpc-client.h"
#include "rpc-convert-storage.h"
#include "rpc-dispatch.h"
#include "rpc-events.h"
#include "rpc-packet.h"

enum { POOL_EVENT_ID_LIFECYCLE = 0, POOL_EVENT_ID_REFRESH = 1, POOL_EVENT_ID_LAST = 2 };

bool vd_rpc_pool_event_register(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_pool_event_register_args *a = args;
    vd_rpc_event_reg reg = {.kind = VD_RPC_EVENTS_POOL, .event_id = a->event_id};
    if (a->event_id < 0 || a->event_id >= POOL_EVENT_ID_LAST) {
        vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                     "invalid argument: unsupported storage pool event ID %d", a->event_id);
        return false;
    }
    ((vd_wire_int_ret *)ret)->value =
        vd_rpc_event_add(call->client, reg, a->pool ? (const unsigned char *)a->pool->uuid : NULL);
    return true;
}

bool vd_rpc_pool_event_deregister(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return vd_rpc_event_remove(call->client, VD_RPC_EVENTS_POOL,
                               ((vd_wire_int_arg *)args)->value, err);
}

static GBytes *event_packet(int callback_id, const vd_pool_ref *pool, int event_id, int event,
                            int detail)
{
    vd_wire_pool_event_lifecycle_msg m = {.callback_id = callback_id};
    vd_wire_header h;
    GBytes *pkt;
    vd_rpc_pool_to_wire(pool, &m.pool);
    if (event_id == POOL_EVENT_ID_LIFECYCLE) {
        m.event = event;
        m.detail = detail;
        h = vd_rpc_remote_header(VD_PROC_STORAGE_POOL_EVENT_LIFECYCLE, VD_WIRE_MESSAGE, 0,
                                 VD_WIRE_OK);
        pkt = vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_pool_event_lifecycle_msg, &m, NULL);
    } else {
        vd_wire_pool_event_refresh_msg r = {.callback_id = callback_id, .pool = m.pool};
        h = vd_rpc_remote_header(VD_PROC_STORAGE_POOL_EVENT_REFRESH, VD_WIRE_MESSAGE, 0,
                                 VD_WIRE_OK);
        pkt = vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_pool_event_refresh_msg, &r, NULL);
    }
    g_free(m.pool.name);
    return pkt;
}

static void deliver_to_client(vd_rpc_client *c, const vd_pool_ref *pool, int event_id, int event,
                              int detail)
{
    g_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->events->len; i++) {
        const vd_rpc_event_reg *reg = &g_array_index(c->events, vd_rpc_event_reg, i);
        if (reg->kind != VD_RPC_EVENTS_POOL || reg->event_id != event_id)
            continue;
        if (!reg->any_domain && memcmp(reg->uuid, pool->uuid, sizeof(reg->uuid)) != 0)
            continue;
        vd_rpc_client_send_locked(c, event_packet(reg->callback_id, pool, event_id, event, detail));
    }
    g_mutex_unlock(&c->lock);
}

void vd_rpc_events_on_pool(const vd_pool_ref *pool, int event_id, int event, int detail, void *user)
{
    g_autoptr(GPtrArray) clients = vd_rpc_events_clients(user);
    for (unsigned i = 0; i < clients->len; i++)
        deliver_to_client(g_ptr_array_index(clients, i), pool, event_id, event, detail);
}
