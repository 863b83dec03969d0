/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-domain jobs, as libvirt's drivers keep them: a call that changes a domain holds its
 * job for the whole change (a start's build included), so other changes of that domain
 * wait, with a bound, while calls on other domains and reads go on. virsh domjobinfo
 * reports the job running.
 */
#include "vd-daemon-private.h"

#include <string.h>
#include <sys/socket.h>

bool vd_job_begin_obj(vd_daemon *d, vd_domain *dom, vd_job_kind kind, const char *api,
                      vd_error **err)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)d->cfg->job_wait_ms * 1000;
    g_mutex_lock(&d->job_lock);
    while (dom->job.kind != VD_JOB_NONE) {
        if (!g_cond_wait_until(&d->job_done, &d->job_lock, deadline) &&
            dom->job.kind != VD_JOB_NONE) {
            g_autofree char *holder = g_strdup(dom->job.api);
            g_mutex_unlock(&d->job_lock);
            vd_fail(err, VIR_ERR_OPERATION_TIMEOUT, VIR_FROM_DOMAIN,
                    "cannot acquire state change lock (held by %s)", holder);
            g_message("%s: domain busy with %s for %u ms", api, holder, d->cfg->job_wait_ms);
            vd_domain_unref_obj(dom);
            return false;
        }
    }
    dom->job = (vd_job){.kind = kind, .api = api, .start_us = g_get_monotonic_time()};
    g_mutex_unlock(&d->job_lock);

    /* It may have been undefined while we waited. */
    vd_read_lock(d);
    bool gone = dom->removed;
    vd_read_unlock(d);
    if (gone) {
        vd_fail(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN, "domain no longer exists");
        vd_job_end(d, dom);
        return false;
    }
    return true;
}

vd_domain *vd_job_begin(vd_daemon *d, const vd_domain_ref *ref, vd_job_kind kind, const char *api,
                        vd_error **err)
{
    vd_domain *dom = vd_lookup_obj(d, ref, err);
    return dom && vd_job_begin_obj(d, dom, kind, api, err) ? dom : NULL;
}

vd_domain *vd_domain_claim(vd_daemon *d, const vd_domain_def *def, bool persistent,
                           vd_job_kind kind, const char *api, bool *added, vd_error **err)
{
    for (;;) {
        vd_domain *dom;
        vd_write_lock(d);
        if (!vd_check_unique_locked(d, def, &dom, err)) {
            vd_write_unlock(d);
            return NULL;
        }
        *added = dom == NULL;
        if (!dom) {
            dom = vd_domain_add_locked(d, def, kind, api);
            /* A domain being created is listed (shut off) while it builds, as in libvirt. */
            *(persistent ? &dom->def : &dom->live) = vd_domain_def_copy(def);
            vd_write_unlock(d);
            return dom;
        }
        vd_domain_ref_obj(dom);
        vd_write_unlock(d);
        if (!vd_job_begin_obj(d, dom, kind, api, err))
            return NULL;
        /* Still the same name and uuid after the wait (a rename may have come first)? */
        vd_read_lock(d);
        vd_domain *again;
        bool same = vd_check_unique_locked(d, def, &again, NULL) && again == dom;
        vd_read_unlock(d);
        if (same)
            return dom;
        vd_job_end(d, dom);
    }
}

void vd_job_end(vd_daemon *d, vd_domain *dom)
{
    g_mutex_lock(&d->job_lock);
    dom->job = (vd_job){.kind = VD_JOB_NONE};
    g_cond_broadcast(&d->job_done);
    g_mutex_unlock(&d->job_lock);
    vd_domain_unref_obj(dom);
}

/* The job `dom` runs, as libvirt reports it. job_lock held. */
static void describe_job(const vd_domain *dom, vd_job_info *out)
{
    memset(out, 0, sizeof(*out));
    if (dom->job.kind == VD_JOB_NONE)
        return;
    /* Vireo's jobs have no known end: libvirt's UNBOUNDED. */
    out->type = VIR_DOMAIN_JOB_UNBOUNDED;
    out->operation = dom->job.kind == VD_JOB_START         ? VIR_DOMAIN_JOB_OPERATION_START
                     : dom->job.kind == VD_JOB_SAVE        ? VIR_DOMAIN_JOB_OPERATION_SAVE
                     : dom->job.kind == VD_JOB_MIGRATE_OUT ? VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT
                     : dom->job.kind == VD_JOB_MIGRATE_IN  ? VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN
                                                           : VIR_DOMAIN_JOB_OPERATION_UNKNOWN;
    out->elapsed_ms = (uint64_t)(g_get_monotonic_time() - dom->job.start_us) / 1000;
    out->has_memory = dom->job.kind == VD_JOB_MIGRATE_OUT;
    out->memory = dom->job.progress;
    out->memory.processed = __atomic_load_n(&dom->job.progress.processed, __ATOMIC_RELAXED);
}

bool vd_domain_get_job_info(vd_daemon *d, const vd_domain_ref *ref, vd_job_info *out,
                            vd_error **err)
{
    vd_domain *dom = vd_lookup_obj(d, ref, err);
    if (!dom)
        return false;
    g_mutex_lock(&d->job_lock);
    describe_job(dom, out);
    g_mutex_unlock(&d->job_lock);
    vd_domain_unref_obj(dom);
    return true;
}

void vd_job_completed(vd_daemon *d, vd_domain *dom, bool ok)
{
    g_mutex_lock(&d->job_lock);
    describe_job(dom, &dom->completed_job);
    dom->completed_job.type = dom->job.aborted ? VIR_DOMAIN_JOB_CANCELLED
                              : ok             ? VIR_DOMAIN_JOB_COMPLETED
                                               : VIR_DOMAIN_JOB_FAILED;
    if (dom->completed_job.type == VIR_DOMAIN_JOB_COMPLETED)
        dom->completed_job.memory.remaining = 0; /* the stop-and-copy sent the rest */
    g_mutex_unlock(&d->job_lock);
}

bool vd_domain_get_completed_job_info(vd_daemon *d, const vd_domain_ref *ref, bool keep,
                                      vd_job_info *out, vd_error **err)
{
    vd_domain *dom = vd_lookup_obj(d, ref, err);
    if (!dom)
        return false;
    g_mutex_lock(&d->job_lock);
    *out = dom->completed_job;
    if (!keep)
        memset(&dom->completed_job, 0, sizeof(dom->completed_job));
    g_mutex_unlock(&d->job_lock);
    vd_domain_unref_obj(dom);
    return true;
}

bool vd_domain_abort_job(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_domain *dom = vd_lookup_obj(d, ref, err);
    if (!dom)
        return false;
    g_mutex_lock(&d->job_lock);
    vd_job_kind kind = dom->job.kind;
    bool can = kind == VD_JOB_MIGRATE_OUT && dom->job.has_migration_fd;
    if (can) {
        /* The sender's next write fails; it puts the guest back as it was. */
        dom->job.aborted = true;
        shutdown(dom->job.migration_fd, SHUT_RDWR);
    }
    g_mutex_unlock(&d->job_lock);
    if (!can)
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                kind == VD_JOB_NONE ? "no job is active on the domain"
                                    : "only an outgoing migration can be aborted");
    vd_domain_unref_obj(dom);
    return can;
}
