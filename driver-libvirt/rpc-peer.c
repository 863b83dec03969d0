/* SPDX-License-Identifier: GPL-2.0-only */
/* A blocking libvirt RPC client of another daemon (rpc-peer.h). */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-peer.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "rpc-convert.h"
#include "rpc-packet.h"
#include "rpc-tls.h"
#include "vd-libvirt.h"

#define DEFAULT_TLS_PORT 16514
#define DEFAULT_TCP_PORT 16509
#define DEFAULT_SOCKET "/run/libvirt/virtvireod-sock"
/* A peer that answers nothing for this long is gone (its calls are short: Prepare and
 * Finish; the guest's data goes over its own connection). */
#define PEER_IO_TIMEOUT_S 120

struct vd_rpc_peer {
    GSocketConnection *conn; /* owns the socket */
    int fd;
    vd_rpc_tls_session *tls; /* NULL: plain TCP or unix */
    guint32 serial;
    char *uri;
};

/* ---- the URI ---------------------------------------------------------------------------- */

void vd_rpc_peer_target_clear(vd_rpc_peer_target *t)
{
    g_clear_pointer(&t->host, g_free);
    g_clear_pointer(&t->socket, g_free);
    g_clear_pointer(&t->pkipath, g_free);
}

static bool bad_uri(vd_error **err, const char *uri, const char *why)
{
    vd_error_set(err, VIR_ERR_INVALID_ARG, VIR_FROM_REMOTE, "invalid argument: peer URI '%s': %s",
                 uri, why);
    return false;
}

bool vd_rpc_peer_parse_uri(const char *uri, vd_rpc_peer_target *t, vd_error **err)
{
    g_autoptr(GError) gerr = NULL;
    memset(t, 0, sizeof(*t));
    if (!uri || !*uri)
        return bad_uri(err, "", "peer-to-peer migration needs the destination's URI");
    g_autoptr(GUri) u = g_uri_parse(uri, G_URI_FLAGS_NONE, &gerr);
    if (!u)
        return bad_uri(err, uri, gerr->message);
    const char *scheme = g_uri_get_scheme(u), *host = g_uri_get_host(u);
    bool has_host = host && *host;
    if (strcmp(scheme, "vireo+tls") == 0 || (strcmp(scheme, "vireo") == 0 && has_host))
        t->transport = VD_PEER_TLS;
    else if (strcmp(scheme, "vireo+tcp") == 0)
        t->transport = VD_PEER_TCP;
    else if (strcmp(scheme, "vireo+unix") == 0 || strcmp(scheme, "vireo") == 0)
        t->transport = VD_PEER_UNIX;
    else
        return bad_uri(err, uri, "not a Vireo URI (vireo+tls://, vireo+tcp://, vireo+unix://)");
    if (t->transport != VD_PEER_UNIX && !has_host)
        return bad_uri(err, uri, "no host to connect to");

    const char *query = g_uri_get_query(u);
    g_autoptr(GHashTable) params = NULL;
    if (query) {
        params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, &gerr);
        if (!params)
            return bad_uri(err, uri, gerr->message);
    }
    const char *socket = params ? g_hash_table_lookup(params, "socket") : NULL;
    const char *pkipath = params ? g_hash_table_lookup(params, "pkipath") : NULL;
    const char *no_verify = params ? g_hash_table_lookup(params, "no_verify") : NULL;
    t->host = has_host ? g_strdup(host) : NULL;
    int port = g_uri_get_port(u);
    t->port = port > 0                      ? (unsigned)port
              : t->transport == VD_PEER_TLS ? DEFAULT_TLS_PORT
                                            : DEFAULT_TCP_PORT;
    t->socket = g_strdup(socket ? socket : DEFAULT_SOCKET);
    t->pkipath = g_strdup(pkipath);
    t->no_verify = no_verify && strcmp(no_verify, "0") != 0;
    return true;
}

/* ---- bytes ------------------------------------------------------------------------------ */

static bool broken(vd_rpc_peer *p, vd_error **err, const char *what, const char *why)
{
    vd_error_set(err, VIR_ERR_RPC, VIR_FROM_RPC, "connection to %s: %s: %s", p->uri, what, why);
    return false;
}

static bool send_all(vd_rpc_peer *p, const guint8 *buf, gsize len, vd_error **err)
{
    while (len) {
        g_autoptr(GError) gerr = NULL;
        gssize n =
            p->tls ? vd_rpc_tls_send(p->tls, buf, len, &gerr) : send(p->fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && !p->tls && errno == EINTR)
            continue;
        if (n <= 0)
            return broken(p, err, "cannot send", gerr ? gerr->message : g_strerror(errno));
        buf += n;
        len -= (gsize)n;
    }
    return true;
}

static bool recv_all(vd_rpc_peer *p, guint8 *buf, gsize len, vd_error **err)
{
    while (len) {
        g_autoptr(GError) gerr = NULL;
        gssize n = p->tls ? vd_rpc_tls_recv(p->tls, buf, len, &gerr) : recv(p->fd, buf, len, 0);
        if (n < 0 && !p->tls && errno == EINTR)
            continue;
        if (n == 0)
            return broken(p, err, "cannot receive", "the peer closed the connection");
        /* SO_RCVTIMEO ran out (GnuTLS says it would block). */
        bool timed_out = gerr ? g_error_matches(gerr, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)
                              : errno == EAGAIN || errno == EWOULDBLOCK;
        if (n < 0 && timed_out)
            return broken(p, err, "cannot receive",
                          "no answer within " G_STRINGIFY(PEER_IO_TIMEOUT_S) " s");
        if (n < 0)
            return broken(p, err, "cannot receive", gerr ? gerr->message : g_strerror(errno));
        buf += n;
        len -= (gsize)n;
    }
    return true;
}

/* One whole packet, length word included. */
static guint8 *recv_packet(vd_rpc_peer *p, gsize *len, vd_error **err)
{
    guint8 word[4];
    guint32 total;
    if (!recv_all(p, word, sizeof(word), err))
        return NULL;
    vd_rpc_packet_fault fault = vd_rpc_packet_check_length(word, &total);
    if (fault != VD_RPC_PACKET_OK) {
        broken(p, err, "bad packet", vd_rpc_packet_fault_text(fault));
        return NULL;
    }
    guint8 *pkt = g_malloc(total);
    memcpy(pkt, word, sizeof(word));
    if (!recv_all(p, pkt + sizeof(word), total - sizeof(word), err)) {
        g_free(pkt);
        return NULL;
    }
    *len = total;
    return pkt;
}

/* ---- calls ------------------------------------------------------------------------------ */

bool vd_rpc_peer_call(vd_rpc_peer *p, int proc, xdrproc_t args_filter, void *args,
                      xdrproc_t ret_filter, void *ret, vd_error **err)
{
    vd_wire_header call = {.prog = VD_WIRE_REMOTE_PROGRAM,
                           .vers = VD_WIRE_REMOTE_VERSION,
                           .proc = proc,
                           .type = VD_WIRE_CALL,
                           .serial = ++p->serial,
                           .status = VD_WIRE_OK};
    bool too_big = false;
    g_autoptr(GBytes) out = vd_rpc_packet_encode(&call, args_filter, args, &too_big);
    if (!out)
        return broken(p, err, "cannot encode the call", too_big ? "too large" : "bad arguments");
    gsize out_len;
    const guint8 *out_data = g_bytes_get_data(out, &out_len);
    if (!send_all(p, out_data, out_len, err))
        return false;
    for (;;) {
        gsize len = 0;
        g_autofree guint8 *pkt = recv_packet(p, &len, err);
        vd_wire_header h;
        if (!pkt)
            return false;
        if (!vd_rpc_packet_decode_header(pkt, len, &h))
            return broken(p, err, "bad packet", "malformed header");
        /* Keepalive and events are not asked for; whatever else comes is not ours. */
        if (h.prog != VD_WIRE_REMOTE_PROGRAM || h.type != VD_WIRE_REPLY || h.serial != call.serial)
            continue;
        if (h.status == VD_WIRE_OK) {
            if (!vd_rpc_packet_decode_payload(pkt, len, ret_filter, ret))
                return broken(p, err, "bad reply", "its payload does not decode");
            return true;
        }
        vd_wire_error e;
        memset(&e, 0, sizeof(e));
        if (!vd_rpc_packet_decode_payload(pkt, len, (xdrproc_t)xdr_vd_wire_error, &e))
            return broken(p, err, "bad reply", "its error does not decode");
        const char *message = vd_rpc_opt_string(e.message);
        vd_error_set(err, e.code, e.domain, "%s", message ? message : "the peer failed the call");
        xdr_free((xdrproc_t)xdr_vd_wire_error, (char *)&e);
        return false;
    }
}

/* ---- the connection --------------------------------------------------------------------- */

static GSocketConnection *connect_to(const vd_rpc_peer_target *t, const char *uri, vd_error **err)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GError) gerr = NULL;
    g_socket_client_set_timeout(client, PEER_IO_TIMEOUT_S);
    GSocketConnection *conn;
    if (t->transport == VD_PEER_UNIX) {
        g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(t->socket);
        conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(addr), NULL, &gerr);
    } else {
        conn = g_socket_client_connect_to_host(client, t->host, (guint16)t->port, NULL, &gerr);
    }
    if (!conn)
        vd_error_set(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC,
                     "unable to connect to the peer %s: %s", uri, gerr->message);
    return conn;
}

/* libvirt's handshake after the transport: the authentication the peer asks for (none
 * is all a peer of ours asks), then the connection opened. */
static bool open_connection(vd_rpc_peer *p, vd_error **err)
{
    vd_wire_auth_list_ret auth;
    memset(&auth, 0, sizeof(auth));
    if (!vd_rpc_peer_call(p, VD_PROC_AUTH_LIST, (xdrproc_t)vd_rpc_xdr_nothing, NULL,
                          (xdrproc_t)xdr_vd_wire_auth_list_ret, &auth, err))
        return false;
    bool none = auth.types.types_len == 0;
    for (unsigned i = 0; i < auth.types.types_len; i++)
        none = none || auth.types.types_val[i] == VD_WIRE_AUTH_NONE;
    xdr_free((xdrproc_t)xdr_vd_wire_auth_list_ret, (char *)&auth);
    if (!none) {
        vd_error_set(err, VIR_ERR_AUTH_FAILED, VIR_FROM_RPC,
                     "authentication failed: the peer %s asks for SASL or polkit "
                     "authentication, which a daemon cannot give; use TLS certificates",
                     p->uri);
        return false;
    }
    vd_wire_connect_open_args open = {.name = NULL, .flags = 0};
    return vd_rpc_peer_call(p, VD_PROC_CONNECT_OPEN, (xdrproc_t)xdr_vd_wire_connect_open_args,
                            &open, (xdrproc_t)vd_rpc_xdr_nothing, NULL, err);
}

vd_rpc_peer *vd_rpc_peer_open(const char *uri, vd_error **err)
{
    vd_rpc_peer_target t;
    if (!vd_rpc_peer_parse_uri(uri, &t, err))
        return NULL;
    vd_rpc_peer *p = g_new0(vd_rpc_peer, 1);
    p->uri = g_strdup(uri);
    p->conn = connect_to(&t, uri, err);
    if (!p->conn)
        goto fail;
    /* GSocket keeps its descriptor non-blocking whatever g_socket_set_blocking says; the
     * calls here block (up to the timeouts below). */
    p->fd = g_socket_get_fd(g_socket_connection_get_socket(p->conn));
    int fl = fcntl(p->fd, F_GETFL);
    if (fl < 0 || fcntl(p->fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
        vd_error_set(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC, "peer %s: %s", uri,
                     g_strerror(errno));
        goto fail;
    }
    struct timeval tv = {.tv_sec = PEER_IO_TIMEOUT_S};
    (void)setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    (void)setsockopt(p->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (t.transport == VD_PEER_TLS) {
        g_autoptr(GError) gerr = NULL;
        p->tls = vd_rpc_tls_client_new(p->fd, t.host, t.pkipath, t.no_verify, &gerr);
        if (!p->tls) {
            vd_error_set(err, VIR_ERR_AUTH_FAILED, VIR_FROM_RPC, "peer %s: %s", uri, gerr->message);
            goto fail;
        }
    }
    if (!open_connection(p, err))
        goto fail;
    vd_rpc_peer_target_clear(&t);
    return p;

fail:
    vd_rpc_peer_target_clear(&t);
    vd_rpc_peer_close(p);
    return NULL;
}

void vd_rpc_peer_close(vd_rpc_peer *p)
{
    if (!p)
        return;
    if (p->conn && p->serial) {
        g_autoptr(vd_error) ignored = NULL;
        (void)vd_rpc_peer_call(p, VD_PROC_CONNECT_CLOSE, (xdrproc_t)vd_rpc_xdr_nothing, NULL,
                               (xdrproc_t)vd_rpc_xdr_nothing, NULL, &ignored);
    }
    if (p->tls)
        vd_rpc_tls_bye(p->tls);
    g_clear_pointer(&p->tls, vd_rpc_tls_session_free);
    if (p->conn)
        g_io_stream_close(G_IO_STREAM(p->conn), NULL, NULL);
    g_clear_object(&p->conn);
    g_free(p->uri);
    g_free(p);
}
