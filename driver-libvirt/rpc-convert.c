/* SPDX-License-Identifier: GPL-2.0-only */
/* Conversions between rpcgen structs and vd-driver.h types. */
#include "rpc-convert.h"

#include <string.h>

vd_domain_ref *vd_rpc_dom_from_wire(const vd_wire_nonnull_domain *w)
{
    return vd_domain_ref_new(w->name, (const unsigned char *)w->uuid, w->id);
}

void vd_rpc_dom_to_wire(const vd_domain_ref *ref, vd_wire_nonnull_domain *w)
{
    w->name = g_strdup(ref->name);
    memcpy(w->uuid, ref->uuid, sizeof(w->uuid));
    w->id = ref->id;
}

void vd_rpc_params_free(vd_typed_param *p, unsigned n)
{
    for (unsigned i = 0; p && i < n; i++) {
        g_free(p[i].field);
        if (p[i].type == VIR_TYPED_PARAM_STRING)
            g_free(p[i].value.s);
    }
    g_free(p);
}

vd_typed_param *vd_rpc_params_from_wire(const vd_wire_typed_param *w, unsigned n,
                                        vd_error **err)
{
    vd_typed_param *p = g_new0(vd_typed_param, MAX(n, 1));

    for (unsigned i = 0; i < n; i++) {
        const vd_wire_param_value *v = &w[i].value;

        p[i].field = g_strdup(w[i].field);
        p[i].type = v->type;
        switch (v->type) {
        case VIR_TYPED_PARAM_INT:
            p[i].value.i = v->vd_wire_param_value_u.i;
            break;
        case VIR_TYPED_PARAM_UINT:
            p[i].value.ui = v->vd_wire_param_value_u.ui;
            break;
        case VIR_TYPED_PARAM_LLONG:
            p[i].value.l = v->vd_wire_param_value_u.l;
            break;
        case VIR_TYPED_PARAM_ULLONG:
            p[i].value.ul = v->vd_wire_param_value_u.ul;
            break;
        case VIR_TYPED_PARAM_DOUBLE:
            p[i].value.d = v->vd_wire_param_value_u.d;
            break;
        case VIR_TYPED_PARAM_BOOLEAN:
            p[i].value.b = v->vd_wire_param_value_u.b != 0;
            break;
        case VIR_TYPED_PARAM_STRING:
            p[i].value.s = g_strdup(v->vd_wire_param_value_u.s);
            break;
        default:
            /* The XDR union has no default arm, so decoding already refused this. */
            vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                         "invalid argument: parameter '%s' has unknown type %d", w[i].field,
                         v->type);
            vd_rpc_params_free(p, i + 1);
            return NULL;
        }
    }
    return p;
}

static void param_to_wire(const vd_typed_param *p, vd_wire_typed_param *w)
{
    vd_wire_param_value *v = &w->value;

    w->field = g_strdup(p->field);
    v->type = p->type;
    switch (p->type) {
    case VIR_TYPED_PARAM_INT:
        v->vd_wire_param_value_u.i = p->value.i;
        break;
    case VIR_TYPED_PARAM_UINT:
        v->vd_wire_param_value_u.ui = p->value.ui;
        break;
    case VIR_TYPED_PARAM_LLONG:
        v->vd_wire_param_value_u.l = p->value.l;
        break;
    case VIR_TYPED_PARAM_ULLONG:
        v->vd_wire_param_value_u.ul = p->value.ul;
        break;
    case VIR_TYPED_PARAM_DOUBLE:
        v->vd_wire_param_value_u.d = p->value.d;
        break;
    case VIR_TYPED_PARAM_BOOLEAN:
        v->vd_wire_param_value_u.b = p->value.b;
        break;
    default:
        v->type = VIR_TYPED_PARAM_STRING;
        v->vd_wire_param_value_u.s = g_strdup(p->value.s ? p->value.s : "");
        break;
    }
}

void vd_rpc_params_to_wire(const GPtrArray *params, unsigned max, vd_wire_typed_param **val,
                           u_int *len)
{
    unsigned n = params ? MIN(params->len, max) : 0;

    *val = n ? g_new0(vd_wire_typed_param, n) : NULL;
    *len = n;
    for (unsigned i = 0; i < n; i++)
        param_to_wire(g_ptr_array_index(params, i), &(*val)[i]);
}

bool vd_rpc_check_flags(const vd_rpc_call *call, unsigned flags, unsigned known, int from,
                        vd_error **err)
{
    if (!(flags & ~known))
        return true;
    vd_error_set(err, VIR_ERR_INVALID_ARG, from,
                 "invalid argument: unsupported flags (0x%x) in function %s", flags & ~known,
                 call->proc->api);
    return false;
}
