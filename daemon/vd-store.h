/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the daemon keeps on disk: persistent definitions (ROOT/etc/vireo/domains/NAME.xml,
 * replaced atomically), autostart links (ROOT/etc/vireo/autostart/NAME.xml ->
 * ../domains/NAME.xml) and one status file per running domain (ROOT/run/vireo/NAME.xml:
 * the live definition with <domain id='hv domid'>) so a restarted daemon finds it again.
 */
#ifndef VD_STORE_H
#define VD_STORE_H

#include "vd-config.h"
#include "vd-domain-def.h"

/* write + fsync + rename over `path` (+ fsync of the directory when `durable`). A crash
 * at any point leaves either the old or the new file; the temporary ".NAME.XXXXXX"
 * beside it is removed by the next load. */
bool vd_file_write_atomic(const char *path, const char *data, bool durable, vd_error **err);
/* Tests only: called between the temporary file's fsync and the rename. */
extern void (*vd_store_before_rename_hook)(const char *tmp_path);

bool vd_store_save_def(const vd_config *cfg, const vd_domain_def *def, vd_error **err);
bool vd_store_delete_def(const vd_config *cfg, const char *name, vd_error **err);
/* Every readable definition, of vd_domain_def*. Unreadable ones are logged and skipped. */
GPtrArray *vd_store_load_defs(const vd_config *cfg);

bool vd_store_get_autostart(const vd_config *cfg, const char *name);
bool vd_store_set_autostart(const vd_config *cfg, const char *name, bool on, vd_error **err);

typedef struct vd_store_status {
    vd_domain_def *live;
    int domid;
} vd_store_status;
void vd_store_status_free(vd_store_status *st);

bool vd_store_save_status(const vd_config *cfg, const vd_domain_def *live, int domid,
                          vd_error **err);
void vd_store_delete_status(const vd_config *cfg, const char *name);

/* An outgoing migration's phase, kept beside the domain's status file so that a daemon
 * killed mid-migration learns on restart what its guest waits for (vd-recovery.c). */
typedef enum {
    VD_MIGRATING_NONE,
    VD_MIGRATING_COPYING,     /* pre-copy: the guest runs, hv logs its dirty pages */
    VD_MIGRATING_STOPPED,     /* the stop-and-copy paused the guest */
    VD_MIGRATING_HANDED_OVER, /* the destination holds a complete copy */
} vd_migrating_phase;
bool vd_store_set_migrating(const vd_config *cfg, const char *name, vd_migrating_phase phase,
                            vd_error **err);
vd_migrating_phase vd_store_get_migrating(const vd_config *cfg, const char *name);
/* A running domain's migration limits (migrate-setmaxdowntime, migrate-setspeed; 0: the
 * default), kept beside its status file: they belong to the run, as QEMU's own do, and
 * so outlive a daemon restart but not the domain's end. */
bool vd_store_set_limits(const vd_config *cfg, const char *name, uint64_t downtime_ms,
                         uint64_t speed_mib, vd_error **err);
void vd_store_get_limits(const vd_config *cfg, const char *name, uint64_t *downtime_ms,
                         uint64_t *speed_mib);
/* Of vd_store_status*. */
GPtrArray *vd_store_load_status(const vd_config *cfg);

#endif /* VD_STORE_H */
