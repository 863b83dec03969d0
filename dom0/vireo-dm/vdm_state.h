/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's part of a save (docs/device-model.md, "Save and restore"): quiescing
 * every device while the guest is paused, writing their states to a file the daemon puts
 * into the save image, and loading such a file into the devices of a new vireo-dm
 * (--state FILE) before the restored guest runs. The control socket's "dm" requests.
 */
#ifndef VDM_STATE_H
#define VDM_STATE_H

#include <stdbool.h>

#include <glib.h>

#include "vdm_bus.h"

/* Every device stops taking work and finishes what is in flight, the main loop turning
 * meanwhile; false with *error after timeout_ms (the devices stay quiesced). */
bool vdm_state_quiesce(struct vdm_bus *bus, GMainContext *ctx, unsigned timeout_ms, GError **error);
/* Work goes on: notifications that came meanwhile are served. */
void vdm_state_resume(struct vdm_bus *bus);
/* The devices' states into path (written whole, then renamed into place). */
bool vdm_state_save(struct vdm_bus *bus, const char *path, GError **error);
/* Loads path into the bus's devices, made from the same configuration; the queues'
 * waiting buffers are taken once the main loop runs (vdm_state_resume). */
bool vdm_state_load(struct vdm_bus *bus, const char *path, GError **error);
/* A control request to group "dm": quiesce, save-state PATH, resume, and
 * dirty-log start|fetch PATH|stop (vdm_dirty_control.h). */
char *vdm_state_control(struct vdm_bus *bus, GMainContext *ctx, const char *verb, const char *arg);

#endif /* VDM_STATE_H */
