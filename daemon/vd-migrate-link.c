/* SPDX-License-Identifier: GPL-2.0-only */
/* A migration's data connection (vd-migrate-link.h). */
#include "vd-migrate-link.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "vd-error.h"
#include "vd-libvirt.h"

#define LINE_MAX_BYTES 1024

int vd_migrate_listen(const char *address, unsigned want_port, unsigned *port, vd_error **err)
{
    unsigned first = want_port ? want_port : VD_MIGRATE_PORT_MIN;
    unsigned last = want_port ? want_port : VD_MIGRATE_PORT_MAX;
    for (unsigned p = first; p <= last; p++) {
        struct addrinfo hints = {
            .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
        struct addrinfo *res = NULL;
        char service[8];
        g_snprintf(service, sizeof(service), "%u", p);
        if (getaddrinfo(address, service, &hints, &res) != 0 || !res)
            break;
        /* With no address asked for, the IPv6 wildcard takes IPv4 too. */
        struct addrinfo *ai = res;
        for (struct addrinfo *a = res; a && !address; a = a->ai_next)
            if (a->ai_family == AF_INET6)
                ai = a;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        int one = 1, zero = 0;
        if (fd >= 0) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (ai->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        }
        bool bound = fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0;
        freeaddrinfo(res);
        if (bound) {
            *port = p;
            return fd;
        }
        if (fd >= 0)
            close(fd);
    }
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "no port free for the incoming migration on %s (%u-%u)", address ? address : "any",
            first, last);
    return -1;
}

/* A peer that died (its node gone, its link down) sends no reset: without a bound, a
 * blocked send or receive would wait for TCP's own retransmission limit, many minutes.
 * Sends are bounded by how long sent data may stay unacknowledged (a send timeout would
 * restart with every partial write), receives by how long nothing arrives. */
void vd_migrate_bound_stalls(int fd)
{
    unsigned user_timeout_ms = VD_MIGRATE_STALL_TIMEOUT_S * 1000;
    struct timeval t = {VD_MIGRATE_STALL_TIMEOUT_S, 0};
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout_ms, sizeof(user_timeout_ms));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof(t));
}

int vd_migrate_connect(const char *host, unsigned port, vd_error **err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char service[8];
    g_snprintf(service, sizeof(service), "%u", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "cannot resolve migration destination '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            saved = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        vd_fail_errno(err, saved ? saved : EHOSTUNREACH,
                      "cannot connect to migration destination %s port %u", host, port);
    else
        vd_migrate_bound_stalls(fd);
    return fd;
}

bool vd_migrate_wait_readable(int fd, int timeout_ms, const char *what, vd_error **err)
{
    struct pollfd p = {fd, POLLIN, 0};
    int rc;
    do
        rc = poll(&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc > 0)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_TIMEOUT, VIR_FROM_DOMAIN, "no %s within %d s", what,
            timeout_ms / 1000);
    return false;
}

char *vd_migrate_read_line(int fd, int timeout_ms, const char *what, vd_error **err)
{
    char line[LINE_MAX_BYTES];
    size_t len = 0;
    while (len < sizeof(line) - 1) {
        if (!vd_migrate_wait_readable(fd, timeout_ms, what, err))
            return NULL;
        ssize_t n = read(fd, line + len, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != ECONNRESET) {
            vd_fail_errno(err, errno, "cannot read the %s", what);
            return NULL;
        }
        if (n <= 0 || line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    return g_strdup(line);
}

bool vd_migrate_write_line(int fd, const char *text, vd_error **err)
{
    g_autofree char *line = g_strdup_printf("%s\n", text);
    for (char *p = strchr(line, '\n'); p && p[1]; p = strchr(p, '\n'))
        *p = ' '; /* one line */
    size_t len = strlen(line), done = 0;
    while (done < len) {
        ssize_t n = send(fd, line + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vd_fail_errno(err, n < 0 ? errno : EPIPE, "cannot write to the migration peer");
            return false;
        }
        done += (size_t)n;
    }
    return true;
}
