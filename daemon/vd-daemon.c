/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon object: made from a configuration and a hypervisor backend, it owns the
 * domain table, hears hv's state changes (acted on by a background thread, so a slow
 * restart never holds up the main loop) and counts clients for --timeout.
 */
#include "vd-daemon-private.h"
#include "vd-host.h"
#include "vd-network.h"

#include <libxml/parser.h>

static void refresh_in_background(gpointer data, gpointer user)
{
    (void)data;
    vd_daemon *d = user;
    vd_daemon_refresh(d);
    g_atomic_int_dec_and_test(&d->refreshes_queued);
}

/* hv's notice comes in the main context: hand it to the refresher thread. */
static void on_hv_state_changed(void *user)
{
    vd_daemon *d = user;
    /* One queued refresh covers every notice that comes before it runs. */
    if (g_atomic_int_get(&d->refreshes_queued) > 1)
        return;
    g_atomic_int_inc(&d->refreshes_queued);
    g_thread_pool_push(d->refresher, GINT_TO_POINTER(1), NULL);
}

void vd_daemon_settle(vd_daemon *d)
{
    for (;;) {
        while (g_main_context_iteration(NULL, FALSE))
            ;
        if (g_atomic_int_get(&d->refreshes_queued) == 0 && !g_main_context_pending(NULL))
            return;
        g_usleep(1000);
    }
}

#define CLOSER_THREADS 4

/* What a closed connection left of one domain, for d->closer. */
typedef struct left_behind {
    vd_domain *dom; /* referenced */
    uint64_t client;
} left_behind;

static void end_left_behind(gpointer data, gpointer user)
{
    left_behind *lb = data;
    vd_daemon *d = user;
    vd_domain_migrate_drop_abandoned(d, lb->dom, lb->client);
    vd_domain_autodestroy(d, lb->dom, lb->client);
    vd_domain_unref_obj(lb->dom);
    g_free(lb);
}

static void push_left_behind(vd_daemon *d, vd_domain *dom, uint64_t client)
{
    left_behind *lb = g_new(left_behind, 1);
    lb->dom = vd_domain_ref_obj(dom);
    lb->client = client;
    g_thread_pool_push(d->closer, lb, NULL);
}

static gpointer client_key(uint64_t client)
{
    return (gpointer)(uintptr_t)client; /* ids are counted from 1 on a 64-bit host */
}

uint64_t vd_daemon_client_opened(vd_daemon *d)
{
    vd_note_activity(d);
    uint64_t client = __atomic_add_fetch(&d->next_client, 1, __ATOMIC_RELAXED);
    g_mutex_lock(&d->clients_lock);
    g_hash_table_add(d->open_clients, client_key(client));
    g_mutex_unlock(&d->clients_lock);
    return client;
}

void vd_daemon_client_closed(vd_daemon *d, uint64_t client)
{
    /* --timeout counts from the last client leaving. */
    vd_note_activity(d);
    /* Out of the set before the scan: a tie made after the scan then finds it closed
     * (vd_daemon_check_client). */
    g_mutex_lock(&d->clients_lock);
    g_hash_table_remove(d->open_clients, client_key(client));
    g_mutex_unlock(&d->clients_lock);
    /* Ended off the main loop: an incoming stream may still be coming, a destroy waits
     * for the domain's job. */
    vd_read_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (dom->autodestroy == client || vd_domain_migrate_prepared_by(dom, client))
            push_left_behind(d, dom, client);
    }
    vd_read_unlock(d);
}

void vd_daemon_check_client(vd_daemon *d, vd_domain *dom, uint64_t client)
{
    g_mutex_lock(&d->clients_lock);
    bool open = g_hash_table_contains(d->open_clients, client_key(client));
    g_mutex_unlock(&d->clients_lock);
    if (!open)
        push_left_behind(d, dom, client);
}

bool vd_daemon_idle_for(vd_daemon *d, unsigned secs)
{
    gint64 last = __atomic_load_n(&d->last_activity, __ATOMIC_RELAXED);
    g_mutex_lock(&d->clients_lock);
    unsigned clients = g_hash_table_size(d->open_clients);
    g_mutex_unlock(&d->clients_lock);
    if (clients || g_get_monotonic_time() - last < (gint64)secs * G_USEC_PER_SEC)
        return false;
    bool idle = true;
    g_rw_lock_reader_lock(&d->lock); /* not vd_read_lock: looking is no activity */
    for (unsigned i = 0; idle && i < d->domains->len; i++)
        idle = ((vd_domain *)d->domains->pdata[i])->id < 0;
    g_rw_lock_reader_unlock(&d->lock);
    return idle;
}

vd_daemon *vd_daemon_new(const vd_config *cfg, vd_hv *hv, vd_error **err)
{
    (void)err;
    /* libxml2 wants its global state set up once, before worker threads parse. */
    xmlInitParser();
    vd_daemon *d = g_new0(vd_daemon, 1);
    d->cfg = cfg;
    d->hv = hv;
    vd_host_uuid(cfg, NULL, d->host_uuid);
    vd_domains_init(d);
    g_mutex_init(&d->job_lock);
    g_cond_init(&d->job_done);
    vd_events_init(d);
    d->last_activity = g_get_monotonic_time();
    d->refresher = g_thread_pool_new(refresh_in_background, d, 1, FALSE, NULL);
    /* Several threads: an abandoned incoming migration waits for its stream to end, and
     * must not hold up another domain's autodestroy. Each item takes its domain's job, so
     * two for one domain still run one after the other. */
    d->closer = g_thread_pool_new(end_left_behind, d, CLOSER_THREADS, FALSE, NULL);
    g_mutex_init(&d->clients_lock);
    d->open_clients = g_hash_table_new(g_direct_hash, NULL);
    d->networks = vd_networks_new(cfg); /* before domains: they may autostart on networks */
    vd_recover(d);
    vd_storage_init(d);
    hv->state_changed = on_hv_state_changed;
    hv->state_changed_user = d;
    g_message("%u domains defined or running", d->domains->len);
    return d;
}

void vd_daemon_free(vd_daemon *d)
{
    if (!d)
        return;
    d->hv->state_changed = NULL;
    g_thread_pool_free(d->refresher, FALSE, TRUE);
    g_thread_pool_free(d->closer, FALSE, TRUE);
    g_hash_table_destroy(d->open_clients);
    g_mutex_clear(&d->clients_lock);
    /* Domains keep running: only the daemon's view of them goes away. */
    vd_write_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++)
        vd_console_end_locked(d->domains->pdata[i], false);
    vd_write_unlock(d);
    vd_storage_free(d);
    vd_events_clear(d);
    vd_networks_free(d->networks);
    vd_hv_free(d->hv);
    vd_domains_clear(d);
    g_cond_clear(&d->job_done);
    g_mutex_clear(&d->job_lock);
    g_free(d);
}
