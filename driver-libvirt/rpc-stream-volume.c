/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Volume upload (208) and download (209) streams. The call's reply opens the stream; then
 * raw bytes flow as STREAM CONTINUE packets with the call's serial. A download's end of
 * data is an empty CONTINUE; the client ends either kind with an OK packet (finish) or an
 * ERROR packet (abort), and gets an answer. Upload data is written as it arrives (in
 * the main context, so a slow disk slows the client down); download data is read only
 * while the client's output queue is short, so a slow client never fills our memory.
 */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-stream-volume.h"

#include "rpc-client.h"
#include "rpc-convert-storage.h"
#include "rpc-dispatch.h"
#include "rpc-packet.h"
#include "rpc-stream.h"

/* Bytes queued for a client above which a download waits for the socket to drain. */
#define PUMP_BACKLOG (4u << 20)
#define PUMP_BURST 8

typedef struct vd_rpc_vol_stream {
    int proc;              /* first, as in every stream of a client's table (rpc-stream.h) */
    vd_rpc_client *client; /* reference */
    unsigned serial;
    vd_vol_transfer *t; /* NULL once the data is finished or dropped */
    bool reply_sent;    /* client->lock */
    GSource *pump;      /* download: sends data while the client keeps up */
} vd_rpc_vol_stream;

typedef struct pump_source {
    GSource base;
    vd_rpc_vol_stream *s;
} pump_source;

static GBytes *packet(const vd_rpc_vol_stream *s, vd_wire_msg_status status, const void *data,
                      gsize len)
{
    vd_wire_header h = vd_rpc_remote_header(s->proc, VD_WIRE_STREAM, s->serial, status);
    return vd_rpc_packet_encode_raw(&h, data, len);
}

/* A sparse download's hole: length bytes of zeroes the client makes itself. */
static GBytes *hole_packet(const vd_rpc_vol_stream *s, uint64_t length)
{
    vd_wire_header h =
        vd_rpc_remote_header(s->proc, VD_WIRE_STREAM_HOLE, s->serial, VD_WIRE_CONTINUE);
    vd_wire_stream_hole w = {.length = length, .flags = 0};
    return vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_stream_hole, &w, NULL);
}

static GBytes *error_packet(const vd_rpc_vol_stream *s, const vd_error *err)
{
    vd_wire_header h = vd_rpc_remote_header(s->proc, VD_WIRE_STREAM, s->serial, VD_WIRE_ERROR);
    return vd_rpc_packet_encode_error(&h, err->code, err->domain, err->message);
}

/* Main context, out of the client's table: drops the transfer (an upload's file goes). */
static void stream_free(vd_rpc_vol_stream *s)
{
    if (s->pump) {
        g_source_destroy(s->pump);
        g_source_unref(s->pump);
    }
    if (s->t)
        vd_vol_transfer_abort(s->t);
    vd_rpc_client_unref(s->client);
    g_free(s);
}

static void stream_end(vd_rpc_vol_stream *s)
{
    vd_rpc_client *c = s->client;
    g_mutex_lock(&c->lock);
    vd_rpc_stream_forget_locked(c, s->serial, s);
    g_mutex_unlock(&c->lock);
    stream_free(s);
}

/* Sends err as the stream's end and drops it. */
static void stream_fail(vd_rpc_vol_stream *s, const vd_error *err)
{
    vd_rpc_client_send(s->client, error_packet(s, err));
    stream_end(s);
}

/* ---- download: the pump --------------------------------------------------------------- */

static gboolean pump_ready(vd_rpc_vol_stream *s)
{
    vd_rpc_client *c = s->client;
    g_mutex_lock(&c->lock);
    gboolean ready = !c->closed && c->out_bytes < PUMP_BACKLOG;
    g_mutex_unlock(&c->lock);
    return ready;
}

static gboolean pump_prepare(GSource *src, gint *timeout)
{
    *timeout = -1; /* the socket draining wakes the loop, and prepare runs again */
    return pump_ready(((pump_source *)src)->s);
}

static gboolean pump_check(GSource *src)
{
    return pump_ready(((pump_source *)src)->s);
}

static gboolean pump_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
    vd_rpc_vol_stream *s = ((pump_source *)src)->s;
    g_autoptr(vd_error) err = NULL;
    g_autofree guint8 *buf = g_malloc(VD_WIRE_STREAM_CHUNK_MAX);
    (void)cb, (void)data;
    gssize n;
    uint64_t hole = 0;
    /* A few chunks a turn: the socket is written between turns. */
    for (int i = 0; i < PUMP_BURST; i++) {
        n = vd_vol_transfer_read(s->t, buf, VD_WIRE_STREAM_CHUNK_MAX, &hole, &err);
        if (n < 0 || (n == 0 && !hole))
            break;
        vd_rpc_client_send(s->client,
                           n ? packet(s, VD_WIRE_CONTINUE, buf, n) : hole_packet(s, hole));
        if (!pump_ready(s))
            return G_SOURCE_CONTINUE;
    }
    if (n > 0 || hole)
        return G_SOURCE_CONTINUE;
    if (n == 0 && vd_vol_transfer_finish(g_steal_pointer(&s->t), &err)) {
        /* End of data is an empty CONTINUE (libvirt keeps OK for the finish handshake);
         * the client then finishes with OK, answered in on_finish. */
        vd_rpc_client_send(s->client, packet(s, VD_WIRE_CONTINUE, NULL, 0));
        return G_SOURCE_REMOVE;
    }
    stream_fail(s, err); /* frees s and destroys this source */
    return G_SOURCE_REMOVE;
}

static GSourceFuncs pump_funcs = {pump_prepare, pump_check, pump_dispatch, NULL, NULL, NULL};

/* ---- opening --------------------------------------------------------------------------- */

static gboolean free_later(gpointer data)
{
    stream_free(data);
    return G_SOURCE_REMOVE;
}

/* after_reply hook, under client->lock. */
static void stream_activate(vd_rpc_call *call, bool sent)
{
    vd_rpc_vol_stream *s = call->after_reply_data;
    vd_rpc_client *c = s->client;
    if (!sent || c->closed) {
        vd_rpc_stream_forget_locked(c, s->serial, s);
        /* Dropping the transfer takes the storage lock: not under the client's. */
        GSource *later = g_idle_source_new();
        g_source_set_callback(later, free_later, s, NULL);
        g_source_attach(later, c->ctx);
        g_source_unref(later);
        return;
    }
    s->reply_sent = true;
    if (s->proc == VD_PROC_STORAGE_VOL_DOWNLOAD) {
        s->pump = g_source_new(&pump_funcs, sizeof(pump_source));
        ((pump_source *)s->pump)->s = s;
        g_source_attach(s->pump, c->ctx);
    }
}

static bool stream_open(vd_rpc_call *call, void *args, bool upload, vd_error **err)
{
    vd_wire_vol_transfer_args *a = args;
    vd_rpc_client *c = call->client;
    g_autoptr(vd_vol_ref) vol = vd_rpc_vol_from_wire(&a->vol);
    vd_rpc_vol_stream *s = g_new0(vd_rpc_vol_stream, 1);
    s->proc = call->header.proc;
    s->client = vd_rpc_client_ref(c);
    s->serial = call->header.serial;
    if (!vd_rpc_stream_register(c, s->serial, s, err)) {
        stream_free(s);
        return false;
    }
    s->t = upload ? vd_vol_upload_begin(c->daemon, vol, a->offset, a->length, a->flags, err)
                  : vd_vol_download_begin(c->daemon, vol, a->offset, a->length, a->flags, err);
    if (!s->t) {
        stream_end(s);
        return false;
    }
    call->after_reply = stream_activate;
    call->after_reply_data = s;
    return true;
}

bool vd_rpc_vol_upload(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return stream_open(call, args, true, err);
}

bool vd_rpc_vol_download(vd_rpc_call *call, void *args, void *ret, vd_error **err)
{
    (void)ret;
    return stream_open(call, args, false, err);
}

/* ---- packets from the client ----------------------------------------------------------- */

/* An upload's fsync and rename may take seconds: not in the main loop, which serves every
 * client. The stream leaves the client's table first, so this thread alone owns it. */
static gpointer finish_upload(gpointer data)
{
    vd_rpc_vol_stream *s = data;
    g_autoptr(vd_error) err = NULL;
    bool ok = vd_vol_transfer_finish(g_steal_pointer(&s->t), &err);
    vd_rpc_client_send(s->client, ok ? packet(s, VD_WIRE_OK, NULL, 0) : error_packet(s, err));
    stream_free(s);
    return NULL;
}

static void on_finish(vd_rpc_vol_stream *s)
{
    vd_rpc_client *c = s->client;
    if (s->proc == VD_PROC_STORAGE_VOL_UPLOAD && s->t) {
        g_mutex_lock(&c->lock);
        vd_rpc_stream_forget_locked(c, s->serial, s);
        g_mutex_unlock(&c->lock);
        g_thread_unref(g_thread_new("vd-vol-upload", finish_upload, s));
        return;
    }
    /* A download whose data all went out, or a stream that already failed. */
    vd_rpc_client_send(c, packet(s, VD_WIRE_OK, NULL, 0));
    stream_end(s);
}

static bool decode_hole(const guint8 *data, gsize len, uint64_t *length)
{
    vd_wire_stream_hole w = {0};
    XDR xdr;
    xdrmem_create(&xdr, (char *)data, len, XDR_DECODE);
    bool ok = xdr_vd_wire_stream_hole(&xdr, &w) && xdr_getpos(&xdr) == len && w.length >= 0;
    xdr_destroy(&xdr);
    *length = w.length;
    return ok;
}

bool vd_rpc_vol_stream_incoming(vd_rpc_client *c, void *stream, const vd_wire_header *hdr,
                                const guint8 *data, gsize len, const char **reason)
{
    vd_rpc_vol_stream *s = stream;
    g_autoptr(vd_error) err = NULL;
    uint64_t hole;
    (void)c;
    if (hdr->type == VD_WIRE_STREAM_HOLE) {
        if (hdr->status != VD_WIRE_CONTINUE || !decode_hole(data, len, &hole)) {
            *reason = "malformed stream hole";
            return false;
        }
        if (s->proc == VD_PROC_STORAGE_VOL_UPLOAD && s->t &&
            !vd_vol_transfer_skip(s->t, hole, &err))
            stream_fail(s, err);
        return true;
    }
    switch (hdr->status) {
    case VD_WIRE_CONTINUE:
        if (s->proc != VD_PROC_STORAGE_VOL_UPLOAD || !s->t)
            return true; /* a download's request for data, or data after an error */
        if (len && !vd_vol_transfer_write(s->t, data, len, &err))
            stream_fail(s, err);
        return true;
    case VD_WIRE_OK:
        on_finish(s);
        return true;
    case VD_WIRE_ERROR:
        /* virStreamAbort: the volume stays as it was (stream_end drops the transfer);
         * libvirtd confirms an abort with an empty OK, which the client waits for. */
        vd_rpc_client_send(s->client, packet(s, VD_WIRE_OK, NULL, 0));
        stream_end(s);
        return true;
    default:
        *reason = "stream packet with an unknown status";
        return false;
    }
}

bool vd_rpc_vol_stream_live_locked(void *stream)
{
    return ((vd_rpc_vol_stream *)stream)->reply_sent;
}

void vd_rpc_vol_stream_closed(void *stream)
{
    stream_free(stream);
}
