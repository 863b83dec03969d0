/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TLS listener (vireo+tls://HOST:PORT/system), with libvirt's settings and file layout:
 * the daemon passes these next to vd_rpc_config. Kept apart from vd-rpc.h (a shared
 * contract) until the lead folds it in as a `const vd_rpc_tls_config *tls` field there.
 */
#ifndef VD_RPC_TLS_H
#define VD_RPC_TLS_H

#include "vd-rpc.h"

G_BEGIN_DECLS

typedef struct vd_rpc_tls_config {
    bool listen;     /* serve TLS; every other field is ignored when false */
    char *address;   /* any IP address: TLS authenticates clients, so this may be
                        0.0.0.0 or a public address; NULL = 0.0.0.0 */
    unsigned port;   /* 0 = 16514, libvirt's TLS port */
    char *ca_file;   /* PEM CA certificate(s) client certificates must chain to,
                        libvirt: /etc/pki/CA/cacert.pem */
    char *crl_file;  /* PEM revocation list, NULL = none (libvirt: /etc/pki/CA/cacrl.pem) */
    char *cert_file; /* PEM server certificate, libvirt: /etc/pki/libvirt/servercert.pem */
    char *key_file;  /* its PEM private key, libvirt: /etc/pki/libvirt/private/serverkey.pem */
    char *priority;  /* GnuTLS priority string, NULL = "NORMAL" (libvirt's tls_priority) */
    bool no_verify_certificate; /* accept clients without a valid certificate
                                   (libvirt's tls_no_verify_certificate); off = required */
    unsigned handshake_timeout; /* seconds a client has from connecting to finishing the
                                   handshake before it is dropped; 0 = no limit */
} vd_rpc_tls_config;

/* vd_rpc_server_new, plus a TLS listener when tls is not NULL and tls->listen is set. */
vd_rpc_server *vd_rpc_server_new_with_tls(vd_daemon *d, const vd_rpc_config *cfg,
                                          const vd_rpc_tls_config *tls, GError **err);

G_END_DECLS

#endif /* VD_RPC_TLS_H */
