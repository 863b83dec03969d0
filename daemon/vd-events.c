/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain events (lifecycle and reboot): the listeners the protocol layer registers, and delivery in
 * the GLib default main context, never under a daemon lock, in the order the events happened.
 */
#include "vd-daemon-private.h"

typedef struct listener {
    vd_lifecycle_fn fn;
    void *user;
} listener;

typedef struct pending_event {
    vd_daemon *d;
    vd_domain_ref *ref;
    int event_id, event, detail;
} pending_event;

static gboolean deliver_event(gpointer data)
{
    pending_event *ev = data;
    vd_daemon *d = ev->d;
    /* Copy the listeners so none runs under the lock and each may (de)register. */
    g_mutex_lock(&d->events_lock);
    g_hash_table_remove(d->pending, ev);
    g_autoptr(GArray) copy = g_array_new(FALSE, FALSE, sizeof(listener));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, d->listeners);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_array_append_vals(copy, value, 1);
    g_mutex_unlock(&d->events_lock);
    for (unsigned i = 0; i < copy->len; i++) {
        listener *l = &g_array_index(copy, listener, i);
        l->fn(ev->ref, ev->event_id, ev->event, ev->detail, l->user);
    }
    return G_SOURCE_REMOVE;
}

static void pending_event_free(gpointer data)
{
    pending_event *ev = data;
    vd_domain_ref_free(ev->ref);
    g_free(ev);
}

static void queue_event(vd_daemon *d, const vd_domain *dom, int event_id, int event, int detail)
{
    pending_event *ev = g_new0(pending_event, 1);
    ev->d = d;
    ev->ref = vd_domain_make_ref(dom);
    ev->event_id = event_id;
    ev->event = event;
    ev->detail = detail;
    g_debug("domain '%s': event %d/%d detail %d", ev->ref->name, event_id, event, detail);
    g_mutex_lock(&d->events_lock);
    unsigned source = g_idle_add_full(G_PRIORITY_DEFAULT, deliver_event, ev, pending_event_free);
    g_hash_table_insert(d->pending, ev, GUINT_TO_POINTER(source));
    g_mutex_unlock(&d->events_lock);
}

void vd_emit(vd_daemon *d, const vd_domain *dom, int event, int detail)
{
    queue_event(d, dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE, event, detail);
}

void vd_emit_reboot(vd_daemon *d, const vd_domain *dom)
{
    queue_event(d, dom, VIR_DOMAIN_EVENT_ID_REBOOT, 0, 0);
}

unsigned vd_daemon_add_lifecycle_listener(vd_daemon *d, vd_lifecycle_fn fn, void *user)
{
    listener *l = g_new0(listener, 1);
    l->fn = fn;
    l->user = user;
    g_mutex_lock(&d->events_lock);
    unsigned id = ++d->next_listener_id;
    g_hash_table_insert(d->listeners, GUINT_TO_POINTER(id), l);
    g_mutex_unlock(&d->events_lock);
    return id;
}

void vd_daemon_remove_lifecycle_listener(vd_daemon *d, unsigned id)
{
    g_mutex_lock(&d->events_lock);
    g_hash_table_remove(d->listeners, GUINT_TO_POINTER(id));
    g_mutex_unlock(&d->events_lock);
}

void vd_events_init(vd_daemon *d)
{
    g_mutex_init(&d->events_lock);
    d->listeners = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    d->pending = g_hash_table_new(NULL, NULL);
}

void vd_events_clear(vd_daemon *d)
{
    /* Events not delivered yet die with the daemon. */
    GHashTableIter it;
    gpointer source;
    g_mutex_lock(&d->events_lock);
    g_hash_table_iter_init(&it, d->pending);
    while (g_hash_table_iter_next(&it, NULL, &source)) {
        g_hash_table_iter_remove(&it);
        g_source_remove(GPOINTER_TO_UINT(source));
    }
    g_mutex_unlock(&d->events_lock);
    g_hash_table_unref(d->pending);
    g_hash_table_unref(d->listeners);
    g_mutex_clear(&d->events_lock);
}
