/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What Vireo does not offer (node devices, host interfaces, nwfilters, secrets): the
 * listing calls virt-manager and virt-install make at connect time answer "none", so the
 * tools show empty lists rather than treating the connection as broken. Node device
 * event registrations are taken (virt-manager makes one) and never fire: there are no
 * devices to come or go. Every other call on those objects stays libvirt's "not
 * supported" (rpc-dispatch.c).
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-events.h"
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

bool vd_rpc_node_device_event_register(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_node_device_event_register_args *a = args;
    vd_rpc_event_reg reg = {.kind = VD_RPC_EVENTS_NODE_DEVICE, .event_id = a->event_id};

    if (a->event_id < 0 || a->event_id >= VIR_NODE_DEVICE_EVENT_ID_LAST) {
        vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_RPC,
                     "invalid argument: unsupported node device event ID %d", a->event_id);
        return false;
    }
    ((vd_wire_int_ret *)ret)->value = vd_rpc_event_add(call->client, reg, NULL);
    return true;
}

bool vd_rpc_node_device_event_deregister(vd_rpc_call *call, void *args, void *ret,
                                         vd_error **err)
{
    (void)ret;
    return vd_rpc_event_remove(call->client, VD_RPC_EVENTS_NODE_DEVICE,
                               ((vd_wire_int_arg *)args)->value, err);
}
