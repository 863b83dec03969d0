/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A migration's data connection between two daemons (docs/migration.md "The stream"): the
 * port the destination listens on, the source's connection to it, bounds on a peer that
 * stops answering, and the few text lines the two exchange around the stream.
 */
#ifndef VD_MIGRATE_LINK_H
#define VD_MIGRATE_LINK_H

#include "vd-driver.h"

#define VD_MIGRATE_PORT_MIN 49152 /* libvirt's migration_port_min..max */
#define VD_MIGRATE_PORT_MAX 49215
#define VD_MIGRATE_STALL_TIMEOUT_S 30 /* a peer that takes nothing for this long is gone */

/* A listening socket on `address` (NULL: every address, IPv4 too) at want_port, or at the
 * first free port of the range when want_port is 0; its port in *port. -1 with err. */
int vd_migrate_listen(const char *address, unsigned want_port, unsigned *port, vd_error **err);
/* Bounds the waits on a connected socket (VD_MIGRATE_STALL_TIMEOUT_S). */
void vd_migrate_bound_stalls(int fd);
/* A connection to host:port, its stalls bounded; -1 with err. */
int vd_migrate_connect(const char *host, unsigned port, vd_error **err);
/* Waits for fd to be readable; false on timeout (with err naming `what`). */
bool vd_migrate_wait_readable(int fd, int timeout_ms, const char *what, vd_error **err);
/* One line from fd without its newline, read a byte at a time so that nothing after it is
 * taken; what came before the peer closed (maybe "") if it closed first. NULL with err on a
 * timeout or an error. */
char *vd_migrate_read_line(int fd, int timeout_ms, const char *what, vd_error **err);
/* Writes text and a newline (newlines inside it become spaces); false with err. */
bool vd_migrate_write_line(int fd, const char *text, vd_error **err);

#endif /* VD_MIGRATE_LINK_H */
