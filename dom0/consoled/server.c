/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-consoled: the unix socket `vireo-ctl console` attaches through. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "consoled.h"
#include "vireo-console.h"

#define REQUEST_MAX 256

struct console_client {
    struct consoled *cd;
    int fd;
    guint source;
    GString *request;         /* the ATTACH line as it arrives */
    struct console *console;  /* NULL until attached */
};

static void client_free(struct console_client *cl)
{
    if (cl->console)
        cl->console->clients = g_list_remove(cl->console->clients, cl);
    if (cl->source)
        g_source_remove(cl->source);
    close(cl->fd);
    g_string_free(cl->request, TRUE);
    g_free(cl);
}

/* Clients are slow terminals at worst; a blocking send keeps the output in order. */
static gboolean send_all(int fd, const char *buf, size_t len)
{
    return vctl_console_service_send(fd, buf, len) == 0;
}

void console_clients_send(struct console *c, const char *buf, size_t len)
{
    GList *l = c->clients;
    while (l) {
        GList *next = l->next;
        struct console_client *cl = l->data;
        if (!send_all(cl->fd, buf, len))
            client_free(cl);
        l = next;
    }
}

void console_clients_close_all(struct console *c)
{
    static const char bye[] = "\r\n[vireo-consoled: domain is gone]\r\n";
    while (c->clients) {
        struct console_client *cl = c->clients->data;
        send_all(cl->fd, bye, sizeof(bye) - 1);
        client_free(cl);
    }
}

static void send_backlog(struct console_client *cl)
{
    g_autofree char *path =
        g_strdup_printf("%s/%s.log", cl->cd->log_dir, cl->console->name);
    char buf[VIREO_CONSOLE_BACKLOG];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
    ssize_t n = pread(fd, buf, sizeof(buf), from);
    close(fd);
    if (n > 0)
        send_all(cl->fd, buf, (size_t)n);
}

static gboolean handle_request(struct console_client *cl)
{
    char reply[REQUEST_MAX + 32];
    const char *line = cl->request->str;
    if (strcmp(line, "SYNC") == 0) {
        consoled_drain_all(cl->cd);
        send_all(cl->fd, "OK\n", 3);
        return FALSE;
    }
    if (!g_str_has_prefix(line, "ATTACH ")) {
        static const char usage[] = "ERR expected ATTACH <domain> or SYNC\n";
        send_all(cl->fd, usage, sizeof(usage) - 1);
        return FALSE;
    }
    struct console *c = consoled_find(cl->cd, line + 7);
    if (!c) {
        snprintf(reply, sizeof(reply), "ERR no domU \"%s\"\n", line + 7);
        send_all(cl->fd, reply, strlen(reply));
        return FALSE;
    }
    snprintf(reply, sizeof(reply), "OK %u %s\n", c->domid, c->name);
    if (!send_all(cl->fd, reply, strlen(reply)))
        return FALSE;
    cl->console = c;
    send_backlog(cl);
    c->clients = g_list_append(c->clients, cl);
    return TRUE;
}

static gboolean client_readable(gint fd, G_GNUC_UNUSED GIOCondition cond, gpointer data)
{
    struct console_client *cl = data;
    char buf[1024];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
        cl->source = 0;
        client_free(cl);
        return G_SOURCE_REMOVE;
    }
    if (cl->console) {
        int ret = vctl_console_input(cl->cd->h, cl->console->domid, buf, (size_t)n);
        if (ret < 0)
            g_warning("d%u: console input failed: %s", cl->console->domid,
                      g_strerror(-ret));
        return G_SOURCE_CONTINUE;
    }
    char *nl = memchr(buf, '\n', (size_t)n);
    g_string_append_len(cl->request, buf, nl ? nl - buf : n);
    if (cl->request->len > REQUEST_MAX || (nl && !handle_request(cl))) {
        cl->source = 0;
        client_free(cl);
        return G_SOURCE_REMOVE;
    }
    /* Bytes typed after the ATTACH line are input already. */
    if (nl && cl->console && nl + 1 < buf + n)
        vctl_console_input(cl->cd->h, cl->console->domid, nl + 1, (size_t)(buf + n - nl - 1));
    return G_SOURCE_CONTINUE;
}

static gboolean listener_readable(gint fd, G_GNUC_UNUSED GIOCondition cond, gpointer data)
{
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (cfd < 0)
        return G_SOURCE_CONTINUE;
    struct console_client *cl = g_new0(struct console_client, 1);
    cl->cd = data;
    cl->fd = cfd;
    cl->request = g_string_new(NULL);
    cl->source = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, client_readable, cl);
    return G_SOURCE_CONTINUE;
}

int consoled_listen(struct consoled *cd, const char *path)
{
    struct sockaddr_un addr;
    int fd = vctl_console_service_socket(path, &addr);
    if (fd < 0)
        return fd;
    unlink(path);
    /* Only root may attach: consoles accept input. */
    mode_t old = umask(0077);
    int ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
    umask(old);
    if (ret < 0 || listen(fd, 16) < 0) {
        ret = -errno;
        close(fd);
        return ret;
    }
    g_unix_fd_add(fd, G_IO_IN, listener_readable, cd);
    return 0;
}
