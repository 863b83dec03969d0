/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-ctl console: an interactive client of vireo-consoled. Puts the terminal in raw
 * mode, copies the domain's output to stdout and keystrokes to the domain; Ctrl-] leaves.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "vireo-console.h"

static const char *socket_path(void)
{
    const char *env = getenv("VIREO_CONSOLE_SOCKET");
    return env && *env ? env : VIREO_CONSOLE_SOCKET;
}

static int connect_service(void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    g_strlcpy(addr.sun_path, socket_path(), sizeof(addr.sun_path));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

/* Reads the service's one-line answer byte by byte, so no console output is swallowed. */
static int read_reply(int fd, char *line, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            return -EPIPE;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -errno;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Copies both ways until the service hangs up or the user types Ctrl-]. */
static void relay(int sock)
{
    struct pollfd fds[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
                             { .fd = sock, .events = POLLIN } };
    char buf[4096];
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(sock, buf, sizeof(buf));
            if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
                return;
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n <= 0)
                return;
            char *esc = memchr(buf, VIREO_CONSOLE_ESCAPE, (size_t)n);
            size_t keep = esc ? (size_t)(esc - buf) : (size_t)n;
            if (keep && write_all(sock, buf, keep) < 0)
                return;
            if (esc)
                return;
        }
    }
}

int ctl_console_attach(const char *dom)
{
    int sock = connect_service();
    if (sock < 0) {
        fprintf(stderr, "vireo-ctl console: cannot reach the console service at %s: %s\n",
                socket_path(), strerror(-sock));
        return 1;
    }
    char request[128], reply[256];
    snprintf(request, sizeof(request), "ATTACH %s\n", dom);
    if (write_all(sock, request, strlen(request)) < 0 ||
        read_reply(sock, reply, sizeof(reply)) < 0) {
        fprintf(stderr, "vireo-ctl console: the console service hung up\n");
        close(sock);
        return 1;
    }
    if (strncmp(reply, "OK ", 3) != 0) {
        fprintf(stderr, "vireo-ctl console: %s\n",
                strncmp(reply, "ERR ", 4) ? reply : reply + 4);
        close(sock);
        return 1;
    }
    fprintf(stderr, "[attached to %s; Ctrl-] leaves]\r\n", reply + 3);

    struct termios saved, raw;
    gboolean tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    relay(sock);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    fprintf(stderr, "\r\n[detached]\n");
    close(sock);
    return 0;
}

int cmd_console(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "DOMAIN",
                      "Attach to a domain's console. Ctrl-] leaves.");
    if (argc != 2) {
        fprintf(stderr, "usage: vireo-ctl console DOMAIN\n");
        return 2;
    }
    return ctl_console_attach(argv[1]);
}
