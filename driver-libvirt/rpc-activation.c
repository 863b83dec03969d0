/* SPDX-License-Identifier: GPL-2.0-only */
/* sd_listen_fds, written out: a few environment variables and fds from 3 up. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-activation.h"

#include <fcntl.h>
#include <gio/gunixsocketaddress.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* systemd's SD_LISTEN_FDS_START: the first passed descriptor. */
#define LISTEN_FDS_START 3

struct vd_rpc_activation {
    GPtrArray *sockets; /* of GSocket*, the ones not claimed yet */
};

static char *describe(GSocket *sock)
{
    g_autoptr(GSocketAddress) addr = g_socket_get_local_address(sock, NULL);

    if (addr && G_IS_UNIX_SOCKET_ADDRESS(addr))
        return g_strdup(g_unix_socket_address_get_path(G_UNIX_SOCKET_ADDRESS(addr)));
    if (addr && G_IS_INET_SOCKET_ADDRESS(addr)) {
        GInetSocketAddress *in = G_INET_SOCKET_ADDRESS(addr);
        g_autofree char *ip = g_inet_address_to_string(g_inet_socket_address_get_address(in));

        return g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(in));
    }
    return g_strdup("an unknown address");
}

/* A listening stream socket, or NULL (logged) for anything else passed to us. */
static GSocket *adopt_fd(int fd)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GSocket) sock = NULL;
    struct stat st;
    int listening = 0;
    socklen_t len = sizeof(listening);

    /* The manager leaves them inheritable; our children (device models) must not hold
     * the daemon's listeners. */
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (fstat(fd, &st) != 0)
        return NULL; /* LISTEN_FDS promised more than we were given */
    if (!S_ISSOCK(st.st_mode)) {
        g_warning("socket activation: fd %d is not a socket", fd);
        close(fd);
        return NULL;
    }
    sock = g_socket_new_from_fd(fd, &err);
    if (!sock) {
        g_warning("socket activation: fd %d is not a usable socket: %s", fd, err->message);
        return NULL;
    }
    if (g_socket_get_socket_type(sock) != G_SOCKET_TYPE_STREAM ||
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) {
        g_autofree char *what = describe(sock);

        g_warning("socket activation: ignoring fd %d (%s): not a listening stream socket", fd,
                  what);
        return NULL; /* the GSocket closes it */
    }
    return g_steal_pointer(&sock);
}

vd_rpc_activation *vd_rpc_activation_take(void)
{
    const char *pid_text = g_getenv("LISTEN_PID");
    const char *fds_text = g_getenv("LISTEN_FDS");
    guint64 pid = 0, n = 0;
    vd_rpc_activation *a;

    if (!pid_text || !fds_text)
        return NULL;
    /* Variables left over from a parent that was activated are not meant for us. */
    if (!g_ascii_string_to_unsigned(pid_text, 10, 1, G_MAXINT, &pid, NULL) ||
        pid != (guint64)getpid() || !g_ascii_string_to_unsigned(fds_text, 10, 0, 4096, &n, NULL)) {
        g_unsetenv("LISTEN_PID");
        g_unsetenv("LISTEN_FDS");
        g_unsetenv("LISTEN_FDNAMES");
        return NULL;
    }
    g_unsetenv("LISTEN_PID");
    g_unsetenv("LISTEN_FDS");
    g_unsetenv("LISTEN_FDNAMES");

    a = g_new0(vd_rpc_activation, 1);
    a->sockets = g_ptr_array_new_with_free_func(g_object_unref);
    for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + (int)n; fd++) {
        GSocket *sock = adopt_fd(fd);

        if (sock)
            g_ptr_array_add(a->sockets, sock);
    }
    g_message("socket activation: %u listening socket(s) passed", a->sockets->len);
    return a;
}

/* dir/name with the directory resolved, so /var/run/x and /run/x compare equal. */
static char *canonical_path(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *name = g_path_get_basename(path);
    g_autofree char *real = realpath(dir, NULL);

    return g_build_filename(real ? real : dir, name, NULL);
}

static GSocket *claim_at(vd_rpc_activation *a, guint i)
{
    return g_ptr_array_steal_index(a->sockets, i);
}

GSocket *vd_rpc_activation_claim_unix(vd_rpc_activation *a, const char *path)
{
    g_autofree char *want = NULL;

    if (!a)
        return NULL;
    want = canonical_path(path);
    for (guint i = 0; i < a->sockets->len; i++) {
        g_autoptr(GSocketAddress) addr =
            g_socket_get_local_address(g_ptr_array_index(a->sockets, i), NULL);
        g_autofree char *have = NULL;

        if (!addr || !G_IS_UNIX_SOCKET_ADDRESS(addr) ||
            g_unix_socket_address_get_address_type(G_UNIX_SOCKET_ADDRESS(addr)) !=
                G_UNIX_SOCKET_ADDRESS_PATH)
            continue;
        have = canonical_path(g_unix_socket_address_get_path(G_UNIX_SOCKET_ADDRESS(addr)));
        if (g_strcmp0(have, want) == 0)
            return claim_at(a, i);
    }
    return NULL;
}

GSocket *vd_rpc_activation_claim_inet(vd_rpc_activation *a, GInetAddress *ip, unsigned port)
{
    if (!a)
        return NULL;
    for (guint i = 0; i < a->sockets->len; i++) {
        g_autoptr(GSocketAddress) addr =
            g_socket_get_local_address(g_ptr_array_index(a->sockets, i), NULL);
        GInetSocketAddress *in;

        if (!addr || !G_IS_INET_SOCKET_ADDRESS(addr))
            continue;
        in = G_INET_SOCKET_ADDRESS(addr);
        if (g_inet_socket_address_get_port(in) == port &&
            g_inet_address_equal(g_inet_socket_address_get_address(in), ip))
            return claim_at(a, i);
    }
    return NULL;
}

void vd_rpc_activation_free(vd_rpc_activation *a)
{
    if (!a)
        return;
    for (guint i = 0; i < a->sockets->len; i++) {
        g_autofree char *what = describe(g_ptr_array_index(a->sockets, i));

        g_warning("socket activation: closing the socket on %s: no listener is configured "
                  "there",
                  what);
    }
    g_ptr_array_unref(a->sockets);
    g_free(a);
}
