/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target for a whole client connection: an input is the byte stream a client sends,
 * fed through a unix socket into the real protocol server (listener, reader, framing,
 * dispatch, the worker pool, every handler, reply and event encoding, console streams)
 * over the in-memory test driver. Events fire when the stream defines or undefines while
 * it has callbacks registered; consoles echo. The server must survive every input.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vd-rpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
vd_daemon *test_daemon_new(void);

static char *socket_path;

static void start_server(void)
{
    char *dir = g_dir_make_tmp("vd-fuzz-session-XXXXXX", NULL);
    vd_rpc_config cfg = {0};
    GError *err = NULL;

    socket_path = g_build_filename(dir, "virtvireod-sock", NULL);
    /* Own the main context for the whole run, as g_main_loop_run does in virtvireod:
     * otherwise a worker's g_main_context_invoke() takes it over (GLib runs the function
     * in the caller when no thread owns the context) and the server's sources starve. */
    g_main_context_acquire(NULL);
    cfg.unix_rw_path = socket_path;
    cfg.keepalive_interval = -1;
    cfg.no_peer_calls = true; /* an input must not make the server dial out */
    /* Never freed: it serves every input of the run. */
    if (!vd_rpc_server_new(test_daemon_new(), &cfg, &err)) {
        fprintf(stderr, "fuzz-session: %s\n", err->message);
        abort();
    }
    g_free(dir);
}

static void run_server(void)
{
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

/* The server accepts in this thread's main context: while its backlog is full (earlier
 * inputs' connections not yet closed on its side), let it run and try again. */
static int connect_client(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    g_strlcpy(addr.sun_path, socket_path, sizeof(addr.sun_path));
    for (int tries = 0; tries < 100000; tries++) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

        if (fd < 0)
            abort();
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            return fd;
        if (errno != EAGAIN)
            abort(); /* the listener is gone: the server did not survive */
        close(fd);
        run_server();
        g_usleep(100);
    }
    abort(); /* the server stopped accepting for ten seconds */
}

/* Runs the server's main context and drains what it sends; false once it closed. */
static bool pump(int fd)
{
    char buf[65536];
    ssize_t n;

    run_server();
    while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
        ;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool started;
    int fd;
    size_t sent = 0;

    if (!started) {
        start_server();
        started = true;
    }
    fd = connect_client();
    while (sent < size) {
        ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);

        if (n > 0)
            sent += n;
        else if (n < 0 && errno != EAGAIN)
            break; /* the server closed the connection (a malformed packet) */
        if (!pump(fd))
            break;
    }
    shutdown(fd, SHUT_WR);
    /* Give calls on workers a moment to finish and the server to see EOF; a connection
     * still busy after that is simply dropped (the next input's pumping finishes it). */
    for (int i = 0; i < 100 && pump(fd); i++)
        g_usleep(100);
    close(fd);
    return 0;
}
