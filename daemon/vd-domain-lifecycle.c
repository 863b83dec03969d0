/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lifecycle: start (define+start or create), destroy, shutdown, reboot, reset, suspend,
 * resume, and what happens when hv reports that a domain stopped on its own. Every
 * change goes through the hv backend and ends in a lifecycle event.
 */
#include "vd-daemon-private.h"
#include "vd-domain-xml.h"

#include <string.h>

vd_domain_def *vd_domain_live_def(const vd_domain_def *config)
{
    vd_domain_def *live = vd_domain_def_copy(config);
    /* hv builds guest RAM from 2 MiB pages: the live XML shows what the guest gets. */
    live->memory_kib =
        (live->memory_kib + VD_RAM_GRANULE_KIB - 1) / VD_RAM_GRANULE_KIB * VD_RAM_GRANULE_KIB;
    live->current_kib =
        (live->current_kib + VD_RAM_GRANULE_KIB - 1) / VD_RAM_GRANULE_KIB * VD_RAM_GRANULE_KIB;
    return live;
}

bool vd_domain_start_locked(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, bool paused,
                            vd_error **err)
{
    if (dom->id >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is already running");
        return false;
    }
    g_autoptr(vd_domain_def) live = vd_domain_live_def(config);
    /* Built paused, recorded, then run: a guest never runs without a status file telling
     * a restarted daemon about it. Killed before the record, the daemon still finds the
     * paused domain by its uuid (adopt_running). */
    int domid = d->hv->ops->domain_start(d->hv, live, true, err);
    if (domid < 0) {
        g_message("domain '%s': start failed", live->name);
        return false;
    }
    g_autoptr(vd_error) cleanup_err = NULL;
    if (!vd_store_save_status(d->cfg, live, domid, err)) {
        d->hv->ops->domain_destroy(d->hv, domid, &cleanup_err);
        return false;
    }
    if (!paused && !d->hv->ops->domain_unpause(d->hv, domid, err)) {
        vd_store_delete_status(d->cfg, live->name);
        d->hv->ops->domain_destroy(d->hv, domid, &cleanup_err);
        return false;
    }
    dom->live = g_steal_pointer(&live);
    dom->id = domid;
    dom->state = paused ? VIR_DOMAIN_PAUSED : VIR_DOMAIN_RUNNING;
    dom->reason = paused ? VIR_DOMAIN_PAUSED_USER : VIR_DOMAIN_RUNNING_BOOTED;
    g_message("domain '%s': started as id %d", dom->live->name, domid);
    vd_emit(d, dom, VIR_DOMAIN_EVENT_STARTED, VIR_DOMAIN_EVENT_STARTED_BOOTED);
    if (paused)
        vd_emit(d, dom, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    return true;
}

/* The domain no longer exists in hv: forget its runtime state. `reason` is the
 * VIR_DOMAIN_SHUTOFF_* reason, `detail` the STOPPED event detail. */
void vd_domain_stopped_locked(vd_daemon *d, vd_domain *dom, int reason, int detail)
{
    vd_console_end_locked(dom, true);
    vd_store_delete_status(d->cfg, vd_domain_name(dom));
    g_message("domain '%s': stopped (id %d)", vd_domain_name(dom), dom->id);
    dom->id = -1;
    dom->state = VIR_DOMAIN_SHUTOFF;
    dom->reason = reason;
    vd_emit(d, dom, VIR_DOMAIN_EVENT_STOPPED, detail);
    g_clear_pointer(&dom->live, vd_domain_def_free);
    if (!dom->def)
        vd_domain_remove(d, dom); /* transient: gone with its last run */
}

vd_domain_ref *vd_domain_create_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_VALIDATE, err, NULL);
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, err);
    if (!def || !vd_check_emulator(d, def, err))
        return NULL;
    vd_domain_ref *ref = NULL;
    vd_domain *dom;
    vd_daemon_lock(d);
    if (!vd_check_unique_locked(d, def, &dom, err))
        goto out;
    if (dom && dom->id >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain '%s' is already active",
                def->name);
        goto out;
    }
    /* An inactive persistent domain runs this XML once and stays persistent. */
    bool is_new = dom == NULL;
    if (is_new)
        dom = vd_daemon_add_domain_locked(d);
    if (!vd_domain_start_locked(d, dom, def, flags & VIR_DOMAIN_START_PAUSED, err)) {
        if (is_new)
            vd_domain_remove(d, dom);
        goto out;
    }
    ref = vd_domain_make_ref(dom);
out:
    vd_daemon_unlock(d);
    return ref;
}

bool vd_domain_create(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_START_PAUSED, err, false);
    vd_daemon_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    bool ok = dom && vd_domain_start_locked(d, dom, vd_domain_current_def(dom),
                                            flags & VIR_DOMAIN_START_PAUSED, err);
    vd_daemon_unlock(d);
    return ok;
}

bool vd_domain_destroy(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    /* GRACEFUL only forbids SIGKILL-style escalation, which hv never does. */
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_DESTROY_GRACEFUL, err, false);
    vd_daemon_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    bool ok = dom && d->hv->ops->domain_destroy(d->hv, dom->id, err);
    if (ok) {
        vd_emit(d, dom, VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_HOST);
        vd_domain_stopped_locked(d, dom, VIR_DOMAIN_SHUTOFF_DESTROYED,
                                 VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    }
    vd_daemon_unlock(d);
    return ok;
}

/* Shutdown and reboot ask the guest (ACPI power button); hv reports the outcome. */
static bool request(vd_daemon *d, const vd_domain_ref *ref, bool reboot, vd_error **err)
{
    vd_daemon_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    bool ok = dom && d->hv->ops->domain_request_shutdown(d->hv, dom->id, reboot, err);
    vd_daemon_unlock(d);
    return ok;
}

bool vd_domain_shutdown(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN | VIR_DOMAIN_SHUTDOWN_PARAVIRT, err,
                   false);
    return request(d, ref, false, err);
}

bool vd_domain_reboot(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN | VIR_DOMAIN_SHUTDOWN_PARAVIRT, err,
                   false);
    return request(d, ref, true, err);
}

/* A hard reset: the same live configuration, rebuilt from scratch. */
bool vd_domain_reset(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, false);
    g_autoptr(vd_domain_def) live = NULL;
    vd_daemon_lock(d);
    bool ok = false;
    vd_domain *dom = vd_resolve_active(d, ref, err);
    if (!dom || !d->hv->ops->domain_destroy(d->hv, dom->id, err))
        goto out;
    live = g_steal_pointer(&dom->live);
    dom->live = vd_domain_def_copy(live);
    bool transient = dom->def == NULL;
    if (transient)
        dom->def = vd_domain_def_copy(live); /* keeps the entry through the stop */
    vd_domain_stopped_locked(d, dom, VIR_DOMAIN_SHUTOFF_DESTROYED,
                             VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    ok = vd_domain_start_locked(d, dom, live, false, err);
    if (transient) {
        g_clear_pointer(&dom->def, vd_domain_def_free);
        if (!ok)
            vd_domain_remove(d, dom);
    }
out:
    vd_daemon_unlock(d);
    return ok;
}

bool vd_domain_suspend(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_daemon_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    bool ok = false;
    if (dom && dom->state == VIR_DOMAIN_PAUSED)
        ok = true; /* libvirt treats suspending a paused domain as done */
    else if (dom && d->hv->ops->domain_pause(d->hv, dom->id, err)) {
        dom->state = VIR_DOMAIN_PAUSED;
        dom->reason = VIR_DOMAIN_PAUSED_USER;
        vd_emit(d, dom, VIR_DOMAIN_EVENT_SUSPENDED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
        ok = true;
    }
    vd_daemon_unlock(d);
    return ok;
}

bool vd_domain_resume(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_daemon_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    bool ok = false;
    if (dom && dom->state != VIR_DOMAIN_PAUSED)
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not paused");
    else if (dom && d->hv->ops->domain_unpause(d->hv, dom->id, err)) {
        dom->state = VIR_DOMAIN_RUNNING;
        dom->reason = VIR_DOMAIN_RUNNING_UNPAUSED;
        vd_emit(d, dom, VIR_DOMAIN_EVENT_RESUMED, VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
        ok = true;
    }
    vd_daemon_unlock(d);
    return ok;
}

/* The guest powered off, rebooted or crashed: apply its on_* action. */
static void apply_action(vd_daemon *d, vd_domain *dom, vd_lifecycle_action action, int reason,
                         int detail)
{
    if (action == VD_ACTION_PRESERVE) {
        dom->state = VIR_DOMAIN_CRASHED;
        dom->reason = VIR_DOMAIN_CRASHED_PANICKED;
        vd_emit(d, dom, VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED);
        return;
    }
    g_autoptr(vd_error) err = NULL;
    if (!d->hv->ops->domain_destroy(d->hv, dom->id, &err))
        g_warning("domain '%s': cleanup failed: %s", vd_domain_name(dom), err->message);
    g_autoptr(vd_domain_def) live = vd_domain_def_copy(dom->live);
    bool restart = action == VD_ACTION_RESTART;
    bool transient = dom->def == NULL;
    if (restart && transient)
        dom->def = vd_domain_def_copy(live);
    vd_domain_stopped_locked(d, dom, reason, detail);
    if (!restart)
        return;
    /* A persistent domain restarts with its (possibly redefined) configuration. */
    if (!vd_domain_start_locked(d, dom, transient ? live : dom->def, false, &err))
        g_warning("domain '%s': restart failed: %s", live->name, err->message);
    if (transient) {
        g_clear_pointer(&dom->def, vd_domain_def_free);
        if (dom->id < 0)
            vd_domain_remove(d, dom);
    }
}

static void refresh_one(vd_daemon *d, vd_domain *dom)
{
    vd_hv_info info;
    g_autoptr(vd_error) err = NULL;
    int found = d->hv->ops->domain_info(d->hv, dom->id, &info, &err);
    if (found < 0)
        return;
    if (found == 0) {
        vd_domain_stopped_locked(d, dom, VIR_DOMAIN_SHUTOFF_UNKNOWN,
                                 VIR_DOMAIN_EVENT_STOPPED_FAILED);
        return;
    }
    if (info.state == VD_HV_CRASHED) {
        apply_action(d, dom, dom->live->on_crash, VIR_DOMAIN_SHUTOFF_CRASHED,
                     VIR_DOMAIN_EVENT_STOPPED_CRASHED);
        return;
    }
    if (info.state != VD_HV_SHUTDOWN)
        return;
    vd_emit(d, dom, VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST);
    switch (info.shutdown_reason) {
    case VD_HV_REBOOT:
        apply_action(d, dom, dom->live->on_reboot, VIR_DOMAIN_SHUTOFF_SHUTDOWN,
                     VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
        break;
    case VD_HV_CRASH:
        apply_action(d, dom, dom->live->on_crash, VIR_DOMAIN_SHUTOFF_CRASHED,
                     VIR_DOMAIN_EVENT_STOPPED_CRASHED);
        break;
    case VD_HV_POWEROFF:
        apply_action(d, dom, dom->live->on_poweroff, VIR_DOMAIN_SHUTOFF_SHUTDOWN,
                     VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
        break;
    }
}

void vd_daemon_refresh_locked(vd_daemon *d)
{
    /* Entries may disappear while we walk: iterate over a snapshot. */
    g_autoptr(GPtrArray) running = g_ptr_array_new();
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (dom->id >= 0 && dom->state != VIR_DOMAIN_CRASHED)
            g_ptr_array_add(running, dom);
    }
    for (unsigned i = 0; i < running->len; i++)
        refresh_one(d, running->pdata[i]);
}
