/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * systemd socket activation: the listening sockets a service manager passes as fds 3..
 * with LISTEN_PID and LISTEN_FDS (the sd_listen_fds protocol). The server claims each one
 * by the address it is bound to, so a unit may pass any subset of the configured
 * listeners; the rest are bound as usual.
 */
#ifndef VD_RPC_ACTIVATION_H
#define VD_RPC_ACTIVATION_H

#include <gio/gio.h>

typedef struct vd_rpc_activation vd_rpc_activation;

/* The passed listening sockets, or NULL when the process was not socket-activated.
 * Clears LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES so children do not inherit them.
 * Call before starting threads (it changes the environment). */
vd_rpc_activation *vd_rpc_activation_take(void);

/* The passed socket bound to this unix path, or NULL; the caller owns it. */
GSocket *vd_rpc_activation_claim_unix(vd_rpc_activation *a, const char *path);
/* The passed socket bound to this address and port, or NULL; the caller owns it. */
GSocket *vd_rpc_activation_claim_inet(vd_rpc_activation *a, GInetAddress *ip, unsigned port);

/* Logs and closes every socket nobody claimed, then frees a. NULL is fine. */
void vd_rpc_activation_free(vd_rpc_activation *a);

#endif /* VD_RPC_ACTIVATION_H */
