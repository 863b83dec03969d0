/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl: opening /dev/vireo, the hypercall path, and the host-wide queries. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "vctl_private.h"

static const char *dev_path(void)
{
    const char *env = getenv("VIREO_DEV");
    return env && *env ? env : VIREO_DEV_PATH;
}

vctl_t *vctl_open(void)
{
    vctl_t *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->fd = open(dev_path(), O_RDWR | O_CLOEXEC);
    if (h->fd < 0) {
        int err = errno;
        free(h);
        errno = err;
        return NULL;
    }
    return h;
}

void vctl_close(vctl_t *h)
{
    if (!h)
        return;
    close(h->fd);
    free(h);
}

int vctl_fd(const vctl_t *h)
{
    return h->fd;
}

const char *vctl_run_dir(void)
{
    const char *env = getenv("VIREO_RUN_DIR");
    return env && *env ? env : "/run/vireo";
}

int64_t vctl_hypercall(vctl_t *h, uint64_t nr, const uint64_t args[VIREO_DEV_MAX_ARGS],
                       const struct vctl_buf *bufs, unsigned nr_bufs)
{
    struct vireo_dev_hypercall hc = { .nr = nr, .nr_buffers = nr_bufs };

    if (nr_bufs > VIREO_DEV_MAX_BUFFERS)
        return -E2BIG;
    if (args)
        memcpy(hc.args, args, sizeof(hc.args));
    for (unsigned i = 0; i < nr_bufs; i++) {
        struct vireo_dev_buffer *b = &hc.buffers[i];
        b->uaddr = (uintptr_t)bufs[i].ptr;
        b->size = bufs[i].size;
        b->flags = bufs[i].flags;
        if (bufs[i].arg >= 0) {
            b->target_buf = VIREO_DEV_TARGET_ARG;
            b->target_arg = (uint16_t)bufs[i].arg;
        } else {
            b->target_buf = (uint16_t)bufs[i].in_buf;
            b->target_offset = bufs[i].in_offset;
        }
    }
    if (ioctl(h->fd, VIREO_DEV_IOC_HYPERCALL, &hc) < 0)
        return -errno;
    return hc.result;
}

int64_t vctl_hypercall0(vctl_t *h, uint64_t nr)
{
    return vctl_hypercall(h, nr, NULL, NULL, 0);
}

int64_t vctl_hypercall3(vctl_t *h, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = { a1, a2, a3 };
    return vctl_hypercall(h, nr, args, NULL, 0);
}

int vctl_abi_version(vctl_t *h)
{
    return (int)vctl_hypercall0(h, VIREO_HC_ABI_VERSION);
}

int vctl_physinfo(vctl_t *h, struct vireo_physinfo *out)
{
    struct vctl_buf buf = { out, sizeof(*out), VIREO_DEV_BUF_OUT, 0, 0, 0 };
    return (int)vctl_hypercall(h, VIREO_HC_PHYSINFO, NULL, &buf, 1);
}

int vctl_dev_info(vctl_t *h, struct vireo_dev_info *out)
{
    return ioctl(h->fd, VIREO_DEV_IOC_INFO, out) < 0 ? -errno : 0;
}

int vctl_time_now(vctl_t *h, uint64_t *ns)
{
    int64_t ret = vctl_hypercall0(h, VIREO_HC_TIME_NOW);
    if (ret < 0)
        return (int)ret;
    *ns = (uint64_t)ret;
    return 0;
}

/* This host's clock minus hv's. */
int vctl_wallclock_offset(vctl_t *h, int64_t *out)
{
    struct timespec now;
    uint64_t hv_ns;
    int ret = vctl_time_now(h, &hv_ns);
    if (ret < 0)
        return ret;
    clock_gettime(CLOCK_REALTIME, &now);
    *out = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)hv_ns;
    return 0;
}

int vctl_console_write(vctl_t *h, const void *buf, size_t len)
{
    if (len > 65536)
        len = 65536;
    if (!len)
        return 0;
    uint64_t args[VIREO_DEV_MAX_ARGS] = { 0, len };
    struct vctl_buf b = { (void *)buf, (uint32_t)len, VIREO_DEV_BUF_IN, 0, 0, 0 };
    return (int)vctl_hypercall(h, VIREO_HC_CONSOLE_WRITE, args, &b, 1);
}
