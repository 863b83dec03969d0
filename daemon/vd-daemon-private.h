/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals shared by the daemon core's files: the domain table and its lock, per-domain
 * jobs, event emission, and the lifecycle steps recovery and the driver calls share. Only
 * the daemon core's own files include this.
 *
 * Concurrency, as libvirt's drivers do it: the table lock (a reader/writer lock) is held
 * only for short bookkeeping, never across hv calls or disk writes. A call that changes a
 * domain first takes that domain's job; while it holds it nobody else changes the domain,
 * so it may run hv calls and write files with no lock held, then take the write lock to
 * publish what changed. Calls that only read take the read lock and never wait for a job.
 */
#ifndef VD_DAEMON_PRIVATE_H
#define VD_DAEMON_PRIVATE_H

#include "vd-daemon.h"
#include "vd-error.h"
#include "vd-store.h"

/* What a domain's job is doing; domjobinfo reports it. */
typedef enum vd_job_kind {
    VD_JOB_NONE,
    VD_JOB_START,       /* build and run (start, create, reset, restart on reboot) */
    VD_JOB_DESTROY,     /* stop it in hv */
    VD_JOB_SHUTDOWN,    /* ask the guest to power off or reboot */
    VD_JOB_SUSPEND,     /* pause or unpause */
    VD_JOB_MODIFY,      /* change the definition or the live settings */
    VD_JOB_REFRESH,     /* act on what hv reported (the guest powered off, crashed) */
    VD_JOB_SAVE,        /* write a save image and stop it */
    VD_JOB_MIGRATE_OUT, /* send it to another node (vd-domain-migrate.c) */
    VD_JOB_MIGRATE_IN,  /* take it from another node */
} vd_job_kind;

typedef struct vd_job {
    vd_job_kind kind;
    const char *api; /* the call holding it, for the timeout message: "virDomainCreate" */
    gint64 start_us; /* monotonic */
    /* An outgoing migration's progress (domjobinfo), its data connection (domjobabort
     * shuts it) and whether a client aborted it. */
    vd_job_progress progress;
    int migration_fd;
    bool has_migration_fd, aborted;
    /* The guest stopped during an outgoing migration, by its stop-and-copy or by a
     * client's suspend (virsh migrate --timeout): pre-copy ends, nothing pauses twice. */
    bool guest_paused;
} vd_job;

typedef struct vd_domain {
    gint refs;                     /* the table's, plus one per caller working on it unlocked */
    bool removed;                  /* no longer in the table: holders must treat it as gone */
    vd_domain_def *def;            /* persistent configuration; NULL for a transient domain */
    vd_domain_def *live;           /* the configuration it runs with; NULL when shut off */
    const vd_domain_def *starting; /* a start in progress: the configuration it builds
                                    * (owned by the start job); its disks are in use */
    int id;                        /* hv domain id, -1 when shut off */
    int state, reason;             /* libvirt state and reason */
    bool autostart;
    vd_console *console; /* the open console session, if any; table lock */
    vd_job job;          /* guarded by vd_daemon.job_lock */
    /* The last save or outgoing or incoming migration to end, for domjobinfo --completed
     * (type VIR_DOMAIN_JOB_NONE when none is kept); job_lock. */
    vd_job_info completed_job;
    char *key_name;      /* what the table indexes it by: name and uuid */
    unsigned char key_uuid[16];
    /* Migration (vd-domain-migrate.c), table lock: a guest handed over to another node
     * and paused until the client confirms (and whether it ran before), and an incoming
     * one between Prepare and Finish. */
    bool migrated_out, migrated_out_was_running;
    /* Table lock: the connection whose closing destroys this run (started with
     * VIR_DOMAIN_START_AUTODESTROY), 0 for none; cleared when it stops. */
    uint64_t autodestroy;
    struct vd_incoming *incoming;
    /* Its migrations' limits (migrate-setmaxdowntime, migrate-setspeed), which a running
     * one reads each round; atomic. 0: the default downtime, no speed limit. */
    uint64_t migrate_downtime_ms, migrate_speed_mib;
} vd_domain;

struct vd_daemon {
    const vd_config *cfg;
    vd_hv *hv;
    unsigned char host_uuid[16]; /* capabilities and sysinfo (vd-host.c) */
    GRWLock lock;                /* the table: `domains` and every domain's fields but `job` */
    GPtrArray *domains;          /* vd_domain*, in the order they came */
    GHashTable *by_name;         /* key_name -> vd_domain* */
    GHashTable *by_uuid;         /* key_uuid -> vd_domain* */
    GMutex job_lock;             /* every domain's `job` */
    GCond job_done;              /* broadcast whenever a job ends */

    GMutex events_lock;    /* guards the three below */
    GHashTable *listeners; /* id -> listener */
    unsigned next_listener_id;
    GHashTable *pending; /* pending_event* -> idle source id, not yet delivered */

    struct vd_storage *storage; /* pools and volumes (daemon/storage/) */

    GThreadPool *refresher;       /* acts on hv's state changes off the main loop */
    gint refreshes_queued;        /* atomic: pushed and not finished */
    GMutex clients_lock;          /* guards open_clients */
    GHashTable *open_clients;     /* ids of the connections not closed yet */
    guint64 next_client;          /* atomic: the last connection id given */
    GThreadPool *closer;          /* ends what a closed connection left: vd_domain* (ref) */
    gint64 last_activity;         /* atomic, monotonic µs of the last driver call */
    struct vd_networks *networks; /* virtual networks (vd-network.h) */
};

/* ---- the table (vd-domains.c) ------------------------------------------------------- */

/* Each driver entry point takes one of these; they also note activity (--timeout). */
void vd_note_activity(vd_daemon *d);
void vd_read_lock(vd_daemon *d);
void vd_read_unlock(vd_daemon *d);
void vd_write_lock(vd_daemon *d);
void vd_write_unlock(vd_daemon *d);

/* Lookups, lock held. Missing domains fail with VIR_ERR_NO_DOMAIN in libvirt's words. */
vd_domain *vd_find_by_name(vd_daemon *d, const char *name);
vd_domain *vd_find_by_uuid(vd_daemon *d, const unsigned char uuid[16]);
vd_domain *vd_resolve(vd_daemon *d, const vd_domain_ref *ref, vd_error **err);
vd_domain *vd_resolve_active(vd_daemon *d, const vd_domain_ref *ref, vd_error **err);
/* A domain with a persistent definition; `what` completes "cannot <what> transient domain". */
vd_domain *vd_resolve_persistent(vd_daemon *d, const vd_domain_ref *ref, const char *what,
                                 vd_error **err);
/* Fails like the resolvers for a domain a job holder works on. */
bool vd_check_active(const vd_domain *dom, vd_error **err);
bool vd_check_persistent(const vd_domain *dom, const char *what, vd_error **err);

const char *vd_domain_name(const vd_domain *dom);
const unsigned char *vd_domain_uuid(const vd_domain *dom);
/* The configuration a call means: live when running, else the persistent one. */
vd_domain_def *vd_domain_current_def(vd_domain *dom);
vd_domain_ref *vd_domain_make_ref(const vd_domain *dom);

/* A new, shut off entry for def's name and uuid, holding `job` for its creator (write
 * lock held). The caller gives it its def or live definition before unlocking. */
vd_domain *vd_domain_add_locked(vd_daemon *d, const vd_domain_def *def, vd_job_kind job,
                                const char *api);
/* The domain is now called `name` (write lock held). */
void vd_domain_rename_locked(vd_daemon *d, vd_domain *dom, const char *name);
void vd_domains_init(vd_daemon *d);
void vd_domains_clear(vd_daemon *d);
/* Takes the entry out of the table (write lock held); holders see `removed`. */
void vd_domain_remove_locked(vd_daemon *d, vd_domain *dom);
vd_domain *vd_domain_ref_obj(vd_domain *dom);
/* vd_resolve under the read lock, referenced for use after it. */
vd_domain *vd_lookup_obj(vd_daemon *d, const vd_domain_ref *ref, vd_error **err);
void vd_domain_unref_obj(vd_domain *dom);

/* Name and uuid must both match one existing domain (returned in *existing) or both be
 * new: libvirt's rule, with its messages. Lock held. */
bool vd_check_unique_locked(vd_daemon *d, const vd_domain_def *def, vd_domain **existing,
                            vd_error **err);

/* The emulator check every definition passes. */
bool vd_check_emulator(vd_daemon *d, const vd_domain_def *def, vd_error **err);

/* Resolves libvirt's AFFECT_CURRENT/LIVE/CONFIG against the domain's state. */
bool vd_affect(const vd_domain *dom, unsigned flags, bool *live, bool *config, vd_error **err);

/* ---- jobs (vd-domain-job.c) --------------------------------------------------------- */

/* Resolves ref and takes the domain's job, waiting up to job_wait_ms for the holder to
 * finish; then fails with VIR_ERR_OPERATION_TIMEOUT "cannot acquire state change lock".
 * The returned domain is referenced: hand it back with vd_job_end. */
vd_domain *vd_job_begin(vd_daemon *d, const vd_domain_ref *ref, vd_job_kind kind, const char *api,
                        vd_error **err);
/* The same for a domain already referenced (the reference passes to the job). */
bool vd_job_begin_obj(vd_daemon *d, vd_domain *dom, vd_job_kind kind, const char *api,
                      vd_error **err);
void vd_job_end(vd_daemon *d, vd_domain *dom);
/* A save or migration about to end its job keeps what it did for domjobinfo --completed:
 * completed if ok, cancelled if a client aborted it, failed otherwise. */
void vd_job_completed(vd_daemon *d, vd_domain *dom, bool ok);
/* The domain a new definition goes to, with its job held: the existing one of the same
 * name and uuid, or (*added) a new shut off entry holding a copy of def as its persistent
 * or, while a transient one builds, its live definition. */
vd_domain *vd_domain_claim(vd_daemon *d, const vd_domain_def *def, bool persistent,
                           vd_job_kind kind, const char *api, bool *added, vd_error **err);

/* ---- events (vd-events.c) ----------------------------------------------------------- */

/* Queues a lifecycle event; listeners run later in the default main context. */
void vd_emit(vd_daemon *d, const vd_domain *dom, int event, int detail);
/* Queues libvirt's reboot event (VIR_DOMAIN_EVENT_ID_REBOOT) the same way. */
void vd_emit_reboot(vd_daemon *d, const vd_domain *dom);
void vd_events_init(vd_daemon *d);
/* Drops events not delivered yet and every listener. */
void vd_events_clear(vd_daemon *d);

/* ---- lifecycle (vd-domain-lifecycle.c), job held ------------------------------------ */

/* The definition a domain runs with: config with memory rounded up to hv's granule. */
vd_domain_def *vd_domain_live_def(const vd_domain_def *config);
bool vd_domain_start_job(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, bool paused,
                         vd_error **err);
/* The same, the guest coming from a save image (restore != NULL, its hv records next)
 * instead of a build, its device model taking up dm_state (may be NULL). */
bool vd_domain_start_job_from(vd_daemon *d, vd_domain *dom, const vd_domain_def *config,
                              bool paused, vd_save_reader *restore, GBytes *dm_state,
                              vd_error **err);
/* An active domain's live definition (a copy), whether it runs and its hv id, as a job
 * holder starts a long change with them; NULL with err when it is not active. */
vd_domain_def *vd_domain_running_copy(vd_daemon *d, vd_domain *dom, bool *was_running, int *domid,
                                      vd_error **err);
/* virsh suspend (migrate --timeout) while the domain migrates out: pauses the guest at
 * once, so its pre-copy ends and the stop-and-copy takes the rest, instead of waiting for
 * the migration's job. True when it did (*ok: the pause worked), false when no outgoing
 * migration runs. */
bool vd_domain_migrating_suspend(vd_daemon *d, const vd_domain_ref *ref, bool *ok, vd_error **err);
/* virsh resume of a guest an outgoing migration left paused with its devices quiesced (it
 * was handed over and never confirmed: its client died, or the daemon restarted since):
 * its owner says this copy runs, so its devices and vCPUs run again, as after a cancelled
 * Confirm. Job held. False when dom is not such a guest; true when it was (*ok: it runs). */
bool vd_domain_migrate_resume_job(vd_daemon *d, vd_domain *dom, bool *ok, vd_error **err);
/* Start-up (vd-recovery.c, no client served yet): ends the outgoing migration a daemon
 * stopped in the middle of, as its phase file tells. The destination gave up on the
 * broken stream, so unless it had the whole guest already this copy is the only one:
 * logging off, scheduling, devices and vCPUs back, as a failed migration leaves it. A
 * guest handed over stays paused, waiting for its Confirm: it may run there now. */
void vd_domain_migrate_end_interrupted(vd_daemon *d, vd_domain *dom);
/* Whether client prepared dom's incoming migration, not finished yet (table lock held). */
bool vd_domain_migrate_prepared_by(const vd_domain *dom, uint64_t client);
/* Drops dom's incoming migration if client prepared it and closed before the Finish
 * (vd_daemon_client_closed's work, off the main loop). */
void vd_domain_migrate_drop_abandoned(vd_daemon *d, vd_domain *dom, uint64_t client);
/* Destroys dom if client started it with VIR_DOMAIN_START_AUTODESTROY and has closed
 * (vd_daemon_client_closed's work). */
void vd_domain_autodestroy(vd_daemon *d, vd_domain *dom, uint64_t client);
/* Called once dom has been tied to client (its autodestroy or incoming migration marked,
 * table lock dropped): a client that closed while the tie was being made missed
 * vd_daemon_client_closed's scan, so what it left is ended now, as if it closed after. */
void vd_daemon_check_client(vd_daemon *d, vd_domain *dom, uint64_t client);
/* Where a started guest comes from: its state, reason and events say so. */
typedef enum { VD_START_BOOT, VD_START_RESTORE, VD_START_MIGRATION } vd_start_origin;
/* An incoming migration's stream is in (the receiver's thread): the NBD server of the disks
 * it copied (--copy-storage-all) lets go of them before the device model opens them. */
void vd_domain_migrate_let_go_disks(vd_daemon *d, vd_domain *dom);
bool vd_domain_start_job_as(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, bool paused,
                            vd_save_reader *restore, GBytes *dm_state, vd_start_origin origin,
                            vd_error **err);
/* ---- save images (vd-domain-save.c) ------------------------------------------------- */

/* Where a persistent domain's managed save image lives: ROOT/var/lib/vireo/save/NAME.save. */
char *vd_managed_save_path(const vd_config *cfg, const char *name);
/* A start of a persistent domain with a managed save image restores it (and removes the
 * image); with VIR_DOMAIN_START_FORCE_BOOT the image is dropped. Returns 1 restored,
 * 0 no image (boot it), -1 error (job held). */
int vd_domain_start_from_managed_save(vd_daemon *d, vd_domain *dom, unsigned flags, vd_error **err);

/* The domain no longer exists in hv: forget its runtime state, drop a transient one. */
void vd_domain_stopped_job(vd_daemon *d, vd_domain *dom, int reason, int detail);
/* Reads hv's view of every running domain and acts on what changed (any thread). */
void vd_daemon_refresh(vd_daemon *d);

/* ---- console (vd-console.c) --------------------------------------------------------- */

/* Ends the domain's console session, if any (write lock held). With notify the client
 * gets end-of-stream later in the main context. */
void vd_console_end_locked(vd_domain *dom, bool notify);

/* ---- settings (vd-domain-resources.c) ----------------------------------------------- */

/* Changes one definition; `live` says it is the running one and hv must follow first. */
typedef bool (*vd_def_change_fn)(vd_daemon *d, vd_domain *dom, vd_domain_def *def, bool live,
                                 const void *arg, vd_error **err);

/* The frame every setter shares: take the domain's job, resolve AFFECT_* flags, change
 * copies of the live definition (through hv) and/or the persistent one, store what
 * changed, then publish the copies. */
bool vd_domain_apply_change(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, const char *api,
                            vd_def_change_fn change, const void *arg, vd_error **err);

/* ---- start-up (vd-recovery.c) ------------------------------------------------------- */

/* Loads the store, finds domains still running in hv, starts autostart domains once per
 * boot of the node. Before any client is served. */
void vd_recover(vd_daemon *d);

/* ---- storage (daemon/storage/vd-pools.c) ------------------------------------------- */

/* Loads pools, makes the default one on a fresh root, starts what was active or autostarts. */
void vd_storage_init(vd_daemon *d);
void vd_storage_free(vd_daemon *d);

/* libvirt's virCheckFlags wording, for errors of the driver `from` (VIR_FROM_*). */
#define VD_CHECK_FLAGS_FROM(flags, allowed, from, err, ret)                                        \
    do {                                                                                           \
        if ((flags) & ~(unsigned)(allowed)) {                                                      \
            vd_fail((err), VIR_ERR_INVALID_ARG, (from), "unsupported flags (0x%x) in function %s", \
                    (flags) & ~(unsigned)(allowed), G_STRFUNC);                                    \
            return ret;                                                                            \
        }                                                                                          \
    } while (0)
#define VD_CHECK_FLAGS(flags, allowed, err, ret)                                                   \
    VD_CHECK_FLAGS_FROM(flags, allowed, VIR_FROM_DOMAIN, err, ret)

#endif /* VD_DAEMON_PRIVATE_H */
