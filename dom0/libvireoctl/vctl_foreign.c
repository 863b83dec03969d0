/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl: foreign mappings (a domain's frames in this process) and event fds. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vctl_private.h"

void *vctl_map_foreign(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr)
{
    size_t len = (size_t)nr << VIREO_PAGE_SHIFT;
    if (!nr || nr > (SIZE_MAX >> VIREO_PAGE_SHIFT)) {
        errno = EINVAL;
        return NULL;
    }
    /* The module gives an empty region; the ioctl fills it through the foreign window. */
    void *addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd, 0);
    if (addr == MAP_FAILED)
        return NULL;
    struct vireo_dev_map_foreign req = {
        .addr = (uintptr_t)addr, .gfn = first_gfn, .nr_frames = nr, .domid = domid,
    };
    if (ioctl(h->fd, VIREO_DEV_IOC_MAP_FOREIGN, &req) < 0) {
        int err = errno;
        munmap(addr, len);
        errno = err;
        return NULL;
    }
    return addr;
}

int vctl_unmap_foreign(void *addr, uint64_t nr)
{
    return munmap(addr, (size_t)nr << VIREO_PAGE_SHIFT) < 0 ? -errno : 0;
}

static int foreign_range(vctl_t *h, unsigned long cmd, void *addr, uint64_t nr)
{
    struct vireo_dev_foreign_range req = {.addr = (uintptr_t)addr, .nr_frames = nr};
    return ioctl(h->fd, cmd, &req) < 0 ? -errno : 0;
}

int vctl_foreign_drop(vctl_t *h, void *addr, uint64_t nr)
{
    return foreign_range(h, VIREO_DEV_IOC_FOREIGN_DROP, addr, nr);
}

int vctl_foreign_restore(vctl_t *h, void *addr, uint64_t nr)
{
    return foreign_range(h, VIREO_DEV_IOC_FOREIGN_RESTORE, addr, nr);
}

int vctl_events_open(bool nonblock)
{
    const char *env = getenv("VIREO_DEV");
    int fd = open(env && *env ? env : VIREO_DEV_PATH,
                  O_RDONLY | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
    return fd < 0 ? -errno : fd;
}

int64_t vctl_events_read(int fd)
{
    uint32_t bits;
    ssize_t n = read(fd, &bits, sizeof(bits));
    if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
    return n == sizeof(bits) ? (int64_t)bits : -EIO;
}
