/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon as a client of another libvirt daemon, for peer-to-peer migration: the
 * source's daemon calls the destination's Prepare and Finish itself. One connection, one
 * call at a time, blocking; the calling worker thread waits for each reply. It speaks
 * libvirt's remote program like any client: the transport from the URI (TLS with
 * libvirt's client certificate files, plain TCP, or a unix socket), AUTH_LIST and
 * CONNECT_OPEN, then the calls.
 */
#ifndef VD_RPC_PEER_H
#define VD_RPC_PEER_H

#include <glib.h>
#include <stdbool.h>

#include "vd-driver.h"
#include "vd_remote_protocol.h"

typedef struct vd_rpc_peer vd_rpc_peer;

/* Where a peer URI points, parsed without connecting. Accepted: vireo+tls://HOST[:PORT]/
 * (16514 by default; ?pkipath=DIR, ?no_verify=1 as libvirt's), vireo+tcp://HOST[:PORT]/
 * (16509), vireo+unix:///system[?socket=PATH], and vireo://HOST/ (TLS) or vireo:/// (the
 * local socket), as libvirt picks the transport. */
typedef struct vd_rpc_peer_target {
    enum { VD_PEER_TLS, VD_PEER_TCP, VD_PEER_UNIX } transport;
    char *host;    /* TLS, TCP */
    unsigned port; /* TLS, TCP */
    char *socket;  /* UNIX */
    char *pkipath; /* TLS: NULL = libvirt's files for root */
    bool no_verify;
} vd_rpc_peer_target;

bool vd_rpc_peer_parse_uri(const char *uri, vd_rpc_peer_target *t, vd_error **err);
void vd_rpc_peer_target_clear(vd_rpc_peer_target *t);

/* Connects to uri and opens the connection (CONNECT_OPEN). Errors say what failed:
 * the URI, the connection, TLS, or what the peer answered. */
vd_rpc_peer *vd_rpc_peer_open(const char *uri, vd_error **err);
/* Closes the connection (CONNECT_CLOSE, best effort) and frees it. */
void vd_rpc_peer_close(vd_rpc_peer *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_rpc_peer, vd_rpc_peer_close)

/* One call: encodes args, waits for the reply and decodes it into ret (zeroed by the
 * caller, freed with xdr_free). The peer's error comes back as it sent it (code, domain,
 * message); a broken connection is VIR_ERR_RPC. */
bool vd_rpc_peer_call(vd_rpc_peer *p, int proc, xdrproc_t args_filter, void *args,
                      xdrproc_t ret_filter, void *ret, vd_error **err);

#endif /* VD_RPC_PEER_H */
