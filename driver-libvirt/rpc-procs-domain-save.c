/* SPDX-License-Identifier: GPL-2.0-only */
/* Save-image procedures: save, restore, managed save and the image's XML. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

#include "rpc-convert.h"

#define D(call) ((call)->client->daemon)

bool vd_rpc_domain_save(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_save_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_save(D(call), dom, a->to, NULL, 0, err);
}

bool vd_rpc_domain_save_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_save_flags_args *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_save(D(call), dom, a->to, a->dxml ? *a->dxml : NULL, a->flags, err);
}

bool vd_rpc_domain_restore(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return vd_domain_restore(D(call), ((vd_wire_string_arg *)args)->value, NULL, 0, err);
}

bool vd_rpc_domain_restore_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_restore_flags_args *a = args;

    (void)ret;
    return vd_domain_restore(D(call), a->from, a->dxml ? *a->dxml : NULL, a->flags, err);
}

bool vd_rpc_domain_save_image_get_xml_desc(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_file_flags_arg *a = args;
    vd_wire_string_ret *r = ret;

    r->value = vd_save_image_get_xml(D(call), a->file, a->flags, err);
    return r->value != NULL;
}

bool vd_rpc_domain_save_image_define_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_save_image_define_xml_args *a = args;

    (void)ret;
    return vd_save_image_define_xml(D(call), a->file, a->dxml, a->flags, err);
}

bool vd_rpc_domain_managed_save(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_managed_save(D(call), dom, a->flags, err);
}

bool vd_rpc_domain_has_managed_save_image(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    int n = vd_domain_has_managed_save(D(call), dom, a->flags, err);

    ((vd_wire_int_ret *)ret)->value = n;
    return n >= 0;
}

bool vd_rpc_domain_managed_save_remove(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_dom_flags_arg *a = args;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);

    (void)ret;
    return vd_domain_managed_save_remove(D(call), dom, a->flags, err);
}
