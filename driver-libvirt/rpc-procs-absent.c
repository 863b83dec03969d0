/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Vireo does not offer (node devices, host interfaces, nwfilters, secrets): the
 * listing calls virt-manager and virt-install make at connect time answer "none", so the
 * tools show empty lists rather than treating the connection as broken. Every other call
 * on those objects stays libvirt's "not supported" (rpc-dispatch.c).
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-procs.h"

bool vd_rpc_node_num_of_devices(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)call, (void)args, (void)err;
    ((vd_wire_int_ret *)ret)->value = 0;
    return true;
}

bool vd_rpc_node_list_devices(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)call, (void)ret, (void)err;
    vd_wire_node_list_devices_args *a = args;
    if (a->maxnames >= 0)
        return true; /* no names */
    vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "maximum %d out of range", a->maxnames);
    return false;
}

bool vd_rpc_list_all_absent(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)call, (void)args, (void)err;
    ((vd_wire_list_all_empty_ret *)ret)->count = 0;
    return true;
}
