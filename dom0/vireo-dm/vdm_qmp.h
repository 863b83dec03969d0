/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small synchronous client of QEMU's QMP monitor on a unix socket: one command at a
 * time, its reply awaited for a bounded time, events skipped. vireo-dm drives a disk's
 * qemu-storage-daemon with it (vdm_blk_mirror.c).
 */
#ifndef VDM_QMP_H
#define VDM_QMP_H

#include <stdbool.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/* How long a reply may take: under virtvireod's 10 s wait for a control answer, so an
 * error, not the daemon's timeout, tells it what went wrong. */
#define VDM_QMP_TIMEOUT_MS 8000

struct vdm_qmp;

/* Connects, reads the greeting and leaves capabilities negotiation. NULL with *error. */
struct vdm_qmp *vdm_qmp_connect(const char *path, GError **error);
/*
 * Runs `command` with `arguments` (an object node, taken; NULL: none) and returns its
 * "return" value (json_node_unref it), or NULL with *error: QEMU's own "desc" when it
 * answered an error, else why the connection broke (EOF, timeout, garbage).
 */
JsonNode *vdm_qmp_execute(struct vdm_qmp *q, const char *command, JsonNode *arguments,
                          GError **error);
/* The connection broke: every later command fails at once. */
bool vdm_qmp_broken(const struct vdm_qmp *q);
/* NULL is fine. */
void vdm_qmp_close(struct vdm_qmp *q);

#endif /* VDM_QMP_H */
