/* SPDX-License-Identifier: GPL-2.0-only */
/* Linux bridges and their addresses over rtnetlink (libnl-route-3). */
#ifndef VD_NETLINK_H
#define VD_NETLINK_H

#include "vd-driver.h"

bool vd_link_exists(const char *name);
/* A new bridge, down; mac NULL = the kernel's, mtu 0 = the kernel's. */
bool vd_bridge_create(const char *name, const char *mac, unsigned mtu, vd_error **err);
bool vd_link_add_address(const char *name, const char *address, unsigned prefix, bool ipv6,
                         vd_error **err);
bool vd_link_set_up(const char *name, vd_error **err);
/* A domain's tap joins its bridge: the MAC given (the guest's with the first byte 0xfe, so
 * the bridge never takes the guest's address as its own), the bridge's MTU, the bridge as
 * its master, up. */
bool vd_link_join_bridge(const char *name, const char *bridge, const char *mac, vd_error **err);
/* Removes the link; a link already gone is no failure. */
bool vd_link_delete(const char *name, vd_error **err);

#endif /* VD_NETLINK_H */
