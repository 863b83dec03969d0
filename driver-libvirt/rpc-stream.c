/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A client's streams, and console streams. Every stream in a client's table starts with
 * the procedure that opened it; volume streams are rpc-stream-volume.c's. Guest output may
 * arrive (in the main context) before the worker that
 * opened the console has queued the OPEN reply; such packets wait in the stream until
 * the reply is out, so the client always sees the reply first.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-stream.h"

#include "rpc-client.h"
#include "rpc-convert.h"
#include "rpc-dispatch.h"
#include "rpc-packet.h"
#include "rpc-stream-volume.h"

struct vd_rpc_stream {
    int proc; /* VD_PROC_DOMAIN_OPEN_CONSOLE: first, as in every stream of the table */
    vd_rpc_client *client; /* reference */
    unsigned serial;
    vd_console *console; /* NULL while opening */
    /* Guarded by client->lock: */
    bool opening;    /* a worker is inside vd_domain_open_console */
    bool reply_sent; /* the OPEN reply is queued: data may follow it */
    bool eof;        /* the console ended; the end packet is sent or pending */
    GQueue pending;  /* GBytes* packets held back until the reply is out */
};

static void stream_free(vd_rpc_stream *s)
{
    g_queue_clear_full(&s->pending, (GDestroyNotify)g_bytes_unref);
    vd_rpc_client_unref(s->client);
    g_free(s);
}

static GBytes *stream_packet(const vd_rpc_stream *s, vd_wire_msg_status status,
                             const void *data, gsize len)
{
    vd_wire_header h = vd_rpc_remote_header(VD_PROC_DOMAIN_OPEN_CONSOLE, VD_WIRE_STREAM,
                                            s->serial, status);

    return vd_rpc_packet_encode_raw(&h, data, len);
}

/* Sends now or holds until the reply is out. Caller holds client->lock. */
static void stream_emit_locked(vd_rpc_stream *s, GBytes *pkt)
{
    if (s->reply_sent)
        vd_rpc_client_send_locked(s->client, pkt);
    else
        g_queue_push_tail(&s->pending, pkt);
}

static void on_console_data(const void *buf, size_t len, void *user)
{
    vd_rpc_stream *s = user;
    vd_rpc_client *c = s->client;
    const guint8 *p = buf;

    g_mutex_lock(&c->lock);
    while (!c->closed && !s->eof && len) {
        gsize n = MIN(len, (gsize)VD_WIRE_STREAM_CHUNK_MAX);

        stream_emit_locked(s, stream_packet(s, VD_WIRE_CONTINUE, p, n));
        p += n;
        len -= n;
    }
    g_mutex_unlock(&c->lock);
}

static void on_console_eof(void *user)
{
    vd_rpc_stream *s = user;
    vd_rpc_client *c = s->client;

    g_mutex_lock(&c->lock);
    if (!c->closed && !s->eof) {
        s->eof = true;
        /* End of stream is an empty CONTINUE, as libvirtd sends it: libvirt's client
         * drops the connection on an OK it did not ask for. It answers with OK (finish)
         * and the stream is dropped then (or when the client goes away). */
        stream_emit_locked(s, stream_packet(s, VD_WIRE_CONTINUE, NULL, 0));
    }
    g_mutex_unlock(&c->lock);
}

/* A closing client may have dropped s already (vd_rpc_streams_close_all) or not yet
 * (c->closed is set first). */
void vd_rpc_stream_forget_locked(vd_rpc_client *c, unsigned serial, void *s)
{
    gpointer key = GUINT_TO_POINTER(serial);

    if (g_hash_table_lookup(c->streams, key) == s)
        g_hash_table_remove(c->streams, key);
}

static void forget_locked(vd_rpc_client *c, vd_rpc_stream *s)
{
    vd_rpc_stream_forget_locked(c, s->serial, s);
}

bool vd_rpc_stream_register(vd_rpc_client *c, unsigned serial, void *s, vd_error **err)
{
    gpointer key = GUINT_TO_POINTER(serial);
    bool busy;

    g_mutex_lock(&c->lock);
    busy = c->closed || g_hash_table_contains(c->streams, key);
    if (!busy)
        g_hash_table_insert(c->streams, key, s);
    g_mutex_unlock(&c->lock);
    if (busy)
        vd_error_set(err, VIR_ERR_RPC, VIR_FROM_STREAMS, "a stream with serial %u is already open",
                     serial);
    return !busy;
}

static gboolean stream_end_later(gpointer data)
{
    vd_rpc_stream *s = data;

    vd_console_close(s->console);
    stream_free(s);
    return G_SOURCE_REMOVE;
}

/* after_reply hook, under client->lock. Until it runs the stream is the reply path's:
 * a client closing meanwhile leaves it here (vd_rpc_streams_close_all). */
static void stream_activate(vd_rpc_call *call, bool sent)
{
    vd_rpc_stream *s = call->after_reply_data;
    vd_rpc_client *c = s->client;
    GBytes *pkt;

    if (!sent || c->closed) {
        forget_locked(c, s);
        /* Closing the console takes the daemon's lock: not under the client's. */
        GSource *later = g_idle_source_new();
        g_source_set_callback(later, stream_end_later, s, NULL);
        g_source_attach(later, c->ctx);
        g_source_unref(later);
        return;
    }
    s->reply_sent = true;
    while ((pkt = g_queue_pop_head(&s->pending)))
        vd_rpc_client_send_locked(c, pkt);
}

bool vd_rpc_domain_open_console(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    vd_wire_domain_open_console_args *a = args;
    vd_rpc_client *c = call->client;
    g_autoptr(vd_domain_ref) dom = vd_rpc_dom_from_wire(&a->dom);
    vd_rpc_stream *s = g_new0(vd_rpc_stream, 1);
    vd_console *console;

    (void)ret;
    s->proc = VD_PROC_DOMAIN_OPEN_CONSOLE;
    s->client = vd_rpc_client_ref(c);
    s->serial = call->header.serial;
    s->opening = true;
    g_queue_init(&s->pending);

    if (!vd_rpc_stream_register(c, s->serial, s, err)) {
        stream_free(s);
        return false;
    }

    console = vd_domain_open_console(c->daemon, dom, vd_rpc_opt_string(a->dev_name), a->flags,
                                     on_console_data, on_console_eof, s, err);

    g_mutex_lock(&c->lock);
    s->opening = false;
    if (!console || c->closed) {
        forget_locked(c, s);
        g_mutex_unlock(&c->lock);
        if (console)
            vd_console_close(console);
        stream_free(s);
        if (console)
            vd_error_set(err, VIR_ERR_RPC, VIR_FROM_STREAMS, "client went away");
        return false;
    }
    s->console = console;
    g_mutex_unlock(&c->lock);
    call->after_reply = stream_activate;
    call->after_reply_data = s;
    return true;
}

/* Takes the stream out of the client's table. Main context. */
static void stream_end(vd_rpc_client *c, vd_rpc_stream *s)
{
    g_mutex_lock(&c->lock);
    forget_locked(c, s);
    g_mutex_unlock(&c->lock);
    vd_console_close(s->console);
    stream_free(s);
}

bool vd_rpc_stream_incoming(vd_rpc_client *c, const vd_wire_header *hdr, const guint8 *data,
                            gsize len, const char **reason)
{
    g_autoptr(vd_error) err = NULL;
    vd_rpc_stream *s;
    bool live;

    if (hdr->proc != VD_PROC_DOMAIN_OPEN_CONSOLE && hdr->proc != VD_PROC_STORAGE_VOL_UPLOAD &&
        hdr->proc != VD_PROC_STORAGE_VOL_DOWNLOAD) {
        *reason = "stream packet for a procedure that opens no stream";
        return false;
    }
    g_mutex_lock(&c->lock);
    s = g_hash_table_lookup(c->streams, GUINT_TO_POINTER(hdr->serial));
    if (s && s->proc != hdr->proc)
        s = NULL;
    live = s && (s->proc == VD_PROC_DOMAIN_OPEN_CONSOLE ? !s->opening && s->reply_sent
                                                         : vd_rpc_vol_stream_live_locked(s));
    g_mutex_unlock(&c->lock);
    if (!live) {
        g_debug("%s: stream packet for serial %u that has no open stream: ignored", c->peer,
                hdr->serial);
        return true;
    }
    if (s->proc != VD_PROC_DOMAIN_OPEN_CONSOLE)
        return vd_rpc_vol_stream_incoming(c, s, hdr, data, len, reason);
    if (hdr->type != VD_WIRE_STREAM) {
        *reason = "a hole in a console stream";
        return false;
    }
    switch (hdr->status) {
    case VD_WIRE_CONTINUE:
        if (s->eof || !len)
            return true;
        if (!vd_console_write(s->console, data, len, &err)) {
            vd_wire_header h = *hdr;

            h.type = VD_WIRE_STREAM;
            vd_rpc_client_send(c, vd_rpc_packet_encode_error(&h, err->code, err->domain,
                                                             err->message));
            stream_end(c, s);
        }
        return true;
    case VD_WIRE_OK:
        /* The client finished: confirm with an empty OK, as libvirtd does. */
        vd_rpc_client_send(c, stream_packet(s, VD_WIRE_OK, NULL, 0));
        stream_end(c, s);
        return true;
    case VD_WIRE_ERROR:
        /* The client aborted (virStreamAbort) and waits, like finishing, for the stream's
         * closing packet. libvirtd confirms an abort it could carry out with an empty OK
         * (an ERROR here would make the client's virStreamAbort fail). */
        vd_rpc_client_send(c, stream_packet(s, VD_WIRE_OK, NULL, 0));
        stream_end(c, s);
        return true;
    default:
        *reason = "stream packet with an unknown status";
        return false;
    }
}

void vd_rpc_streams_close_all(vd_rpc_client *c)
{
    g_autoptr(GPtrArray) ended = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_mutex_lock(&c->lock);
    g_hash_table_iter_init(&it, c->streams);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        vd_rpc_stream *s = value;

        /* Opening streams are ended by their worker, those whose reply is not out yet
         * by their after_reply hook: both see c->closed, set before this runs. */
        if (s->proc == VD_PROC_DOMAIN_OPEN_CONSOLE ? !s->opening && s->reply_sent
                                                   : vd_rpc_vol_stream_live_locked(s))
            g_ptr_array_add(ended, s);
        g_hash_table_iter_remove(&it);
    }
    g_mutex_unlock(&c->lock);
    for (unsigned i = 0; i < ended->len; i++) {
        vd_rpc_stream *s = g_ptr_array_index(ended, i);

        if (s->proc != VD_PROC_DOMAIN_OPEN_CONSOLE) {
            vd_rpc_vol_stream_closed(s);
            continue;
        }
        vd_console_close(s->console);
        stream_free(s);
    }
}
