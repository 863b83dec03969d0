/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Migration, as libvirt's version 3 protocol with parameters drives it (docs/migration.md):
 * Begin on the source gives the XML; Prepare on the destination claims the domain and
 * listens for its stream; Perform on the source sends it; Finish on the destination runs
 * it (or drops it); Confirm on the source ends it there (or runs it again). Until Finish
 * succeeded the source's copy is the guest: any failure before leaves it running there.
 *
 * The stream is a save image's framing over TCP (vd-save-image.h): HV_DOMAIN, the RAM,
 * then again the frames the guest and its device model dirtied (pre-copy rounds, until
 * what is left fits the allowed downtime), then with the guest paused its device state,
 * the last dirty frames and the vCPU and platform contexts, END; the destination answers
 * one line, "ok" or "error: ...", once the paused copy is built. With --copy-storage-all
 * the local disks are mirrored first, on the same connection (vd-migrate-disks.h).
 *
 * Offline migration moves only the persistent definition: Finish defines it.
 */
#include "vd-daemon-private.h"
#include "vd-dm.h"
#include "vd-domain-xml.h"
#include "vd-migrate-disks.h"
#include "vd-migrate-link.h"
#include "vd-save-image.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_TIMEOUT_MS 120000
#define ANSWER_TIMEOUT_MS 300000
#define MAX_ROUNDS 30
/* --auto-converge, as QEMU's cpu-throttle-initial and -increment: a guest that dirties
 * more than half of what a round sent gets this much less CPU, then more each round. */
#define THROTTLE_INITIAL 20
#define THROTTLE_STEP 10
#define THROTTLE_MAX 99
#define DEFAULT_DOWNTIME_MS 300 /* libvirt's default maximum downtime */

#define SUPPORTED_FLAGS                                                                            \
    (VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE |                   \
     VIR_MIGRATE_PAUSED | VIR_MIGRATE_OFFLINE | VIR_MIGRATE_UNSAFE | VIR_MIGRATE_ABORT_ON_ERROR |  \
     VIR_MIGRATE_AUTO_CONVERGE | VIR_MIGRATE_NON_SHARED_DISK)

typedef struct vd_incoming {
    int listen_fd;
    GThread *thread;
    vd_daemon *d;
    vd_domain *dom; /* referenced; its job held by the thread until it ends */
    vd_domain_def *def;
    bool added; /* Prepare made the domain: it goes again if nothing came */
    uint64_t client; /* the connection that prepared it (vd_daemon_client_opened) */
    bool taken;      /* table lock: a Finish, or its client's closing, is ending it */
    bool ok;
    vd_error *err;
    bool copy_storage;     /* --copy-storage-all: the disks come first (vd-migrate-disks.h) */
    char *listen_address;  /* where the disks' NBD server listens too; NULL: everywhere */
    unsigned disks_port;   /* and on which port; 0: a free one */
    vd_disk_server *disks; /* serving them until the stream is in */
} vd_incoming;

/* --migrate-disks and --disks-port only mean something with --copy-storage-all. */
static bool check_disk_params(const vd_migrate_params *p, unsigned flags, vd_error **err)
{
    if ((p->n_migrate_disks || p->disks_port) && !(flags & VIR_MIGRATE_NON_SHARED_DISK)) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "choosing the disks to copy or their port needs --copy-storage-all");
        return false;
    }
    return true;
}

static bool check_flags(unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, SUPPORTED_FLAGS, err, false);
    if ((flags & VIR_MIGRATE_OFFLINE) && !(flags & VIR_MIGRATE_PERSIST_DEST)) {
        vd_fail(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_DOMAIN,
                "offline migration requires a persistent destination (--persistent)");
        return false;
    }
    if ((flags & VIR_MIGRATE_OFFLINE) && (flags & VIR_MIGRATE_NON_SHARED_DISK)) {
        vd_fail(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_DOMAIN,
                "offline migration cannot copy storage (--copy-storage-all)");
        return false;
    }
    return true;
}

/* ---- the data connection ------------------------------------------------------------- */

/* "tcp://host[:port]" or "tcp:host[:port]"; an IPv6 host in brackets. */
static bool parse_tcp_uri(const char *uri, char **host, unsigned *port, vd_error **err)
{
    const char *rest = g_str_has_prefix(uri, "tcp://") ? uri + 6
                       : g_str_has_prefix(uri, "tcp:") ? uri + 4
                                                       : NULL;
    const char *colon = NULL;
    if (rest && rest[0] == '[') {
        const char *close = strchr(rest, ']');
        if (close) {
            *host = g_strndup(rest + 1, (gsize)(close - rest - 1));
            colon = close[1] == ':' ? close + 1 : NULL;
            if (close[1] && !colon)
                rest = NULL;
        } else {
            rest = NULL;
        }
    } else if (rest) {
        colon = strrchr(rest, ':');
        *host = colon ? g_strndup(rest, (gsize)(colon - rest)) : g_strdup(rest);
        if (strchr(*host, '/'))
            rest = NULL;
    }
    guint64 p = 0;
    if (rest && colon && !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &p, NULL))
        rest = NULL;
    if (!rest || !**host) {
        g_clear_pointer(host, g_free);
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "migration URI '%s' is not tcp://host[:port]", uri);
        return false;
    }
    *port = (unsigned)p;
    return true;
}

/* The receiver's one-line answer after END: "ok" or "error: <message>". */
static bool read_answer(int fd, const char *peer, vd_error **err)
{
    g_autofree char *line =
        vd_migrate_read_line(fd, ANSWER_TIMEOUT_MS, "answer from the destination", err);
    if (!line)
        return false;
    if (strcmp(line, "ok") == 0)
        return true;
    if (g_str_has_prefix(line, "error: "))
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the destination could not take the guest: %s", line + 7);
    else
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the connection to the destination %s ended before it answered", peer);
    return false;
}

static void write_answer(int fd, const vd_error *e)
{
    g_autofree char *line = e ? g_strdup_printf("error: %s", e->message) : g_strdup("ok");
    vd_migrate_write_line(fd, line, NULL); /* a sender that went away learns nothing more */
}

/* ---- Begin (source) ------------------------------------------------------------------- */

char *vd_domain_migrate_begin(vd_daemon *d, const vd_domain_ref *ref, const vd_migrate_params *p,
                              unsigned flags, vd_error **err)
{
    if (!check_flags(flags, err) || !check_disk_params(p, flags, err))
        return NULL;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    char *xml = NULL;
    uint32_t copied;
    if (dom && (flags & VIR_MIGRATE_OFFLINE)) {
        if (!dom->def)
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "cannot migrate a transient domain offline");
        else
            xml = vd_domain_def_format(dom->def, -1);
    } else if (dom && vd_check_active(dom, err)) {
        if (dom->migrated_out)
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "domain '%s' was handed over already; confirm or cancel that migration",
                    vd_domain_name(dom));
        else if (dom->autodestroy) /* its client could not follow it */
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "domain is marked for auto destroy");
        else if (!(flags & VIR_MIGRATE_NON_SHARED_DISK) ||
                 vd_disk_copy_select(dom->live, p->migrate_disks, p->n_migrate_disks, &copied,
                                     err)) /* --migrate-disks names disks it can copy */
            xml = vd_domain_def_format(dom->live, -1);
    }
    vd_read_unlock(d);
    if (xml && p->dest_xml) {
        /* The caller's XML must describe the same machine. */
        g_autoptr(vd_domain_def) mine = vd_domain_def_parse(xml, NULL, err);
        g_autoptr(vd_domain_def) theirs = mine ? vd_domain_def_parse(p->dest_xml, NULL, err) : NULL;
        g_clear_pointer(&xml, g_free);
        if (theirs && (memcmp(mine->uuid, theirs->uuid, 16) != 0 ||
                       mine->memory_kib != theirs->memory_kib || mine->vcpus != theirs->vcpus))
            vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
                    "the destination XML must keep the domain's uuid, memory and vCPUs");
        else if (theirs)
            xml = g_strdup(p->dest_xml);
    }
    return xml;
}

/* ---- Prepare and the receiver (destination) ----------------------------------------- */

static gpointer receive_thread(gpointer data)
{
    vd_incoming *in = data;
    vd_daemon *d = in->d;
    vd_error *e = NULL;
    int fd = -1;
    if (vd_migrate_wait_readable(in->listen_fd, ACCEPT_TIMEOUT_MS,
                                 "migration stream from the source", &e)) {
        fd = accept4(in->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            vd_fail_errno(&e, errno, "cannot accept the migration stream");
        else
            vd_migrate_bound_stalls(fd);
    }
    if (fd >= 0 && in->copy_storage) {
        in->disks = vd_disk_server_run(d->cfg, in->def, fd, in->listen_address, in->disks_port, &e);
        if (!in->disks) { /* the source was told */
            close(fd);
            fd = -1;
        }
    }
    if (fd >= 0) {
        g_autofree char *xml = NULL;
        g_autoptr(vd_save_reader) r = vd_save_reader_stream(fd, "from the source", &xml, NULL, &e);
        g_autoptr(vd_domain_def) sent = r ? vd_domain_def_parse(xml, NULL, &e) : NULL;
        if (sent && memcmp(sent->uuid, in->def->uuid, 16) != 0)
            vd_fail(&e, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "the migration stream carries another domain than the one prepared");
        else if (sent)
            in->ok =
                vd_domain_start_job_as(d, in->dom, in->def, true, r, NULL, VD_START_MIGRATION, &e);
        write_answer(fd, in->ok ? NULL : e);
        close(fd);
    }
    close(in->listen_fd);
    in->listen_fd = -1;
    vd_disk_server_end(in->disks, !in->ok);
    in->disks = NULL;
    if (!in->ok) {
        g_message("domain '%s': incoming migration failed: %s", in->def->name,
                  e ? e->message : "unknown error");
        in->err = e;
        e = NULL;
    }
    vd_error_free(e);
    vd_job_completed(d, in->dom, in->ok);
    vd_job_end(d, vd_domain_ref_obj(in->dom)); /* the job is over; in keeps its reference */
    return NULL;
}

bool vd_domain_migrate_prepare(vd_daemon *d, const vd_migrate_params *p, unsigned flags,
                               uint64_t client, char **uri_out, vd_error **err)
{
    if (!check_flags(flags, err) || !check_disk_params(p, flags, err))
        return false;
    if (!p->dest_xml) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "no domain XML to prepare for");
        return false;
    }
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(p->dest_xml, NULL, err);
    if (!def || !vd_check_emulator(d, def, err))
        return false;
    if (p->dest_name && strcmp(p->dest_name, def->name) != 0) {
        g_free(def->name);
        def->name = g_strdup(p->dest_name);
    }
    g_autofree char *host = NULL;
    unsigned port = 0;
    if (p->uri && !parse_tcp_uri(p->uri, &host, &port, err))
        return false;
    if (!host)
        host = g_strdup(g_get_host_name());
    if (flags & VIR_MIGRATE_OFFLINE) {
        /* Finish defines it; nothing is sent. The URI only satisfies the client. */
        *uri_out = g_strdup_printf("tcp://%s", host);
        return true;
    }
    if (!vd_hv_present(d->hv) || !d->hv->ops->migrate_memory) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "this node cannot run guests: only offline migration is possible");
        return false;
    }
    bool added;
    vd_domain *dom = vd_domain_claim(d, def, false, VD_JOB_MIGRATE_IN,
                                     "virDomainMigratePrepare3Params", &added, err);
    if (!dom)
        return false;
    vd_read_lock(d);
    bool busy = dom->id >= 0 || dom->incoming;
    vd_read_unlock(d);
    int fd = -1;
    if (busy)
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "domain '%s' is already active or being migrated in", def->name);
    else
        fd = vd_migrate_listen(p->listen_address, port, &port, err);
    if (fd < 0) {
        if (added) {
            vd_write_lock(d);
            vd_domain_remove_locked(d, dom);
            vd_write_unlock(d);
        }
        vd_job_end(d, dom);
        return false;
    }
    vd_incoming *in = g_new0(vd_incoming, 1);
    in->listen_fd = fd;
    in->d = d;
    in->dom = dom; /* the claim's reference, passed on with the job */
    in->def = g_steal_pointer(&def);
    in->added = added;
    in->client = client;
    in->copy_storage = flags & VIR_MIGRATE_NON_SHARED_DISK;
    in->disks_port = p->disks_port;
    in->listen_address = g_strdup(p->listen_address);
    vd_write_lock(d);
    dom->incoming = in;
    vd_write_unlock(d);
    in->thread = g_thread_new("vd-migrate-in", receive_thread, in);
    if (client)
        vd_daemon_check_client(d, dom, client);
    *uri_out = strchr(host, ':') ? g_strdup_printf("tcp://[%s]:%u", host, port)
                                 : g_strdup_printf("tcp://%s:%u", host, port);
    g_message("domain '%s': incoming migration prepared on port %u", in->def->name, port);
    return true;
}

void vd_domain_migrate_let_go_disks(vd_daemon *d, vd_domain *dom)
{
    vd_read_lock(d);
    vd_incoming *in = dom->incoming;
    vd_read_unlock(d);
    /* Only its receiver, the caller's thread, touches `disks`. */
    if (in)
        vd_disk_server_let_go(in->disks);
}

/* Takes a domain's incoming migration off it once the receiver ended; NULL if it has
 * none, or if another caller is taking it. */
static vd_incoming *take_incoming(vd_daemon *d, vd_domain *dom)
{
    vd_write_lock(d);
    vd_incoming *in = dom->incoming;
    if (in && in->taken)
        in = NULL;
    else if (in)
        in->taken = true;
    vd_write_unlock(d);
    if (!in)
        return NULL;
    /* A source that never came: stop waiting for it. */
    shutdown(in->listen_fd, SHUT_RDWR);
    g_thread_join(in->thread);
    vd_write_lock(d);
    dom->incoming = NULL;
    vd_write_unlock(d);
    return in;
}

static void incoming_free(vd_incoming *in)
{
    vd_domain_def_free(in->def);
    vd_error_free(in->err);
    g_free(in->listen_address);
    g_free(in);
}

/* Ends a guest that came in but is not wanted (job held). */
static void drop_incoming(vd_daemon *d, vd_domain *dom)
{
    int domid = dom->id;
    if (domid >= 0) {
        g_autoptr(vd_error) e = NULL;
        if (!d->hv->ops->domain_destroy(d->hv, domid, &e))
            g_warning("domain '%s': cannot end the cancelled incoming guest: %s",
                      vd_domain_name(dom), e->message);
        vd_domain_stopped_job(d, dom, VIR_DOMAIN_SHUTOFF_FAILED, VIR_DOMAIN_EVENT_STOPPED_FAILED);
    } else {
        vd_write_lock(d);
        if (!dom->def && !dom->removed)
            vd_domain_remove_locked(d, dom);
        vd_write_unlock(d);
    }
}

/* ---- a client gone before its Finish (destination) ------------------------------------ */

bool vd_domain_migrate_prepared_by(const vd_domain *dom, uint64_t client)
{
    return dom->incoming && !dom->incoming->taken && dom->incoming->client == client;
}

/* No Finish will come for this guest (the client died, or gave up without saying so):
 * drop it, as a cancelled Finish would. The source keeps its copy, running unless it had
 * handed the guest over already, which leaves it paused there for its owner to resume, as
 * libvirt leaves it. */
void vd_domain_migrate_drop_abandoned(vd_daemon *d, vd_domain *dom, uint64_t client)
{
    vd_read_lock(d);
    bool abandoned = vd_domain_migrate_prepared_by(dom, client);
    vd_read_unlock(d);
    vd_incoming *in = abandoned ? take_incoming(d, dom) : NULL;
    if (in) {
        vd_domain_unref_obj(in->dom); /* the receiver's */
        g_autoptr(vd_error) e = NULL;
        if (vd_job_begin_obj(d, vd_domain_ref_obj(dom), VD_JOB_MIGRATE_IN,
                             "client closed before Finish", &e)) {
            drop_incoming(d, dom);
            vd_job_end(d, dom);
            g_message("domain '%s': the client of its incoming migration closed before "
                      "finishing it: dropped",
                      in->def->name);
        } else {
            g_warning("domain '%s': its incoming migration's client closed, but it cannot be "
                      "dropped: %s",
                      in->def->name, e->message);
        }
        incoming_free(in);
    }
}

/* ---- Finish (destination) ----------------------------------------------------------- */

static vd_domain_ref *finish_offline(vd_daemon *d, const vd_migrate_params *p, bool cancelled,
                                     vd_error **err)
{
    if (cancelled) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "migration was cancelled");
        return NULL;
    }
    const char *xml = p->persist_xml ? p->persist_xml : p->dest_xml;
    if (!xml) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "no domain XML to define");
        return NULL;
    }
    return vd_domain_define_xml(d, xml, 0, err);
}

vd_domain_ref *vd_domain_migrate_finish(vd_daemon *d, const vd_migrate_params *p, unsigned flags,
                                        bool cancelled, vd_error **err)
{
    if (!check_flags(flags, err))
        return NULL;
    if (flags & VIR_MIGRATE_OFFLINE)
        return finish_offline(d, p, cancelled, err);
    g_autoptr(vd_domain_def) named =
        p->dest_xml ? vd_domain_def_parse(p->dest_xml, NULL, NULL) : NULL;
    const char *name = p->dest_name ? p->dest_name : named ? named->name : NULL;
    vd_read_lock(d);
    vd_domain *dom = name ? vd_find_by_name(d, name) : NULL;
    if (dom)
        vd_domain_ref_obj(dom);
    vd_read_unlock(d);
    vd_incoming *in = dom ? take_incoming(d, dom) : NULL;
    if (!in) {
        if (dom)
            vd_domain_unref_obj(dom);
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "no incoming migration of domain '%s'", name ? name : "(unnamed)");
        return NULL;
    }
    vd_domain_unref_obj(in->dom); /* the receiver's; ours stays */
    vd_domain_ref *ref = NULL;
    if (!vd_job_begin_obj(d, dom, VD_JOB_MIGRATE_IN, "virDomainMigrateFinish3Params", err)) {
        incoming_free(in);
        return NULL;
    }
    if (cancelled || !in->ok) {
        drop_incoming(d, dom);
        if (!in->ok && in->err) {
            vd_error_propagate(err, in->err);
            in->err = NULL;
        } else {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "migration of domain '%s' was cancelled by its source", name);
        }
    } else if (!(flags & VIR_MIGRATE_PAUSED) && !d->hv->ops->domain_unpause(d->hv, dom->id, err)) {
        drop_incoming(d, dom); /* the source resumes its copy */
    } else {
        vd_write_lock(d);
        if (!(flags & VIR_MIGRATE_PAUSED)) {
            dom->state = VIR_DOMAIN_RUNNING;
            dom->reason = VIR_DOMAIN_RUNNING_MIGRATED;
            vd_emit(d, dom, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_MIGRATED);
        }
        ref = vd_domain_make_ref(dom);
        vd_write_unlock(d);
        g_message("domain '%s': migration in finished (id %d)", name, ref->id);
    }
    vd_job_end(d, dom);
    if (ref && (flags & VIR_MIGRATE_PERSIST_DEST)) {
        /* Persistent here as it was there; a failure leaves it running, transient. */
        const char *xml = p->persist_xml ? p->persist_xml : p->dest_xml;
        g_autoptr(vd_error) define_err = NULL;
        vd_domain_ref *defined = xml ? vd_domain_define_xml(d, xml, 0, &define_err) : NULL;
        if (!defined)
            g_warning("domain '%s': migrated in, but not made persistent: %s", name,
                      define_err ? define_err->message : "no XML");
        vd_domain_ref_free(defined);
    }
    incoming_free(in);
    return ref;
}

/* ---- Perform (source) ---------------------------------------------------------------- */

typedef struct outgoing {
    vd_daemon *d;
    vd_domain *dom;
    const vd_domain_def *live;
    int domid;
    bool platform, has_dm, live_migration, auto_converge;
    bool logging, dm_logging, paused, dm_quiesced;
    bool copy_storage; /* --copy-storage-all */
    uint32_t copied;   /* its disks (bit per index in live->disks) */
    bool mirroring;    /* mirrors of `copied` may exist: a failure drops them */
    const char *host;  /* the destination's, as the migration URI names it */
    unsigned throttle; /* % of the guest's CPU time held back (--auto-converge) */
    uint64_t *dirty;
    size_t words;
} outgoing;

/* Frames a guest's dirty map covers: its RAM lies below 4 GiB or from 4 GiB up
 * (public/vireo.h's layout), never past 4 GiB plus its size. */
static size_t dirty_words(const vd_domain_def *live)
{
    uint64_t frames = (4ull << 30) / 4096 + live->memory_kib / 4;
    return (size_t)(frames / 64 + 1);
}

/* A pre-copy round ended: what domjobinfo shows of it, kept in the domain's job (the
 * stream counts the bytes it sends itself); dirty_frames -1: not known. */
static void note_round(outgoing *o, int64_t dirty_frames, uint64_t dirty_rate)
{
    g_mutex_lock(&o->d->job_lock);
    vd_job_progress *p = &o->dom->job.progress;
    if (dirty_frames >= 0)
        p->remaining = (uint64_t)dirty_frames * 4096;
    if (dirty_rate)
        p->dirty_rate = dirty_rate;
    p->iteration++;
    g_mutex_unlock(&o->d->job_lock);
}

/* How far the disks' mirrors got, for domjobinfo (vd_disk_copy_progress). */
static void note_disks(void *data, uint64_t done, uint64_t total)
{
    outgoing *o = data;
    g_mutex_lock(&o->d->job_lock);
    o->dom->job.progress.disk_processed = done;
    o->dom->job.progress.disk_total = total;
    g_mutex_unlock(&o->d->job_lock);
}

/* The data connection, for domjobabort to shut (fd -1: forget it); true once a client
 * aborted the migration. */
static bool job_connection(vd_daemon *d, vd_domain *dom, int fd)
{
    g_mutex_lock(&d->job_lock);
    dom->job.migration_fd = fd;
    dom->job.has_migration_fd = fd >= 0;
    bool aborted = dom->job.aborted;
    g_mutex_unlock(&d->job_lock);
    return aborted;
}

/* Adds the frames written since the last fetch to those not sent yet; returns how many
 * wait to be sent. */
static int64_t fetch_dirty(outgoing *o, vd_error **err)
{
    int64_t hv =
        o->d->hv->ops->migrate_fetch_dirty(o->d->hv, o->domid, o->live, o->platform, o->dirty, err);
    if (hv < 0)
        return -1;
    if (o->dm_logging &&
        vd_dm_dirty_fetch(o->d->cfg, o->domid, o->live->name, o->dirty, o->words, err) < 0)
        return -1;
    int64_t n = 0;
    for (size_t i = 0; i < o->words; i++)
        n += __builtin_popcountll(o->dirty[i]);
    return n;
}

/* Sends the frames waiting in the dirty map, which is then empty. */
static int64_t send_dirty(outgoing *o, vd_save_writer *w, vd_error **err)
{
    int64_t sent =
        o->d->hv->ops->migrate_memory(o->d->hv, o->domid, o->live, o->platform, o->dirty, w, err);
    if (sent >= 0)
        memset(o->dirty, 0, o->words * sizeof(uint64_t));
    return sent;
}

static void set_paused_locked(outgoing *o, bool paused)
{
    o->dom->state = paused ? VIR_DOMAIN_PAUSED : VIR_DOMAIN_RUNNING;
    o->dom->reason = paused ? VIR_DOMAIN_PAUSED_MIGRATION : VIR_DOMAIN_RUNNING_UNPAUSED;
    vd_emit(o->d, o->dom, paused ? VIR_DOMAIN_EVENT_SUSPENDED : VIR_DOMAIN_EVENT_RESUMED,
            paused ? VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED : VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
}

/* Stops the guest's vCPUs for the rest of an outgoing migration's send unless a client's
 * suspend did already (the job's guest_paused says which; hv counts pauses): 1 paused now,
 * 0 paused already, -1 failed, -2 no send runs. */
static int pause_migrating_guest(vd_daemon *d, vd_domain *dom, vd_error **err)
{
    int r = -2;
    g_mutex_lock(&d->job_lock);
    if (dom->job.kind == VD_JOB_MIGRATE_OUT && dom->job.has_migration_fd) {
        r = dom->job.guest_paused ? 0 : d->hv->ops->domain_pause(d->hv, dom->id, err) ? 1 : -1;
        dom->job.guest_paused = r >= 0;
    }
    g_mutex_unlock(&d->job_lock);
    return r;
}

bool vd_domain_migrating_suspend(vd_daemon *d, const vd_domain_ref *ref, bool *ok, vd_error **err)
{
    vd_domain *dom = vd_lookup_obj(d, ref, err);
    if (!dom) {
        *ok = false;
        return true;
    }
    int paused = pause_migrating_guest(d, dom, err);
    *ok = paused >= 0;
    if (paused > 0) {
        vd_write_lock(d);
        dom->state = VIR_DOMAIN_PAUSED;
        dom->reason = VIR_DOMAIN_PAUSED_USER;
        vd_emit(d, dom, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
        vd_write_unlock(d);
        g_message("domain '%s': suspended by a client mid-migration: pre-copy ends",
                  vd_domain_name(dom));
    }
    vd_domain_unref_obj(dom);
    return paused != -2;
}

static bool guest_paused(outgoing *o)
{
    g_mutex_lock(&o->d->job_lock);
    bool paused = o->dom->job.guest_paused;
    g_mutex_unlock(&o->d->job_lock);
    return paused;
}

static unsigned downtime_ms(const outgoing *o)
{
    uint64_t ms = __atomic_load_n(&o->dom->migrate_downtime_ms, __ATOMIC_RELAXED);
    return ms ? (unsigned)MIN(ms, G_MAXUINT) : DEFAULT_DOWNTIME_MS;
}

/* --auto-converge: the credit scheduler caps the guest at (100 - pct)% of its online
 * vCPUs' time, never above a cap it had (pct 0: its own scheduling again). */
static bool throttle_guest(outgoing *o, unsigned pct, vd_error **err)
{
    unsigned cap = o->live->cap;
    if (pct) {
        unsigned full = 100 * MAX(o->live->vcpus_current, 1u);
        unsigned throttled = MAX(full * (100 - pct) / 100, 1u);
        cap = cap ? MIN(cap, throttled) : throttled;
    }
    if (!o->d->hv->ops->domain_set_sched(o->d->hv, o->domid,
                                         vd_domain_def_effective_weight(o->live), cap, err))
        return false;
    o->throttle = pct;
    if (!pct)
        return true; /* domjobinfo keeps the last throttle, as QEMU reports it */
    g_mutex_lock(&o->d->job_lock);
    o->dom->job.progress.throttle = pct;
    g_mutex_unlock(&o->d->job_lock);
    g_message("domain '%s': pre-copy does not converge: CPU throttled by %u%% (cap %u%%)",
              o->live->name, pct, cap);
    return true;
}

/* Pre-copy: RAM whole, then what was dirtied meanwhile, until the rest is small. */
static bool precopy(outgoing *o, vd_save_writer *w, vd_error **err)
{
    vd_hv *hv = o->d->hv;
    if (!hv->ops->migrate_log_dirty(hv, o->domid, true, err))
        return false;
    o->logging = true;
    if (o->has_dm && !vd_dm_dirty_log(o->d->cfg, o->domid, o->live->name, true, err))
        return false;
    o->dm_logging = o->has_dm;
    gint64 start = g_get_monotonic_time();
    int64_t sent = hv->ops->migrate_memory(hv, o->domid, o->live, o->platform, NULL, w, err);
    if (sent < 0)
        return false;
    for (unsigned round = 1; round < MAX_ROUNDS; round++) {
        gint64 now = g_get_monotonic_time();
        double seconds = (double)MAX(now - start, 1) / 1e6;
        double rate = (double)sent / seconds; /* frames per s */
        int64_t dirty = fetch_dirty(o, err);
        if (dirty < 0)
            return false;
        note_round(o, dirty, (uint64_t)((double)dirty / seconds));
        /* What is left fits the downtime at the rate the last round went, or nothing
         * dirties it any more (a client suspended the guest): stop there. */
        bool paused = guest_paused(o);
        if (paused || (double)dirty <= rate * downtime_ms(o) / 1000.0) {
            g_message("domain '%s': pre-copy done after %u rounds, %" G_GINT64_FORMAT
                      " frames left%s",
                      o->live->name, round, dirty, paused ? " (suspended by a client)" : "");
            return true;
        }
        if (o->auto_converge && round >= 2 && dirty > sent / 2 && o->throttle < THROTTLE_MAX &&
            !throttle_guest(o, o->throttle ? MIN(o->throttle + THROTTLE_STEP, THROTTLE_MAX)
                                           : THROTTLE_INITIAL,
                            err))
            return false;
        start = now;
        sent = send_dirty(o, w, err);
        if (sent < 0)
            return false;
    }
    /* Dirtied faster than it can be sent: the stop-and-copy takes the rest. */
    note_round(o, -1, 0);
    g_message("domain '%s': pre-copy gave up after %u rounds: the guest dirties its memory "
              "about as fast as it goes; the stop-and-copy moves the rest",
              o->live->name, MAX_ROUNDS);
    return true;
}

static bool send_guest(outgoing *o, int fd, const char *peer, bool was_running, vd_error **err)
{
    vd_hv *hv = o->d->hv;
    if (o->copy_storage) { /* the disks first, as libvirt's NBD copy does */
        o->mirroring = true;
        if (!vd_disk_copy_start(o->d->cfg, o->domid, o->live, o->copied, fd, o->host, note_disks, o,
                                err))
            return false;
    }
    g_autofree char *xml = vd_domain_def_format(o->live, -1);
    vd_save_writer *w =
        vd_save_writer_stream(fd, peer, xml, was_running ? VD_SAVE_WAS_RUNNING : 0, err);
    if (!w)
        return false;
    g_mutex_lock(&o->d->job_lock);
    o->dom->job.progress.total = o->live->memory_kib * 1024;
    vd_save_writer_count(w, &o->dom->job.progress.processed); /* the job outlives w */
    g_mutex_unlock(&o->d->job_lock);
    vd_save_writer_pace(w, &o->dom->migrate_speed_mib); /* the domain outlives w */
    bool ok = hv->ops->migrate_shape(hv, o->domid, o->live, o->platform, w, err) &&
              (!o->live_migration || precopy(o, w, err));
    /* The shape carried the guest's own scheduling; here it gets it back too. */
    if (o->throttle && !throttle_guest(o, 0, ok ? err : NULL))
        ok = false;
    vd_save_writer_pace(w, NULL); /* a paused guest waits for nobody's speed limit */
    /* Recorded before the pause: a daemon killed from here on finds the guest stopped for
     * this migration and runs it again (vd-recovery.c). */
    if (ok && was_running)
        ok = vd_store_set_migrating(o->d->cfg, o->live->name, VD_MIGRATING_STOPPED, err);
    if (ok && was_running) {
        int paused = pause_migrating_guest(o->d, o->dom, err);
        ok = paused >= 0;
        if (paused == 0) /* a client's suspend stopped it: it stays so */
            ok = vd_store_set_migrating(o->d->cfg, o->live->name, VD_MIGRATING_COPYING, err);
        o->paused = ok;
        if (paused > 0) {
            vd_write_lock(o->d);
            set_paused_locked(o, true);
            vd_write_unlock(o->d);
        }
    }
    /* The device model drains its I/O; what that wrote is in its log for the last round. */
    g_autoptr(GBytes) dm_state = NULL;
    if (ok) {
        dm_state = o->has_dm ? vd_dm_save_state(o->d->cfg, o->domid, o->live->name, err)
                             : g_bytes_new(NULL, 0);
        o->dm_quiesced = o->has_dm && dm_state;
        /* Nothing writes now: the mirrors end with the copies in step. */
        if (dm_state && o->mirroring &&
            !vd_disk_copy_complete(o->d->cfg, o->domid, o->live, o->copied, err))
            g_clear_pointer(&dm_state, g_bytes_unref);
        gsize dm_len = 0;
        const void *dm_bytes = dm_state ? g_bytes_get_data(dm_state, &dm_len) : NULL;
        ok = dm_state && vd_save_write_record(w, VD_SAVE_DM_STATE, NULL, 0, dm_bytes, dm_len, err);
    }
    if (ok && o->logging) /* what the last round left, and what was written since */
        ok = fetch_dirty(o, err) >= 0 && send_dirty(o, w, err) >= 0;
    else if (ok)
        ok = hv->ops->migrate_memory(hv, o->domid, o->live, o->platform, NULL, w, err) >= 0;
    ok = ok && hv->ops->migrate_contexts(hv, o->domid, o->live, w, err);
    if (ok) {
        ok = vd_save_writer_commit(w, err);
        w = NULL;
    }
    vd_save_writer_abort(w);
    if (ok && shutdown(fd, SHUT_WR) != 0) {
        vd_fail_errno(err, errno, "cannot end the migration stream");
        ok = false;
    }
    return ok && read_answer(fd, peer, err);
}

/* A running domain's limits outlive a daemon restart (vd-recovery.c reads them back). */
static bool keep_limits(vd_daemon *d, vd_domain *dom, vd_error **err)
{
    vd_read_lock(d);
    g_autofree char *running = dom->id >= 0 ? g_strdup(dom->live->name) : NULL;
    vd_read_unlock(d);
    return !running ||
           vd_store_set_limits(d->cfg, running,
                               __atomic_load_n(&dom->migrate_downtime_ms, __ATOMIC_RELAXED),
                               __atomic_load_n(&dom->migrate_speed_mib, __ATOMIC_RELAXED), err);
}

/* Puts the source's guest back as it was before the migration began. */
static void undo_outgoing(outgoing *o, bool was_running)
{
    g_autoptr(vd_error) e = NULL;
    vd_store_set_migrating(o->d->cfg, o->live->name, VD_MIGRATING_NONE, NULL);
    if (o->throttle && !throttle_guest(o, 0, &e))
        g_warning("domain '%s': its scheduling stays throttled: %s", o->live->name, e->message);
    g_clear_pointer(&e, vd_error_free);
    if (o->logging && !o->d->hv->ops->migrate_log_dirty(o->d->hv, o->domid, false, &e))
        g_warning("domain '%s': %s", o->live->name, e->message);
    g_clear_pointer(&e, vd_error_free);
    if (o->dm_logging && !vd_dm_dirty_log(o->d->cfg, o->domid, o->live->name, false, &e))
        g_warning("domain '%s': %s", o->live->name, e->message);
    g_clear_pointer(&e, vd_error_free);
    if (o->mirroring)
        vd_disk_copy_cancel(o->d->cfg, o->domid, o->live, o->copied);
    if (o->dm_quiesced && !vd_dm_resume(o->d->cfg, o->domid, o->live->name, &e))
        g_warning("domain '%s': its devices stay quiesced: %s", o->live->name, e->message);
    g_clear_pointer(&e, vd_error_free);
    if (was_running && o->paused) {
        if (!o->d->hv->ops->domain_unpause(o->d->hv, o->domid, &e)) {
            g_warning("domain '%s': cannot run it again: %s", o->live->name, e->message);
            return;
        }
        vd_write_lock(o->d);
        set_paused_locked(o, false);
        vd_write_unlock(o->d);
    }
}

void vd_domain_migrate_end_interrupted(vd_daemon *d, vd_domain *dom)
{
    const char *name = dom->live->name;
    vd_migrating_phase phase = vd_store_get_migrating(d->cfg, name);
    if (phase == VD_MIGRATING_NONE)
        return;
    if (phase == VD_MIGRATING_HANDED_OVER) {
        vd_write_lock(d);
        dom->migrated_out = true;
        dom->migrated_out_was_running = true;
        if (dom->state == VIR_DOMAIN_PAUSED)
            dom->reason = VIR_DOMAIN_PAUSED_MIGRATION;
        vd_write_unlock(d);
        g_message("domain '%s' had been handed over to another node when the daemon stopped: "
                  "it stays paused here (destroy it if it runs there, else resume it)",
                  name);
        return;
    }
    bool stopped = phase == VD_MIGRATING_STOPPED && dom->state == VIR_DOMAIN_PAUSED;
    bool devices = vd_domain_dm_device_count(dom->live) > 0;
    outgoing o = {.d = d,
                  .dom = dom,
                  .live = dom->live,
                  .domid = dom->id,
                  .logging = true,
                  .dm_logging = devices,
                  .throttle = THROTTLE_MAX, /* --auto-converge may have throttled it */
                  .paused = stopped,
                  .dm_quiesced = stopped && devices,
                  .mirroring = true};
    vd_disk_copy_select(dom->live, NULL, 0, &o.copied, NULL); /* whichever it copied */
    undo_outgoing(&o, true);
    g_message("domain '%s': its outgoing migration ended with the daemon; the guest stays here",
              name);
}

/* A guest handed over (paused, its devices quiesced) is this node's again: it runs as it
 * did before the migration (job held). */
static void take_back(vd_daemon *d, vd_domain *dom, const vd_domain_def *live, int domid,
                      bool was_running)
{
    outgoing o = {.d = d,
                  .dom = dom,
                  .live = live,
                  .domid = domid,
                  .paused = true,
                  .dm_quiesced = vd_domain_dm_device_count(live) > 0};
    undo_outgoing(&o, was_running);
    vd_write_lock(d);
    dom->migrated_out = false;
    vd_write_unlock(d);
}

bool vd_domain_migrate_resume_job(vd_daemon *d, vd_domain *dom, bool *ok, vd_error **err)
{
    vd_read_lock(d);
    bool ours = dom->id >= 0 && dom->state == VIR_DOMAIN_PAUSED &&
                dom->reason == VIR_DOMAIN_PAUSED_MIGRATION;
    int domid = dom->id;
    g_autoptr(vd_domain_def) live = ours ? vd_domain_def_copy(dom->live) : NULL;
    vd_read_unlock(d);
    if (!ours)
        return false;
    take_back(d, dom, live, domid, true);
    vd_read_lock(d);
    *ok = dom->state == VIR_DOMAIN_RUNNING;
    vd_read_unlock(d);
    if (!*ok)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s' paused by its migration cannot run again (see the daemon's log)",
                live->name);
    else
        g_message("domain '%s': resumed after its migration handed it over; it runs here",
                  live->name);
    return true;
}

static bool perform_job(vd_daemon *d, vd_domain *dom, const vd_migrate_params *p, unsigned flags,
                        vd_error **err)
{
    bool was_running;
    int domid;
    g_autoptr(vd_domain_def) live = vd_domain_running_copy(d, dom, &was_running, &domid, err);
    if (!live)
        return false;
    vd_read_lock(d);
    bool handed = dom->migrated_out;
    vd_read_unlock(d);
    if (handed) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "domain '%s' was handed over already", live->name);
        return false;
    }
    if (!p->uri) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "no migration URI: the destination did not say where to send the guest");
        return false;
    }
    g_autofree char *host = NULL;
    unsigned port = 0;
    if (!parse_tcp_uri(p->uri, &host, &port, err))
        return false;
    if (!port) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "migration URI '%s' has no port",
                p->uri);
        return false;
    }
    int fd = vd_migrate_connect(host, port, err);
    if (fd < 0)
        return false;
    if (job_connection(d, dom, fd)) {
        vd_fail(err, VIR_ERR_OPERATION_ABORTED, VIR_FROM_DOMAIN,
                "operation aborted: migration out job: canceled by client");
        close(fd);
        return false;
    }
    g_autofree char *peer = g_strdup_printf("%s port %u", host, port);
    outgoing o = {
        .d = d,
        .dom = dom,
        .live = live,
        .domid = domid,
        .platform = live->acpi && live->apic,
        .has_dm = vd_domain_dm_device_count(live) > 0,
        .live_migration = (flags & VIR_MIGRATE_LIVE) && was_running,
        .auto_converge = flags & VIR_MIGRATE_AUTO_CONVERGE,
        .copy_storage = flags & VIR_MIGRATE_NON_SHARED_DISK,
        .host = host,
        .words = dirty_words(live),
    };
    if (o.copy_storage &&
        !vd_disk_copy_select(live, p->migrate_disks, p->n_migrate_disks, &o.copied, err)) {
        job_connection(d, dom, -1);
        close(fd);
        return false;
    }
    o.dirty = g_new0(uint64_t, o.words);
    g_autoptr(vd_error) unkept = NULL;
    if (p->bandwidth_mib) { /* virsh migrate --bandwidth: the domain's limit from now */
        __atomic_store_n(&dom->migrate_speed_mib, p->bandwidth_mib, __ATOMIC_RELAXED);
        if (!keep_limits(d, dom, &unkept))
            g_warning("domain '%s': %s", live->name, unkept->message);
    }
    gint64 start = g_get_monotonic_time();
    bool ok = vd_store_set_migrating(d->cfg, live->name, VD_MIGRATING_COPYING, err) &&
              send_guest(&o, fd, peer, was_running, err);
    o.paused = o.paused || guest_paused(&o); /* a client's suspend is undone too */
    if (job_connection(d, dom, -1)) {
        /* What failed was the connection domjobabort shut: say so. */
        g_clear_pointer(err, vd_error_free);
        vd_fail(err, VIR_ERR_OPERATION_ABORTED, VIR_FROM_DOMAIN,
                "operation aborted: migration out job: canceled by client");
        ok = false;
    }
    close(fd);
    g_free(o.dirty);
    if (!ok) {
        g_message("domain '%s': migration to %s failed: %s", live->name, peer, (*err)->message);
        undo_outgoing(&o, was_running);
        return false;
    }
    g_autoptr(vd_error) e = NULL;
    if (o.logging && !d->hv->ops->migrate_log_dirty(d->hv, domid, false, &e))
        g_warning("domain '%s': %s", live->name, e->message);
    g_clear_pointer(&e, vd_error_free);
    if (o.dm_logging && !vd_dm_dirty_log(d->cfg, domid, live->name, false, &e))
        g_warning("domain '%s': %s", live->name, e->message);
    g_clear_pointer(&e, vd_error_free);
    if (!vd_store_set_migrating(d->cfg, live->name, VD_MIGRATING_HANDED_OVER, &e))
        g_warning("domain '%s': %s", live->name, e->message);
    vd_write_lock(d);
    dom->migrated_out = true;
    dom->migrated_out_was_running = was_running;
    vd_write_unlock(d);
    g_message("domain '%s': handed over to %s in %.1f s", live->name, peer,
              (double)(g_get_monotonic_time() - start) / 1e6);
    return true;
}

bool vd_domain_migrate_perform(vd_daemon *d, const vd_domain_ref *ref, const vd_migrate_params *p,
                               unsigned flags, vd_error **err)
{
    if (!check_flags(flags, err) || !check_disk_params(p, flags, err))
        return false;
    if (flags & VIR_MIGRATE_OFFLINE)
        return true; /* clients skip Perform for offline; nothing to send */
    vd_domain *dom =
        vd_job_begin(d, ref, VD_JOB_MIGRATE_OUT, "virDomainMigratePerform3Params", err);
    if (!dom)
        return false;
    bool ok = perform_job(d, dom, p, flags, err);
    vd_job_completed(d, dom, ok);
    vd_job_end(d, dom);
    return ok;
}

/* ---- Confirm (source) ---------------------------------------------------------------- */

bool vd_domain_migrate_confirm(vd_daemon *d, const vd_domain_ref *ref, const vd_migrate_params *p,
                               unsigned flags, bool cancelled, vd_error **err)
{
    (void)p;
    if (!check_flags(flags, err))
        return false;
    if (flags & VIR_MIGRATE_OFFLINE) {
        if (cancelled || !(flags & VIR_MIGRATE_UNDEFINE_SOURCE))
            return true;
        return vd_domain_undefine(d, ref, 0, err);
    }
    vd_domain *dom =
        vd_job_begin(d, ref, VD_JOB_MIGRATE_OUT, "virDomainMigrateConfirm3Params", err);
    if (!dom)
        return false;
    vd_read_lock(d);
    bool handed = dom->migrated_out, was_running = dom->migrated_out_was_running;
    int domid = dom->id;
    g_autoptr(vd_domain_def) live = dom->live ? vd_domain_def_copy(dom->live) : NULL;
    vd_read_unlock(d);
    bool ok = true;
    if (!handed) {
        /* Perform failed and put the guest back already; nothing to confirm. */
    } else if (cancelled) {
        take_back(d, dom, live, domid, was_running);
        g_message("domain '%s': migration cancelled, running here again", live->name);
    } else {
        g_autoptr(vd_error) e = NULL;
        if (!d->hv->ops->domain_destroy(d->hv, domid, &e))
            g_warning("domain '%s': migrated, but ending it here failed: %s", live->name,
                      e->message);
        vd_domain_stopped_job(d, dom, VIR_DOMAIN_SHUTOFF_MIGRATED,
                              VIR_DOMAIN_EVENT_STOPPED_MIGRATED);
    }
    vd_write_lock(d);
    dom->migrated_out = false;
    bool persistent = dom->def != NULL && !dom->removed;
    vd_write_unlock(d);
    vd_job_end(d, dom);
    if (handed && !cancelled && persistent && (flags & VIR_MIGRATE_UNDEFINE_SOURCE))
        ok = vd_domain_undefine(d, ref, 0, err);
    return ok;
}

/* ---- limits (any time; kept while the daemon runs) ------------------------------------ */

/* Reads or sets the vd_domain field at offset: the four calls below in one place. */
static bool limit_access(vd_daemon *d, const vd_domain_ref *ref, size_t offset, uint64_t *value,
                         bool set, vd_error **err)
{
    vd_domain *dom = vd_lookup_obj(d, ref, err);
    if (!dom)
        return false;
    uint64_t *field = (uint64_t *)((char *)dom + offset);
    bool ok = true;
    if (set) {
        __atomic_store_n(field, *value, __ATOMIC_RELAXED);
        ok = keep_limits(d, dom, err);
    } else {
        *value = __atomic_load_n(field, __ATOMIC_RELAXED);
    }
    vd_domain_unref_obj(dom);
    return ok;
}

bool vd_domain_migrate_set_max_downtime(vd_daemon *d, const vd_domain_ref *ref, uint64_t ms,
                                        vd_error **err)
{
    return limit_access(d, ref, offsetof(vd_domain, migrate_downtime_ms), &ms, true, err);
}

bool vd_domain_migrate_get_max_downtime(vd_daemon *d, const vd_domain_ref *ref, uint64_t *ms,
                                        vd_error **err)
{
    if (!limit_access(d, ref, offsetof(vd_domain, migrate_downtime_ms), ms, false, err))
        return false;
    if (!*ms)
        *ms = DEFAULT_DOWNTIME_MS;
    return true;
}

bool vd_domain_migrate_set_max_speed(vd_daemon *d, const vd_domain_ref *ref, uint64_t mib_per_s,
                                     vd_error **err)
{
    /* Bytes per second must fit 64 bits, as libvirt's own check has it. */
    if (mib_per_s > UINT64_MAX >> 20) {
        vd_fail(err, VIR_ERR_OVERFLOW, VIR_FROM_DOMAIN,
                "bandwidth must be at most %" G_GUINT64_FORMAT " MiB/s", UINT64_MAX >> 20);
        return false;
    }
    return limit_access(d, ref, offsetof(vd_domain, migrate_speed_mib), &mib_per_s, true, err);
}

bool vd_domain_migrate_get_max_speed(vd_daemon *d, const vd_domain_ref *ref, uint64_t *mib_per_s,
                                     vd_error **err)
{
    return limit_access(d, ref, offsetof(vd_domain, migrate_speed_mib), mib_per_s, false, err);
}
