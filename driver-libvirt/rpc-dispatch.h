/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From a whole packet to a reply: validates the header, answers keepalive at once, routes
 * stream data, checks open/auth/read-only state, decodes arguments and runs the handler
 * either in the reader (cheap protocol state) or on the worker pool.
 */
#ifndef VD_RPC_DISPATCH_H
#define VD_RPC_DISPATCH_H

#include "rpc-internal.h"

/* Main context. False: the packet is malformed; close the connection, *reason says why. */
bool vd_rpc_dispatch_packet(vd_rpc_client *c, const guint8 *pkt, gsize len,
                            const char **reason);

/* GThreadPool function: runs one vd_rpc_call and frees it. */
void vd_rpc_dispatch_worker(gpointer call, gpointer server);

/* Header of a server-initiated packet of the remote program. */
vd_wire_header vd_rpc_remote_header(int proc, vd_wire_msg_type type, unsigned serial,
                                    vd_wire_msg_status status);

#endif /* VD_RPC_DISPATCH_H */
