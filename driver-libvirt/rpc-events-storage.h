/* SPDX-License-Identifier: GPL-2.0-only */
/* Storage pool event registrations (368/369) and delivery (370, 373). */
#ifndef VD_RPC_EVENTS_STORAGE_H
#define VD_RPC_EVENTS_STORAGE_H

#include "rpc-internal.h"
#include "vd-storage.h"

bool vd_rpc_pool_event_register(vd_rpc_call *call, void *args, void *ret, vd_error **err);
bool vd_rpc_pool_event_deregister(vd_rpc_call *call, void *args, void *ret, vd_error **err);

/* The storage driver's listener (vd_pool_event_fn); user is the server. */
void vd_rpc_events_on_pool(const vd_pool_ref *pool, int event_id, int event, int detail,
                           void *user);

#endif /* VD_RPC_EVENTS_STORAGE_H */
