/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by the daemon core's files: the domain table and its lock, lookups,
 * state changes and event emission. Only the daemon core's own files include this.
 */
#ifndef VD_DAEMON_PRIVATE_H
#define VD_DAEMON_PRIVATE_H

#include "vd-daemon.h"
#include "vd-error.h"
#include "vd-store.h"

typedef struct vd_domain {
    vd_domain_def *def;  /* persistent configuration; NULL for a transient domain */
    vd_domain_def *live; /* the configuration it runs with; NULL when shut off */
    int id;              /* hv domain id, -1 when shut off */
    int state, reason;   /* libvirt state and reason */
    bool autostart;
    vd_console *console; /* the open console session, if any */
} vd_domain;

struct vd_daemon {
    const vd_config *cfg;
    vd_hv *hv;
    GMutex lock;           /* guards everything below */
    GPtrArray *domains;    /* vd_domain* */
    GHashTable *listeners; /* id -> listener */
    unsigned next_listener_id;
    GHashTable *pending; /* pending_event* -> idle source id, not yet delivered */
    unsigned clients;
    gint64 last_activity; /* monotonic µs of the last driver call */
};

/* Each driver entry point starts with this: takes the lock and notes activity. */
void vd_daemon_lock(vd_daemon *d);
void vd_daemon_unlock(vd_daemon *d);

/* Lookups, lock held. Missing domains fail with VIR_ERR_NO_DOMAIN in libvirt's words. */
vd_domain *vd_find_by_name(vd_daemon *d, const char *name);
vd_domain *vd_find_by_uuid(vd_daemon *d, const unsigned char uuid[16]);
vd_domain *vd_resolve(vd_daemon *d, const vd_domain_ref *ref, vd_error **err);
vd_domain *vd_resolve_active(vd_daemon *d, const vd_domain_ref *ref, vd_error **err);
/* A domain with a persistent definition; `what` completes "cannot <what> transient domain". */
vd_domain *vd_resolve_persistent(vd_daemon *d, const vd_domain_ref *ref, const char *what,
                                 vd_error **err);

const char *vd_domain_name(const vd_domain *dom);
const unsigned char *vd_domain_uuid(const vd_domain *dom);
/* The configuration a call means: live when running (and `live` is wanted), else the
 * persistent one. */
vd_domain_def *vd_domain_current_def(vd_domain *dom);
vd_domain_ref *vd_domain_make_ref(const vd_domain *dom);
void vd_domain_remove(vd_daemon *d, vd_domain *dom);
vd_domain *vd_daemon_add_domain_locked(vd_daemon *d); /* a new, shut off entry */

/* Queues a lifecycle event; listeners run later in the default main context. */
void vd_emit(vd_daemon *d, const vd_domain *dom, int event, int detail);

/* Lifecycle, lock held (vd-domain-lifecycle.c). */
/* The definition a domain runs with: config with memory rounded up to hv's granule. */
vd_domain_def *vd_domain_live_def(const vd_domain_def *config);
bool vd_domain_start_locked(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, bool paused,
                            vd_error **err);
void vd_domain_stopped_locked(vd_daemon *d, vd_domain *dom, int reason, int detail);
void vd_daemon_refresh_locked(vd_daemon *d);

/* Ends the domain's console session, if any (vd-console.c). With notify the client
 * gets end-of-stream later in the main context. */
void vd_console_end_locked(vd_domain *dom, bool notify);

/* Resolves libvirt's AFFECT_CURRENT/LIVE/CONFIG against the domain's state. */
bool vd_affect(vd_domain *dom, unsigned flags, bool *live, bool *config, vd_error **err);

/* Changes one definition; `live` says it is the running one and hv must follow first. */
typedef bool (*vd_def_change_fn)(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                                 const void *arg, vd_error **err);

/* The frame every setter shares: resolve AFFECT_* flags, change the live definition
 * (through hv) and/or a copy of the persistent one, then store what changed. Takes the
 * lock (vd-domain-resources.c). */
bool vd_domain_apply_change(vd_daemon *d, const vd_domain_ref *ref, unsigned flags,
                            vd_def_change_fn change, const void *arg, vd_error **err);

/* Name and uuid must both match one existing domain (returned in *existing) or both be
 * new: libvirt's rule, with its messages. */
bool vd_check_unique_locked(vd_daemon *d, const vd_domain_def *def, vd_domain **existing,
                            vd_error **err);

/* The emulator check every definition passes. */
bool vd_check_emulator(vd_daemon *d, const vd_domain_def *def, vd_error **err);

/* libvirt's virCheckFlags wording. */
#define VD_CHECK_FLAGS(flags, allowed, err, ret)                                                   \
    do {                                                                                           \
        if ((flags) & ~(unsigned)(allowed)) {                                                      \
            vd_fail((err), VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,                                   \
                    "unsupported flags (0x%x) in function %s", (flags) & ~(unsigned)(allowed),     \
                    G_STRFUNC);                                                                    \
            return ret;                                                                            \
        }                                                                                          \
    } while (0)

#endif /* VD_DAEMON_PRIVATE_H */
