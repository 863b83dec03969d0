/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lifecycle: start (define+start or create), destroy, shutdown, reboot, reset, suspend,
 * resume, and what happens when hv reports that a domain stopped on its own. Every
 * change holds the domain's job, goes through the hv backend with no lock held, and ends
 * in a lifecycle event.
 */
#include "vd-bootloader.h"
#include "vd-daemon-private.h"
#include "vd-dm.h"
#include "vd-domain-xml.h"
#include "vd-network.h"
#include "vd-storage.h"

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

/* What the guest platform gives every Linux domU, whatever the XML asked for: ACPI
 * tables, local APICs, and COM1 (the guest's ttyS0), whose output is the console ring
 * `virsh console` reads. ELF test guests keep what their XML says. */
static void show_platform(vd_domain_def *live)
{
    live->acpi = live->apic = true;
    live->serial = live->console = true;
    live->console_target = VD_CONSOLE_TARGET_SERIAL;
}

/* The bridge of each interface: its own, or its libvirt network's, which must be active.
 * Returns a NULL-terminated array parallel to def->nets, NULL with err set. */
static char **resolve_bridges(vd_daemon *d, const vd_domain_def *def, vd_error **err)
{
    g_auto(GStrv) bridges = g_new0(char *, def->nets->len + 1);
    for (unsigned i = 0; i < def->nets->len; i++) {
        const vd_net_def *net = def->nets->pdata[i];
        if (net->type == VD_NET_BRIDGE) {
            bridges[i] = g_strdup(net->source);
            continue;
        }
        vd_networks *nets = d->networks;
        g_mutex_lock(&nets->lock);
        vd_network *found = vd_network_find(nets, net->source, NULL);
        if (found && found->live)
            bridges[i] = g_strdup(found->live->bridge);
        g_mutex_unlock(&nets->lock);
        if (!found) {
            vd_fail(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK,
                    "no network with matching name '%s' (interface %u of domain '%s')", net->source,
                    i, def->name);
            return NULL;
        }
        if (!bridges[i]) {
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK,
                    "network '%s' is not active (interface %u of domain '%s')", net->source, i,
                    def->name);
            return NULL;
        }
    }
    return g_steal_pointer(&bridges);
}

/* Interface n's tap is vif<domid>.<n> while the domain runs. */
static void name_vifs(vd_domain_def *live, int domid)
{
    for (unsigned i = 0; i < live->nets->len; i++) {
        vd_net_def *net = live->nets->pdata[i];
        g_free(net->ifname);
        net->ifname = vd_dm_ifname(domid, i);
    }
}

static void set_state_locked(vd_domain *dom, int state, int reason)
{
    dom->state = state;
    dom->reason = reason;
}

/* The configuration a domain's disks are open with: running, or being started. */
static const vd_domain_def *disks_in_use_locked(const vd_domain *dom)
{
    return dom->starting ? dom->starting : dom->id >= 0 ? dom->live : NULL;
}

/*
 * Marks live's disks as in use by dom unless another running or starting domain holds
 * one of their images in a way that excludes this opening (vd_domain_disk_collision).
 * Checked and marked under one write lock, so two starts cannot both pass. libvirt's
 * QEMU driver meets the same rule as QEMU's image-lock error; ours names both domains.
 */
static bool claim_disks(vd_daemon *d, vd_domain *dom, const vd_domain_def *live, vd_error **err)
{
    for (unsigned i = 0; i < live->disks->len; i++) {
        g_autofree char *why = vd_disk_share_refusal(live->disks->pdata[i]);
        if (why) {
            vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN, "%s", why);
            return false;
        }
    }
    vd_write_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++) {
        const vd_domain *other = d->domains->pdata[i];
        const vd_domain_def *theirs = other == dom ? NULL : disks_in_use_locked(other);
        const vd_disk_def *their_disk = NULL;
        const vd_disk_def *mine =
            theirs ? vd_domain_disk_collision(live, theirs, &their_disk) : NULL;
        if (mine) {
            vd_fail(err, VIR_ERR_RESOURCE_BUSY, VIR_FROM_DOMAIN,
                    "disk '%s' (%s) of domain '%s' is in use for writing by domain '%s' as "
                    "'%s': an image two domains write must be <shareable/> in both",
                    mine->target, mine->source, live->name, vd_domain_name(other),
                    their_disk->target);
            vd_write_unlock(d);
            return false;
        }
    }
    dom->starting = live;
    vd_write_unlock(d);
    return true;
}

/* Builds live paused in hv: from a save image when restoring, from its <kernel>, or from
 * what its first disk boots (vd-bootloader.h), which the live definition does not show. */
static int build_paused(vd_daemon *d, const vd_domain_def *live, vd_save_reader *restore,
                        bool *platform, GBytes **dm_state, vd_error **err)
{
    if (restore) /* a migration stream carries the device state among hv's records */
        return d->hv->ops->domain_restore(d->hv, live, restore, platform,
                                          *dm_state ? NULL : dm_state, err);
    if (live->kernel || !vd_hv_present(d->hv))
        return d->hv->ops->domain_start(d->hv, live, true, platform, err);
    vd_boot_image boot;
    if (!vd_bootloader_run(d->cfg, live, &boot, err))
        return -1;
    g_autoptr(vd_domain_def) booted = vd_domain_def_copy(live);
    g_free(booted->kernel);
    g_free(booted->initrd);
    g_free(booted->cmdline);
    booted->kernel = g_strdup(boot.kernel);
    booted->initrd = g_strdup(boot.initrd);
    booted->cmdline = g_strdup(boot.cmdline);
    booted->boot_hd = false;
    int domid = d->hv->ops->domain_start(d->hv, booted, true, platform, err);
    vd_boot_image_clear(&boot);
    return domid;
}

static bool start_claimed(vd_daemon *d, vd_domain *dom, vd_domain_def **livep, bool paused,
                          vd_save_reader *restore, GBytes *saved_dm_state, vd_start_origin origin,
                          vd_error **err)
{
    g_autoptr(GBytes) dm_state = saved_dm_state ? g_bytes_ref(saved_dm_state) : NULL;
    vd_domain_def *live = *livep;
    g_auto(GStrv) bridges = resolve_bridges(d, live, err);
    /* Without hv its own "not present" error says it best: the device model comes after. */
    if (!bridges || (vd_hv_present(d->hv) && !vd_dm_check(d->cfg, live, err)))
        return false;
    /* Built paused, recorded, its device model started, then run: a guest never runs
     * without a status file telling a restarted daemon about it, nor without its devices.
     * Killed before the record, the daemon still finds the paused domain by its uuid
     * (vd-recovery.c). */
    bool platform = false;
    int domid = build_paused(d, live, restore, &platform, &dm_state, err);
    if (domid < 0) {
        g_message("domain '%s': start failed", live->name);
        return false;
    }
    if (platform)
        show_platform(live);
    name_vifs(live, domid);
    g_autoptr(vd_error) cleanup_err = NULL;
    if (!vd_store_save_status(d->cfg, live, domid, err)) {
        d->hv->ops->domain_destroy(d->hv, domid, &cleanup_err);
        return false;
    }
    if (dm_state && !g_bytes_get_size(dm_state))
        g_clear_pointer(&dm_state, g_bytes_unref); /* a guest without virtio devices */
    if (origin == VD_START_MIGRATION)              /* disks copied here: their NBD server lets go */
        vd_domain_migrate_let_go_disks(d, dom);
    if (!vd_dm_start(d->cfg, live, domid, (const char *const *)bridges, dm_state, err) ||
        (!paused && !d->hv->ops->domain_unpause(d->hv, domid, err))) {
        g_message("domain '%s': start failed: %s", live->name, (*err)->message);
        vd_store_delete_status(d->cfg, live->name);
        d->hv->ops->domain_destroy(d->hv, domid, &cleanup_err);
        vd_dm_stop(d->cfg, domid, live->name);
        return false;
    }
    vd_write_lock(d);
    vd_domain_def_free(dom->live); /* a new transient domain's stand-in */
    dom->live = g_steal_pointer(livep);
    dom->starting = NULL;
    dom->id = domid;
    static const struct {
        int running, paused, started, suspended;
        const char *verb;
    } how[] = {
        [VD_START_BOOT] = {VIR_DOMAIN_RUNNING_BOOTED, VIR_DOMAIN_PAUSED_USER,
                           VIR_DOMAIN_EVENT_STARTED_BOOTED, VIR_DOMAIN_EVENT_SUSPENDED_PAUSED,
                           "started"},
        [VD_START_RESTORE] = {VIR_DOMAIN_RUNNING_RESTORED, VIR_DOMAIN_PAUSED_USER,
                              VIR_DOMAIN_EVENT_STARTED_RESTORED,
                              VIR_DOMAIN_EVENT_SUSPENDED_RESTORED, "restored"},
        [VD_START_MIGRATION] = {VIR_DOMAIN_RUNNING_MIGRATED, VIR_DOMAIN_PAUSED_MIGRATION,
                                VIR_DOMAIN_EVENT_STARTED_MIGRATED,
                                VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED, "migrated in"},
    };
    if (paused)
        set_state_locked(dom, VIR_DOMAIN_PAUSED, how[origin].paused);
    else
        set_state_locked(dom, VIR_DOMAIN_RUNNING, how[origin].running);
    vd_emit(d, dom, VIR_DOMAIN_EVENT_STARTED, how[origin].started);
    if (paused)
        vd_emit(d, dom, VIR_DOMAIN_EVENT_SUSPENDED, how[origin].suspended);
    vd_write_unlock(d);
    g_message("domain '%s': %s as id %d", vd_domain_name(dom), how[origin].verb, domid);
    return true;
}

/* A disk without <driver type> on a pool's volume is opened as the pool knows that volume
 * (vd_vol_format_of_path), and the live XML says so; any other such disk is raw. */
static void take_volume_formats(vd_daemon *d, vd_domain_def *live)
{
    for (unsigned i = 0; i < live->disks->len; i++) {
        vd_disk_def *disk = live->disks->pdata[i];
        if (disk->format || disk->type == VD_DISK_NETWORK)
            continue;
        disk->format = vd_vol_format_of_path(d, disk->source);
        if (disk->format)
            g_message("domain '%s': disk %s is a %s volume", live->name, disk->target,
                      disk->format);
    }
}

bool vd_domain_start_job(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, bool paused,
                         vd_error **err)
{
    return vd_domain_start_job_from(d, dom, config, paused, NULL, NULL, err);
}

bool vd_domain_start_job_from(vd_daemon *d, vd_domain *dom, const vd_domain_def *config,
                              bool paused, vd_save_reader *restore, GBytes *dm_state,
                              vd_error **err)
{
    return vd_domain_start_job_as(d, dom, config, paused, restore, dm_state,
                                  restore ? VD_START_RESTORE : VD_START_BOOT, err);
}

bool vd_domain_start_job_as(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, bool paused,
                            vd_save_reader *restore, GBytes *dm_state, vd_start_origin origin,
                            vd_error **err)
{
    if (dom->id >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is already running");
        return false;
    }
    g_autoptr(vd_domain_def) live = vd_domain_live_def(config);
    take_volume_formats(d, live);
    if (!claim_disks(d, dom, live, err))
        return false;
    if (start_claimed(d, dom, &live, paused, restore, dm_state, origin, err))
        return true;
    vd_write_lock(d);
    dom->starting = NULL;
    vd_write_unlock(d);
    return false;
}

vd_domain_def *vd_domain_running_copy(vd_daemon *d, vd_domain *dom, bool *was_running, int *domid,
                                      vd_error **err)
{
    vd_read_lock(d);
    vd_domain_def *live = vd_check_active(dom, err) ? vd_domain_def_copy(dom->live) : NULL;
    *was_running = dom->state == VIR_DOMAIN_RUNNING;
    *domid = dom->id;
    vd_read_unlock(d);
    return live;
}

/* `reason` is the VIR_DOMAIN_SHUTOFF_* reason, `detail` the STOPPED event detail. */
void vd_domain_stopped_job(vd_daemon *d, vd_domain *dom, int reason, int detail)
{
    vd_store_delete_status(d->cfg, vd_domain_name(dom));
    /* Its device model exits by itself once hv ended the domain; make sure of it. */
    vd_dm_stop(d->cfg, dom->id, vd_domain_name(dom));
    g_message("domain '%s': stopped (id %d)", vd_domain_name(dom), dom->id);
    vd_write_lock(d);
    vd_console_end_locked(dom, true);
    dom->id = -1;
    dom->autodestroy = 0;
    set_state_locked(dom, VIR_DOMAIN_SHUTOFF, reason);
    vd_emit(d, dom, VIR_DOMAIN_EVENT_STOPPED, detail);
    g_clear_pointer(&dom->live, vd_domain_def_free);
    if (!dom->def)
        vd_domain_remove_locked(d, dom); /* transient: gone with its last run */
    vd_write_unlock(d);
}

/* VIR_DOMAIN_START_AUTODESTROY binds the run to the connection asking for it. */
static bool autodestroy_possible(unsigned flags, uint64_t client, vd_error **err)
{
    if ((flags & VIR_DOMAIN_START_AUTODESTROY) && !client) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                "autodestroy needs a client connection to tie the domain to");
        return false;
    }
    return true;
}

/* A start succeeded (job held). */
static void mark_autodestroy(vd_daemon *d, vd_domain *dom, unsigned flags, uint64_t client)
{
    if (!(flags & VIR_DOMAIN_START_AUTODESTROY))
        return;
    vd_write_lock(d);
    dom->autodestroy = client;
    vd_write_unlock(d);
    vd_daemon_check_client(d, dom, client); /* its destroy waits for this start's job */
}

vd_domain_ref *vd_domain_create_xml(vd_daemon *d, const char *xml, unsigned flags, uint64_t client,
                                    vd_error **err)
{
    VD_CHECK_FLAGS(
        flags, VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY | VIR_DOMAIN_START_VALIDATE,
        err, NULL);
    if (!autodestroy_possible(flags, client, err))
        return NULL;
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, err);
    if (!def || !vd_check_emulator(d, def, err))
        return NULL;
    bool added;
    vd_domain *dom =
        vd_domain_claim(d, def, false, VD_JOB_START, "virDomainCreateXML", &added, err);
    if (!dom)
        return NULL;
    if (dom->id >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain '%s' is already active",
                def->name);
        vd_job_end(d, dom);
        return NULL;
    }
    /* An inactive persistent domain runs this XML once and stays persistent. */
    vd_domain_ref *ref = NULL;
    if (vd_domain_start_job(d, dom, def, flags & VIR_DOMAIN_START_PAUSED, err)) {
        mark_autodestroy(d, dom, flags, client);
        vd_read_lock(d);
        ref = vd_domain_make_ref(dom);
        vd_read_unlock(d);
    } else if (!dom->def) {
        vd_write_lock(d);
        vd_domain_remove_locked(d, dom);
        vd_write_unlock(d);
    }
    vd_job_end(d, dom);
    return ref;
}

bool vd_domain_create(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, uint64_t client,
                      vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_AUTODESTROY |
                       VIR_DOMAIN_START_BYPASS_CACHE | VIR_DOMAIN_START_FORCE_BOOT,
                   err, false);
    if (!autodestroy_possible(flags, client, err))
        return false;
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_START, "virDomainCreate", err);
    if (!dom)
        return false;
    int restored =
        dom->def && dom->id < 0 ? vd_domain_start_from_managed_save(d, dom, flags, err) : 0;
    bool ok = restored > 0 ||
              (restored == 0 && vd_domain_start_job(d, dom, vd_domain_current_def(dom),
                                                    flags & VIR_DOMAIN_START_PAUSED, err));
    if (ok)
        mark_autodestroy(d, dom, flags, client);
    vd_job_end(d, dom);
    return ok;
}

/* Job held. */
static bool destroy_job(vd_daemon *d, vd_domain *dom, vd_error **err)
{
    bool ok = vd_check_active(dom, err) && d->hv->ops->domain_destroy(d->hv, dom->id, err);
    if (ok) {
        vd_write_lock(d);
        vd_emit(d, dom, VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_HOST);
        vd_write_unlock(d);
        vd_domain_stopped_job(d, dom, VIR_DOMAIN_SHUTOFF_DESTROYED,
                              VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    }
    return ok;
}

bool vd_domain_destroy(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    /* GRACEFUL only forbids SIGKILL-style escalation, which hv never does. */
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_DESTROY_GRACEFUL, err, false);
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_DESTROY, "virDomainDestroy", err);
    if (!dom)
        return false;
    bool ok = destroy_job(d, dom, err);
    vd_job_end(d, dom);
    return ok;
}

void vd_domain_autodestroy(vd_daemon *d, vd_domain *dom, uint64_t client)
{
    vd_read_lock(d);
    bool marked = dom->autodestroy == client;
    g_autofree char *name = marked ? g_strdup(vd_domain_name(dom)) : NULL; /* may go */
    vd_read_unlock(d);
    g_autoptr(vd_error) err = NULL;
    if (!marked)
        return;
    if (!vd_job_begin_obj(d, vd_domain_ref_obj(dom), VD_JOB_DESTROY, "autodestroy", &err)) {
        g_warning("domain '%s': its autodestroy client closed, but it cannot be destroyed: %s",
                  name, err->message);
        return;
    }
    /* Another start may have come between (the run it marked is over then). */
    vd_read_lock(d);
    marked = dom->autodestroy == client;
    vd_read_unlock(d);
    if (marked && destroy_job(d, dom, &err))
        g_message("domain '%s': destroyed, as its autodestroy client closed", name);
    else if (marked)
        g_warning("domain '%s': autodestroy failed: %s", name, err->message);
    vd_job_end(d, dom);
}

/* Shutdown and reboot ask the guest (ACPI power button); hv reports the outcome. */
static bool request(vd_daemon *d, const vd_domain_ref *ref, bool reboot, vd_error **err)
{
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_SHUTDOWN,
                                  reboot ? "virDomainReboot" : "virDomainShutdown", err);
    if (!dom)
        return false;
    bool ok = vd_check_active(dom, err) &&
              d->hv->ops->domain_request_shutdown(d->hv, dom->id, reboot, err);
    vd_job_end(d, dom);
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

/* Stops the domain in hv and starts `config` again under the same entry (a transient
 * domain keeps its entry across the gap). */
static bool restart_job(vd_daemon *d, vd_domain *dom, const vd_domain_def *config, int reason,
                        int detail, vd_error **err)
{
    bool transient = dom->def == NULL;
    if (transient) {
        vd_write_lock(d);
        dom->def = vd_domain_def_copy(config); /* keeps the entry through the stop */
        vd_write_unlock(d);
    }
    vd_domain_stopped_job(d, dom, reason, detail);
    bool ok = vd_domain_start_job(d, dom, transient ? dom->def : config, false, err);
    if (transient) {
        vd_write_lock(d);
        g_clear_pointer(&dom->def, vd_domain_def_free);
        if (!ok)
            vd_domain_remove_locked(d, dom);
        vd_write_unlock(d);
    }
    return ok;
}

/* libvirt's reboot event for clients that follow guest resets (virsh event --event reboot),
 * sent once the guest runs again. Job held. */
static void announce_reboot(vd_daemon *d, vd_domain *dom)
{
    vd_read_lock(d);
    if (dom->id >= 0)
        vd_emit_reboot(d, dom);
    vd_read_unlock(d);
}

/* A hard reset: the same live configuration, rebuilt from scratch. */
bool vd_domain_reset(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, false);
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_START, "virDomainReset", err);
    if (!dom)
        return false;
    bool ok = vd_check_active(dom, err) && d->hv->ops->domain_destroy(d->hv, dom->id, err);
    if (ok) {
        g_autoptr(vd_domain_def) live = vd_domain_def_copy(dom->live);
        ok = restart_job(d, dom, live, VIR_DOMAIN_SHUTOFF_DESTROYED,
                         VIR_DOMAIN_EVENT_STOPPED_DESTROYED, err);
    }
    if (ok)
        announce_reboot(d, dom);
    vd_job_end(d, dom);
    return ok;
}

/* Pause (suspend) or unpause (resume). */
static bool set_paused(vd_daemon *d, const vd_domain_ref *ref, bool pause, vd_error **err)
{
    bool ok;
    if (pause && vd_domain_migrating_suspend(d, ref, &ok, err))
        return ok;
    vd_domain *dom =
        vd_job_begin(d, ref, VD_JOB_SUSPEND, pause ? "virDomainSuspend" : "virDomainResume", err);
    if (!dom)
        return false;
    ok = vd_check_active(dom, err);
    if (ok && !pause && vd_domain_migrate_resume_job(d, dom, &ok, err)) {
        vd_job_end(d, dom);
        return ok;
    }
    bool paused = dom->state == VIR_DOMAIN_PAUSED;
    if (ok && !pause && !paused) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not paused");
        ok = false;
    }
    /* libvirt treats suspending a paused domain as done. */
    if (ok && pause != paused) {
        ok = pause ? d->hv->ops->domain_pause(d->hv, dom->id, err)
                   : d->hv->ops->domain_unpause(d->hv, dom->id, err);
        if (ok) {
            vd_write_lock(d);
            if (pause)
                set_state_locked(dom, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
            else
                set_state_locked(dom, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
            vd_emit(d, dom, pause ? VIR_DOMAIN_EVENT_SUSPENDED : VIR_DOMAIN_EVENT_RESUMED,
                    pause ? VIR_DOMAIN_EVENT_SUSPENDED_PAUSED : VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
            vd_write_unlock(d);
        }
    }
    vd_job_end(d, dom);
    return ok;
}

bool vd_domain_suspend(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    return set_paused(d, ref, true, err);
}

bool vd_domain_resume(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    return set_paused(d, ref, false, err);
}

/* The guest powered off, rebooted or crashed: apply its on_* action. Job held. */
static void apply_action(vd_daemon *d, vd_domain *dom, vd_lifecycle_action action, int reason,
                         int detail)
{
    if (action == VD_ACTION_PRESERVE) {
        vd_write_lock(d);
        set_state_locked(dom, VIR_DOMAIN_CRASHED, VIR_DOMAIN_CRASHED_PANICKED);
        vd_emit(d, dom, VIR_DOMAIN_EVENT_CRASHED, VIR_DOMAIN_EVENT_CRASHED_PANICKED);
        vd_write_unlock(d);
        return;
    }
    g_autoptr(vd_error) err = NULL;
    if (!d->hv->ops->domain_destroy(d->hv, dom->id, &err)) {
        g_warning("domain '%s': cleanup failed: %s", vd_domain_name(dom), err->message);
        g_clear_pointer(&err, vd_error_free);
    }
    if (action != VD_ACTION_RESTART) {
        vd_domain_stopped_job(d, dom, reason, detail);
        return;
    }
    /* A persistent domain restarts with its (possibly redefined) configuration. */
    g_autoptr(vd_domain_def) config = vd_domain_def_copy(dom->def ? dom->def : dom->live);
    if (!restart_job(d, dom, config, reason, detail, &err))
        g_warning("domain '%s': restart failed: %s", config->name, err->message);
}

static void refresh_one(vd_daemon *d, vd_domain *dom)
{
    vd_hv_info info;
    g_autoptr(vd_error) err = NULL;
    if (dom->id < 0 || dom->state == VIR_DOMAIN_CRASHED)
        return; /* it changed while we waited for its job */
    int found = d->hv->ops->domain_info(d->hv, dom->id, &info, &err);
    if (found < 0)
        return;
    if (found == 0) {
        vd_domain_stopped_job(d, dom, VIR_DOMAIN_SHUTOFF_UNKNOWN, VIR_DOMAIN_EVENT_STOPPED_FAILED);
        return;
    }
    if (info.state == VD_HV_CRASHED) {
        g_message("domain '%s' (id %d) crashed: %s", vd_domain_name(dom), dom->id,
                  info.crash_reason ? info.crash_reason : "reason unknown");
        apply_action(d, dom, dom->live->on_crash, VIR_DOMAIN_SHUTOFF_CRASHED,
                     VIR_DOMAIN_EVENT_STOPPED_CRASHED);
        return;
    }
    if (info.state != VD_HV_SHUTDOWN)
        return;
    vd_write_lock(d);
    vd_emit(d, dom, VIR_DOMAIN_EVENT_SHUTDOWN, VIR_DOMAIN_EVENT_SHUTDOWN_GUEST);
    vd_write_unlock(d);
    switch (info.shutdown_reason) {
    case VD_HV_REBOOT:
        apply_action(d, dom, dom->live->on_reboot, VIR_DOMAIN_SHUTOFF_SHUTDOWN,
                     VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
        announce_reboot(d, dom);
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

void vd_daemon_refresh(vd_daemon *d)
{
    g_autoptr(GPtrArray) running = g_ptr_array_new();
    vd_read_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (dom->id >= 0 && dom->state != VIR_DOMAIN_CRASHED)
            g_ptr_array_add(running, vd_domain_ref_obj(dom));
    }
    vd_read_unlock(d);
    for (unsigned i = 0; i < running->len; i++) {
        vd_domain *dom = running->pdata[i];
        g_autoptr(vd_error) err = NULL;
        /* A domain busy for longer than job_wait_ms is looked at with the next notice. */
        if (!vd_job_begin_obj(d, dom, VD_JOB_REFRESH, "hv state change", &err))
            continue;
        refresh_one(d, dom);
        vd_job_end(d, dom);
    }
}
