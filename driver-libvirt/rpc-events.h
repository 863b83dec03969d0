/* SPDX-License-Identifier: GPL-2.0-only */
/* Domain event registrations (316/317, legacy 167/168 and 105/106) and delivery. */
#ifndef VD_RPC_EVENTS_H
#define VD_RPC_EVENTS_H

#include "rpc-internal.h"

bool vd_rpc_event_callback_register(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_event_callback_deregister(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_event_register_any(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_event_deregister_any(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_event_register(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_event_deregister(vd_rpc_call *call, void *args, void *ret, vd_error **err);

/* Enters reg for uuid's object (NULL = every one) under a new callback id, returned. */
int vd_rpc_event_add(vd_rpc_client *c, vd_rpc_event_reg reg, const unsigned char *uuid);
/* Drops the client's registration of that kind and callback id; false with libvirt's
 * "callbackID not registered" when there is none. */
bool vd_rpc_event_remove(vd_rpc_client *c, vd_rpc_event_kind kind, int callback_id,
                         vd_error **err);

/* The server's clients now, each referenced (the array drops them), to deliver events to. */
GPtrArray *vd_rpc_events_clients(struct vd_rpc_server *s);

/* The daemon's lifecycle listener (vd_lifecycle_fn); user is the server. */
void vd_rpc_events_on_lifecycle(const vd_domain_ref *dom, int event_id, int event, int detail,
                                void *user);

/* The server's clients, each referenced: events go to them with no server lock held. */
GPtrArray *vd_rpc_events_clients(struct vd_rpc_server *s);

/* The daemon's network listener (vd_network_event_fn, rpc-events-network.c). */
void vd_rpc_events_on_network(const vd_network_ref *net, int event, int detail, void *user);

#endif /* VD_RPC_EVENTS_H */
