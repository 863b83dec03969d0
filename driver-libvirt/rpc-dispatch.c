/* SPDX-License-Identifier: GPL-2.0-only */
/* Packet validation and call dispatch. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-dispatch.h"

#include "rpc-client.h"
#include "rpc-packet.h"
#include "rpc-stream.h"
#include "vd_keepalive_protocol.h"

vd_wire_header vd_rpc_remote_header(int proc, vd_wire_msg_type type, unsigned serial,
                                    vd_wire_msg_status status)
{
    vd_wire_header h = {
        .prog = VD_WIRE_REMOTE_PROGRAM,
        .vers = VD_WIRE_REMOTE_VERSION,
        .proc = proc,
        .type = type,
        .serial = serial,
        .status = status,
    };
    return h;
}

static void reply_error(vd_rpc_client *c, const vd_wire_header *call, int code, int domain,
                        const char *message)
{
    vd_wire_header h = *call;

    h.type = VD_WIRE_REPLY;
    vd_rpc_client_send(c, vd_rpc_packet_encode_error(&h, code, domain, message));
}

static void free_call(vd_rpc_call *call)
{
    if (call->args)
        xdr_free(call->proc->args_filter, call->args);
    g_free(call->args);
    vd_rpc_client_unref(call->client);
    g_free(call);
}

/* Runs the handler and queues its reply. Any thread. */
static void run_call(vd_rpc_call *call)
{
    const vd_rpc_proc *proc = call->proc;
    vd_rpc_client *c = call->client;
    g_autoptr(vd_error) err = NULL;
    vd_wire_header h = call->header;
    GBytes *pkt = NULL;
    bool too_big = false;
    bool ok;

    call->ret = g_malloc0(MAX(proc->ret_size, 1));
    ok = proc->handler(call, call->args, call->ret, &err);
    h.type = VD_WIRE_REPLY;
    h.status = VD_WIRE_OK;
    if (ok) {
        pkt = vd_rpc_packet_encode(&h, proc->ret_filter, call->ret, &too_big);
        if (!pkt)
            vd_error_set(&err, VIR_ERR_RPC, VIR_FROM_RPC, "%s: reply %s", proc->api,
                         too_big ? "exceeds the 32 MiB message limit" : "could not be encoded");
    }
    if (!pkt) {
        ok = false;
        if (!err)
            vd_error_set(&err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC, "%s failed", proc->api);
        pkt = vd_rpc_packet_encode_error(&h, err->code, err->domain, err->message);
    }
    g_mutex_lock(&c->lock);
    vd_rpc_client_send_locked(c, pkt);
    if (call->after_reply)
        call->after_reply(call, ok);
    g_mutex_unlock(&c->lock);
    xdr_free(proc->ret_filter, call->ret);
    g_free(call->ret);
    call->ret = NULL;
}

void vd_rpc_dispatch_worker(gpointer data, gpointer server)
{
    vd_rpc_call *call = data;
    vd_rpc_client *c = call->client;

    (void)server;
    run_call(call);
    vd_rpc_client_call_finished(c);
    free_call(call);
}

static bool handle_keepalive(vd_rpc_client *c, const vd_wire_header *hdr, gsize len,
                             const char **reason)
{
    vd_wire_header pong = *hdr;

    if (hdr->vers != VD_KEEPALIVE_VERSION || hdr->type != VD_WIRE_MESSAGE ||
        hdr->status != VD_WIRE_OK || len != VD_WIRE_HEADER_SIZE) {
        *reason = "malformed keepalive packet";
        return false;
    }
    switch (hdr->proc) {
    case VD_KEEPALIVE_PING:
        pong.proc = VD_KEEPALIVE_PONG;
        vd_rpc_client_send(c, vd_rpc_packet_encode_raw(&pong, NULL, 0));
        return true;
    case VD_KEEPALIVE_PONG:
        return true; /* the reader already reset the idle counters */
    default:
        *reason = "unknown keepalive procedure";
        return false;
    }
}

/* The state checks libvirtd makes before decoding arguments, in its order. */
static bool call_allowed(vd_rpc_client *c, const vd_wire_header *hdr, const vd_rpc_proc *proc)
{
    bool opened, authenticated, readonly;
    g_autofree char *msg = NULL;

    g_mutex_lock(&c->lock);
    opened = c->opened;
    authenticated = c->authenticated;
    readonly = c->readonly;
    g_mutex_unlock(&c->lock);

    if (!authenticated && !(proc->flags & VD_RPC_PROC_BEFORE_AUTH)) {
        reply_error(c, hdr, VIR_ERR_RPC, VIR_FROM_RPC, "authentication required");
        return false;
    }
    if (!opened && !(proc->flags & VD_RPC_PROC_BEFORE_OPEN)) {
        reply_error(c, hdr, VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC,
                    "hypervisor connection not open");
        return false;
    }
    if (readonly && (proc->flags & VD_RPC_PROC_CHANGES)) {
        msg = g_strdup_printf("operation forbidden: read only access prevents %s", proc->api);
        reply_error(c, hdr, VIR_ERR_OPERATION_DENIED, VIR_FROM_DOMAIN, msg);
        return false;
    }
    return true;
}

static void reply_unsupported(vd_rpc_client *c, const vd_wire_header *hdr)
{
    g_autofree char *msg = NULL;

    /* libvirtd: a procedure it knows whose driver lacks the call is NO_SUPPORT, which
     * virsh tolerates where a call is optional; a number it does not know is RPC. */
    if (hdr->proc > 0 && hdr->proc <= VD_PROC_LIBVIRT_LAST) {
        msg = g_strdup_printf("this function is not supported by the connection driver: "
                              "remote procedure %d",
                              hdr->proc);
        reply_error(c, hdr, VIR_ERR_NO_SUPPORT, VIR_FROM_NONE, msg);
        return;
    }
    msg = g_strdup_printf("unknown procedure: %d", hdr->proc);
    reply_error(c, hdr, VIR_ERR_RPC, VIR_FROM_RPC, msg);
}

static bool handle_call(vd_rpc_client *c, const vd_wire_header *hdr, const guint8 *pkt,
                        gsize len, const char **reason)
{
    const vd_rpc_proc *proc = vd_rpc_proc_find(hdr->proc);
    vd_rpc_call *call;

    if (hdr->status != VD_WIRE_OK) {
        *reason = "call with a status other than OK";
        return false;
    }
    if (!proc) {
        reply_unsupported(c, hdr);
        return true;
    }
    if (!call_allowed(c, hdr, proc))
        return true;

    call = g_new0(vd_rpc_call, 1);
    call->client = vd_rpc_client_ref(c);
    call->proc = proc;
    call->header = *hdr;
    call->args = g_malloc0(MAX(proc->args_size, 1));
    if (!vd_rpc_packet_decode_payload(pkt, len, proc->args_filter, call->args)) {
        g_free(call->args);
        call->args = NULL;
        free_call(call);
        *reason = "malformed arguments";
        return false;
    }
    if (proc->flags & VD_RPC_PROC_INLINE) {
        run_call(call);
        free_call(call);
        return true;
    }
    vd_rpc_client_call_started(c);
    g_thread_pool_push(c->server->pool, call, NULL);
    return true;
}

/* A client over max_clients: each call gets libvirtd's "too many clients" error, so the
 * user reads why, and the connection closes once that is written. */
static bool refuse(vd_rpc_client *c, const vd_wire_header *hdr)
{
    if (hdr->prog == VD_WIRE_REMOTE_PROGRAM && hdr->type == VD_WIRE_CALL) {
        reply_error(c, hdr, VIR_ERR_RPC, VIR_FROM_RPC, c->refusal);
        vd_rpc_client_close_after_flush(c);
    }
    return true;
}

bool vd_rpc_dispatch_packet(vd_rpc_client *c, const guint8 *pkt, gsize len,
                            const char **reason)
{
    vd_wire_header hdr;

    if (!vd_rpc_packet_decode_header(pkt, len, &hdr)) {
        *reason = "undecodable header";
        return false;
    }
    if (c->refusal)
        return refuse(c, &hdr);
    if (hdr.prog == VD_KEEPALIVE_PROGRAM)
        return handle_keepalive(c, &hdr, len, reason);
    if (hdr.prog != VD_WIRE_REMOTE_PROGRAM) {
        *reason = "unknown program";
        return false;
    }
    if (hdr.vers != VD_WIRE_REMOTE_VERSION) {
        *reason = "unsupported remote protocol version";
        return false;
    }
    switch (hdr.type) {
    case VD_WIRE_CALL:
        return handle_call(c, &hdr, pkt, len, reason);
    case VD_WIRE_STREAM:
    case VD_WIRE_STREAM_HOLE: /* sparse volume uploads */
        return vd_rpc_stream_incoming(c, &hdr, pkt + VD_WIRE_HEADER_SIZE,
                                      len - VD_WIRE_HEADER_SIZE, reason);
    default:
        *reason = "unexpected message type from a client";
        return false;
    }
}
