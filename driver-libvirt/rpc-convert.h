/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between wire types (rpcgen structs) and the driver API's GLib types. Wire memory built
 * here is released with xdr_free(), which calls free(): GLib allocates with malloc.
 */
#ifndef VD_RPC_CONVERT_H
#define VD_RPC_CONVERT_H

#include "rpc-internal.h"

vd_domain_ref *vd_rpc_dom_from_wire(const vd_wire_nonnull_domain *w);
void vd_rpc_dom_to_wire(const vd_domain_ref *ref, vd_wire_nonnull_domain *w);

/* A C array of driver params from the wire; free with vd_rpc_params_free. */
vd_typed_param *vd_rpc_params_from_wire(const vd_wire_typed_param *w, unsigned n,
                                        vd_error **err);
void vd_rpc_params_free(vd_typed_param *p, unsigned n);
/* Fills a wire array from a GPtrArray of vd_typed_param*, at most max entries. */
void vd_rpc_params_to_wire(const GPtrArray *params, unsigned max, vd_wire_typed_param **val,
                           u_int *len);

/* Flags outside known refused as libvirtd refuses them, naming the call's API. */
bool vd_rpc_check_flags(const vd_rpc_call *call, unsigned flags, unsigned known, int from,
                        vd_error **err);

/* A nullable wire string as a C string (NULL when absent). */
static inline const char *vd_rpc_opt_string(vd_wire_string s)
{
    return s ? *s : NULL;
}

#endif /* VD_RPC_CONVERT_H */
