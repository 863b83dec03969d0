/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who may use a connection: root and the daemon's own uid on unix sockets without asking,
 * other local users on the read-write socket through polkit (org.libvirt.unix.manage)
 * when the daemon is configured so, everyone who reaches the read-only socket or the
 * loopback TCP port.
 */
#ifndef VD_RPC_AUTH_H
#define VD_RPC_AUTH_H

#include "rpc-internal.h"

#define VD_RPC_POLKIT_ACTION "org.libvirt.unix.manage"

/* True when this client must pass polkit before anything but the AUTH_* calls. */
bool vd_rpc_auth_needs_polkit(const vd_rpc_client *c, const vd_rpc_config *cfg);

/* Asks polkitd over the system bus whether the process may perform action. Blocks. */
bool vd_rpc_polkit_check(pid_t pid, uid_t uid, const char *action, vd_error **err);

#endif /* VD_RPC_AUTH_H */
