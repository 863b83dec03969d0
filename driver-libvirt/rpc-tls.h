/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TLS with GnuTLS: for the TCP listener, the server's credentials (one context per
 * server) and one non-blocking session per client; for the daemon calling another one
 * (peer-to-peer migration, rpc-peer.c), a blocking client session. libvirt treats TLS as
 * a transport wrapper: handshake, then the server checks the client's certificate and
 * sends one encrypted '\1' byte to say it passed; only then do RPC packets flow.
 */
#ifndef VD_RPC_TLS_INTERNAL_H
#define VD_RPC_TLS_INTERNAL_H

#include <gio/gio.h>
#include <stdbool.h>

#include "vd-rpc.h"

typedef struct vd_rpc_tls_context vd_rpc_tls_context;
typedef struct vd_rpc_tls_session vd_rpc_tls_session;

/* Loads and checks the CA, CRL, certificate and key named in cfg; errors name the file. */
vd_rpc_tls_context *vd_rpc_tls_context_new(const vd_rpc_tls_config *cfg, GError **err);
void vd_rpc_tls_context_free(vd_rpc_tls_context *t);

/* A server session over a connected non-blocking socket. */
vd_rpc_tls_session *vd_rpc_tls_session_new(vd_rpc_tls_context *t, int fd, GError **err);
void vd_rpc_tls_session_free(vd_rpc_tls_session *s); /* either side's */

typedef enum vd_rpc_tls_step {
    VD_RPC_TLS_DONE,       /* handshake finished and the client's certificate accepted */
    VD_RPC_TLS_WANT_READ,  /* call again when the socket is readable */
    VD_RPC_TLS_WANT_WRITE, /* call again when the socket is writable */
    VD_RPC_TLS_FAILED,     /* close the connection; *failure says why */
} vd_rpc_tls_step;

/* Advances the handshake and, once it is done, checks the client's certificate against
 * the CA (unless no_verify_certificate). *failure is allocated on VD_RPC_TLS_FAILED. */
vd_rpc_tls_step vd_rpc_tls_handshake(vd_rpc_tls_session *s, char **failure);

/* The client side, as libvirt's client: the CA, certificate and key are cacert.pem,
 * clientcert.pem and clientkey.pem in pkipath, or with pkipath NULL libvirt's files for
 * root (/etc/pki/CA/cacert.pem, /etc/pki/libvirt/clientcert.pem,
 * /etc/pki/libvirt/private/clientkey.pem). Over a connected blocking socket: the handshake,
 * the server's certificate checked against the CA and against host (unless no_verify),
 * then the server's verdict on ours. The session owns its context; errors name the file
 * or say what the server refused. */
vd_rpc_tls_session *vd_rpc_tls_client_new(int fd, const char *host, const char *pkipath,
                                          bool no_verify, GError **err);

/* Record I/O with g_socket_receive/g_socket_send's contract: bytes moved, 0 at the peer's
 * end of stream (recv), or -1 with G_IO_ERROR_WOULD_BLOCK or another error. A send that
 * would block must be repeated with the same buffer and length. */
gssize vd_rpc_tls_recv(vd_rpc_tls_session *s, void *buf, gsize len, GError **err);
gssize vd_rpc_tls_send(vd_rpc_tls_session *s, const void *buf, gsize len, GError **err);

/* Decrypted bytes GnuTLS holds that the socket's readiness will not announce. */
bool vd_rpc_tls_pending(vd_rpc_tls_session *s);

/* The client certificate's distinguished name once the handshake is done, or NULL. */
const char *vd_rpc_tls_peer_dn(vd_rpc_tls_session *s);

/* Sends close_notify if the socket takes it at once; never waits. */
void vd_rpc_tls_bye(vd_rpc_tls_session *s);

#endif /* VD_RPC_TLS_INTERNAL_H */
