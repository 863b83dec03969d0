/* SPDX-License-Identifier: GPL-2.0-only */
/* Storage pool procedures: each decodes its shape, calls one storage driver function. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-convert-storage.h"
#include "rpc-procs.h"

#define D(call) ((call)->client->daemon)
#define POOL_ARG(args) g_autoptr(vd_pool_ref) pool = vd_rpc_pool_from_wire(&(args)->pool)

enum { LIST_INACTIVE = 1, LIST_ACTIVE = 2 }; /* VIR_CONNECT_LIST_STORAGE_POOLS_* */

static bool pool_reply(vd_pool_ref *ref, void *ret)
{
    if (!ref)
        return false;
    vd_rpc_pool_to_wire(ref, &((vd_wire_pool_ret *)ret)->pool);
    vd_pool_ref_free(ref);
    return true;
}

static bool int_reply(int value, void *ret)
{
    ((vd_wire_int_ret *)ret)->value = value;
    return value >= 0;
}

/* ---- lookups and lists ------------------------------------------------------------------- */

bool vd_rpc_pool_lookup_by_name(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return pool_reply(vd_pool_lookup_by_name(D(call), ((vd_wire_string_arg *)args)->value, err),
                      ret);
}

bool vd_rpc_pool_lookup_by_uuid(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_uuid_arg *a = args;
    return pool_reply(vd_pool_lookup_by_uuid(D(call), (const unsigned char *)a->uuid, err), ret);
}

bool vd_rpc_pool_lookup_by_volume(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    g_autoptr(vd_vol_ref) vol = vd_rpc_vol_from_wire(&((vd_wire_vol_arg *)args)->vol);
    return pool_reply(vd_pool_lookup_by_volume(D(call), vol, err), ret);
}

bool vd_rpc_pool_lookup_by_target_path(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return pool_reply(
        vd_pool_lookup_by_target_path(D(call), ((vd_wire_string_arg *)args)->value, err), ret);
}

bool vd_rpc_list_all_pools(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_list_all_args *a = args;
    vd_wire_list_all_pools_ret *r = ret;
    g_autoptr(GPtrArray) pools = vd_pool_list_all(D(call), a->flags, err);
    if (!pools)
        return false;
    r->count = pools->len;
    if (!a->need_results || !pools->len)
        return true;
    r->pools.pools_len = pools->len;
    r->pools.pools_val = g_new0(vd_wire_nonnull_pool, pools->len);
    for (unsigned i = 0; i < pools->len; i++)
        vd_rpc_pool_to_wire(g_ptr_array_index(pools, i), &r->pools.pools_val[i]);
    return true;
}

static GPtrArray *names_by_state(vd_rpc_call *call, unsigned flags, vd_error **err)
{
    g_autoptr(GPtrArray) pools = vd_pool_list_all(D(call), flags, err);
    if (!pools)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < pools->len; i++)
        g_ptr_array_add(names, g_strdup(((vd_pool_ref *)g_ptr_array_index(pools, i))->name));
    return names;
}

static bool count_by_state(vd_rpc_call *call, unsigned flags, void *ret, vd_error **err)
{
    g_autoptr(GPtrArray) names = names_by_state(call, flags, err);
    return names && int_reply(names->len, ret);
}

static bool list_by_state(vd_rpc_call *call, unsigned flags, void *args, void *ret, vd_error **err)
{
    g_autoptr(GPtrArray) names = names_by_state(call, flags, err);
    return names && vd_rpc_names_to_wire(names, ((vd_wire_int_arg *)args)->value, ret, err);
}

bool vd_rpc_num_of_pools(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)args;
    return count_by_state(call, LIST_ACTIVE, ret, err);
}

bool vd_rpc_num_of_defined_pools(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)args;
    return count_by_state(call, LIST_INACTIVE, ret, err);
}

bool vd_rpc_list_pools(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return list_by_state(call, LIST_ACTIVE, args, ret, err);
}

bool vd_rpc_list_defined_pools(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    return list_by_state(call, LIST_INACTIVE, args, ret, err);
}

/* ---- definitions and lifecycle -------------------------------------------------------------- */

bool vd_rpc_pool_define_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_xml_flags_arg *a = args;
    return pool_reply(vd_pool_define_xml(D(call), a->xml, a->flags, err), ret);
}

bool vd_rpc_pool_create_xml(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_xml_flags_arg *a = args;
    return pool_reply(vd_pool_create_xml(D(call), a->xml, a->flags, err), ret);
}

bool vd_rpc_pool_undefine(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    (void)ret;
    return vd_pool_undefine(D(call), pool, err);
}

bool vd_rpc_pool_destroy(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    (void)ret;
    return vd_pool_destroy(D(call), pool, err);
}

/* CREATE, BUILD, DELETE, REFRESH: a pool and flags, nothing back. */
#define POOL_FLAGS_HANDLER(proc, fn)                                                               \
    bool vd_rpc_pool_##proc(vd_rpc_call *call, void *args, void *ret, vd_error **err)              \
    {                                                                                              \
        vd_wire_pool_flags_arg *a = args;                                                          \
        POOL_ARG(a);                                                                               \
        (void)ret;                                                                                 \
        return fn(D(call), pool, a->flags, err);                                                   \
    }

POOL_FLAGS_HANDLER(create, vd_pool_create)
POOL_FLAGS_HANDLER(build, vd_pool_build)
POOL_FLAGS_HANDLER(delete, vd_pool_delete)
POOL_FLAGS_HANDLER(refresh, vd_pool_refresh)

/* ---- state and configuration ------------------------------------------------------------- */

bool vd_rpc_pool_get_info(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    vd_wire_pool_get_info_ret *r = ret;
    vd_pool_info info;
    if (!vd_pool_get_info(D(call), pool, &info, err))
        return false;
    r->state = info.state;
    r->capacity = info.capacity;
    r->allocation = info.allocation;
    r->available = info.available;
    return true;
}

bool vd_rpc_pool_get_xml_desc(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_pool_flags_arg *a = args;
    POOL_ARG(a);
    char *xml = vd_pool_get_xml_desc(D(call), pool, a->flags, err);
    ((vd_wire_string_ret *)ret)->value = xml;
    return xml != NULL;
}

bool vd_rpc_pool_get_autostart(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    bool on;
    return vd_pool_get_autostart(D(call), pool, &on, err) && int_reply(on, ret);
}

bool vd_rpc_pool_set_autostart(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_pool_int_arg *a = args;
    POOL_ARG(a);
    (void)ret;
    return vd_pool_set_autostart(D(call), pool, a->value != 0, err);
}

bool vd_rpc_pool_is_active(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    return int_reply(vd_pool_is_active(D(call), pool, err), ret);
}

bool vd_rpc_pool_is_persistent(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    POOL_ARG((vd_wire_pool_arg *)args);
    return int_reply(vd_pool_is_persistent(D(call), pool, err), ret);
}
