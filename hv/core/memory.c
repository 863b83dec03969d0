/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain memory: backing guest frames with machine frames (2 MiB at a time where the
 * range and the allocator allow, for fewer nested walks), releasing them, and the one
 * checked path by which hv reads or writes guest memory.
 *
 * The domain's lock is held only for bounded steps: frames are zeroed before it is
 * taken, releases unmap in batches, and what a batch unmapped goes back to the pool
 * after tlb_shootdown(), with the lock dropped. No step waits for another vCPU to leave
 * its CPU, so vCPUs releasing memory at once cannot wedge each other.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/log_dirty.h"
#include "hv/mm.h"
#include "hv/tlb.h"
#include "arch/npt.h"

#define GFN_LIMIT (1ull << (39 - PAGE_SHIFT)) /* guests see at most 512 GiB */
#define GPA_LIMIT (GFN_LIMIT << PAGE_SHIFT)
#define RAM_FLAGS (NPT_RW | NPT_OWNED | NPT_RAM)
#define RELEASE_BATCH 32     /* unmapped leaves freed per shootdown */
#define RELEASE_SCAN 4096    /* frames looked at per hold of the lock */

uint64_t domain_table_budget(uint64_t max_pages)
{
    /* max_pages mapped densely with 4 KiB leaves needs a PT per 512 frames and a PD per
     * 2^18, plus the PDPT and the root; the slack covers the gaps of a real layout. */
    return max_pages / 512 + max_pages / (512 * 512) + 16;
}

/* A zeroed 2 MiB frame when gfn is aligned and the range allows, else a 4 KiB one.
 * Returns frames allocated (0 when the pool is empty). */
static uint64_t alloc_zeroed(uint64_t gfn, uint64_t left, pfn_t *pfn)
{
    const uint64_t large = LARGE_PAGE_SIZE >> PAGE_SHIFT;
    uint64_t n = IS_ALIGNED(gfn, large) && left >= large ? large : 1;

    *pfn = frame_alloc(&hv_frames, n, n);
    if (*pfn == PFN_INVALID && n > 1)
        *pfn = frame_alloc(&hv_frames, n = 1, 1);
    if (*pfn == PFN_INVALID)
        return 0;
    memset(phys_to_virt(*pfn << PAGE_SHIFT), 0, n << PAGE_SHIFT);
    return n;
}

int domain_populate(struct domain *d, uint64_t gfn, uint64_t nr)
{
    int rc = 0;

    if (nr == 0 || nr > (1ull << 20) || gfn >= GFN_LIMIT || nr > GFN_LIMIT - gfn)
        return -VIREO_EINVAL;
    /* Charged up front, so concurrent calls cannot together pass the limit. */
    spin_lock(&d->lock);
    if (d->tot_pages + nr > d->max_pages)
        rc = -VIREO_ENOMEM;
    else
        d->tot_pages += nr;
    spin_unlock(&d->lock);
    if (rc)
        return rc;

    uint64_t done = 0;
    while (done < nr) {
        pfn_t pfn;
        uint64_t n = alloc_zeroed(gfn + done, nr - done, &pfn);
        if (!n) {
            rc = -VIREO_ENOMEM;
            break;
        }
        spin_lock(&d->lock);
        rc = npt_map(&d->npt, (gfn + done) << PAGE_SHIFT, pfn << PAGE_SHIFT, n << PAGE_SHIFT,
                     RAM_FLAGS);
        if (!rc)
            log_dirty_populated_locked(d, gfn + done, n);
        spin_unlock(&d->lock);
        if (rc) {
            frame_free(&hv_frames, pfn, n);
            break;
        }
        done += n;
    }
    if (rc) {
        /* All or nothing: what was mapped goes back, and so does the charge for the rest. */
        domain_release(d, gfn, done);
        spin_lock(&d->lock);
        d->tot_pages -= nr - done;
        spin_unlock(&d->lock);
    }
    return rc;
}

/*
 * Unmaps the leaf covering frame gfn + *i (skipping a hole) into *out, and advances *i
 * past it. Returns true if it unmapped something. Lock held.
 */
static bool unmap_next(struct domain *d, uint64_t gfn, uint64_t nr, uint64_t *i,
                       struct npt_unmapped *out)
{
    uint64_t gpa = (gfn + *i) << PAGE_SHIFT, flags;

    if (npt_translate(&d->npt, gpa, &flags) == ~0ull) {
        (*i)++;
        return false;
    }
    uint64_t first_in_large = ALIGN_DOWN(gpa, LARGE_PAGE_SIZE) >> PAGE_SHIFT;
    bool covers = first_in_large >= gfn && first_in_large + 512 <= gfn + nr;
    /* Part of a 2 MiB page goes: split it first (a no-op for 4 KiB mappings). With no
     * room for the table, the whole 2 MiB page stays: release nothing of it. */
    if (!covers && npt_split_large(&d->npt, gpa) < 0) {
        *i = ((ALIGN_DOWN(gpa, LARGE_PAGE_SIZE) + LARGE_PAGE_SIZE) >> PAGE_SHIFT) - gfn;
        return false;
    }
    if (npt_unmap(&d->npt, gpa, out)) {
        (*i)++;
        return false;
    }
    if (out->flags & NPT_OWNED)
        d->tot_pages -= out->size >> PAGE_SHIFT;
    *i = ((gpa + out->size) >> PAGE_SHIFT) - gfn;
    return true;
}

uint64_t domain_release(struct domain *d, uint64_t gfn, uint64_t nr)
{
    uint64_t released = 0;

    if (gfn >= GFN_LIMIT || nr > GFN_LIMIT - gfn)
        return 0;
    for (uint64_t i = 0; i < nr;) {
        struct npt_unmapped batch[RELEASE_BATCH];
        unsigned n = 0;

        spin_lock(&d->lock);
        for (uint64_t scan_end = i + RELEASE_SCAN; i < nr && i < scan_end && n < RELEASE_BATCH;)
            n += unmap_next(d, gfn, nr, &i, &batch[n]);
        spin_unlock(&d->lock);
        if (!n)
            continue;
        /* Other vCPUs of d may still hold these translations: they go back to the pool
         * only once every CPU in guest mode for d has left it. */
        tlb_shootdown(d);
        for (unsigned k = 0; k < n; k++) {
            for (unsigned t = 0; t < batch[k].nr_tables; t++)
                page_free(batch[k].tables[t], 1);
            if (batch[k].flags & NPT_OWNED) {
                frame_release_owned(batch[k].hpa >> PAGE_SHIFT, batch[k].size >> PAGE_SHIFT);
                released += batch[k].size >> PAGE_SHIFT;
            }
        }
    }
    return released;
}

static int check_locked(struct domain *d, uint64_t gpa, uint64_t len, bool to_guest)
{
    /* Beyond what a guest can have there is no RAM: refuse before the NPT sees it. */
    if (gpa >= GPA_LIMIT || len > GPA_LIMIT - gpa)
        return -VIREO_EFAULT;
    for (uint64_t off = 0; off < len;) {
        uint64_t flags, chunk = MIN(len - off, PAGE_SIZE - ((gpa + off) & (PAGE_SIZE - 1)));
        if (npt_translate(&d->npt, gpa + off, &flags) == ~0ull || !(flags & NPT_RAM) ||
            (to_guest && !(flags & (PTE_W | NPT_LOGGED))))
            return -VIREO_EFAULT;
        off += chunk;
    }
    return 0;
}

int guest_check(struct domain *d, uint64_t gpa, uint64_t len, bool writable)
{
    spin_lock(&d->lock);
    int rc = check_locked(d, gpa, len, writable);
    spin_unlock(&d->lock);
    return rc;
}

static int guest_copy(struct domain *d, uint64_t gpa, void *buf, uint64_t len, bool to_guest)
{
    spin_lock(&d->lock);
    /* Check every page first: a failing copy changes nothing. */
    int rc = check_locked(d, gpa, len, to_guest);
    if (rc)
        goto out;
    for (uint64_t off = 0; off < len;) {
        uint64_t flags, chunk = MIN(len - off, PAGE_SIZE - ((gpa + off) & (PAGE_SIZE - 1)));
        void *host = phys_to_virt(npt_translate(&d->npt, gpa + off, &flags));
        if (to_guest) {
            log_dirty_hv_write_locked(d, gpa + off, flags); /* or a migration would miss it */
            memcpy(host, (char *)buf + off, chunk);
        } else {
            memcpy((char *)buf + off, host, chunk);
        }
        off += chunk;
    }
out:
    spin_unlock(&d->lock);
    return rc;
}

int guest_read(struct domain *d, void *dst, uint64_t gpa, uint64_t len)
{
    return guest_copy(d, gpa, dst, len, false);
}

int guest_write(struct domain *d, uint64_t gpa, const void *src, uint64_t len)
{
    return guest_copy(d, gpa, (void *)src, len, true);
}
