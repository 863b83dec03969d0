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
#include <termios.h>
#include <unistd.h>

#include "ctl.h"
#include "vireo-console.h"

static gboolean write_stdout(const char *buf, size_t len)
{
    while (len) {
        ssize_t w = write(STDOUT_FILENO, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return FALSE;
        buf += w;
        len -= (size_t)w;
    }
    return TRUE;
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
            if (n <= 0 || !write_stdout(buf, (size_t)n))
                return;
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n <= 0)
                return;
            char *esc = memchr(buf, VIREO_CONSOLE_ESCAPE, (size_t)n);
            size_t keep = esc ? (size_t)(esc - buf) : (size_t)n;
            if (keep && vctl_console_service_send(sock, buf, keep) < 0)
                return;
            if (esc)
                return;
        }
    }
}

int ctl_console_attach(const char *dom)
{
    int sock = vctl_console_service_connect();
    if (sock < 0) {
        fprintf(stderr, "vireo-ctl console: cannot reach the console service at %s: %s\n",
                vctl_console_service_path(), strerror(-sock));
        return 1;
    }
    char request[128], reply[256];
    snprintf(request, sizeof(request), "ATTACH %s\n", dom);
    if (vctl_console_service_send(sock, request, strlen(request)) < 0 ||
        vctl_console_service_reply(sock, reply, sizeof(reply), -1) < 0) {
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
