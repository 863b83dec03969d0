/* SPDX-License-Identifier: GPL-2.0-only */
/* Network lifecycle events: listeners, and delivery in the default main context, in order. */
#include "vd-daemon-private.h"
#include "vd-network.h"

typedef struct net_listener {
    vd_network_event_fn fn;
    void *user;
} net_listener;

typedef struct net_event {
    vd_networks *nets;
    vd_network_ref *ref;
    int event;
} net_event;

static gboolean deliver(gpointer data)
{
    net_event *ev = data;
    g_autoptr(GArray) copy = g_array_new(FALSE, FALSE, sizeof(net_listener));
    g_mutex_lock(&ev->nets->events_lock);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, ev->nets->listeners);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_array_append_vals(copy, value, 1);
    g_mutex_unlock(&ev->nets->events_lock);
    for (unsigned i = 0; i < copy->len; i++) {
        net_listener *l = &g_array_index(copy, net_listener, i);
        l->fn(ev->ref, ev->event, 0, l->user);
    }
    return G_SOURCE_REMOVE;
}

static void net_event_free(gpointer data)
{
    net_event *ev = data;
    vd_network_ref_free(ev->ref);
    g_free(ev);
}

void vd_network_emit(vd_networks *nets, const vd_network_def *def, int event)
{
    net_event *ev = g_new0(net_event, 1);
    ev->nets = nets;
    ev->ref = vd_network_ref_new(def->name, def->uuid);
    ev->event = event;
    g_message("network '%s': event %d", def->name, event);
    g_idle_add_full(G_PRIORITY_DEFAULT, deliver, ev, net_event_free);
}

unsigned vd_daemon_add_network_listener(vd_daemon *d, vd_network_event_fn fn, void *user)
{
    net_listener *l = g_new0(net_listener, 1);
    l->fn = fn;
    l->user = user;
    g_mutex_lock(&d->networks->events_lock);
    unsigned id = ++d->networks->next_listener_id;
    g_hash_table_insert(d->networks->listeners, GUINT_TO_POINTER(id), l);
    g_mutex_unlock(&d->networks->events_lock);
    return id;
}

void vd_daemon_remove_network_listener(vd_daemon *d, unsigned id)
{
    g_mutex_lock(&d->networks->events_lock);
    g_hash_table_remove(d->networks->listeners, GUINT_TO_POINTER(id));
    g_mutex_unlock(&d->networks->events_lock);
}
