/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server: binds the unix (rw, ro) and TCP listeners, accepts clients, owns the worker
 * pool, the daemon's lifecycle listener and the keepalive timer.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc-auth.h"
#include "rpc-client.h"
#include "rpc-dispatch.h"
#include "rpc-events.h"
#include "rpc-internal.h"
#include "rpc-packet.h"
#include "vd_keepalive_protocol.h"

#define DEFAULT_TCP_PORT 16509
#define DEFAULT_RW_PERMS 0700
#define RO_PERMS 0777
/* GSocket's default backlog of 10 refuses unix clients (EAGAIN) when dozens connect at
 * once, as the 50-client test does; libvirtd uses 30 per socket, we allow more. */
#define LISTEN_BACKLOG 256

static void copy_config(vd_rpc_config *dst, const vd_rpc_config *src)
{
    *dst = *src;
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
    g_free(cfg->unix_rw_path);
    g_free(cfg->unix_ro_path);
    g_free(cfg->tcp_address);
    g_free(cfg->uri);
}

/* ---- accepting ------------------------------------------------------------------------ */

static unsigned client_count(struct vd_rpc_server *s)
{
    unsigned n;

    g_mutex_lock(&s->lock);
    n = s->clients->len;
    g_mutex_unlock(&s->lock);
    return n;
}

static gboolean on_incoming(GSocket *socket, GIOCondition cond, gpointer data)
{
    vd_rpc_listener *l = data;
    struct vd_rpc_server *s = l->server;
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) conn = g_socket_accept(socket, NULL, &err);
    vd_rpc_client *c;

    (void)cond;
    if (!conn) {
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_message("accept failed: %s", err->message);
        return G_SOURCE_CONTINUE;
    }
    c = vd_rpc_client_new(s, conn, l->transport);
    if (s->cfg.max_clients && client_count(s) >= s->cfg.max_clients) {
        g_message("%s: refused: already %u clients (max_clients)", c->peer, s->cfg.max_clients);
        g_socket_close(conn, NULL);
        vd_rpc_client_unref(c);
        return G_SOURCE_CONTINUE;
    }
    c->authenticated = !vd_rpc_auth_needs_polkit(c, &s->cfg);
    g_mutex_lock(&s->lock);
    g_ptr_array_add(s->clients, c);
    g_mutex_unlock(&s->lock);
    g_debug("%s: connected", c->peer);
    vd_rpc_client_start(c);
    return G_SOURCE_CONTINUE;
}

static void listener_free(vd_rpc_listener *l)
{
    if (l->source) {
        g_source_destroy(l->source);
        g_source_unref(l->source);
    }
    if (l->socket) {
        g_socket_close(l->socket, NULL);
        g_object_unref(l->socket);
    }
    if (l->path)
        unlink(l->path);
    g_free(l->path);
    g_free(l);
}

static void listen_on(struct vd_rpc_server *s, GSocket *sock, vd_rpc_transport t, const char *path)
{
    vd_rpc_listener *l = g_new0(vd_rpc_listener, 1);

    l->server = s;
    l->socket = sock;
    l->transport = t;
    l->path = g_strdup(path);
    g_socket_set_blocking(sock, FALSE);
    l->source = g_socket_create_source(sock, G_IO_IN, NULL);
    g_source_set_callback(l->source, G_SOURCE_FUNC(on_incoming), l, NULL);
    g_source_attach(l->source, s->ctx);
    g_ptr_array_add(s->listeners, l);
}

/* A socket file left by a daemon that died is removed; a live one is an error. */
static bool clear_stale_socket(const char *path, GError **err)
{
    g_autoptr(GSocket) probe = NULL;
    g_autoptr(GSocketAddress) addr = NULL;
    struct stat st;

    if (lstat(path, &st) != 0)
        return true;
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s exists and is not a socket", path);
        return false;
    }
    probe = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);
    addr = g_unix_socket_address_new(path);
    if (probe && g_socket_connect(probe, addr, NULL, NULL)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                    "%s is in use by another daemon", path);
        return false;
    }
    unlink(path);
    return true;
}

static bool listen_unix(struct vd_rpc_server *s, const char *path, unsigned mode,
                        vd_rpc_transport t, GError **err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    GSocket *sock;

    if (g_mkdir_with_parents(dir, 0755) != 0) {
        g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "cannot create %s: %s", dir,
                    g_strerror(errno));
        return false;
    }
    if (!clear_stale_socket(path, err))
        return false;
    sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, err);
    if (!sock)
        return false;
    g_socket_set_listen_backlog(sock, LISTEN_BACKLOG);
    if (!g_socket_bind(sock, addr, FALSE, err) || chmod(path, mode) != 0 ||
        !g_socket_listen(sock, err)) {
        if (err && !*err)
            g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "chmod %s: %s", path,
                        g_strerror(errno));
        g_prefix_error(err, "listening on %s: ", path);
        g_object_unref(sock);
        unlink(path);
        return false;
    }
    listen_on(s, sock, t, path);
    return true;
}

static bool listen_tcp(struct vd_rpc_server *s, GError **err)
{
    const vd_rpc_config *cfg = &s->cfg;
    g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(cfg->tcp_address);
    g_autoptr(GSocketAddress) addr = NULL;
    GSocket *sock;

    if (!ip) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "tcp_address '%s' is not an IP address", cfg->tcp_address);
        return false;
    }
    /* Plain TCP carries no authentication or encryption: only this host may reach it.
     * TLS and SASL are not offered by this build, so anything else is refused. */
    if (!g_inet_address_get_is_loopback(ip)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "refusing plain TCP on non-loopback address %s: it would let anyone on "
                    "the network manage domains without authentication; configure TLS or "
                    "SASL (not available in this build) or listen on 127.0.0.1",
                    cfg->tcp_address);
        return false;
    }
    addr = g_inet_socket_address_new(ip, cfg->tcp_port);
    sock = g_socket_new(g_inet_address_get_family(ip), G_SOCKET_TYPE_STREAM, 0, err);
    if (!sock)
        return false;
    g_socket_set_listen_backlog(sock, LISTEN_BACKLOG);
    if (!g_socket_bind(sock, addr, TRUE, err) || !g_socket_listen(sock, err)) {
        g_prefix_error(err, "listening on %s:%u: ", cfg->tcp_address, cfg->tcp_port);
        g_object_unref(sock);
        return false;
    }
    listen_on(s, sock, VD_RPC_TCP, NULL);
    return true;
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
    s->listeners = g_ptr_array_new_with_free_func((GDestroyNotify)listener_free);
    s->next_callback_id = 1;

    if (s->cfg.unix_rw_path &&
        !listen_unix(s, s->cfg.unix_rw_path, s->cfg.unix_rw_perms, VD_RPC_UNIX_RW, err))
        goto fail;
    if (s->cfg.unix_ro_path &&
        !listen_unix(s, s->cfg.unix_ro_path, RO_PERMS, VD_RPC_UNIX_RO, err))
        goto fail;
    if (s->cfg.listen_tcp && !listen_tcp(s, err))
        goto fail;
    if (!s->listeners->len) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no socket configured");
        goto fail;
    }
    s->pool = g_thread_pool_new(vd_rpc_dispatch_worker, s, VD_RPC_WORKERS, FALSE, err);
    if (!s->pool)
        goto fail;
    s->lifecycle_listener = vd_daemon_add_lifecycle_listener(d, vd_rpc_events_on_lifecycle, s);
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
    free_config(&s->cfg);
    g_free(s);
}
