/* SPDX-License-Identifier: GPL-2.0-only */
/* A virtual network's packet rules: one nftables table of Vireo's own per network. */
#ifndef VD_NETWORK_NFT_H
#define VD_NETWORK_NFT_H

#include "vd-network-def.h"

/* The ruleset `nft -f` loads for def (NULL when its mode needs none: open, bridge). */
char *vd_nft_ruleset(const vd_network_def *def);
/* Loads (or replaces) def's table and turns on IP forwarding where its mode routes. */
bool vd_nft_apply(const vd_network_def *def, vd_error **err);
/* Removes def's table, if any. */
void vd_nft_remove(const vd_network_def *def);

#endif /* VD_NETWORK_NFT_H */
