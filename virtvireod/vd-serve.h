/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtvireod's entry point, apart from the layers it composes: the daemon core (daemon/)
 * and libvirt's protocol in front of it (driver-libvirt/). The hypervisor backend is a
 * parameter so a test build can serve the same daemon over a stand-in.
 */
#ifndef VD_SERVE_H
#define VD_SERVE_H

#include "vd-config.h"
#include "vd-hv.h"

/* Makes the backend once the configuration is read (it names the device). */
typedef vd_hv *(*vd_hv_opener)(const vd_config *cfg);

/* Parses virtvireod's options, then serves until a signal or --timeout. Returns the exit
 * status: 0, 1 for a failure to start, 2 for bad options or configuration. */
int vd_serve(int argc, char **argv, vd_hv_opener open_hv);

#endif /* VD_SERVE_H */
