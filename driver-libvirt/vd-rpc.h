/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libvirt protocol server: listens on the configured sockets (unix, TCP, TLS), speaks
 * libvirt's remote program (0x20008086 v1) and keepalive, and serves each call through
 * the daemon's driver API (daemon/vd-driver.h). This is all virtvireod's entry point
 * (virtvireod/) needs of the protocol layer.
 */
#ifndef VD_RPC_H
#define VD_RPC_H

#include <glib.h>
#include "vd-driver.h"

G_BEGIN_DECLS

/* The TLS listener (vireo+tls://HOST:PORT/system), with libvirt's settings and file layout. */
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

typedef struct vd_rpc_config {
    char *unix_rw_path;     /* e.g. /run/libvirt/virtvireod-sock; NULL = none */
    char *unix_ro_path;     /* e.g. /run/libvirt/virtvireod-sock-ro; NULL = none */
    unsigned unix_rw_perms; /* mode of the read-write socket, e.g. 0700 */
    bool auth_polkit;       /* non-root clients on the rw socket need polkit's
                               org.libvirt.unix.manage through D-Bus */
    bool listen_tcp;        /* plain TCP listener */
    char *tcp_address;      /* address to bind; non-loopback refused without TLS/SASL */
    unsigned tcp_port;      /* 0 = 16509 */
    char *uri;              /* canonical URI answered to CONNECT_GET_URI, "vireo:///system" */
    unsigned max_clients;   /* 0 = unlimited */
    int keepalive_interval; /* seconds; <= 0 disables server-side pings */
    unsigned keepalive_count;
    vd_rpc_tls_config tls;
    bool no_peer_calls; /* refuse what would make the daemon dial another daemon (virsh
                           migrate --p2p): the session fuzzer's inputs must not */
} vd_rpc_config;

typedef struct vd_rpc_server vd_rpc_server;

/* Binds every configured listener and attaches to the default main context. TLS
 * credentials are loaded and checked first: errors name the file. */
vd_rpc_server *vd_rpc_server_new(vd_daemon *d, const vd_rpc_config *cfg, GError **err);
/* Closes listeners and every client connection. */
void vd_rpc_server_free(vd_rpc_server *s);

G_END_DECLS

#endif /* VD_RPC_H */
