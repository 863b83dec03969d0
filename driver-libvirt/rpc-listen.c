/* SPDX-License-Identifier: GPL-2.0-only */
/* Binding, or adopting from systemd, the unix, TCP and TLS listeners. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-listen.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc-activation.h"

#define RO_PERMS 0777
/* GSocket's default backlog of 10 refuses unix clients (EAGAIN) when dozens connect at
 * once, as the 50-client test does; libvirtd uses 30 per socket, we allow more. */
#define LISTEN_BACKLOG 256

static void listen_on(struct vd_rpc_server *s, GSocket *sock, vd_rpc_transport t,
                      const char *unlink_path)
{
    vd_rpc_listener *l = g_new0(vd_rpc_listener, 1);

    l->server = s;
    l->socket = sock;
    l->transport = t;
    l->path = g_strdup(unlink_path);
    g_socket_set_blocking(sock, FALSE);
    vd_rpc_listener_resume(l);
    g_ptr_array_add(s->listeners, l);
}

static void drop_source(GSource **source)
{
    if (*source) {
        g_source_destroy(*source);
        g_source_unref(*source);
        *source = NULL;
    }
}

gboolean vd_rpc_listener_resume(gpointer data)
{
    vd_rpc_listener *l = data;

    drop_source(&l->pause);
    if (!l->source) {
        l->source = g_socket_create_source(l->socket, G_IO_IN, NULL);
        g_source_set_callback(l->source, G_SOURCE_FUNC(vd_rpc_server_on_incoming), l, NULL);
        g_source_attach(l->source, l->server->ctx);
    }
    return G_SOURCE_REMOVE;
}

void vd_rpc_listener_pause(vd_rpc_listener *l, unsigned ms)
{
    drop_source(&l->source);
    if (l->pause)
        return;
    l->pause = g_timeout_source_new(ms);
    g_source_set_callback(l->pause, vd_rpc_listener_resume, l, NULL);
    g_source_attach(l->pause, l->server->ctx);
}

void vd_rpc_listener_free(vd_rpc_listener *l)
{
    drop_source(&l->source);
    drop_source(&l->pause);
    if (l->socket) {
        g_socket_close(l->socket, NULL);
        g_object_unref(l->socket);
    }
    if (l->path)
        unlink(l->path);
    g_free(l->path);
    g_free(l);
}

/* ---- unix ------------------------------------------------------------------------------ */

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
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE, "%s is in use by another daemon",
                    path);
        return false;
    }
    unlink(path);
    return true;
}

static bool bind_unix(struct vd_rpc_server *s, const char *path, unsigned mode, vd_rpc_transport t,
                      GError **err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    /* Bound and listening under a temporary name, then renamed: the path appears only
     * once connections to it are accepted (a client waiting for the file never meets a
     * socket that refuses it). */
    g_autofree char *tmp = g_strconcat(path, ".new", NULL);
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(tmp);
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
    unlink(tmp);
    if (!g_socket_bind(sock, addr, FALSE, err) || chmod(tmp, mode) != 0 ||
        !g_socket_listen(sock, err) || rename(tmp, path) != 0) {
        if (err && !*err)
            g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", tmp,
                        g_strerror(errno));
        g_prefix_error(err, "listening on %s: ", path);
        g_object_unref(sock);
        unlink(tmp);
        return false;
    }
    listen_on(s, sock, t, path);
    return true;
}

/* systemd's socket unit sets the file's mode (SocketMode=), so an adopted socket keeps it. */
static bool listen_unix(struct vd_rpc_server *s, vd_rpc_activation *act, const char *path,
                        unsigned mode, vd_rpc_transport t, GError **err)
{
    GSocket *passed = vd_rpc_activation_claim_unix(act, path);

    if (!passed)
        return bind_unix(s, path, mode, t, err);
    g_message("socket activation: serving %s on the socket systemd passed", path);
    listen_on(s, passed, t, NULL);
    return true;
}

/* ---- TCP and TLS --------------------------------------------------------------------------- */

static bool listen_inet(struct vd_rpc_server *s, vd_rpc_activation *act, const char *address,
                        unsigned port, vd_rpc_transport t, GError **err)
{
    const char *what = t == VD_RPC_TLS ? "tls" : "tcp";
    g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(address);
    g_autoptr(GSocketAddress) addr = NULL;
    GSocket *sock;

    if (!ip) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "%s address '%s' is not an IP address", what, address);
        return false;
    }
    /* Plain TCP carries no authentication or encryption: only this host may reach it.
     * TLS checks every client's certificate, so it may listen anywhere. */
    if (t == VD_RPC_TCP && !g_inet_address_get_is_loopback(ip)) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                    "refusing plain TCP on non-loopback address %s: it would let anyone on "
                    "the network manage domains without authentication; serve remote clients "
                    "over TLS ([tls] listen, vireo+tls://) and keep TCP on 127.0.0.1",
                    address);
        return false;
    }
    sock = vd_rpc_activation_claim_inet(act, ip, port);
    if (sock) {
        g_message("socket activation: serving %s on %s:%u on the socket systemd passed", what,
                  address, port);
        listen_on(s, sock, t, NULL);
        return true;
    }
    addr = g_inet_socket_address_new(ip, port);
    sock = g_socket_new(g_inet_address_get_family(ip), G_SOCKET_TYPE_STREAM, 0, err);
    if (!sock)
        return false;
    g_socket_set_listen_backlog(sock, LISTEN_BACKLOG);
    if (!g_socket_bind(sock, addr, TRUE, err) || !g_socket_listen(sock, err)) {
        g_prefix_error(err, "listening on %s %s:%u: ", what, address, port);
        g_object_unref(sock);
        return false;
    }
    listen_on(s, sock, t, NULL);
    return true;
}

bool vd_rpc_listen_all(struct vd_rpc_server *s, GError **err)
{
    vd_rpc_activation *act = vd_rpc_activation_take();
    const vd_rpc_config *cfg = &s->cfg;
    bool ok =
        (!cfg->unix_rw_path ||
         listen_unix(s, act, cfg->unix_rw_path, cfg->unix_rw_perms, VD_RPC_UNIX_RW, err)) &&
        (!cfg->unix_ro_path ||
         listen_unix(s, act, cfg->unix_ro_path, RO_PERMS, VD_RPC_UNIX_RO, err)) &&
        (!cfg->listen_tcp ||
         listen_inet(s, act, cfg->tcp_address, cfg->tcp_port, VD_RPC_TCP, err)) &&
        (!s->tls || listen_inet(s, act, s->cfg.tls.address, s->cfg.tls.port, VD_RPC_TLS, err));

    vd_rpc_activation_free(act);
    if (ok && !s->listeners->len) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "no socket configured");
        return false;
    }
    return ok;
}
