/* SPDX-License-Identifier: GPL-2.0-only */
/* Domains' vifs: tap devices on bridges, made by the daemon for vireo-dm (vd-vif.c). */
#ifndef VD_VIF_H
#define VD_VIF_H

#include "vd-driver.h"

/* "vif<domid>.<index>", as in Xen (g_free it). */
char *vd_vif_name(uint32_t domid, unsigned index);
/*
 * Creates tap `ifname` (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR), makes it a port of `bridge`
 * and brings it up. Returns its fd (O_CLOEXEC: pass it on explicitly), or -1 with *err.
 * Closing the last copy of the fd removes the tap.
 */
int vd_vif_open(const char *ifname, const char *bridge, vd_error **err);

#endif /* VD_VIF_H */
