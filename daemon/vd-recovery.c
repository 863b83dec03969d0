/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Start-up: load the stored definitions, find the domains hv still runs (by their status
 * files, or by uuid when the daemon stopped before recording one), and start autostart
 * domains once per boot of the node. Runs before any client is served.
 */
#include "vd-daemon-private.h"
#include "vd-dm.h"

#include <string.h>

static void load_definitions(vd_daemon *d)
{
    g_autoptr(GPtrArray) defs = vd_store_load_defs(d->cfg);
    for (unsigned i = 0; i < defs->len; i++) {
        vd_domain_def *def = defs->pdata[i];
        if (vd_find_by_uuid(d, def->uuid) || vd_find_by_name(d, def->name)) {
            g_warning("skipping definition of '%s': name or uuid already taken", def->name);
            continue;
        }
        vd_domain *dom = vd_domain_add_locked(d, def, VD_JOB_NONE, NULL);
        dom->def = g_steal_pointer(&defs->pdata[i]);
        dom->autostart = vd_store_get_autostart(d->cfg, def->name);
    }
}

/* A domain with devices whose vireo-dm never got ready was still paused in its start when
 * the daemon stopped (vd_domain_start_job): that start failed, end what it left. Returns
 * true if it did. */
static bool end_interrupted_start(vd_daemon *d, const vd_domain_def *def, int domid, bool paused)
{
    if (!paused || vd_domain_dm_device_count(def) == 0 || vd_dm_running_pid(d->cfg, domid))
        return false;
    g_autoptr(vd_error) err = NULL;
    g_message("domain '%s' (id %d) is paused without its device model: its start was "
              "interrupted, destroying it",
              def->name, domid);
    if (!d->hv->ops->domain_destroy(d->hv, domid, &err))
        g_warning("domain '%s': %s", def->name, err->message);
    vd_dm_stop(d->cfg, domid, def->name);
    vd_store_delete_status(d->cfg, def->name);
    return true;
}

static void mark_running(vd_domain *dom, int domid, bool paused)
{
    dom->id = domid;
    dom->state = paused ? VIR_DOMAIN_PAUSED : VIR_DOMAIN_RUNNING;
    dom->reason = paused ? VIR_DOMAIN_PAUSED_USER : VIR_DOMAIN_RUNNING_BOOTED;
}

/* A status file names a domain that ran when the daemon stopped: adopt it if hv still
 * runs it with the same uuid, else it ended meanwhile. */
static void adopt_running(vd_daemon *d)
{
    g_autoptr(GPtrArray) all = vd_store_load_status(d->cfg);
    for (unsigned i = 0; i < all->len; i++) {
        vd_store_status *st = all->pdata[i];
        vd_hv_info info;
        g_autoptr(vd_error) err = NULL;
        int found = d->hv->ops->domain_info(d->hv, st->domid, &info, &err);
        if (found <= 0 || memcmp(info.uuid, st->live->uuid, 16) != 0) {
            g_message("domain '%s' (id %d) no longer runs", st->live->name, st->domid);
            vd_store_delete_status(d->cfg, st->live->name);
            vd_dm_stop(d->cfg, st->domid, st->live->name);
            continue;
        }
        if (end_interrupted_start(d, st->live, st->domid, info.state == VD_HV_PAUSED))
            continue;
        vd_domain *dom = vd_find_by_uuid(d, st->live->uuid);
        if (!dom) {
            if (vd_find_by_name(d, st->live->name)) {
                g_warning("running domain '%s' clashes with another definition's name",
                          st->live->name);
                continue;
            }
            dom = vd_domain_add_locked(d, st->live, VD_JOB_NONE, NULL); /* transient */
        }
        dom->live = g_steal_pointer(&st->live);
        mark_running(dom, st->domid, info.state == VD_HV_PAUSED);
        vd_store_get_limits(d->cfg, dom->live->name, &dom->migrate_downtime_ms,
                            &dom->migrate_speed_mib);
        g_message("domain '%s' found running as id %d", dom->live->name, dom->id);
    }
}

/* A defined domain hv runs under its uuid with no status file: the daemon stopped between
 * building it and recording it, so it is still paused where vd_domain_start_job left it.
 * Adopt it with its definition and record it now. */
static void adopt_unrecorded(vd_daemon *d)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(GArray) running = NULL;
    if (!d->hv->ops->domain_list(d->hv, &running, &err)) {
        g_warning("cannot look for domains started but not recorded: %s", err->message);
        return;
    }
    for (unsigned i = 0; i < running->len; i++) {
        const vd_hv_domain *hd = &g_array_index(running, vd_hv_domain, i);
        vd_domain *dom = vd_find_by_uuid(d, hd->uuid);
        vd_hv_info info;
        if (!dom || dom->id >= 0 || !dom->def ||
            d->hv->ops->domain_info(d->hv, hd->domid, &info, &err) <= 0) {
            g_clear_pointer(&err, vd_error_free);
            continue;
        }
        bool paused = info.state == VD_HV_PAUSED;
        if (end_interrupted_start(d, dom->def, hd->domid, paused))
            continue;
        dom->live = vd_domain_live_def(dom->def);
        mark_running(dom, hd->domid, paused);
        if (!vd_store_save_status(d->cfg, dom->live, hd->domid, &err)) {
            g_warning("domain '%s': %s", dom->def->name, err->message);
            g_clear_pointer(&err, vd_error_free);
        }
        g_message("domain '%s' found %s as id %d without a status file (the daemon stopped "
                  "while starting it)",
                  dom->def->name, paused ? "paused" : "running", hd->domid);
    }
}

/* Outgoing migrations the daemon stopped in the middle of: each running domain's phase
 * file says (vd_domain_migrate_end_interrupted). */
static void end_interrupted_migrations(vd_daemon *d)
{
    g_autoptr(GPtrArray) running =
        g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_unref_obj);
    vd_read_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (dom->id >= 0)
            g_ptr_array_add(running, vd_domain_ref_obj(dom));
    }
    vd_read_unlock(d);
    for (unsigned i = 0; i < running->len; i++)
        vd_domain_migrate_end_interrupted(d, running->pdata[i]);
}

/* Autostart runs once per boot of the node: /run is empty after a reboot. */
static void autostart(vd_daemon *d)
{
    g_autofree char *marker = g_build_filename(d->cfg->state_dir, ".autostarted", NULL);
    if (g_file_test(marker, G_FILE_TEST_EXISTS))
        return;
    g_autoptr(GPtrArray) wanted = g_ptr_array_new();
    vd_read_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (dom->autostart && dom->id < 0)
            g_ptr_array_add(wanted, vd_domain_ref_obj(dom));
    }
    vd_read_unlock(d);
    for (unsigned i = 0; i < wanted->len; i++) {
        vd_domain *dom = wanted->pdata[i];
        g_autoptr(vd_error) err = NULL;
        /* The job takes over the reference. */
        if (!vd_job_begin_obj(d, dom, VD_JOB_START, "autostart", &err))
            continue;
        /* As libvirtd does: an autostarted domain with a managed save image resumes. */
        int restored = vd_domain_start_from_managed_save(d, dom, 0, &err);
        if (restored < 0 || (restored == 0 && !vd_domain_start_job(d, dom, dom->def, false, &err)))
            g_warning("autostart of domain '%s' failed: %s", vd_domain_name(dom), err->message);
        vd_job_end(d, dom);
    }
    g_autoptr(vd_error) err = NULL;
    if (!vd_file_write_atomic(marker, "", false, &err))
        g_warning("%s", err->message);
}

void vd_recover(vd_daemon *d)
{
    vd_write_lock(d);
    load_definitions(d);
    /* Without hv (say, the module is not loaded yet) nothing can be checked: keep the
     * status files for a daemon that can, rather than forget running domains. */
    if (vd_hv_present(d->hv)) {
        adopt_running(d);
        adopt_unrecorded(d);
    }
    vd_write_unlock(d);
    if (vd_hv_present(d->hv)) {
        end_interrupted_migrations(d);
        autostart(d);
    }
}
