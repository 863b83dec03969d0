/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dm's control socket, runtime_dir/control (docs/device-model.md, "Control"): the
 * daemon's requests to the running device model. A unix SOCK_SEQPACKET socket, mode 0600;
 * one request per connection, one message each way:
 *   request  "<group> <verb> [<arg>]"   e.g. "device.5 stats-period 2"
 *   answer   "ok" [" " text]  or  "error: <message>"
 * <group> is the device's configuration group; the device's own control op
 * (vdm_device_ops.control) serves it. A disk takes its mirror's verbs (vdm_blk_mirror.h):
 *   mirror-start HOST PORT EXPORT  "ok"
 *   mirror-status                  "ok copying DONE TOTAL", "ok ready DONE TOTAL", "ok done"
 *   mirror-complete                "ok" (ready only; mirror-status then says "done")
 *   mirror-cancel                  "ok", also without a mirror
 */
#ifndef VDM_CONTROL_H
#define VDM_CONTROL_H

#include <glib.h>

#include "vdm_bus.h"

#define VDM_CONTROL_SOCKET "control"
#define VDM_CONTROL_MESSAGE_MAX 1024

struct vdm_control;

/* Listens on runtime_dir/control and serves requests from `ctx`. NULL with *error. */
struct vdm_control *vdm_control_open(const char *runtime_dir, struct vdm_bus *bus,
                                     GMainContext *ctx, GError **error);
/* Stops listening, drops open connections and removes the socket. NULL is fine. */
void vdm_control_close(struct vdm_control *c);

/* The answer to one request (a string to g_free), as the socket sends it. Group "dm"
 * is the device model itself (vdm_state.h), whose quiesce turns the loop of ctx. */
char *vdm_control_answer(struct vdm_bus *bus, GMainContext *ctx, const char *request);

#endif /* VDM_CONTROL_H */
