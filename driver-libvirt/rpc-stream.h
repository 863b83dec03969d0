/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Console streams: 201 DOMAIN_OPEN_CONSOLE replies, then raw bytes flow both ways as
 * STREAM packets carrying the opening call's serial; an empty OK packet ends it.
 */
#ifndef VD_RPC_STREAM_H
#define VD_RPC_STREAM_H

#include "rpc-internal.h"

bool vd_rpc_domain_open_console(vd_rpc_call *call, void *args, void *ret, vd_error **err);

/* A STREAM packet from the client. Main context. False: malformed, close. */
bool vd_rpc_stream_incoming(vd_rpc_client *c, const vd_wire_header *hdr, const guint8 *data,
                            gsize len, const char **reason);

/* Ends every console of a closing client. Main context. */
void vd_rpc_streams_close_all(vd_rpc_client *c);

#endif /* VD_RPC_STREAM_H */
