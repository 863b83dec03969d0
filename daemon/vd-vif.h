/* SPDX-License-Identifier: GPL-2.0-only */
/* Domains' vifs: tap devices on bridges, made by the daemon for vireo-dm (vd-vif.c). */
#ifndef VD_VIF_H
#define VD_VIF_H

#include "vd-driver.h"

/*
 * Creates tap `ifname` (vif<domid>.<n>: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), gives it the
 * guest's MAC with 0xfe first, and makes it an up port of `bridge` with its MTU. Returns
 * its fd (O_CLOEXEC: pass it on explicitly), or -1 with *err naming the domain. Closing the
 * last copy of the fd removes the tap.
 */
int vd_vif_open(const char *ifname, const char *bridge, const unsigned char guest_mac[6],
                const char *domain, vd_error **err);

#endif /* VD_VIF_H */
