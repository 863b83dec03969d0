/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server's listening sockets: unix read-write and read-only, plain TCP (loopback
 * only) and TLS. Each is taken over from systemd when socket activation passed one bound
 * to the same address, else bound here.
 */
#ifndef VD_RPC_LISTEN_H
#define VD_RPC_LISTEN_H

#include "rpc-internal.h"

/* Opens every listener s->cfg asks for into s->listeners, attached to
 * s->ctx with vd_rpc_server_on_incoming. */
bool vd_rpc_listen_all(struct vd_rpc_server *s, GError **err);

/* Stops listening; removes the socket file of a unix listener bound here (never one
 * systemd passed: its unit owns the file). */
void vd_rpc_listener_free(vd_rpc_listener *l);

/* Stops accepting on l for ms milliseconds (while the process is out of descriptors:
 * the pending connection would wake us again at once). */
void vd_rpc_listener_pause(vd_rpc_listener *l, unsigned ms);
/* Accepts again (a GSourceFunc for the pause's timer). */
gboolean vd_rpc_listener_resume(gpointer listener);

/* rpc-server.c: a listener became readable. */
gboolean vd_rpc_server_on_incoming(GSocket *socket, GIOCondition cond, gpointer listener);

#endif /* VD_RPC_LISTEN_H */
