/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dirty log's control requests (docs/device-model.md, "Dirty log"): the daemon turns
 * logging on and off and fetches the frames vireo-dm wrote, as a bitmap file, between the
 * passes of a live migration.
 */
#ifndef VDM_DIRTY_CONTROL_H
#define VDM_DIRTY_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vdm_guest_mem.h"

/*
 * Writes the frames logged since the start or the last fetch to path (mode 0600, replaced
 * atomically) and clears them; *dirty is their count. The file: little-endian uint64 words,
 * bit i of word w is gfn 64 * w + i, from gfn 0 to the highest RAM frame. On failure the
 * frames stay logged for the next fetch. Works after a stop too: what was logged before it.
 */
bool vdm_dirty_log_fetch(struct vdm_guest_mem *mem, const char *path, uint64_t *dirty,
                         GError **error);

/* The answer (to g_free) to "dm dirty-log <arg>": "start", "fetch PATH" or "stop". */
char *vdm_dirty_control(struct vdm_guest_mem *mem, const char *arg);

#endif /* VDM_DIRTY_CONTROL_H */
