/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The QMP client (vdm_qmp.h): QEMU sends one JSON object per line (the greeting, replies,
 * asynchronous events); we send one command per line with an "id" the reply echoes.
 */
#include "vdm_qmp.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vdm_device.h"

#define QMP_READ_CHUNK 4096
#define QMP_LINE_MAX (1u << 20) /* query-block-jobs of one job is a few hundred bytes */

struct vdm_qmp {
    int fd;
    GString *in;  /* bytes received and not yet taken as a line */
    gint64 id;    /* the last command's */
    char *broken; /* why the connection is unusable, or NULL */
};

static void set_broken(struct vdm_qmp *q, GError **error, const char *why)
{
    if (q->broken == NULL)
        q->broken = g_strdup_printf("QMP: %s", why);
    g_set_error(error, VDM_ERROR, 0, "%s", q->broken);
}

/* Waits until fd is readable before the monotonic time `deadline` (µs). */
static bool wait_readable(struct vdm_qmp *q, gint64 deadline, GError **error)
{
    struct pollfd p = {.fd = q->fd, .events = POLLIN};

    for (;;) {
        gint64 left = deadline - g_get_monotonic_time();
        int r;

        if (left <= 0) {
            set_broken(q, error, "no answer from qemu-storage-daemon in time");
            return false;
        }
        r = poll(&p, 1, (int)MIN(left / 1000 + 1, G_MAXINT));
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR) {
            set_broken(q, error, g_strerror(errno));
            return false;
        }
    }
}

static bool read_more(struct vdm_qmp *q, gint64 deadline, GError **error)
{
    char buf[QMP_READ_CHUNK];
    ssize_t n;

    if (q->in->len > QMP_LINE_MAX) {
        set_broken(q, error, "a message too long");
        return false;
    }
    if (!wait_readable(q, deadline, error))
        return false;
    n = read(q->fd, buf, sizeof(buf));
    if (n == 0) {
        set_broken(q, error, "qemu-storage-daemon closed the monitor");
        return false;
    }
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return true;
        set_broken(q, error, g_strerror(errno));
        return false;
    }
    g_string_append_len(q->in, buf, n);
    return true;
}

/* The next message: a JSON object (json_node_unref it), or NULL with *error. */
static JsonNode *read_message(struct vdm_qmp *q, gint64 deadline, GError **error)
{
    for (;;) {
        g_autoptr(JsonParser) parser = NULL;
        g_autofree char *line = NULL;
        char *nl = memchr(q->in->str, '\n', q->in->len);

        if (nl == NULL) {
            if (!read_more(q, deadline, error))
                return NULL;
            continue;
        }
        line = g_strndup(q->in->str, nl - q->in->str);
        g_string_erase(q->in, 0, nl - q->in->str + 1);
        if (*g_strstrip(line) == '\0')
            continue;
        parser = json_parser_new();
        if (!json_parser_load_from_data(parser, line, -1, NULL) ||
            !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
            set_broken(q, error, "qemu-storage-daemon sent something not a JSON object");
            return NULL;
        }
        return json_node_ref(json_parser_get_root(parser));
    }
}

static bool send_all(struct vdm_qmp *q, const char *text, GError **error)
{
    size_t len = strlen(text), done = 0;

    while (done < len) {
        ssize_t n = send(q->fd, text + done, len - done, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_broken(q, error, g_strerror(errno));
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

static char *command_text(const char *command, JsonNode *arguments, gint64 id)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    char *json;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (arguments != NULL) {
        json_builder_set_member_name(b, "arguments");
        json_builder_add_value(b, arguments);
    }
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, id);
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json = json_to_string(root, false);
    return json;
}

/* The reply to command `id`: skips events (and, in principle, stray replies). */
static JsonNode *await_reply(struct vdm_qmp *q, gint64 id, gint64 deadline, GError **error)
{
    for (;;) {
        g_autoptr(JsonNode) msg = read_message(q, deadline, error);
        JsonObject *o;

        if (msg == NULL)
            return NULL;
        o = json_node_get_object(msg);
        if (!json_object_has_member(o, "id") ||
            json_object_get_int_member_with_default(o, "id", -1) != id)
            continue;
        if (json_object_has_member(o, "return"))
            return json_node_copy(json_object_get_member(o, "return"));
        if (json_object_has_member(o, "error")) {
            JsonObject *e = json_object_get_object_member(o, "error");
            const char *desc = e != NULL ? json_object_get_string_member_with_default(
                                               e, "desc", "error without description")
                                         : "malformed error";

            g_set_error(error, VDM_ERROR, 0, "%s", desc);
            return NULL;
        }
        set_broken(q, error, "a reply with neither return nor error");
        return NULL;
    }
}

JsonNode *vdm_qmp_execute(struct vdm_qmp *q, const char *command, JsonNode *arguments,
                          GError **error)
{
    gint64 deadline = g_get_monotonic_time() + VDM_QMP_TIMEOUT_MS * (gint64)1000;
    g_autofree char *text = NULL;

    if (q->broken != NULL) {
        if (arguments != NULL)
            json_node_unref(arguments);
        set_broken(q, error, NULL);
        return NULL;
    }
    text = command_text(command, arguments, ++q->id);
    /* One line per command: json_to_string without pretty printing has no newline. */
    if (!send_all(q, text, error) || !send_all(q, "\n", error))
        return NULL;
    return await_reply(q, q->id, deadline, error);
}

bool vdm_qmp_broken(const struct vdm_qmp *q)
{
    return q->broken != NULL;
}

static int connect_unix(const char *path, GError **error)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(error, VDM_ERROR, 0, "QMP socket path too long: %s", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        g_set_error(error, VDM_ERROR, 0, "QMP socket %s: %s", path, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* The greeting {"QMP": {...}}, then capabilities negotiation ends: commands may follow. */
static bool handshake(struct vdm_qmp *q, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + VDM_QMP_TIMEOUT_MS * (gint64)1000;
    g_autoptr(JsonNode) greeting = read_message(q, deadline, error);
    JsonNode *ret;

    if (greeting == NULL)
        return false;
    if (!json_object_has_member(json_node_get_object(greeting), "QMP")) {
        set_broken(q, error, "no QMP greeting");
        return false;
    }
    ret = vdm_qmp_execute(q, "qmp_capabilities", NULL, error);
    if (ret == NULL)
        return false;
    json_node_unref(ret);
    return true;
}

struct vdm_qmp *vdm_qmp_connect(const char *path, GError **error)
{
    struct vdm_qmp *q;
    int fd = connect_unix(path, error);

    if (fd < 0)
        return NULL;
    q = g_new0(struct vdm_qmp, 1);
    q->fd = fd;
    q->in = g_string_new(NULL);
    if (!handshake(q, error)) {
        vdm_qmp_close(q);
        return NULL;
    }
    return q;
}

void vdm_qmp_close(struct vdm_qmp *q)
{
    if (q == NULL)
        return;
    close(q->fd);
    g_string_free(q->in, true);
    g_free(q->broken);
    g_free(q);
}
