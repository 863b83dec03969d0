/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The libvirt protocol server: listens on the configured sockets, speaks libvirt's
 * remote program (0x20008086 v1) and keepalive, and serves each call through the
 * daemon's driver API (daemon/vd-driver.h). This is the only entry point daemon/ uses.
 */
#ifndef VD_RPC_H
#define VD_RPC_H

#include <glib.h>
#include "vd-driver.h"

G_BEGIN_DECLS

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
} vd_rpc_config;

typedef struct vd_rpc_server vd_rpc_server;

/* Binds every configured listener and attaches to the default main context. */
vd_rpc_server *vd_rpc_server_new(vd_daemon *d, const vd_rpc_config *cfg, GError **err);
/* Closes listeners and every client connection. */
void vd_rpc_server_free(vd_rpc_server *s);

G_END_DECLS

#endif /* VD_RPC_H */
