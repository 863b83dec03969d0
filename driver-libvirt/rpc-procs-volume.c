/* SPDX-License-Identifier: GPL-2.0-only */
/* Storage volume procedures (streams are rpc-stream-volume.c's), one driver call each. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-convert-storage.h"
#include "rpc-convert.h"
#include "rpc-procs.h"

#define D(call) ((call)->client->daemon)
#define VOL_ARG(args) g_autoptr(vd_vol_ref) vol = vd_rpc_vol_from_wire(&(args)->vol)
#define POOL_ARG(args) g_autoptr(vd_pool_ref) pool = vd_rpc_pool_from_wire(&(args)->pool)

static bool vol_reply(vd_vol_ref *ref, void *ret)
{
    if (!ref)
        return false;
    vd_rpc_vol_to_wire(ref, &((vd_wire_vol_ret *)ret)->vol);
    vd_vol_ref_free(ref);
    return true;
}

static bool string_reply(char *s, void *ret)
{
    ((vd_wire_string_ret *)ret)->value = s;
    return s != NULL;
}

/* ---- a pool's volumes ------------------------------------------------------------------- */

bool vd_rpc_pool_list_all_volumes(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_list_all_volumes_args *a = args;
    vd_wire_list_all_volumes_ret *r = ret;
    POOL_ARG(a);
    if (!vd_rpc_check_flags(call, a->flags, 0, VIR_FROM_STORAGE, err))
        return false;
    g_autoptr(GPtrArray) vols = vd_pool_list_volumes(D(call), pool, err);
    if (!vols)
        return false;
    r->count = vols->len;
    if (!a->need_results || !vols->len)
        return true;
    r->vols.vols_len = vols->len;
    r->vols.vols_val = g_new0(vd_wire_nonnull_vol, vols->len);
    for (unsigned i = 0; i < vols->len; i++)
        vd_rpc_vol_to_wire(g_ptr_array_index(vols, i), &r->vols.vols_val[i]);
    return true;
}

static GPtrArray *volume_names(vd_rpc_call *call, const vd_pool_ref *pool, vd_error **err)
{
    g_autoptr(GPtrArray) vols = vd_pool_list_volumes(D(call), pool, err);
    if (!vols)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < vols->len; i++)
        g_ptr_array_add(names, g_strdup(((vd_vol_ref *)g_ptr_array_index(vols, i))->name));
    return names;
}

bool vd_rpc_pool_num_of_volumes(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    g_autoptr(GPtrArray) names = volume_names(call, pool, err);
    if (names)
        ((vd_wire_int_ret *)ret)->value = names->len;
    return names != NULL;
}

bool vd_rpc_pool_list_volumes(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_pool_list_volumes_args *a = args;
    POOL_ARG(a);
    g_autoptr(GPtrArray) names = volume_names(call, pool, err);
    return names && vd_rpc_names_to_wire(names, a->maxnames, ret, err);
}

/* ---- lookups -------------------------------------------------------------------------------- */

bool vd_rpc_vol_lookup_by_name(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_pool_string_arg *a = args;
    POOL_ARG(a);
    return vol_reply(vd_vol_lookup_by_name(D(call), pool, a->value, err), ret);
}

bool vd_rpc_vol_lookup_by_key(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return vol_reply(vd_vol_lookup_by_key(D(call), ((vd_wire_string_arg *)args)->value, err), ret);
}

bool vd_rpc_vol_lookup_by_path(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return vol_reply(vd_vol_lookup_by_path(D(call), ((vd_wire_string_arg *)args)->value, err), ret);
}

/* ---- creation and changes ------------------------------------------------------------------ */

bool vd_rpc_vol_create_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_create_xml_args *a = args;
    POOL_ARG(a);
    return vol_reply(vd_vol_create_xml(D(call), pool, a->xml, a->flags, err), ret);
}

bool vd_rpc_vol_create_xml_from(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_create_xml_from_args *a = args;
    POOL_ARG(a);
    g_autoptr(vd_vol_ref) from = vd_rpc_vol_from_wire(&a->clonevol);
    return vol_reply(vd_vol_create_xml_from(D(call), pool, a->xml, from, a->flags, err), ret);
}

bool vd_rpc_vol_delete(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_flags_arg *a = args;
    VOL_ARG(a);
    (void)ret;
    return vd_vol_delete(D(call), vol, a->flags, err);
}

bool vd_rpc_vol_wipe(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_flags_arg *a = args;
    VOL_ARG(a);
    (void)ret;
    return vd_vol_wipe(D(call), vol, 0, a->flags, err);
}

bool vd_rpc_vol_wipe_pattern(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_wipe_pattern_args *a = args;
    VOL_ARG(a);
    (void)ret;
    return vd_vol_wipe(D(call), vol, a->algorithm, a->flags, err);
}

bool vd_rpc_vol_resize(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_resize_args *a = args;
    VOL_ARG(a);
    (void)ret;
    return vd_vol_resize(D(call), vol, a->capacity, a->flags, err);
}

/* ---- description ------------------------------------------------------------------------ */

static bool info_reply(vd_rpc_call *call, const vd_wire_nonnull_vol *w, unsigned flags, void *ret,
                       vd_error **err)
{
    g_autoptr(vd_vol_ref) vol = vd_rpc_vol_from_wire(w);
    vd_wire_vol_get_info_ret *r = ret;
    vd_vol_info info;
    if (!vd_vol_get_info(D(call), vol, flags, &info, err))
        return false;
    r->type = info.type;
    r->capacity = info.capacity;
    r->allocation = info.allocation;
    return true;
}

bool vd_rpc_vol_get_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return info_reply(call, &((vd_wire_vol_arg *)args)->vol, 0, ret, err);
}

bool vd_rpc_vol_get_info_flags(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_flags_arg *a = args;
    return info_reply(call, &a->vol, a->flags, ret, err);
}

bool vd_rpc_vol_get_xml_desc(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_vol_flags_arg *a = args;
    VOL_ARG(a);
    return string_reply(vd_vol_get_xml_desc(D(call), vol, a->flags, err), ret);
}

bool vd_rpc_vol_get_path(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    VOL_ARG((vd_wire_vol_arg *)args);
    return string_reply(vd_vol_get_path(D(call), vol, err), ret);
}
