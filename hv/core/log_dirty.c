/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Dirty-page logging (hv/log_dirty.h): RAM pages are write-protected in the nested tables
 * (NPT_LOGGED) and the first write to each sets its bit in the domain's dirty_log and
 * lifts the protection. A fetch takes bits and protects those pages again, with one TLB
 * shootdown per call; every step holds the domain's lock for at most LOCK_BATCH frames.
 */
#include "hv/hv.h"
#include "hv/dirty_log.h"
#include "hv/domain.h"
#include "hv/log_dirty.h"
#include "hv/mm.h"
#include "hv/tlb.h"
#include "arch/npt.h"

#define GFN_LIMIT (1ull << (39 - PAGE_SHIFT)) /* guests see at most 512 GiB */
#define LOCK_BATCH 4096 /* frames per hold of the domain's lock; a multiple of 64 */

static uint64_t bitmap_pages(const struct dirty_log *l)
{
    return ((l->low_span + l->high_span) / 8 + PAGE_SIZE - 1) / PAGE_SIZE;
}

static int64_t start(struct domain *d)
{
    struct dirty_log l;

    spin_lock(&d->lock);
    dirty_log_layout(&l, d->max_pages);
    spin_unlock(&d->lock);
    /* max_pages of 2^27 (all 512 GiB) makes 32 MiB of bitmap at most. */
    l.bits = page_alloc(bitmap_pages(&l));
    if (!l.bits)
        return -VIREO_ENOMEM;
    /* Nothing has been sent yet: every frame is dirty until a fetch protects it. */
    dirty_log_mark_all(&l);
    spin_lock(&d->lock);
    bool busy = d->log.bits != NULL;
    if (!busy)
        d->log = l;
    spin_unlock(&d->lock);
    if (busy) {
        page_free(l.bits, bitmap_pages(&l));
        return -VIREO_EBUSY;
    }
    hv_log("d%u (%s) log-dirty on: gfns [0, 0x%lx) and [0x%lx, 0x%lx)", d->id, d->name,
           (unsigned long)l.low_span, (unsigned long)DIRTY_LOG_HIGH_GFN,
           (unsigned long)dirty_log_end(&l));
    return (int64_t)dirty_log_end(&l);
}

static int64_t stop(struct domain *d)
{
    spin_lock(&d->lock);
    struct dirty_log l = d->log;
    d->log.bits = NULL;
    spin_unlock(&d->lock);
    if (!l.bits)
        return -VIREO_ENOENT;
    /* No CPU reads the bitmap without the lock, and it is no longer reachable. */
    page_free(l.bits, bitmap_pages(&l));
    hv_log("d%u (%s) log-dirty off", d->id, d->name);
    return (int64_t)dirty_log_end(&l);
}

struct protect_ctx {
    struct domain *d;
    uint64_t protected;
    bool no_memory;
};

/* A page taken from the log goes back under write protection. Lock held. */
static void protect_taken(uint64_t gfn, void *arg)
{
    struct protect_ctx *c = arg;
    int rc = npt_log_protect(&c->d->npt, gfn << PAGE_SHIFT);

    if (rc > 0)
        c->protected ++;
    if (rc < 0) { /* no table page to split its 2 MiB page: it stays writable, so dirty */
        dirty_log_mark(&c->d->log, gfn);
        c->no_memory = true;
    }
}

/* Puts the bits of out (a fetch's result) back into the log. Lock held. */
static void mark_again(struct domain *d, uint64_t first_gfn, uint64_t nr, const uint64_t *out)
{
    for (uint64_t i = 0; i < nr && d->log.bits; i++)
        if ((out[i / 64] >> (i % 64)) & 1)
            dirty_log_mark(&d->log, first_gfn + i);
}

static int64_t fetch(struct domain *d, struct domain *caller, uint64_t first_gfn, uint64_t nr,
                     uint64_t bitmap_gpa)
{
    uint64_t bytes = (nr + 63) / 64 * 8, dirty = 0;
    int64_t err = 0;

    if (bitmap_gpa && (err = guest_check(caller, bitmap_gpa, bytes, true)))
        return err;
    uint64_t *out = page_alloc(1); /* nr <= VIREO_LOG_DIRTY_CHUNK: one page of bits */
    if (!out)
        return -VIREO_ENOMEM;
    struct protect_ctx ctx = {d, 0, false};
    for (uint64_t i = 0; i < nr && !err; i += LOCK_BATCH) {
        spin_lock(&d->lock);
        if (d->log.bits)
            dirty += dirty_log_take(&d->log, first_gfn + i, MIN(nr - i, (uint64_t)LOCK_BATCH),
                                    out + i / 64, protect_taken, &ctx);
        else
            err = -VIREO_ENOENT;
        spin_unlock(&d->lock);
    }
    /* Until every CPU has left guest mode once, a vCPU may still write through a stale
     * writable translation: harmless, as the caller copies these pages after we return. */
    if (ctx.protected)
        tlb_shootdown(d);
    if (!err && ctx.no_memory)
        err = -VIREO_ENOMEM;
    if (!err && bitmap_gpa)
        err = guest_write(caller, bitmap_gpa, out, bytes);
    if (err && err != -VIREO_ENOENT) { /* the caller never saw these bits: keep them */
        spin_lock(&d->lock);
        mark_again(d, first_gfn, nr, out);
        spin_unlock(&d->lock);
    }
    page_free(out, 1);
    return err ? err : (int64_t)dirty;
}

/* The first gfn >= gfn that the last log's spans cover (they stay after STOP), or ~0:
 * only there can a page be protected, so the MMIO hole is skipped, not walked. */
static uint64_t next_logged(const struct dirty_log *l, uint64_t gfn)
{
    if (gfn < l->low_span)
        return gfn;
    gfn = MAX(gfn, DIRTY_LOG_HIGH_GFN);
    return gfn - DIRTY_LOG_HIGH_GFN < l->high_span ? gfn : ~0ull;
}

static int64_t unprotect(struct domain *d, uint64_t first_gfn, uint64_t nr)
{
    uint64_t done = 0, end = first_gfn + nr;

    for (uint64_t gfn = first_gfn; gfn < end;) {
        spin_lock(&d->lock);
        for (uint64_t batch_end = MIN(end, gfn + LOCK_BATCH); gfn < batch_end; gfn++) {
            uint64_t next = next_logged(&d->log, gfn);
            if (next != gfn) {
                gfn = MIN(next, end) - 1;
                continue;
            }
            done += npt_log_unprotect(&d->npt, gfn << PAGE_SHIFT);
        }
        spin_unlock(&d->lock);
    }
    return (int64_t)done; /* a permission upgrade: no flush */
}

int64_t log_dirty_call(struct domain *d, struct domain *caller, uint64_t op, uint64_t first_gfn,
                       uint64_t nr, uint64_t bitmap_gpa)
{
    bool ranged = op == VIREO_LOG_DIRTY_FETCH || op == VIREO_LOG_DIRTY_UNPROTECT;

    if (ranged && (nr == 0 || nr > VIREO_LOG_DIRTY_CHUNK || first_gfn >= GFN_LIMIT ||
                   nr > GFN_LIMIT - first_gfn))
        return -VIREO_EINVAL;
    if (!ranged && (first_gfn || nr || bitmap_gpa))
        return -VIREO_EINVAL;
    switch (op) {
    case VIREO_LOG_DIRTY_START:
        return start(d);
    case VIREO_LOG_DIRTY_FETCH:
        return fetch(d, caller, first_gfn, nr, bitmap_gpa);
    case VIREO_LOG_DIRTY_STOP:
        return stop(d);
    case VIREO_LOG_DIRTY_UNPROTECT:
        return bitmap_gpa ? -VIREO_EINVAL : unprotect(d, first_gfn, nr);
    default:
        return -VIREO_EINVAL;
    }
}

bool log_dirty_write_fault(struct domain *d, uint64_t gpa)
{
    uint64_t flags;

    spin_lock(&d->lock);
    bool ours = npt_log_unprotect(&d->npt, gpa);
    /* A protected page after STOP is only made writable: nobody reads the log any more. */
    if (ours && d->log.bits)
        dirty_log_mark(&d->log, gpa >> PAGE_SHIFT);
    /* Another vCPU faulted on the same page first and lifted the protection (or hv wrote
     * it) between this fault and the lock: the page is writable RAM, retry. */
    if (!ours && npt_translate(&d->npt, gpa, &flags) != ~0ull &&
        (flags & (PTE_W | NPT_RAM)) == (PTE_W | NPT_RAM))
        ours = true;
    spin_unlock(&d->lock);
    return ours;
}

void log_dirty_hv_write_locked(struct domain *d, uint64_t gpa, uint64_t flags)
{
    if (flags & NPT_LOGGED)
        npt_log_unprotect(&d->npt, gpa);
    if (d->log.bits)
        dirty_log_mark(&d->log, gpa >> PAGE_SHIFT);
}

void log_dirty_populated_locked(struct domain *d, uint64_t gfn, uint64_t nr)
{
    for (uint64_t i = 0; i < nr && d->log.bits; i++)
        dirty_log_mark(&d->log, gfn + i);
}

void log_dirty_free(struct domain *d)
{
    if (d->log.bits)
        page_free(d->log.bits, bitmap_pages(&d->log));
    d->log.bits = NULL;
}
