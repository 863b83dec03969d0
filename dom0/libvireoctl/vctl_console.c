/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvireoctl: a domU's console ring (output) and console input. */
#include <string.h>

#include "vctl_private.h"

/* hv copies at most this much per VIREO_HC_CONSOLE_RING_READ. */
#define RING_READ_MAX 65536u

/* One VIREO_HC_CONSOLE_RING_READ or VIREO_HC_HV_LOG_READ: args[chunk_arg] is the chunk. */
static int ring_read_call(vctl_t *h, uint64_t nr, uint64_t args[VIREO_DEV_MAX_ARGS],
                          int chunk_arg, uint64_t *pos, void *buf, size_t len, uint64_t *prod)
{
    struct vireo_console_chunk chunk = { .pos = *pos };
    if (len > RING_READ_MAX)
        len = RING_READ_MAX;
    if (!len)
        return 0;
    chunk.len = (uint32_t)len;

    /* buf's GPA goes into chunk.buf_gpa, a pointer nested in the chunk. */
    struct vctl_buf bufs[2] = {
        { &chunk, sizeof(chunk), VIREO_DEV_BUF_IN | VIREO_DEV_BUF_OUT, chunk_arg, 0, 0 },
        { buf, (uint32_t)len, VIREO_DEV_BUF_OUT, -1, 0,
          offsetof(struct vireo_console_chunk, buf_gpa) },
    };
    int64_t ret = vctl_hypercall(h, nr, args, bufs, 2);
    if (ret < 0)
        return (int)ret;
    *pos = chunk.pos;
    *prod = chunk.prod;
    return (int)ret;
}

int vctl_console_ring_read(vctl_t *h, uint32_t domid, uint64_t *pos, void *buf, size_t len,
                           uint64_t *prod)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = { domid };
    return ring_read_call(h, VIREO_HC_CONSOLE_RING_READ, args, 1, pos, buf, len, prod);
}

int vctl_hv_log_read(vctl_t *h, uint64_t *pos, void *buf, size_t len, uint64_t *prod)
{
    uint64_t args[VIREO_DEV_MAX_ARGS] = { 0 };
    return ring_read_call(h, VIREO_HC_HV_LOG_READ, args, 0, pos, buf, len, prod);
}

int vctl_console_input(vctl_t *h, uint32_t domid, const void *buf, size_t len)
{
    if (len > RING_READ_MAX)
        len = RING_READ_MAX;
    if (!len)
        return 0;
    uint64_t args[VIREO_DEV_MAX_ARGS] = { domid, 0, len };
    struct vctl_buf b = { (void *)buf, (uint32_t)len, VIREO_DEV_BUF_IN, 1, 0, 0 };
    return (int)vctl_hypercall(h, VIREO_HC_CONSOLE_INPUT, args, &b, 1);
}
