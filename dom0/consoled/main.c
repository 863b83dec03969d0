/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-consoled: start-up and the event loop driven by /dev/vireo's event interrupts. */
#include <errno.h>
#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consoled.h"
#include "vireo-console.h"

static gboolean events_readable(gint fd, G_GNUC_UNUSED GIOCondition cond, gpointer data)
{
    int64_t bits = vctl_events_read(fd);
    if (bits < 0) {
        g_warning("reading events failed: %s", g_strerror((int)-bits));
        return G_SOURCE_CONTINUE;
    }
    if (bits & (VIREO_EVENT_CONSOLE | VIREO_EVENT_DOMAIN_STATE))
        consoled_drain_all(data);
    return G_SOURCE_CONTINUE;
}

static gboolean quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    gboolean daemonize = FALSE;
    g_autofree char *socket_path = g_strdup(VIREO_CONSOLE_SOCKET);
    struct consoled cd = { .log_dir = g_strdup(VIREO_CONSOLE_LOG_DIR) };
    const GOptionEntry entries[] = {
        { "daemon", 'd', 0, G_OPTION_ARG_NONE, &daemonize, "run in the background", NULL },
        { "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path, "socket path", "PATH" },
        { "log-dir", 'l', 0, G_OPTION_ARG_FILENAME, &cd.log_dir, "console log directory",
          "DIR" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("");
    g_autoptr(GError) error = NULL;
    g_option_context_set_summary(ctx, "Drains domU consoles into logs and serves them.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "vireo-consoled: %s\n", error->message);
        return 2;
    }

    cd.h = vctl_open();
    if (!cd.h) {
        fprintf(stderr, "vireo-consoled: cannot open %s: %s\n", VIREO_DEV_PATH,
                g_strerror(errno));
        return 1;
    }
    int events = vctl_events_open(true);
    g_autofree char *sock_dir = g_path_get_dirname(socket_path);
    if (events < 0 || g_mkdir_with_parents(cd.log_dir, 0750) < 0 ||
        g_mkdir_with_parents(sock_dir, 0755) < 0) {
        fprintf(stderr, "vireo-consoled: setting up failed: %s\n",
                g_strerror(events < 0 ? -events : errno));
        return 1;
    }
    cd.consoles = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, console_free);
    int ret = consoled_listen(&cd, socket_path);
    if (ret < 0) {
        fprintf(stderr, "vireo-consoled: cannot listen on %s: %s\n", socket_path,
                g_strerror(-ret));
        return 1;
    }
    /* Fork only once the socket exists, so a client started right after us finds it. */
    if (daemonize && daemon(0, 0) < 0) {
        fprintf(stderr, "vireo-consoled: daemon: %s\n", g_strerror(errno));
        return 1;
    }

    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    g_unix_fd_add(events, G_IO_IN, events_readable, &cd);
    g_unix_signal_add(SIGTERM, quit, loop);
    g_unix_signal_add(SIGINT, quit, loop);
    consoled_drain_all(&cd); /* output produced before we started */
    g_main_loop_run(loop);

    g_hash_table_destroy(cd.consoles);
    unlink(socket_path);
    vctl_close(cd.h);
    g_free(cd.log_dir);
    return 0;
}
