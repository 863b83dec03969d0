/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Streams: 201 DOMAIN_OPEN_CONSOLE (and 208/209 volume transfers, rpc-stream-volume.h)
 * reply, then raw bytes flow as STREAM packets carrying the opening call's serial; an
 * empty OK packet ends it.
 */
#ifndef VD_RPC_STREAM_H
#define VD_RPC_STREAM_H

#include "rpc-internal.h"

bool vd_rpc_domain_open_console(vd_rpc_call *call, void *args, void *ret, vd_error **err);

/* Enters s (a stream struct starting with its opening procedure) into the client's table
 * under the call's serial; fails if the serial has one or the client closed. */
bool vd_rpc_stream_register(vd_rpc_client *c, unsigned serial, void *s, vd_error **err);
/* Takes s out of the table if it is still there (client->lock held). */
void vd_rpc_stream_forget_locked(vd_rpc_client *c, unsigned serial, void *s);

/* A STREAM packet from the client. Main context. False: malformed, close. */
bool vd_rpc_stream_incoming(vd_rpc_client *c, const vd_wire_header *hdr, const guint8 *data,
                            gsize len, const char **reason);

/* Ends every stream of a closing client. Main context. */
void vd_rpc_streams_close_all(vd_rpc_client *c);

#endif /* VD_RPC_STREAM_H */
