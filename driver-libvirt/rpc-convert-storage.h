/* SPDX-License-Identifier: GPL-2.0-only */
/* Storage pool and volume references between the wire and the storage driver. */
#ifndef VD_RPC_CONVERT_STORAGE_H
#define VD_RPC_CONVERT_STORAGE_H

#include "rpc-internal.h"
#include "vd-storage.h"

vd_pool_ref *vd_rpc_pool_from_wire(const vd_wire_nonnull_pool *w);
void vd_rpc_pool_to_wire(const vd_pool_ref *ref, vd_wire_nonnull_pool *w);
vd_vol_ref *vd_rpc_vol_from_wire(const vd_wire_nonnull_vol *w);
void vd_rpc_vol_to_wire(const vd_vol_ref *ref, vd_wire_nonnull_vol *w);
/* The old List* calls: at most max of names (char*), refusing a max out of range. */
bool vd_rpc_names_to_wire(GPtrArray *names, int max, vd_wire_list_names_ret *r, vd_error **err);

#endif /* VD_RPC_CONVERT_STORAGE_H */
