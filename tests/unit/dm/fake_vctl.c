/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvireoctl's calls that vireo-dm makes, answered by the test process over a socket
 * (fake_hv_proto.h) instead of /dev/vireo: guest RAM is a shared file, requests and
 * doorbells are messages, interrupts and doorbell registrations are sent back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_hv_proto.h"
#include "vireoctl.h"

#define QUEUE_MAX 64

struct vctl {
    int fd;
    uint32_t state; /* what FAKE_STATE said; 0: gone */
    uint32_t domid;
    /* Requests taken off the socket by vctl_events_read, served by dispatch. */
    struct fake_msg queue[QUEUE_MAX];
    unsigned queued;
};

static vctl_t *the_handle; /* vctl_events_read gets only the fd */

vctl_t *vctl_open(void)
{
    const char *fd = getenv(FAKE_HV_FD_ENV);
    vctl_t *h;

    if (fd == NULL) {
        errno = ENOENT;
        return NULL;
    }
    h = calloc(1, sizeof(*h));
    h->fd = atoi(fd);
    h->state = VIREO_DOMSTATE_RUNNING;
    the_handle = h;
    fcntl(h->fd, F_SETFL, O_NONBLOCK);
    fcntl(h->fd, F_SETFD, FD_CLOEXEC);
    return h;
}

void vctl_close(vctl_t *h)
{
    close(h->fd);
    free(h);
}

int vctl_fd(const vctl_t *h)
{
    return h->fd;
}

static void send_msg(vctl_t *h, uint32_t op, uint32_t size, uint64_t addr, uint64_t value)
{
    struct fake_msg m = { .op = op, .size = size, .addr = addr, .value = value };

    if (send(h->fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
        h->state = 0;
}

void *vctl_map_foreign(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr)
{
    const char *path = getenv(FAKE_HV_RAM_ENV);
    int fd = path != NULL ? open(path, O_RDWR) : -1;
    void *p;

    (void)h;
    (void)domid;
    if (fd < 0)
        return NULL;
    p = mmap(NULL, nr * VIREO_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             (off_t)(first_gfn * VIREO_PAGE_SIZE));
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int vctl_unmap_foreign(void *addr, uint64_t nr)
{
    return munmap(addr, nr * VIREO_PAGE_SIZE) == 0 ? 0 : -errno;
}

int vctl_domain_info(vctl_t *h, uint32_t domid, struct vireo_domain_info *out)
{
    if (h->state == 0)
        return -ESRCH;
    memset(out, 0, sizeof(*out));
    out->domid = domid;
    out->state = h->state;
    out->target_pages = UINT64_MAX / 2; /* more than any test's RAM: a balloon stays empty */
    return 0;
}

/* A balloon's calls: the fake's RAM is a file the test owns, so nothing moves. */
int64_t vctl_memory_release(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr)
{
    (void)h, (void)domid, (void)first_gfn;
    return (int64_t)nr;
}

int vctl_memory_populate(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr)
{
    (void)h, (void)domid, (void)first_gfn, (void)nr;
    return 0;
}

int vctl_foreign_drop(vctl_t *h, void *addr, uint64_t nr)
{
    (void)h, (void)addr, (void)nr;
    return 0;
}

int vctl_foreign_restore(vctl_t *h, void *addr, uint64_t nr)
{
    (void)h, (void)addr, (void)nr;
    return 0;
}

/* As the module does: the handle's bits are IOREQ when requests wait and DOMAIN_STATE
 * when a domain changed; the socket closing is the domain (and hv) going away. */
int64_t vctl_events_read(int fd)
{
    vctl_t *h = the_handle;
    int64_t bits = 0;
    struct fake_msg m;
    ssize_t n;

    if (h == NULL || fd != h->fd)
        return -EBADF;
    while (h->queued < QUEUE_MAX && (n = recv(h->fd, &m, sizeof(m), 0)) == sizeof(m)) {
        if (m.op == FAKE_STATE) {
            h->state = (uint32_t)m.value;
            bits |= VIREO_EVENT_DOMAIN_STATE;
            continue;
        }
        h->queue[h->queued++] = m;
        bits |= VIREO_EVENT_IOREQ;
    }
    if (h->queued < QUEUE_MAX && (n == 0 || (n < 0 && errno == ECONNRESET))) {
        h->state = 0;
        bits |= VIREO_EVENT_DOMAIN_STATE;
    }
    return bits;
}

int vctl_ioreq_attach(vctl_t *h, uint32_t domid, struct vireo_ioreq_page **page)
{
    static struct vireo_ioreq_page fake_page;

    h->domid = domid;
    *page = &fake_page;
    send_msg(h, FAKE_ATTACHED, 0, domid, 0);
    return 0;
}

int vctl_ioreq_share_memory(vctl_t *h, bool shared)
{
    (void)h;
    (void)shared;
    return 0;
}

int vctl_ioreq_set_doorbell(vctl_t *h, unsigned index, uint64_t gpa, unsigned size,
                            bool match_value, uint32_t value)
{
    (void)size;
    if (index >= VIREO_IOREQ_DOORBELLS || !match_value)
        return -EINVAL;
    send_msg(h, FAKE_DOORBELL_SET, index, gpa, value);
    return 0;
}

int vctl_ioreq_set_irq(vctl_t *h, uint32_t gsi, bool asserted)
{
    if (gsi < VIREO_PLAT_DM_GSI_FIRST || gsi > VIREO_PLAT_DM_GSI_LAST)
        return -ERANGE;
    send_msg(h, FAKE_IRQ, 0, gsi, asserted);
    return 0;
}

static void serve(vctl_t *h, const struct fake_msg *m, const struct vctl_ioreq_ops *ops,
                  void *ctx)
{
    switch (m->op) {
    case FAKE_READ:
        send_msg(h, FAKE_READ_REPLY, m->size, m->addr, ops->read(ctx, m->addr, m->size));
        break;
    case FAKE_WRITE:
        ops->write(ctx, m->addr, m->size, m->value);
        send_msg(h, FAKE_WRITE_DONE, m->size, m->addr, 0);
        break;
    case FAKE_DOORBELL: ops->doorbell(ctx, (unsigned)m->value); break;
    default: break;
    }
}

int vctl_ioreq_dispatch(vctl_t *h, const struct vctl_ioreq_ops *ops, void *ctx)
{
    int served = (int)h->queued;

    for (unsigned i = 0; i < h->queued; i++)
        serve(h, &h->queue[i], ops, ctx);
    h->queued = 0;
    return served;
}
