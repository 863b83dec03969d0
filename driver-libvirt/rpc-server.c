/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server: accepts clients on the listeners (rpc-listen.c), enforces max_clients, owns
 * the TLS credentials, the worker pool, the daemon's lifecycle listener and the keepalive
 * timer.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include <string.h>

#include "rpc-auth.h"
#include "rpc-client.h"
#include "rpc-dispatch.h"
#include "rpc-events.h"
#include "rpc-events-storage.h"
#include "rpc-internal.h"
#include "rpc-listen.h"
#include "rpc-packet.h"
#include "vd_keepalive_protocol.h"

/* How long accepting stops after accept() failed for want of resources. */
#define ACCEPT_PAUSE_MS 200

#define DEFAULT_TCP_PORT 16509
#define DEFAULT_TLS_PORT 16514
#define DEFAULT_RW_PERMS 0700

static void copy_tls_config(vd_rpc_tls_config *dst, const vd_rpc_tls_config *src)
{
    *dst = *src;
    dst->address = g_strdup(src->address ? src->address : "0.0.0.0");
    dst->ca_file = g_strdup(src->ca_file);
    dst->crl_file = g_strdup(src->crl_file);
    dst->cert_file = g_strdup(src->cert_file);
    dst->key_file = g_strdup(src->key_file);
    dst->priority = g_strdup(src->priority);
    if (!dst->port)
        dst->port = DEFAULT_TLS_PORT;
}

static void free_tls_config(vd_rpc_tls_config *cfg)
{
    g_free(cfg->address);
    g_free(cfg->ca_file);
    g_free(cfg->crl_file);
    g_free(cfg->cert_file);
    g_free(cfg->key_file);
    g_free(cfg->priority);
}

static void copy_config(vd_rpc_config *dst, const vd_rpc_config *src)
{
    *dst = *src;
    copy_tls_config(&dst->tls, &src->tls);
    dst->unix_rw_path = g_strdup(src->unix_rw_path);
    dst->unix_ro_path = g_strdup(src->unix_ro_path);
    dst->tcp_address = g_strdup(src->tcp_address ? src->tcp_address : "127.0.0.1");
    dst->uri = g_strdup(src->uri ? src->uri : "vireo:///system");
    if (!dst->unix_rw_perms)
        dst->unix_rw_perms = DEFAULT_RW_PERMS;
    if (!dst->tcp_port)
        dst->tcp_port = DEFAULT_TCP_PORT;
    if (!dst->keepalive_count)
        dst->keepalive_count = 5;
}

static void free_config(vd_rpc_config *cfg)
{
    free_tls_config(&cfg->tls);
    g_free(cfg->unix_rw_path);
    g_free(cfg->unix_ro_path);
    g_free(cfg->tcp_address);
    g_free(cfg->uri);
}

/* ---- accepting ------------------------------------------------------------------------ */

gboolean vd_rpc_server_on_incoming(GSocket *socket, GIOCondition cond, gpointer data)
{
    vd_rpc_listener *l = data;
    struct vd_rpc_server *s = l->server;
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) conn = g_socket_accept(socket, NULL, &err);
    vd_rpc_client *c;
    unsigned admitted;

    (void)cond;
    if (!conn) {
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return G_SOURCE_CONTINUE;
        /* Out of descriptors (or memory) the connection stays pending and the socket
         * readable: accepting again at once would spin. Give clients time to leave. */
        g_message("accept failed: %s; not accepting for %u ms", err->message,
                  ACCEPT_PAUSE_MS);
        vd_rpc_listener_pause(l, ACCEPT_PAUSE_MS);
        return G_SOURCE_CONTINUE;
    }
    c = vd_rpc_client_new(s, conn, l->transport);
    c->authenticated = !vd_rpc_auth_needs_polkit(c, &s->cfg);
    g_mutex_lock(&s->lock);
    admitted = s->admitted;
    /* Over the limit the client still gets an answer (libvirtd's wording) rather than a
     * connection that hangs or drops without a word. */
    if (s->cfg.max_clients && admitted >= s->cfg.max_clients)
        c->refusal = g_strdup_printf("Too many active clients (%u), dropping connection from %s",
                                     s->cfg.max_clients, c->peer);
    else
        s->admitted++;
    g_ptr_array_add(s->clients, c);
    g_mutex_unlock(&s->lock);
    c->daemon_id = vd_daemon_client_opened(s->daemon);
    if (c->refusal)
        g_message("%s: refused: already %u clients (max_clients)", c->peer, admitted);
    else
        g_debug("%s: connected", c->peer);
    vd_rpc_client_start(c);
    return G_SOURCE_CONTINUE;
}

/* ---- keepalive ----------------------------------------------------------------------- */

/* Pings clients that negotiated keepalive and have been silent for an interval; closes
 * those that stayed silent for interval * count. Main context. */
static gboolean keepalive_tick(gpointer data)
{
    struct vd_rpc_server *s = data;
    gint64 now = g_get_monotonic_time();
    gint64 interval = (gint64)s->cfg.keepalive_interval * G_USEC_PER_SEC;
    g_autoptr(GPtrArray) dead = g_ptr_array_new_with_free_func(
        (GDestroyNotify)vd_rpc_client_unref);
    vd_wire_header ping = {
        .prog = VD_KEEPALIVE_PROGRAM,
        .vers = VD_KEEPALIVE_VERSION,
        .proc = VD_KEEPALIVE_PING,
        .type = VD_WIRE_MESSAGE,
    };

    g_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->clients->len; i++) {
        vd_rpc_client *c = g_ptr_array_index(s->clients, i);

        g_mutex_lock(&c->lock);
        if (c->keepalive && now - c->last_rx_us >= interval) {
            if (c->pings_unanswered >= s->cfg.keepalive_count) {
                g_ptr_array_add(dead, vd_rpc_client_ref(c));
            } else {
                c->pings_unanswered++;
                vd_rpc_client_send_locked(c, vd_rpc_packet_encode_raw(&ping, NULL, 0));
            }
        }
        g_mutex_unlock(&c->lock);
    }
    g_mutex_unlock(&s->lock);
    for (unsigned i = 0; i < dead->len; i++)
        vd_rpc_client_close(g_ptr_array_index(dead, i), "no keepalive answer");
    return G_SOURCE_CONTINUE;
}

/* ---- lifetime ------------------------------------------------------------------------- */

vd_rpc_server *vd_rpc_server_new(vd_daemon *d, const vd_rpc_config *cfg, GError **err)
{
    struct vd_rpc_server *s = g_new0(struct vd_rpc_server, 1);

    s->daemon = d;
    s->ctx = g_main_context_ref_thread_default();
    copy_config(&s->cfg, cfg);
    g_mutex_init(&s->lock);
    s->clients = g_ptr_array_new_with_free_func((GDestroyNotify)vd_rpc_client_unref);
    s->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)vd_rpc_listener_free);
    s->next_callback_id = 1;

    if (s->cfg.tls.listen) {
        s->tls = vd_rpc_tls_context_new(&s->cfg.tls, err);
        if (!s->tls)
            goto fail;
    }
    if (!vd_rpc_listen_all(s, err))
        goto fail;
    s->pool = g_thread_pool_new(vd_rpc_dispatch_worker, s, VD_RPC_WORKERS, FALSE, err);
    /* Keep idle workers: by default GLib ends all but two, and busy clients then pay for
     * thread creation on every burst of calls. */
    g_thread_pool_set_max_unused_threads(VD_RPC_WORKERS);
    if (!s->pool)
        goto fail;
    s->lifecycle_listener = vd_daemon_add_lifecycle_listener(d, vd_rpc_events_on_lifecycle, s);
    s->pool_listener = vd_storage_add_listener(d, vd_rpc_events_on_pool, s);
    s->network_listener = vd_daemon_add_network_listener(d, vd_rpc_events_on_network, s);
    if (s->cfg.keepalive_interval > 0) {
        /* A quarter second keeps ping times close to the configured interval. */
        s->keepalive_timer = g_timeout_source_new(250);
        g_source_set_callback(s->keepalive_timer, keepalive_tick, s, NULL);
        g_source_attach(s->keepalive_timer, s->ctx);
    }
    return s;

fail:
    vd_rpc_server_free(s);
    return NULL;
}

void vd_rpc_server_free(vd_rpc_server *s)
{
    g_autoptr(GPtrArray) clients = NULL;

    if (!s)
        return;
    if (s->keepalive_timer) {
        g_source_destroy(s->keepalive_timer);
        g_source_unref(s->keepalive_timer);
    }
    if (s->lifecycle_listener)
        vd_daemon_remove_lifecycle_listener(s->daemon, s->lifecycle_listener);
    if (s->pool_listener)
        vd_storage_remove_listener(s->daemon, s->pool_listener);
    if (s->network_listener)
        vd_daemon_remove_network_listener(s->daemon, s->network_listener);
    g_ptr_array_unref(s->listeners);

    /* Close every client; each close removes itself from s->clients. */
    clients = g_ptr_array_new_with_free_func((GDestroyNotify)vd_rpc_client_unref);
    g_mutex_lock(&s->lock);
    for (unsigned i = 0; i < s->clients->len; i++)
        g_ptr_array_add(clients, vd_rpc_client_ref(g_ptr_array_index(s->clients, i)));
    g_mutex_unlock(&s->lock);
    for (unsigned i = 0; i < clients->len; i++)
        vd_rpc_client_close(g_ptr_array_index(clients, i), NULL);
    /* Calls still running finish; their replies go nowhere. */
    if (s->pool)
        g_thread_pool_free(s->pool, FALSE, TRUE);
    g_ptr_array_unref(s->clients);
    g_mutex_clear(&s->lock);
    g_main_context_unref(s->ctx);
    vd_rpc_tls_context_free(s->tls);
    free_config(&s->cfg);
    g_free(s);
}
