/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon object: the table of domains (persistent, transient, running), lookups in
 * libvirt's words, lifecycle event delivery, and start-up (load the store, find running
 * domains again, autostart).
 */
#include "vd-daemon-private.h"

#include <libxml/parser.h>
#include <string.h>

typedef struct listener {
    vd_lifecycle_fn fn;
    void *user;
} listener;

typedef struct pending_event {
    vd_daemon *d;
    vd_domain_ref *ref;
    int event, detail;
} pending_event;

void vd_daemon_lock(vd_daemon *d)
{
    g_mutex_lock(&d->lock);
    d->last_activity = g_get_monotonic_time();
}

void vd_daemon_unlock(vd_daemon *d)
{
    g_mutex_unlock(&d->lock);
}

const char *vd_domain_name(const vd_domain *dom)
{
    return dom->live ? dom->live->name : dom->def->name;
}

const unsigned char *vd_domain_uuid(const vd_domain *dom)
{
    return dom->live ? dom->live->uuid : dom->def->uuid;
}

vd_domain_def *vd_domain_current_def(vd_domain *dom)
{
    return dom->live ? dom->live : dom->def;
}

vd_domain_ref *vd_domain_make_ref(const vd_domain *dom)
{
    return vd_domain_ref_new(vd_domain_name(dom), vd_domain_uuid(dom), dom->id);
}

vd_domain *vd_find_by_name(vd_daemon *d, const char *name)
{
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (strcmp(vd_domain_name(dom), name) == 0)
            return dom;
    }
    return NULL;
}

vd_domain *vd_find_by_uuid(vd_daemon *d, const unsigned char uuid[16])
{
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (memcmp(vd_domain_uuid(dom), uuid, 16) == 0)
            return dom;
    }
    return NULL;
}

vd_domain *vd_resolve(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_domain *dom = vd_find_by_uuid(d, ref->uuid);
    if (dom)
        return dom;
    char uuid[37];
    vd_uuid_format(ref->uuid, uuid);
    vd_fail(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN, "no domain with matching uuid '%s' (%s)", uuid,
            ref->name ? ref->name : "");
    return NULL;
}

vd_domain *vd_resolve_active(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && dom->id < 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not running");
        return NULL;
    }
    return dom;
}

vd_domain *vd_resolve_persistent(vd_daemon *d, const vd_domain_ref *ref, const char *what,
                                 vd_error **err)
{
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom && !dom->def) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "cannot %s transient domain",
                what);
        return NULL;
    }
    return dom;
}

static void domain_free(vd_domain *dom)
{
    vd_domain_def_free(dom->def);
    vd_domain_def_free(dom->live);
    g_free(dom);
}

void vd_domain_remove(vd_daemon *d, vd_domain *dom)
{
    g_ptr_array_remove(d->domains, dom);
}

static gboolean deliver_event(gpointer data)
{
    pending_event *ev = data;
    vd_daemon *d = ev->d;
    /* Copy the listeners so none runs under the lock and each may (de)register. */
    g_mutex_lock(&d->lock);
    g_hash_table_remove(d->pending, ev);
    g_autoptr(GArray) copy = g_array_new(FALSE, FALSE, sizeof(listener));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, d->listeners);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_array_append_vals(copy, value, 1);
    g_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < copy->len; i++) {
        listener *l = &g_array_index(copy, listener, i);
        l->fn(ev->ref, ev->event, ev->detail, l->user);
    }
    return G_SOURCE_REMOVE;
}

static void pending_event_free(gpointer data)
{
    pending_event *ev = data;
    vd_domain_ref_free(ev->ref);
    g_free(ev);
}

void vd_emit(vd_daemon *d, const vd_domain *dom, int event, int detail)
{
    pending_event *ev = g_new0(pending_event, 1);
    ev->d = d;
    ev->ref = vd_domain_make_ref(dom);
    ev->event = event;
    ev->detail = detail;
    g_message("domain '%s': event %d detail %d", ev->ref->name, event, detail);
    unsigned source = g_idle_add_full(G_PRIORITY_DEFAULT, deliver_event, ev, pending_event_free);
    g_hash_table_insert(d->pending, ev, GUINT_TO_POINTER(source));
}

unsigned vd_daemon_add_lifecycle_listener(vd_daemon *d, vd_lifecycle_fn fn, void *user)
{
    listener *l = g_new0(listener, 1);
    l->fn = fn;
    l->user = user;
    vd_daemon_lock(d);
    unsigned id = ++d->next_listener_id;
    g_hash_table_insert(d->listeners, GUINT_TO_POINTER(id), l);
    vd_daemon_unlock(d);
    return id;
}

void vd_daemon_remove_lifecycle_listener(vd_daemon *d, unsigned id)
{
    vd_daemon_lock(d);
    g_hash_table_remove(d->listeners, GUINT_TO_POINTER(id));
    vd_daemon_unlock(d);
}

void vd_daemon_client_opened(vd_daemon *d)
{
    vd_daemon_lock(d);
    d->clients++;
    vd_daemon_unlock(d);
}

void vd_daemon_client_closed(vd_daemon *d)
{
    vd_daemon_lock(d);
    if (d->clients)
        d->clients--;
    vd_daemon_unlock(d);
}

bool vd_daemon_idle_for(vd_daemon *d, unsigned secs)
{
    g_mutex_lock(&d->lock);
    bool idle = d->clients == 0 &&
                g_get_monotonic_time() - d->last_activity >= (gint64)secs * G_USEC_PER_SEC;
    for (unsigned i = 0; idle && i < d->domains->len; i++)
        idle = ((vd_domain *)d->domains->pdata[i])->id < 0;
    g_mutex_unlock(&d->lock);
    return idle;
}

bool vd_check_emulator(vd_daemon *d, const vd_domain_def *def, vd_error **err)
{
    if (!def->emulator || strcmp(def->emulator, d->cfg->emulator) == 0)
        return true;
    vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
            "emulator '%s' is not supported by Vireo: its device model is '%s'", def->emulator,
            d->cfg->emulator);
    return false;
}

bool vd_affect(vd_domain *dom, unsigned flags, bool *live, bool *config, vd_error **err)
{
    bool active = dom->id >= 0;
    *live = flags & VIR_DOMAIN_AFFECT_LIVE;
    *config = flags & VIR_DOMAIN_AFFECT_CONFIG;
    if (!*live && !*config) {
        *live = active;
        *config = !active;
    }
    if (*live && !active) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not running");
        return false;
    }
    if (*config && !dom->def) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "cannot change persistent config of a transient domain");
        return false;
    }
    return true;
}

static vd_domain *add_domain(vd_daemon *d)
{
    vd_domain *dom = g_new0(vd_domain, 1);
    dom->id = -1;
    dom->state = VIR_DOMAIN_SHUTOFF;
    dom->reason = VIR_DOMAIN_SHUTOFF_UNKNOWN;
    g_ptr_array_add(d->domains, dom);
    return dom;
}

vd_domain *vd_daemon_add_domain_locked(vd_daemon *d)
{
    return add_domain(d);
}

static void load_definitions(vd_daemon *d)
{
    g_autoptr(GPtrArray) defs = vd_store_load_defs(d->cfg);
    for (unsigned i = 0; i < defs->len; i++) {
        vd_domain_def *def = defs->pdata[i];
        if (vd_find_by_uuid(d, def->uuid) || vd_find_by_name(d, def->name)) {
            g_warning("skipping definition of '%s': name or uuid already taken", def->name);
            continue;
        }
        vd_domain *dom = add_domain(d);
        dom->def = g_steal_pointer(&defs->pdata[i]);
        dom->autostart = vd_store_get_autostart(d->cfg, def->name);
    }
}

/* A status file names a domain that ran when the daemon stopped: adopt it if hv still
 * runs it with the same uuid, else it ended meanwhile. */
static void adopt_running(vd_daemon *d)
{
    /* Without hv (say, the module is not loaded yet) nothing can be checked: keep the
     * status files for a daemon that can, rather than forget running domains. */
    if (!vd_hv_present(d->hv))
        return;
    g_autoptr(GPtrArray) all = vd_store_load_status(d->cfg);
    for (unsigned i = 0; i < all->len; i++) {
        vd_store_status *st = all->pdata[i];
        vd_hv_info info;
        g_autoptr(vd_error) err = NULL;
        int found = d->hv->ops->domain_info(d->hv, st->domid, &info, &err);
        if (found <= 0 || memcmp(info.uuid, st->live->uuid, 16) != 0) {
            g_message("domain '%s' (id %d) no longer runs", st->live->name, st->domid);
            vd_store_delete_status(d->cfg, st->live->name);
            continue;
        }
        vd_domain *dom = vd_find_by_uuid(d, st->live->uuid);
        if (!dom) {
            if (vd_find_by_name(d, st->live->name)) {
                g_warning("running domain '%s' clashes with another definition's name",
                          st->live->name);
                continue;
            }
            dom = add_domain(d); /* transient */
        }
        dom->live = g_steal_pointer(&st->live);
        dom->id = st->domid;
        dom->state = info.state == VD_HV_PAUSED ? VIR_DOMAIN_PAUSED : VIR_DOMAIN_RUNNING;
        dom->reason =
            info.state == VD_HV_PAUSED ? VIR_DOMAIN_PAUSED_USER : VIR_DOMAIN_RUNNING_BOOTED;
        g_message("domain '%s' found running as id %d", dom->live->name, dom->id);
    }
}

/* A defined domain hv runs under its uuid with no status file: the daemon stopped between
 * building it and recording it, so it is still paused where vd_domain_start_locked left
 * it. Adopt it with its definition and record it now. */
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
        int domid = hd->domid;
        dom->live = vd_domain_live_def(dom->def);
        dom->id = domid;
        bool paused = info.state == VD_HV_PAUSED;
        dom->state = paused ? VIR_DOMAIN_PAUSED : VIR_DOMAIN_RUNNING;
        dom->reason = paused ? VIR_DOMAIN_PAUSED_USER : VIR_DOMAIN_RUNNING_BOOTED;
        if (!vd_store_save_status(d->cfg, dom->live, domid, &err)) {
            g_warning("domain '%s': %s", dom->def->name, err->message);
            g_clear_pointer(&err, vd_error_free);
        }
        g_message("domain '%s' found %s as id %d without a status file (the daemon stopped "
                  "while starting it)",
                  dom->def->name, paused ? "paused" : "running", domid);
    }
}

/* Autostart runs once per boot of the node: /run is empty after a reboot. */
static void autostart(vd_daemon *d)
{
    g_autofree char *marker = g_build_filename(d->cfg->state_dir, ".autostarted", NULL);
    if (g_file_test(marker, G_FILE_TEST_EXISTS))
        return;
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (!dom->autostart || dom->id >= 0)
            continue;
        g_autoptr(vd_error) err = NULL;
        if (!vd_domain_start_locked(d, dom, dom->def, false, &err))
            g_warning("autostart of domain '%s' failed: %s", dom->def->name, err->message);
    }
    g_autoptr(vd_error) err = NULL;
    if (!vd_file_write_atomic(marker, "", false, &err))
        g_warning("%s", err->message);
}

static void on_hv_state_changed(void *user)
{
    vd_daemon *d = user;
    vd_daemon_lock(d);
    vd_daemon_refresh_locked(d);
    vd_daemon_unlock(d);
}

vd_daemon *vd_daemon_new(const vd_config *cfg, vd_hv *hv, vd_error **err)
{
    (void)err;
    /* libxml2 wants its global state set up once, before worker threads parse. */
    xmlInitParser();
    vd_daemon *d = g_new0(vd_daemon, 1);
    d->cfg = cfg;
    d->hv = hv;
    g_mutex_init(&d->lock);
    d->domains = g_ptr_array_new_with_free_func((GDestroyNotify)domain_free);
    d->listeners = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    d->pending = g_hash_table_new(NULL, NULL);
    d->last_activity = g_get_monotonic_time();
    hv->state_changed = on_hv_state_changed;
    hv->state_changed_user = d;

    vd_daemon_lock(d);
    load_definitions(d);
    adopt_running(d);
    if (vd_hv_present(hv)) {
        adopt_unrecorded(d);
        autostart(d);
    }
    vd_daemon_unlock(d);
    g_message("%u domains defined or running", d->domains->len);
    return d;
}

void vd_daemon_free(vd_daemon *d)
{
    if (!d)
        return;
    /* Domains keep running: only the daemon's view of them goes away. */
    for (unsigned i = 0; i < d->domains->len; i++)
        vd_console_end_locked(d->domains->pdata[i], false);
    /* Events not delivered yet die with the daemon. */
    GHashTableIter it;
    gpointer source;
    g_hash_table_iter_init(&it, d->pending);
    while (g_hash_table_iter_next(&it, NULL, &source))
        g_source_remove(GPOINTER_TO_UINT(source));
    g_hash_table_unref(d->pending);
    d->hv->state_changed = NULL;
    vd_hv_free(d->hv);
    g_ptr_array_unref(d->domains);
    g_hash_table_unref(d->listeners);
    g_mutex_clear(&d->lock);
    g_free(d);
}
