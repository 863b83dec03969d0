/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: dirty-page logging for live migration (VIREO_HC_DOMAIN_LOG_DIRTY). hv
 * bounds each call to VIREO_LOG_DIRTY_CHUNK frames; the loops over a domain's span live
 * here.
 */
#include <errno.h>
#include <string.h>

#include "vctl_private.h"

static int64_t log_dirty(vctl_t *h, uint32_t domid, uint64_t op, uint64_t first_gfn, uint64_t nr,
                         uint64_t *bitmap)
{
    const uint64_t args[VIREO_DEV_MAX_ARGS] = {domid, op, first_gfn, nr, 0};
    struct vctl_buf buf = {bitmap, (uint32_t)((nr + 63) / 64 * 8), VIREO_DEV_BUF_OUT, 4, 0, 0};
    return vctl_hypercall(h, VIREO_HC_DOMAIN_LOG_DIRTY, args, &buf, bitmap ? 1 : 0);
}

/* Makes every page of [0, end) writable again, in chunks. */
static int unprotect_span(vctl_t *h, uint32_t domid, uint64_t end)
{
    for (uint64_t gfn = 0; gfn < end; gfn += VIREO_LOG_DIRTY_CHUNK) {
        uint64_t nr = end - gfn < VIREO_LOG_DIRTY_CHUNK ? end - gfn : VIREO_LOG_DIRTY_CHUNK;
        int64_t ret = log_dirty(h, domid, VIREO_LOG_DIRTY_UNPROTECT, gfn, nr, NULL);
        if (ret < 0)
            return (int)ret;
    }
    return 0;
}

int vctl_domain_log_dirty_enable(vctl_t *h, uint32_t domid)
{
    int64_t end = log_dirty(h, domid, VIREO_LOG_DIRTY_START, 0, 0, NULL);
    if (end < 0)
        return (int)end;
    /* hv starts with every page dirty and unprotected: taking the bits of the whole span
     * protects every page, so the log starts clean. */
    for (uint64_t gfn = 0; gfn < (uint64_t)end; gfn += VIREO_LOG_DIRTY_CHUNK) {
        uint64_t left = (uint64_t)end - gfn;
        int64_t ret = log_dirty(h, domid, VIREO_LOG_DIRTY_FETCH, gfn,
                                left < VIREO_LOG_DIRTY_CHUNK ? left : VIREO_LOG_DIRTY_CHUNK, NULL);
        if (ret < 0) { /* leave the domain as it was: logging off, every page writable */
            if (log_dirty(h, domid, VIREO_LOG_DIRTY_STOP, 0, 0, NULL) >= 0)
                unprotect_span(h, domid, (uint64_t)end);
            return (int)ret;
        }
    }
    return 0;
}

int vctl_domain_log_dirty_disable(vctl_t *h, uint32_t domid)
{
    int64_t end = log_dirty(h, domid, VIREO_LOG_DIRTY_STOP, 0, 0, NULL);
    if (end == -ENOENT)
        return 0; /* not logging: nothing to undo */
    if (end < 0)
        return (int)end;
    return unprotect_span(h, domid, (uint64_t)end);
}

int64_t vctl_domain_log_dirty_fetch(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr,
                                    uint64_t *bitmap)
{
    int64_t dirty = 0;

    if (!bitmap || first_gfn + nr < first_gfn)
        return -EINVAL;
    /* Chunks of a multiple of 64 frames, so each fills whole words of the caller's map. */
    for (uint64_t done = 0; done < nr; done += VIREO_LOG_DIRTY_CHUNK) {
        uint64_t chunk = nr - done < VIREO_LOG_DIRTY_CHUNK ? nr - done : VIREO_LOG_DIRTY_CHUNK;
        int64_t ret =
            log_dirty(h, domid, VIREO_LOG_DIRTY_FETCH, first_gfn + done, chunk, bitmap + done / 64);
        if (ret < 0)
            return ret;
        dirty += ret;
    }
    return dirty;
}
