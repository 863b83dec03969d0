/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage pool events (lifecycle and refresh): queued when a pool changes, delivered to
 * the protocol layer's listeners in the default main context, in order, never under the
 * storage lock.
 */
#include "vd-storage-private.h"

typedef struct listener {
    vd_pool_event_fn fn;
    void *user;
} listener;

typedef struct pool_event {
    vd_storage *s;
    vd_pool_ref *ref;
    int event_id, event, detail;
} pool_event;

static void pool_event_free(gpointer data)
{
    pool_event *ev = data;
    vd_pool_ref_free(ev->ref);
    g_free(ev);
}

static gboolean deliver(gpointer data)
{
    pool_event *ev = data;
    vd_storage *s = ev->s;
    g_autoptr(GArray) copy = g_array_new(FALSE, FALSE, sizeof(listener));
    GHashTableIter it;
    gpointer value;
    g_mutex_lock(&s->events_lock);
    g_hash_table_remove(s->pending, ev);
    g_hash_table_iter_init(&it, s->listeners);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_array_append_vals(copy, value, 1);
    g_mutex_unlock(&s->events_lock);
    for (unsigned i = 0; i < copy->len; i++) {
        listener *l = &g_array_index(copy, listener, i);
        l->fn(ev->ref, ev->event_id, ev->event, ev->detail, l->user);
    }
    return G_SOURCE_REMOVE;
}

void vd_pool_emit(vd_daemon *d, const vd_pool *p, int event_id, int event, int detail)
{
    pool_event *ev = g_new0(pool_event, 1);
    ev->s = d->storage;
    ev->ref = vd_pool_make_ref(p);
    ev->event_id = event_id;
    ev->event = event;
    ev->detail = detail;
    g_mutex_lock(&ev->s->events_lock);
    unsigned source = g_idle_add_full(G_PRIORITY_DEFAULT, deliver, ev, pool_event_free);
    g_hash_table_insert(ev->s->pending, ev, GUINT_TO_POINTER(source));
    g_mutex_unlock(&ev->s->events_lock);
}

void vd_pool_events_clear(vd_storage *s)
{
    GHashTableIter it;
    gpointer source;
    g_mutex_lock(&s->events_lock);
    g_hash_table_iter_init(&it, s->pending);
    while (g_hash_table_iter_next(&it, NULL, &source)) {
        g_hash_table_iter_remove(&it);
        g_source_remove(GPOINTER_TO_UINT(source));
    }
    g_mutex_unlock(&s->events_lock);
}

unsigned vd_storage_add_listener(vd_daemon *d, vd_pool_event_fn fn, void *user)
{
    vd_storage *s = d->storage;
    listener *l = g_new0(listener, 1);
    l->fn = fn;
    l->user = user;
    g_mutex_lock(&s->events_lock);
    unsigned id = ++s->next_listener_id;
    g_hash_table_insert(s->listeners, GUINT_TO_POINTER(id), l);
    g_mutex_unlock(&s->events_lock);
    return id;
}

void vd_storage_remove_listener(vd_daemon *d, unsigned id)
{
    vd_storage *s = d->storage;
    g_mutex_lock(&s->events_lock);
    g_hash_table_remove(s->listeners, GUINT_TO_POINTER(id));
    g_mutex_unlock(&s->events_lock);
}
