/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tap side of virtio-net: checking that the fd virtvireod passed is the tap it names,
 * with the 12-byte virtio header, and mapping the offloads the driver accepted to the
 * tap's TUNSETOFFLOAD flags.
 */
#ifndef VDM_NET_TAP_H
#define VDM_NET_TAP_H

#include <stdint.h>

#include <glib.h>

/*
 * Checks fd is a tap (IFF_TAP, IFF_NO_PI, IFF_VNET_HDR) named ifname, sets its header size
 * to 12 bytes, makes it non-blocking and close-on-exec, and finds which receive offloads it
 * takes (*features: the virtio-net features the device may offer over it). Its receive
 * offloads are left off until a driver accepts some. FALSE with *error naming the tap.
 */
gboolean vdm_net_tap_setup(int fd, const char *ifname, uint64_t *features, GError **error);

/* Sets the tap's receive offloads to those the driver accepted in driver_features.
 * Returns 0 or -errno. */
int vdm_net_tap_set_offloads(int fd, uint64_t driver_features);

#endif /* VDM_NET_TAP_H */
