/* SPDX-License-Identifier: GPL-2.0-only */
/* Conversions between rpcgen's storage pool and volume structs and vd-storage.h's refs. */
#include "rpc-convert-storage.h"

#include <string.h>

vd_pool_ref *vd_rpc_pool_from_wire(const vd_wire_nonnull_pool *w)
{
    return vd_pool_ref_new(w->name, (const unsigned char *)w->uuid);
}

void vd_rpc_pool_to_wire(const vd_pool_ref *ref, vd_wire_nonnull_pool *w)
{
    w->name = g_strdup(ref->name);
    memcpy(w->uuid, ref->uuid, sizeof(w->uuid));
}

vd_vol_ref *vd_rpc_vol_from_wire(const vd_wire_nonnull_vol *w)
{
    return vd_vol_ref_new(w->pool, w->name, w->key);
}

void vd_rpc_vol_to_wire(const vd_vol_ref *ref, vd_wire_nonnull_vol *w)
{
    w->pool = g_strdup(ref->pool);
    w->name = g_strdup(ref->name);
    w->key = g_strdup(ref->key);
}

bool vd_rpc_names_to_wire(GPtrArray *names, int max, vd_wire_list_names_ret *r, vd_error **err)
{
    if (max < 0 || max > VD_WIRE_DOMAIN_LIST_MAX) {
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "maximum %d out of range 0..%d", max,
                     VD_WIRE_DOMAIN_LIST_MAX);
        return false;
    }
    r->names.names_len = MIN((int)names->len, max);
    r->names.names_val = g_new0(vd_wire_nonnull_string, MAX(r->names.names_len, 1));
    for (unsigned i = 0; i < r->names.names_len; i++)
        r->names.names_val[i] = g_strdup(g_ptr_array_index(names, i));
    return true;
}
