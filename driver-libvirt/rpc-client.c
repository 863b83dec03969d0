/* SPDX-License-Identifier: GPL-2.0-only */
/* Client connections: non-blocking reads into a packet buffer, an ordered output queue. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-client.h"

#include <string.h>
#include <sys/socket.h>

#include "rpc-dispatch.h"
#include "rpc-packet.h"
#include "rpc-stream.h"

#define READ_CHUNK (256u * 1024)
/* How long a client refused for max_clients may take to send its first call. */
#define REFUSAL_GRACE_SECONDS 10

static void describe_peer(vd_rpc_client *c)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GCredentials) creds = NULL;
    g_autoptr(GSocketAddress) addr = NULL;

    if (c->transport == VD_RPC_UNIX_RW || c->transport == VD_RPC_UNIX_RO) {
        creds = g_socket_get_credentials(c->socket, &err);
        if (creds) {
            c->uid = g_credentials_get_unix_user(creds, NULL);
            c->pid = g_credentials_get_unix_pid(creds, NULL);
            c->has_creds = c->uid != (uid_t)-1;
        }
        c->peer = g_strdup_printf("unix%s uid=%d pid=%d",
                                  c->transport == VD_RPC_UNIX_RO ? "-ro" : "", (int)c->uid,
                                  (int)c->pid);
        return;
    }
    addr = g_socket_get_remote_address(c->socket, NULL);
    if (addr && G_IS_INET_SOCKET_ADDRESS(addr)) {
        GInetSocketAddress *in = G_INET_SOCKET_ADDRESS(addr);
        g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(in));

        c->peer = g_strdup_printf("%s %s:%u", c->transport == VD_RPC_TLS ? "tls" : "tcp", ip,
                                  g_inet_socket_address_get_port(in));
        return;
    }
    c->peer = g_strdup(c->transport == VD_RPC_TLS ? "tls ?" : "tcp ?");
}

vd_rpc_client *vd_rpc_client_new(struct vd_rpc_server *server, GSocket *socket,
                                  vd_rpc_transport transport)
{
    vd_rpc_client *c = g_new0(vd_rpc_client, 1);

    g_atomic_ref_count_init(&c->ref);
    c->server = server;
    c->daemon = server->daemon;
    c->ctx = g_main_context_ref(server->ctx);
    c->socket = g_object_ref(socket);
    c->transport = transport;
    c->uid = (uid_t)-1;
    c->pid = -1;
    g_socket_set_blocking(socket, FALSE);
    describe_peer(c);
    g_mutex_init(&c->lock);
    g_queue_init(&c->out_queue);
    c->in_cap = VD_WIRE_MESSAGE_INITIAL;
    c->in_buf = g_malloc(c->in_cap);
    c->last_rx_us = g_get_monotonic_time();
    c->events = g_array_new(FALSE, TRUE, sizeof(vd_rpc_event_reg));
    c->streams = g_hash_table_new(g_direct_hash, g_direct_equal);
    c->readonly = transport == VD_RPC_UNIX_RO;
    return c;
}

vd_rpc_client *vd_rpc_client_ref(vd_rpc_client *c)
{
    g_atomic_ref_count_inc(&c->ref);
    return c;
}

void vd_rpc_client_unref(vd_rpc_client *c)
{
    if (!c || !g_atomic_ref_count_dec(&c->ref))
        return;
    g_queue_clear_full(&c->out_queue, (GDestroyNotify)g_bytes_unref);
    g_array_unref(c->events);
    g_hash_table_unref(c->streams);
    g_mutex_clear(&c->lock);
    g_object_unref(c->socket);
    g_main_context_unref(c->ctx);
    g_free(c->in_buf);
    g_free(c->peer);
    g_free(c->refusal);
    g_free(c);
}

/* Runs fn(c) soon in the client's main context, never inline: callers may hold locks. */
static void schedule(vd_rpc_client *c, GSourceFunc fn)
{
    GSource *idle = g_idle_source_new();

    g_source_set_callback(idle, fn, vd_rpc_client_ref(c), (GDestroyNotify)vd_rpc_client_unref);
    g_source_attach(idle, c->ctx);
    g_source_unref(idle);
}

/* ---- the transport: the socket itself, or a TLS session over it ------------------------ */

static gssize transport_recv(vd_rpc_client *c, void *buf, gsize len, GError **err)
{
    if (c->tls)
        return vd_rpc_tls_recv(c->tls, buf, len, err);
    return g_socket_receive(c->socket, buf, len, NULL, err);
}

static gssize transport_send(vd_rpc_client *c, const void *buf, gsize len, GError **err)
{
    if (c->tls)
        return vd_rpc_tls_send(c->tls, buf, len, err);
    return g_socket_send(c->socket, buf, len, NULL, err);
}

/* ---- output ------------------------------------------------------------------------- */

static gboolean on_writable(GSocket *socket, GIOCondition cond, gpointer data);

/* Writes as much of the queue as the socket takes. Main context. */
static void flush(vd_rpc_client *c)
{
    const char *failure = NULL;
    g_autoptr(GError) err = NULL;

    g_mutex_lock(&c->lock);
    c->flush_pending = false;
    while (!c->closed && !g_queue_is_empty(&c->out_queue)) {
        GBytes *head = g_queue_peek_head(&c->out_queue);
        gsize size;
        const guint8 *data = g_bytes_get_data(head, &size);
        /* A TLS send that would block is repeated with the same bytes: out_offset only
         * moves when something was sent. */
        gssize n = transport_send(c, data + c->out_offset, size - c->out_offset, &err);

        if (n < 0) {
            if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
                if (!c->out_source) {
                    c->out_source = g_socket_create_source(c->socket, G_IO_OUT, NULL);
                    g_source_set_callback(c->out_source, G_SOURCE_FUNC(on_writable), c, NULL);
                    g_source_attach(c->out_source, c->ctx);
                }
                g_mutex_unlock(&c->lock);
                return;
            }
            failure = "write failed";
            break;
        }
        c->out_offset += n;
        if (c->out_offset == size) {
            c->out_bytes -= size;
            c->out_offset = 0;
            g_bytes_unref(g_queue_pop_head(&c->out_queue));
        }
    }
    if (c->out_source) {
        g_source_destroy(c->out_source);
        g_source_unref(c->out_source);
        c->out_source = NULL;
    }
    if (c->close_when_flushed && g_queue_is_empty(&c->out_queue))
        failure = "refused";
    g_mutex_unlock(&c->lock);
    if (failure)
        vd_rpc_client_close(c, NULL); /* the peer went away or was refused: logged already */
}

static gboolean on_writable(GSocket *socket, GIOCondition cond, gpointer data)
{
    (void)socket;
    (void)cond;
    flush(data);
    return G_SOURCE_CONTINUE; /* flush() destroys the source once the queue drains */
}

static gboolean flush_idle(gpointer data)
{
    flush(data);
    return G_SOURCE_REMOVE;
}

static gboolean close_overflowed_idle(gpointer data)
{
    vd_rpc_client_close(data, "client does not read what it is sent (backlog over 64 MiB)");
    return G_SOURCE_REMOVE;
}

/* A reply to an idle plain connection goes straight to the socket from the calling
 * thread (client->lock held, so in order): waking the main context for it costs more
 * than the call. A TLS session is only ever driven from the main context. */
static bool send_at_once(vd_rpc_client *c, GBytes *pkt)
{
    gsize size;
    const guint8 *data = g_bytes_get_data(pkt, &size);

    if (c->transport == VD_RPC_TLS || !g_queue_is_empty(&c->out_queue) || c->out_offset)
        return false;
    ssize_t n = send(g_socket_get_fd(c->socket), data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == (ssize_t)size) {
        g_bytes_unref(pkt);
        return true;
    }
    if (n > 0)
        c->out_offset = n; /* the rest goes out with the queue */
    return false;
}

bool vd_rpc_client_send_locked(vd_rpc_client *c, GBytes *pkt)
{
    if (c->closed || !pkt) {
        if (pkt)
            g_bytes_unref(pkt);
        return false;
    }
    if (c->out_bytes + g_bytes_get_size(pkt) > VD_RPC_MAX_CLIENT_BACKLOG) {
        g_bytes_unref(pkt);
        schedule(c, close_overflowed_idle);
        return false;
    }
    if (send_at_once(c, pkt))
        return true;
    g_queue_push_tail(&c->out_queue, pkt);
    c->out_bytes += g_bytes_get_size(pkt);
    if (!c->flush_pending) {
        c->flush_pending = true;
        schedule(c, flush_idle);
    }
    return true;
}

void vd_rpc_client_close_after_flush(vd_rpc_client *c)
{
    g_mutex_lock(&c->lock);
    c->close_when_flushed = true;
    if (!c->flush_pending && !c->closed) {
        c->flush_pending = true;
        schedule(c, flush_idle);
    }
    g_mutex_unlock(&c->lock);
}

bool vd_rpc_client_send(vd_rpc_client *c, GBytes *pkt)
{
    bool ok;

    g_mutex_lock(&c->lock);
    ok = vd_rpc_client_send_locked(c, pkt);
    g_mutex_unlock(&c->lock);
    return ok;
}

/* ---- input -------------------------------------------------------------------------- */

static gboolean on_readable(GSocket *socket, GIOCondition cond, gpointer data);

static void watch_input(vd_rpc_client *c)
{
    if (c->in_source)
        return;
    c->in_source = g_socket_create_source(c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(c->in_source, G_SOURCE_FUNC(on_readable), c, NULL);
    g_source_attach(c->in_source, c->ctx);
}

static void unwatch_input(vd_rpc_client *c)
{
    if (!c->in_source)
        return;
    g_source_destroy(c->in_source);
    g_source_unref(c->in_source);
    c->in_source = NULL;
}

static bool paused(vd_rpc_client *c)
{
    bool p;

    g_mutex_lock(&c->lock);
    p = c->reading_paused;
    g_mutex_unlock(&c->lock);
    return p;
}

/* Hands every complete packet in the buffer to the dispatcher. False: close (reason set). */
static bool process_buffer(vd_rpc_client *c, const char **reason)
{
    gsize off = 0;
    bool ok = true;

    while (ok && c->in_len - off >= 4 && !paused(c)) {
        guint32 len;
        vd_rpc_packet_fault fault = vd_rpc_packet_check_length(c->in_buf + off, &len);

        if (fault != VD_RPC_PACKET_OK) {
            *reason = vd_rpc_packet_fault_text(fault);
            return false;
        }
        if (c->in_len - off < len) {
            if (len > c->in_cap) {
                /* Only now, with the length checked against the limit, grow. */
                memmove(c->in_buf, c->in_buf + off, c->in_len - off);
                c->in_len -= off;
                off = 0;
                c->in_cap = len;
                c->in_buf = g_realloc(c->in_buf, c->in_cap);
            }
            break;
        }
        ok = vd_rpc_dispatch_packet(c, c->in_buf + off, len, reason);
        off += len;
    }
    memmove(c->in_buf, c->in_buf + off, c->in_len - off);
    c->in_len -= off;
    return ok;
}

/* Stops reading and closes from inside the input callback. */
static gboolean close_from_reader(vd_rpc_client *c, const char *reason)
{
    g_autoptr(vd_rpc_client) hold = vd_rpc_client_ref(c);

    unwatch_input(c);
    vd_rpc_client_close(c, reason);
    return G_SOURCE_REMOVE;
}

typedef enum read_result {
    READ_GOT_DATA,
    READ_WOULD_BLOCK,
    READ_CLOSED, /* the connection was closed and the input source removed */
} read_result;

/* One read from the transport, then every whole packet to the dispatcher. Main context. */
static read_result read_some(vd_rpc_client *c)
{
    g_autoptr(GError) err = NULL;
    const char *reason = NULL;
    gssize n;

    if (c->in_cap - c->in_len < 4096 && c->in_cap < VD_WIRE_MESSAGE_MAX + READ_CHUNK) {
        c->in_cap += READ_CHUNK;
        c->in_buf = g_realloc(c->in_buf, c->in_cap);
    }
    n = transport_recv(c, c->in_buf + c->in_len, MIN(c->in_cap - c->in_len, READ_CHUNK), &err);
    if (n < 0) {
        if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return READ_WOULD_BLOCK;
        g_debug("%s: read error: %s", c->peer, err->message);
        close_from_reader(c, NULL);
        return READ_CLOSED;
    }
    if (n == 0) {
        close_from_reader(c, c->in_len ? "connection closed inside a truncated packet" : NULL);
        return READ_CLOSED;
    }
    c->in_len += n;
    g_mutex_lock(&c->lock);
    c->last_rx_us = g_get_monotonic_time();
    c->pings_unanswered = 0;
    g_mutex_unlock(&c->lock);

    if (!process_buffer(c, &reason)) {
        close_from_reader(c, reason);
        return READ_CLOSED;
    }
    return READ_GOT_DATA;
}

static gboolean on_readable(GSocket *socket, GIOCondition cond, gpointer data)
{
    vd_rpc_client *c = data;
    g_autoptr(vd_rpc_client) hold = vd_rpc_client_ref(c);

    (void)socket;
    (void)cond;
    /* GnuTLS may hold decrypted bytes the socket's readiness will never announce. */
    do {
        switch (read_some(c)) {
        case READ_CLOSED:
            return G_SOURCE_REMOVE;
        case READ_WOULD_BLOCK:
            return G_SOURCE_CONTINUE;
        case READ_GOT_DATA:
            break;
        }
        if (paused(c)) {
            unwatch_input(c);
            return G_SOURCE_REMOVE;
        }
    } while (c->tls && vd_rpc_tls_pending(c->tls));
    return G_SOURCE_CONTINUE;
}

/* ---- TLS handshake ------------------------------------------------------------------ */

static void continue_handshake(vd_rpc_client *c);

static void drop_source(GSource **source)
{
    if (!*source)
        return;
    g_source_destroy(*source);
    g_source_unref(*source);
    *source = NULL;
}

static gboolean on_handshake_io(GSocket *socket, GIOCondition cond, gpointer data)
{
    (void)socket;
    (void)cond;
    continue_handshake(data);
    return G_SOURCE_REMOVE; /* continue_handshake() made a new source if it must wait */
}

static void wait_for_handshake_io(vd_rpc_client *c, GIOCondition cond)
{
    c->handshake_source = g_socket_create_source(c->socket, cond | G_IO_HUP | G_IO_ERR, NULL);
    g_source_set_callback(c->handshake_source, G_SOURCE_FUNC(on_handshake_io), c, NULL);
    g_source_attach(c->handshake_source, c->ctx);
}

static void continue_handshake(vd_rpc_client *c)
{
    g_autoptr(vd_rpc_client) hold = vd_rpc_client_ref(c);
    g_autofree char *failure = NULL;
    static const guint8 accepted = 1;

    drop_source(&c->handshake_source);
    switch (vd_rpc_tls_handshake(c->tls, &failure)) {
    case VD_RPC_TLS_WANT_READ:
        wait_for_handshake_io(c, G_IO_IN);
        return;
    case VD_RPC_TLS_WANT_WRITE:
        wait_for_handshake_io(c, G_IO_OUT);
        return;
    case VD_RPC_TLS_FAILED:
        vd_rpc_client_close(c, failure);
        return;
    case VD_RPC_TLS_DONE:
        break;
    }
    c->tls_ready = true;
    if (!c->refusal)
        drop_source(&c->deadline);
    g_debug("%s: TLS client '%s' accepted", c->peer,
            vd_rpc_tls_peer_dn(c->tls) ? vd_rpc_tls_peer_dn(c->tls) : "(no certificate)");
    /* libvirt's clients wait for this one encrypted byte before their first call: it says
     * the server's checks of their certificate passed. */
    vd_rpc_client_send(c, g_bytes_new_static(&accepted, 1));
    watch_input(c);
    if (vd_rpc_tls_pending(c->tls))
        on_readable(NULL, 0, c);
}

/* ---- starting -------------------------------------------------------------------------- */

static gboolean deadline_passed(gpointer data)
{
    vd_rpc_client *c = data;

    g_clear_pointer(&c->deadline, g_source_unref);
    vd_rpc_client_close(c, c->deadline_reason);
    return G_SOURCE_REMOVE;
}

/* Closes c with why once seconds pass, unless the deadline is dropped first. */
static void set_deadline(vd_rpc_client *c, unsigned seconds, const char *why)
{
    drop_source(&c->deadline);
    c->deadline_reason = why;
    c->deadline = g_timeout_source_new_seconds(seconds);
    g_source_set_callback(c->deadline, deadline_passed, vd_rpc_client_ref(c),
                          (GDestroyNotify)vd_rpc_client_unref);
    g_source_attach(c->deadline, c->ctx);
}

void vd_rpc_client_start(vd_rpc_client *c)
{
    g_autoptr(GError) err = NULL;
    unsigned handshake_timeout = c->server->cfg.tls.handshake_timeout;

    if (c->refusal)
        set_deadline(c, REFUSAL_GRACE_SECONDS, "refused client sent no call");
    if (c->transport != VD_RPC_TLS) {
        watch_input(c);
        return;
    }
    /* A client that connects and never finishes the handshake would hold its place (and
     * a descriptor) for ever: nothing else, not even keepalive, can reach it. */
    if (!c->refusal && handshake_timeout)
        set_deadline(c, handshake_timeout, "TLS handshake not finished in time");
    c->tls = vd_rpc_tls_session_new(c->server->tls, g_socket_get_fd(c->socket), &err);
    if (!c->tls) {
        vd_rpc_client_close(c, err->message);
        return;
    }
    continue_handshake(c);
}

static bool is_closed(vd_rpc_client *c)
{
    bool closed;

    g_mutex_lock(&c->lock);
    closed = c->closed;
    g_mutex_unlock(&c->lock);
    return closed;
}

static gboolean resume_idle(gpointer data)
{
    vd_rpc_client *c = data;
    const char *reason = NULL;

    if (is_closed(c) || paused(c))
        return G_SOURCE_REMOVE;
    if (!process_buffer(c, &reason)) {
        vd_rpc_client_close(c, reason);
        return G_SOURCE_REMOVE;
    }
    if (paused(c))
        return G_SOURCE_REMOVE;
    watch_input(c);
    /* Bytes GnuTLS decrypted while we were paused: no readiness event will come for them. */
    if (c->tls && vd_rpc_tls_pending(c->tls))
        on_readable(NULL, 0, c);
    return G_SOURCE_REMOVE;
}

void vd_rpc_client_call_started(vd_rpc_client *c)
{
    g_mutex_lock(&c->lock);
    if (++c->in_flight >= VD_RPC_MAX_CLIENT_REQUESTS)
        c->reading_paused = true;
    g_mutex_unlock(&c->lock);
}

void vd_rpc_client_call_finished(vd_rpc_client *c)
{
    bool resume = false;

    g_mutex_lock(&c->lock);
    c->in_flight--;
    if (c->reading_paused && c->in_flight < VD_RPC_MAX_CLIENT_REQUESTS / 2) {
        c->reading_paused = false;
        resume = !c->closed;
    }
    g_mutex_unlock(&c->lock);
    if (resume)
        schedule(c, resume_idle);
}

/* ---- close -------------------------------------------------------------------------- */

void vd_rpc_client_close(vd_rpc_client *c, const char *reason)
{
    struct vd_rpc_server *server;

    g_mutex_lock(&c->lock);
    if (c->closed) {
        g_mutex_unlock(&c->lock);
        return;
    }
    c->closed = true;
    server = c->server;
    c->server = NULL;
    g_array_set_size(c->events, 0);
    g_queue_clear_full(&c->out_queue, (GDestroyNotify)g_bytes_unref);
    c->out_bytes = 0;
    g_mutex_unlock(&c->lock);

    if (reason)
        g_message("%s: closing connection: %s", c->peer, reason);
    unwatch_input(c);
    drop_source(&c->out_source);
    drop_source(&c->handshake_source);
    drop_source(&c->deadline);
    if (c->tls) {
        if (c->tls_ready)
            vd_rpc_tls_bye(c->tls);
        g_clear_pointer(&c->tls, vd_rpc_tls_session_free);
    }
    g_socket_close(c->socket, NULL);
    vd_rpc_streams_close_all(c);
    if (server) {
        g_mutex_lock(&server->lock);
        if (!c->refusal)
            server->admitted--;
        /* The list's reference goes with the element (free func is unref). */
        g_ptr_array_remove_fast(server->clients, c);
        g_mutex_unlock(&server->lock);
        /* Every path out (CLOSE, EOF, malformed input, shutdown) comes through here once:
         * the daemon's idle timer (--timeout) counts connections by these calls. */
        vd_daemon_client_closed(c->daemon, c->daemon_id);
    }
}
