/* SPDX-License-Identifier: GPL-2.0-only */
/* Volume upload and download streams (208, 209); rpc-stream.c routes their packets here. */
#ifndef VD_RPC_STREAM_VOLUME_H
#define VD_RPC_STREAM_VOLUME_H

#include "rpc-internal.h"

bool vd_rpc_vol_upload(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_vol_download(vd_rpc_call *call, void *args, void *ret, vd_error **err);

/* A STREAM or STREAM_HOLE packet for one of them (found in the client's table). Main
 * context. False: malformed (*reason says how), close the connection. */
bool vd_rpc_vol_stream_incoming(vd_rpc_client *c, void *stream, const vd_wire_header *hdr,
                                const guint8 *data, gsize len, const char **reason);
/* Whether its reply went out (client->lock held): until then its opener owns it. */
bool vd_rpc_vol_stream_live_locked(void *stream);
/* The client closed and the stream left its table: drop it (an upload leaves no trace). */
void vd_rpc_vol_stream_closed(void *stream);

#endif /* VD_RPC_STREAM_VOLUME_H */
