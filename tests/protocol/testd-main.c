/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vd-rpc-testd: the protocol layer over the in-memory test driver, for the daemon suite
 * when virtvireod itself is not built. Listens on DIR/virtvireod-sock (rw) and
 * DIR/virtvireod-sock-ro (the names virtvireod uses under ROOT/run/libvirt), and on
 * 127.0.0.1:PORT with --tcp-port; stops on SIGTERM or SIGINT.
 */
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "vd-rpc.h"

vd_daemon *test_daemon_new(void);
void test_daemon_free(vd_daemon *d);
int test_daemon_open_clients(vd_daemon *d);

static gboolean on_signal(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    g_autofree char *dir = NULL;
    g_autofree char *tcp_address = NULL;
    int tcp_port = 0, keepalive = 5;
    gboolean polkit = FALSE, tls_no_verify = FALSE;
    int tls_port = 0, max_clients = 0, tls_handshake_timeout = 0;
    g_autofree char *tls_dir = NULL, *tls_address = NULL;
    g_autofree char *rw_perms = NULL;
    GOptionEntry entries[] = {
        { "socket-dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "directory for the sockets", "DIR" },
        { "tcp-port", 0, 0, G_OPTION_ARG_INT, &tcp_port, "also listen on TCP", "PORT" },
        { "tcp-address", 0, 0, G_OPTION_ARG_STRING, &tcp_address, "TCP address", "IP" },
        { "polkit", 0, 0, G_OPTION_ARG_NONE, &polkit, "polkit for non-root rw clients", NULL },
        { "rw-perms", 0, 0, G_OPTION_ARG_STRING, &rw_perms, "octal mode of sock", "MODE" },
        { "keepalive", 0, 0, G_OPTION_ARG_INT, &keepalive, "ping interval, 0 = off", "S" },
        { "max-clients", 0, 0, G_OPTION_ARG_INT, &max_clients, "client limit", "N" },
        { "tls-port", 0, 0, G_OPTION_ARG_INT, &tls_port, "also listen with TLS", "PORT" },
        { "tls-address", 0, 0, G_OPTION_ARG_STRING, &tls_address, "TLS address", "IP" },
        { "tls-dir", 0, 0, G_OPTION_ARG_FILENAME, &tls_dir,
          "cacert.pem, servercert.pem, serverkey.pem", "DIR" },
        { "tls-no-verify", 0, 0, G_OPTION_ARG_NONE, &tls_no_verify,
          "accept unverified client certificates", NULL },
        { "tls-handshake-timeout", 0, 0, G_OPTION_ARG_INT, &tls_handshake_timeout,
          "seconds to finish the TLS handshake, 0 = no limit", "S" },
        { NULL },
    };
    g_autoptr(GOptionContext) opts = g_option_context_new("- libvirt protocol test daemon");
    g_autoptr(GError) err = NULL;
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_autofree char *rw = NULL, *ro = NULL;
    vd_rpc_config cfg = { 0 };
    g_autofree char *ca = NULL, *cert = NULL, *key = NULL;
    vd_rpc_server *server;
    vd_daemon *daemon;
    int open_clients;

    g_option_context_add_main_entries(opts, entries, NULL);
    if (!g_option_context_parse(opts, &argc, &argv, &err) || !dir) {
        fprintf(stderr, "vd-rpc-testd: %s\n", err ? err->message : "--socket-dir is required");
        return 2;
    }
    rw = g_build_filename(dir, "virtvireod-sock", NULL);
    ro = g_build_filename(dir, "virtvireod-sock-ro", NULL);
    cfg.unix_rw_path = rw;
    cfg.unix_ro_path = ro;
    cfg.unix_rw_perms = rw_perms ? strtoul(rw_perms, NULL, 8) : 0700;
    cfg.auth_polkit = polkit;
    cfg.listen_tcp = tcp_port > 0;
    cfg.tcp_address = tcp_address;
    cfg.tcp_port = tcp_port;
    cfg.keepalive_interval = keepalive;
    cfg.keepalive_count = 3;
    cfg.max_clients = max_clients;
    if (tls_port > 0) {
        vd_rpc_tls_config *tls = &cfg.tls;

        tls->listen = true;
        tls->port = tls_port;
        tls->address = tls_address ? tls_address : "127.0.0.1";
        tls->ca_file = ca = g_build_filename(tls_dir ? tls_dir : ".", "cacert.pem", NULL);
        tls->cert_file = cert = g_build_filename(tls_dir ? tls_dir : ".", "servercert.pem", NULL);
        tls->key_file = key = g_build_filename(tls_dir ? tls_dir : ".", "serverkey.pem", NULL);
        tls->no_verify_certificate = tls_no_verify;
        tls->handshake_timeout = (unsigned)MAX(tls_handshake_timeout, 0);
    }
    daemon = test_daemon_new();
    server = vd_rpc_server_new(daemon, &cfg, &err);
    if (!server) {
        fprintf(stderr, "vd-rpc-testd: %s\n", err->message);
        test_daemon_free(daemon);
        return 1;
    }
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);
    printf("ready\n");
    fflush(stdout);
    g_main_loop_run(loop);
    vd_rpc_server_free(server);
    /* Events still queued for the main context hold domain refs: let them run out. */
    while (g_main_context_iteration(NULL, FALSE))
        ;
    /* Every connection the layer reported opened must have been reported closed, whatever
     * ended it: the daemon's --timeout depends on it. */
    open_clients = test_daemon_open_clients(daemon);
    test_daemon_free(daemon);
    if (open_clients) {
        fprintf(stderr, "vd-rpc-testd: %d connection(s) never reported closed\n", open_clients);
        return 1;
    }
    return 0;
}
