/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain event registrations and delivery. The server holds one listener on the daemon;
 * each event is fanned out to every client registration of its event id that matches:
 * lifecycle as 318 DOMAIN_EVENT_CALLBACK_LIFECYCLE (registrations made with 316) or the
 * legacy 107 DOMAIN_EVENT_LIFECYCLE (made with 167 or 105), reboot as 319 or legacy 108.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-events.h"

#include <string.h>

#include "rpc-client.h"
#include "rpc-convert.h"
#include "rpc-dispatch.h"
#include "rpc-packet.h"

/* Lock held. A legacy domain registration is known by its event id, others by callback. */
static int find_reg(vd_rpc_client *c, vd_rpc_event_kind kind, bool legacy, int key)
{
    for (unsigned i = 0; i < c->events->len; i++) {
        vd_rpc_event_reg *r = &g_array_index(c->events, vd_rpc_event_reg, i);

        if (r->kind == kind && r->legacy == legacy &&
            (legacy ? r->event_id : r->callback_id) == key)
            return i;
    }
    return -1;
}

bool vd_rpc_event_remove(vd_rpc_client *c, vd_rpc_event_kind kind, int callback_id,
                         vd_error **err)
{
    int i;

    g_mutex_lock(&c->lock);
    i = find_reg(c, kind, false, callback_id);
    if (i >= 0)
        g_array_remove_index_fast(c->events, i);
    g_mutex_unlock(&c->lock);
    if (i < 0)
        vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                     "invalid argument: callbackID %d not registered", callback_id);
    return i >= 0;
}

static bool valid_event_id(int id, vd_error **err)
{
    if (id >= 0 && id < VIR_DOMAIN_EVENT_ID_LAST)
        return true;
    vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                 "invalid argument: unsupported event ID %d", id);
    return false;
}

bool vd_rpc_event_callback_register(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_event_callback_register_args *a = args;
    vd_rpc_event_reg reg = {.event_id = a->event_id};

    if (!valid_event_id(a->event_id, err))
        return false;
    ((vd_wire_int_ret *)ret)->value =
        vd_rpc_event_add(call->client, reg, a->dom ? (const unsigned char *)a->dom->uuid : NULL);
    return true;
}

int vd_rpc_event_add(vd_rpc_client *c, vd_rpc_event_reg reg, const unsigned char *uuid)
{
    reg.any_domain = uuid == NULL;
    if (uuid)
        memcpy(reg.uuid, uuid, sizeof(reg.uuid));
    reg.callback_id = g_atomic_int_add(&c->server->next_callback_id, 1);
    g_mutex_lock(&c->lock);
    g_array_append_val(c->events, reg);
    g_mutex_unlock(&c->lock);
    return reg.callback_id;
}

bool vd_rpc_event_callback_deregister(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return vd_rpc_event_remove(call->client, VD_RPC_EVENTS_DOMAIN,
                               ((vd_wire_int_arg *)args)->value, err);
}

static bool legacy_register(vd_rpc_client *c, int event_id, vd_error **err)
{
    vd_rpc_event_reg reg = {
        .callback_id = -1, .event_id = event_id, .legacy = true, .any_domain = true};
    bool dup;

    if (!valid_event_id(event_id, err))
        return false;
    g_mutex_lock(&c->lock);
    dup = find_reg(c, VD_RPC_EVENTS_DOMAIN, true, event_id) >= 0;
    if (!dup)
        g_array_append_val(c->events, reg);
    g_mutex_unlock(&c->lock);
    if (dup)
        vd_error_set(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC,
                     "internal error: domain event %d already registered", event_id);
    return !dup;
}

static bool legacy_deregister(vd_rpc_client *c, int event_id, vd_error **err)
{
    int i;

    g_mutex_lock(&c->lock);
    i = find_reg(c, VD_RPC_EVENTS_DOMAIN, true, event_id);
    if (i >= 0)
        g_array_remove_index_fast(c->events, i);
    g_mutex_unlock(&c->lock);
    if (i < 0)
        vd_error_set(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC,
                     "internal error: domain event %d not registered", event_id);
    return i >= 0;
}

bool vd_rpc_event_register_any(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return legacy_register(call->client, ((vd_wire_int_arg *)args)->value, err);
}

bool vd_rpc_event_deregister_any(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return legacy_deregister(call->client, ((vd_wire_int_arg *)args)->value, err);
}

bool vd_rpc_event_register(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)args;
    if (!legacy_register(call->client, VIR_DOMAIN_EVENT_ID_LIFECYCLE, err))
        return false;
    ((vd_wire_int_ret *)ret)->value = 1; /* cb_registered */
    return true;
}

bool vd_rpc_event_deregister(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)args;
    if (!legacy_deregister(call->client, VIR_DOMAIN_EVENT_ID_LIFECYCLE, err))
        return false;
    ((vd_wire_int_ret *)ret)->value = 0; /* cb_registered */
    return true;
}

/* One event message, to a legacy registration (no callback id) or a callback one. Every
 * callback message is {callbackID, the legacy message}, so `msg` is that struct. */
typedef struct event_form {
    int legacy_proc, callback_proc;
    xdrproc_t legacy_xdr, callback_xdr;
} event_form;

static GBytes *event_packet(const vd_rpc_event_reg *reg, const event_form *form, void *msg,
                            void *legacy_part)
{
    vd_wire_header h = vd_rpc_remote_header(reg->legacy ? form->legacy_proc : form->callback_proc,
                                            VD_WIRE_MESSAGE, 0, VD_WIRE_OK);
    return reg->legacy ? vd_rpc_packet_encode(&h, form->legacy_xdr, legacy_part, NULL)
                       : vd_rpc_packet_encode(&h, form->callback_xdr, msg, NULL);
}

static GBytes *lifecycle_packet(const vd_rpc_event_reg *reg, const vd_domain_ref *dom, int event,
                                int detail)
{
    static const event_form form = {VD_PROC_DOMAIN_EVENT_LIFECYCLE,
                                    VD_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
                                    (xdrproc_t)xdr_vd_wire_event_lifecycle_msg,
                                    (xdrproc_t)xdr_vd_wire_event_callback_lifecycle_msg};
    vd_wire_event_callback_lifecycle_msg m = {.callback_id = reg->callback_id};

    vd_rpc_dom_to_wire(dom, &m.msg.dom);
    m.msg.event = event;
    m.msg.detail = detail;
    GBytes *pkt = event_packet(reg, &form, &m, &m.msg);
    g_free(m.msg.dom.name);
    return pkt;
}

static GBytes *reboot_packet(const vd_rpc_event_reg *reg, const vd_domain_ref *dom)
{
    static const event_form form = {
        VD_PROC_DOMAIN_EVENT_REBOOT, VD_PROC_DOMAIN_EVENT_CALLBACK_REBOOT,
        (xdrproc_t)xdr_vd_wire_event_reboot_msg, (xdrproc_t)xdr_vd_wire_event_callback_reboot_msg};
    vd_wire_event_callback_reboot_msg m = {.callback_id = reg->callback_id};

    vd_rpc_dom_to_wire(dom, &m.msg.dom);
    GBytes *pkt = event_packet(reg, &form, &m, &m.msg);
    g_free(m.msg.dom.name);
    return pkt;
}

static void deliver_to_client(vd_rpc_client *c, const vd_domain_ref *dom, int event_id, int event,
                              int detail)
{
    g_mutex_lock(&c->lock);
    for (unsigned i = 0; i < c->events->len; i++) {
        const vd_rpc_event_reg *reg = &g_array_index(c->events, vd_rpc_event_reg, i);

        if (reg->kind != VD_RPC_EVENTS_DOMAIN || reg->event_id != event_id)
            continue;
        if (!reg->any_domain && memcmp(reg->uuid, dom->uuid, sizeof(reg->uuid)) != 0)
            continue;
        vd_rpc_client_send_locked(c, event_id == VIR_DOMAIN_EVENT_ID_REBOOT
                                         ? reboot_packet(reg, dom)
                                         : lifecycle_packet(reg, dom, event, detail));
    }
    g_mutex_unlock(&c->lock);
}

GPtrArray *vd_rpc_events_clients(struct vd_rpc_server *s)
{
    GPtrArray *clients = g_ptr_array_new_with_free_func((GDestroyNotify)vd_rpc_client_unref);

    /* A snapshot, so no client lock is taken under the server lock. */
    g_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->clients->len; i++)
        g_ptr_array_add(clients, vd_rpc_client_ref(g_ptr_array_index(s->clients, i)));
    g_mutex_unlock(&s->lock);
    return clients;
}

void vd_rpc_events_on_lifecycle(const vd_domain_ref *dom, int event_id, int event, int detail,
                                void *user)
{
    g_autoptr(GPtrArray) clients = vd_rpc_events_clients(user);

    for (unsigned i = 0; i < clients->len; i++)
        deliver_to_client(g_ptr_array_index(clients, i), dom, event_id, event, detail);
}
