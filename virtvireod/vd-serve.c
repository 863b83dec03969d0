/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtvireod's composition of the layers: options and configuration, the daemon core
 * (daemon/) over a hypervisor backend, libvirt's remote protocol (driver-libvirt/) in
 * front of it, and the main loop until SIGTERM, SIGINT or --timeout seconds of idleness.
 */
#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "vd-serve.h"

#include "vd-daemon.h"
#include "vd-rpc.h"

typedef struct options {
    char *root;
    char *config;
    char *listen_tcp;
    int timeout;
    gboolean version;
} options;

static void options_clear(options *o)
{
    g_free(o->root);
    g_free(o->config);
    g_free(o->listen_tcp);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(options, options_clear)

static gboolean quit_on_signal(gpointer loop)
{
    g_message("signal received, exiting");
    g_main_loop_quit(loop);
    return G_SOURCE_CONTINUE;
}

typedef struct idle_watch {
    vd_daemon *d;
    unsigned secs;
    GMainLoop *loop;
} idle_watch;

static gboolean check_idle(gpointer data)
{
    idle_watch *w = data;
    if (vd_daemon_idle_for(w->d, w->secs)) {
        g_message("idle for %u s, exiting", w->secs);
        g_main_loop_quit(w->loop);
    }
    return G_SOURCE_CONTINUE;
}

static bool parse_options(int *argc, char ***argv, options *o)
{
    const GOptionEntry entries[] = {
        {"root", 'r', 0, G_OPTION_ARG_FILENAME, &o->root,
         "Keep every path (config, state, sockets) under DIR, for private instances", "DIR"},
        {"config", 'f', 0, G_OPTION_ARG_FILENAME, &o->config,
         "Configuration file (default ROOT/etc/vireo/virtvireod.conf)", "FILE"},
        {"listen-tcp", 'l', 0, G_OPTION_ARG_STRING, &o->listen_tcp,
         "Also listen on TCP ADDR:PORT (loopback only without TLS or SASL)", "ADDR:PORT"},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &o->timeout,
         "Exit after SECS idle: no client, no running domain, no call", "SECS"},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &o->version, "Print the version and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- Vireo's libvirt-compatible daemon");
    g_option_context_set_summary(
        ctx, "Serves libvirt's remote protocol for Vireo domains:\n"
             "  virsh -c vireo:///system, virt-install and virt-manager connect to it unmodified.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        fprintf(stderr, "virtvireod: %s (see --help)\n", err->message);
        return false;
    }
    if (o->timeout < 0) {
        fprintf(stderr, "virtvireod: --timeout must not be negative\n");
        return false;
    }
    return true;
}

/* ADDR:PORT, where ADDR may be a bracketed IPv6 address. */
static bool apply_listen_tcp(vd_config *cfg, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    guint64 port;
    if (!colon || colon == spec ||
        !g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &port, NULL)) {
        fprintf(stderr, "virtvireod: --listen-tcp wants ADDR:PORT, not '%s'\n", spec);
        return false;
    }
    g_autofree char *addr = g_strndup(spec, colon - spec);
    if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') {
        char *inner = g_strndup(addr + 1, strlen(addr) - 2);
        g_free(addr);
        addr = inner;
    }
    g_free(cfg->tcp_address);
    cfg->tcp_address = g_steal_pointer(&addr);
    cfg->tcp_port = port;
    cfg->listen_tcp = true;
    return true;
}

static void fill_tls_config(const vd_config *cfg, vd_rpc_tls_config *tls)
{
    memset(tls, 0, sizeof(*tls));
    tls->listen = cfg->listen_tls;
    tls->address = cfg->tls_address;
    tls->port = cfg->tls_port;
    tls->ca_file = cfg->tls_ca_file;
    tls->crl_file = cfg->tls_crl_file;
    tls->cert_file = cfg->tls_cert_file;
    tls->key_file = cfg->tls_key_file;
    tls->priority = cfg->tls_priority;
    tls->no_verify_certificate = cfg->tls_no_verify_certificate;
    tls->handshake_timeout = cfg->tls_handshake_timeout;
}

static void fill_rpc_config(const vd_config *cfg, vd_rpc_config *rpc)
{
    memset(rpc, 0, sizeof(*rpc));
    rpc->unix_rw_path = cfg->sock_rw;
    rpc->unix_ro_path = cfg->sock_ro;
    rpc->unix_rw_perms = cfg->sock_rw_perms;
    rpc->auth_polkit = cfg->auth_polkit;
    rpc->listen_tcp = cfg->listen_tcp;
    rpc->tcp_address = cfg->tcp_address;
    rpc->tcp_port = cfg->tcp_port;
    rpc->uri = cfg->uri;
    rpc->max_clients = cfg->max_clients;
    rpc->keepalive_interval = cfg->keepalive_interval;
    rpc->keepalive_count = cfg->keepalive_count;
    fill_tls_config(cfg, &rpc->tls);
}

/* Each client holds a descriptor: take all the kernel lets us (systemd's LimitNOFILE, or
 * the shell's hard limit), as libvirtd does, rather than the 1024 soft default. */
static void raise_descriptor_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            g_message("cannot raise the descriptor limit: %s", g_strerror(errno));
    }
}

/* glibc gives each thread that meets a locked arena one of its own (up to 8 per CPU), and
 * keeps freed memory at the top of each: a burst of calls on 16 workers leaves megabytes
 * resident that the daemon never needs again. Two arenas keep contention low (the table
 * lock serialises the core anyway); a trim each second hands back what a burst freed. */
static void limit_heap(void)
{
    mallopt(M_ARENA_MAX, 2);
}

static gboolean trim_heap(gpointer unused)
{
    (void)unused;
    malloc_trim(0);
    return G_SOURCE_CONTINUE;
}

int vd_serve(int argc, char **argv, vd_hv_opener open_hv)
{
    limit_heap();
    setlocale(LC_ALL, "");
    g_auto(options) o = {0};
    if (!parse_options(&argc, &argv, &o))
        return 2;
    if (o.version) {
        printf("virtvireod %s\n", VD_VERSION);
        return 0;
    }

    g_autoptr(vd_config) cfg = vd_config_new(o.root);
    g_autoptr(GError) gerr = NULL;
    const char *config_file = o.config ? o.config : cfg->config_file;
    if (!vd_config_load(cfg, config_file, o.config != NULL, &gerr) ||
        (o.listen_tcp && !apply_listen_tcp(cfg, o.listen_tcp))) {
        if (gerr)
            fprintf(stderr, "virtvireod: %s\n", gerr->message);
        return 2;
    }
    if (o.timeout)
        cfg->timeout = o.timeout;
    raise_descriptor_limit();
    if (!vd_config_make_dirs(cfg, &gerr)) {
        fprintf(stderr, "virtvireod: %s\n", gerr->message);
        return 1;
    }

    g_autoptr(vd_error) err = NULL;
    vd_daemon *d = vd_daemon_new(cfg, open_hv(cfg), &err);
    if (!d) {
        fprintf(stderr, "virtvireod: %s\n", err->message);
        return 1;
    }
    vd_rpc_config rpc;
    fill_rpc_config(cfg, &rpc);
    /* Before the sockets exist: a client that sees them may stop us at once. */
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, quit_on_signal, loop);
    g_unix_signal_add(SIGINT, quit_on_signal, loop);
    vd_rpc_server *server = vd_rpc_server_new(d, &rpc, &gerr);
    if (!server) {
        fprintf(stderr, "virtvireod: %s\n", gerr->message);
        vd_daemon_free(d);
        g_main_loop_unref(loop);
        return 1;
    }
    g_message("virtvireod %s serving %s", VD_VERSION, cfg->sock_rw);
    g_timeout_add_seconds(1, trim_heap, NULL);

    idle_watch watch = {d, cfg->timeout, loop};
    if (cfg->timeout)
        g_timeout_add_seconds(1, check_idle, &watch);
    g_main_loop_run(loop);

    /* Running domains are left alone: a restarted daemon finds them again. */
    vd_rpc_server_free(server);
    vd_daemon_free(d);
    g_main_loop_unref(loop);
    return 0;
}
