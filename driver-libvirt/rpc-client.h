/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One client connection: reads whole packets off its socket in the main context, hands
 * them to the dispatcher, and writes queued packets back in order. Any thread may queue.
 */
#ifndef VD_RPC_CLIENT_H
#define VD_RPC_CLIENT_H

#include "rpc-internal.h"

vd_rpc_client *vd_rpc_client_new(struct vd_rpc_server *server, GSocket *socket,
                                  vd_rpc_transport transport);
vd_rpc_client *vd_rpc_client_ref(vd_rpc_client *c);
void vd_rpc_client_unref(vd_rpc_client *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_rpc_client, vd_rpc_client_unref)

/* Starts reading. Main context. */
void vd_rpc_client_start(vd_rpc_client *c);
/* Closes the connection, ends its streams and drops its event registrations. With a
 * reason, writes the one log line naming the client. Main context. Idempotent. */
void vd_rpc_client_close(vd_rpc_client *c, const char *reason);

/* Queues a whole packet (takes it); false if the client is already closed. Any thread. */
bool vd_rpc_client_send(vd_rpc_client *c, GBytes *pkt);
/* Same with c->lock already held. */
bool vd_rpc_client_send_locked(vd_rpc_client *c, GBytes *pkt);

/* A call taken from this client went to a worker / came back from it. */
void vd_rpc_client_call_started(vd_rpc_client *c);
void vd_rpc_client_call_finished(vd_rpc_client *c);

#endif /* VD_RPC_CLIENT_H */
