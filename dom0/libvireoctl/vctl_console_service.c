/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl: the client side of vireo-consoled's socket (see vireo-console.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vctl_private.h"
#include "vireo-console.h"

/* How long a toolstack waits for the service to drain before destroying a domain anyway. */
#define SYNC_TIMEOUT_MS 2000

const char *vctl_console_service_path(void)
{
    const char *env = getenv("VIREO_CONSOLE_SOCKET");
    return env && *env ? env : VIREO_CONSOLE_SOCKET;
}

int vctl_console_service_socket(const char *path, struct sockaddr_un *addr)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path))
        return -ENAMETOOLONG;
    strcpy(addr->sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

int vctl_console_service_connect(void)
{
    struct sockaddr_un addr;
    int fd = vctl_console_service_socket(vctl_console_service_path(), &addr);
    if (fd < 0)
        return fd;
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

int vctl_console_service_send(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EPIPE;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Byte by byte, so no console output after the line is swallowed. */
int vctl_console_service_reply(int fd, char *line, size_t size, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    size_t n = 0;
    while (n + 1 < size) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && wait <= 0)
            return -ETIMEDOUT;
        int r = poll(&p, 1, wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ETIMEDOUT;
        ssize_t got = read(fd, line + n, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -EPIPE;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return 0;
}

int vctl_console_log_sync(void)
{
    int fd = vctl_console_service_connect();
    if (fd < 0)
        return fd;
    char reply[64];
    int ret = vctl_console_service_send(fd, "SYNC\n", 5);
    if (!ret)
        ret = vctl_console_service_reply(fd, reply, sizeof(reply), SYNC_TIMEOUT_MS);
    if (!ret && strcmp(reply, "OK") != 0)
        ret = -EPROTO;
    close(fd);
    return ret;
}
