/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon object behind vd-driver.h: creation from a configuration and a hypervisor
 * backend, and what main() needs besides the driver API.
 */
#ifndef VD_DAEMON_H
#define VD_DAEMON_H

#include "vd-config.h"
#include "vd-driver.h"
#include "vd-hv.h"

/* Loads the stored definitions, finds domains still running in hv (status files) and
 * starts autostart domains once per boot. Takes ownership of hv; cfg must outlive d. */
vd_daemon *vd_daemon_new(const vd_config *cfg, vd_hv *hv, vd_error **err);
void vd_daemon_free(vd_daemon *d);

/* Waits until hv's state changes reported so far are acted on and their events delivered
 * in the calling thread's default main context (tests). */
void vd_daemon_settle(vd_daemon *d);

/* True when no client is connected, no domain runs, and no call came for `secs`. */
bool vd_daemon_idle_for(vd_daemon *d, unsigned secs);

#endif /* VD_DAEMON_H */
