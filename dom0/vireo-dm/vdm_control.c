/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket (vdm_control.h). */
#include "vdm_control.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "vdm_device.h"
#include "vdm_state.h"

struct vdm_control {
    struct vdm_bus *bus;
    GMainContext *ctx;
    char *path;
    int listen_fd;
    GSource *listen_src;
    GList *clients; /* struct client *: accepted, request not yet read */
};

struct client {
    struct vdm_control *control;
    int fd;
    GSource *src;
};

static struct vdm_device *device_of_group(struct vdm_bus *bus, const char *group)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(bus->slot); i++) {
        struct vdm_device *dev = bus->slot[i];

        if (dev != NULL && strcmp(dev->group, group) == 0)
            return dev;
    }
    return NULL;
}

char *vdm_control_answer(struct vdm_bus *bus, GMainContext *ctx, const char *request)
{
    g_auto(GStrv) word = g_strsplit(request, " ", 3);
    g_autoptr(GString) reply = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    struct vdm_device *dev;

    if (word[0] == NULL || word[1] == NULL || *word[0] == '\0' || *word[1] == '\0')
        return g_strdup("error: a request is '<group> <verb> [<arg>]'");
    if (strcmp(word[0], "dm") == 0) /* the device model as a whole (vdm_state.h) */
        return vdm_state_control(bus, ctx, word[1], word[2] != NULL ? word[2] : "");
    dev = device_of_group(bus, word[0]);
    if (dev == NULL)
        return g_strdup_printf("error: no device '%s'", word[0]);
    if (dev->ops->control == NULL)
        return g_strdup_printf("error: %s takes no requests", word[0]);
    if (!dev->ops->control(dev, word[1], word[2] != NULL ? word[2] : "", reply, &error))
        return g_strdup_printf("error: %s", error->message);
    return reply->len > 0 ? g_strdup_printf("ok %s", reply->str) : g_strdup("ok");
}

static void client_free(struct client *cl)
{
    g_source_destroy(cl->src);
    g_source_unref(cl->src);
    close(cl->fd);
    g_free(cl);
}

static gboolean on_request(gint fd, GIOCondition cond, gpointer data)
{
    struct client *cl = data;
    char buf[VDM_CONTROL_MESSAGE_MAX];
    ssize_t got = recv(fd, buf, sizeof(buf) - 1, 0);

    (void)cond;
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return G_SOURCE_CONTINUE;
    if (got > 0) {
        g_autofree char *answer = NULL;

        buf[got] = '\0';
        g_strchomp(buf);
        answer = vdm_control_answer(cl->control->bus, cl->control->ctx, buf);
        g_message("control: '%s': %s", buf, answer);
        /* The daemon waits for it; a client gone meanwhile is no concern of ours. */
        if (send(fd, answer, strlen(answer), MSG_NOSIGNAL) < 0)
            g_message("control: answer not sent: %s", g_strerror(errno));
    }
    cl->control->clients = g_list_remove(cl->control->clients, cl);
    client_free(cl);
    return G_SOURCE_REMOVE;
}

static gboolean on_connect(gint fd, GIOCondition cond, gpointer data)
{
    struct vdm_control *c = data;
    int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    struct client *cl;

    (void)cond;
    if (cfd < 0) {
        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
            g_message("control: accept: %s", g_strerror(errno));
        return G_SOURCE_CONTINUE;
    }
    cl = g_new0(struct client, 1);
    cl->control = c;
    cl->fd = cfd;
    cl->src = g_unix_fd_source_new(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR);
    g_source_set_callback(cl->src, (GSourceFunc)(void (*)(void))on_request, cl, NULL);
    g_source_attach(cl->src, c->ctx);
    c->clients = g_list_prepend(c->clients, cl);
    return G_SOURCE_CONTINUE;
}

struct vdm_control *vdm_control_open(const char *runtime_dir, struct vdm_bus *bus,
                                     GMainContext *ctx, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    struct vdm_control *c = g_new0(struct vdm_control, 1);

    c->bus = bus;
    c->ctx = ctx;
    c->path = g_build_filename(runtime_dir, VDM_CONTROL_SOCKET, NULL);
    c->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (strlen(c->path) >= sizeof(addr.sun_path)) {
        g_set_error(error, VDM_ERROR, 0, "control socket path too long: %s", c->path);
        vdm_control_close(c);
        return NULL;
    }
    g_strlcpy(addr.sun_path, c->path, sizeof(addr.sun_path));
    unlink(c->path);
    if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        chmod(c->path, 0600) < 0 || listen(c->listen_fd, 4) < 0) {
        g_set_error(error, VDM_ERROR, 0, "control socket %s: %s", c->path, g_strerror(errno));
        vdm_control_close(c);
        return NULL;
    }
    c->listen_src = g_unix_fd_source_new(c->listen_fd, G_IO_IN);
    g_source_set_callback(c->listen_src, (GSourceFunc)(void (*)(void))on_connect, c, NULL);
    g_source_attach(c->listen_src, ctx);
    return c;
}

void vdm_control_close(struct vdm_control *c)
{
    if (c == NULL)
        return;
    g_list_free_full(c->clients, (GDestroyNotify)client_free);
    if (c->listen_src != NULL) {
        g_source_destroy(c->listen_src);
        g_source_unref(c->listen_src);
    }
    if (c->listen_fd >= 0) {
        close(c->listen_fd);
        unlink(c->path);
    }
    g_free(c->path);
    g_free(c);
}
