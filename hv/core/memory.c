/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain memory: backing guest frames with machine frames (2 MiB at a time where the
 * range and the allocator allow, for fewer nested walks), releasing them, and the one
 * checked path by which hv reads or writes guest memory.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/mm.h"
#include "hv/sched.h"
#include "arch/npt.h"

#define GFN_LIMIT (1ull << (39 - PAGE_SHIFT)) /* guests see at most 512 GiB */
#define RAM_FLAGS (NPT_RW | NPT_OWNED | NPT_RAM)

static bool range_unmapped(struct domain *d, uint64_t gfn, uint64_t nr)
{
    uint64_t flags;
    for (uint64_t i = 0; i < nr; i++)
        if (npt_translate(d->npt_root_pa, (gfn + i) << PAGE_SHIFT, &flags) != ~0ull)
            return false;
    return true;
}

/* Maps one piece: a whole aligned 2 MiB frame when possible, else one 4 KiB frame.
 * Returns frames mapped, or 0 when out of memory. */
static uint64_t populate_one(struct domain *d, uint64_t gfn, uint64_t left)
{
    const uint64_t large = LARGE_PAGE_SIZE >> PAGE_SHIFT;

    if (IS_ALIGNED(gfn, large) && left >= large) {
        pfn_t pfn = frame_alloc(&hv_frames, large, large);
        if (pfn != PFN_INVALID) {
            memset(phys_to_virt(pfn << PAGE_SHIFT), 0, LARGE_PAGE_SIZE);
            if (!npt_map(d->npt_root_pa, gfn << PAGE_SHIFT, pfn << PAGE_SHIFT, LARGE_PAGE_SIZE,
                         RAM_FLAGS))
                return large;
            frame_free(&hv_frames, pfn, large);
        }
    }
    pfn_t pfn = frame_alloc(&hv_frames, 1, 1);
    if (pfn == PFN_INVALID)
        return 0;
    memset(phys_to_virt(pfn << PAGE_SHIFT), 0, PAGE_SIZE);
    if (npt_map(d->npt_root_pa, gfn << PAGE_SHIFT, pfn << PAGE_SHIFT, PAGE_SIZE, RAM_FLAGS)) {
        frame_free(&hv_frames, pfn, 1);
        return 0;
    }
    return 1;
}

static uint64_t release_locked(struct domain *d, uint64_t gfn, uint64_t nr);

int domain_populate(struct domain *d, uint64_t gfn, uint64_t nr)
{
    int rc = 0;

    if (nr == 0 || nr > (1ull << 20) || gfn >= GFN_LIMIT || nr > GFN_LIMIT - gfn)
        return -VIREO_EINVAL;
    spin_lock(&d->lock);
    if (d->tot_pages + nr > d->max_pages) {
        rc = -VIREO_ENOMEM;
    } else if (!range_unmapped(d, gfn, nr)) {
        rc = -VIREO_EEXIST;
    } else {
        uint64_t done = 0;
        while (done < nr) {
            uint64_t n = populate_one(d, gfn + done, nr - done);
            if (!n)
                break;
            done += n;
            d->tot_pages += n;
        }
        if (done < nr) {
            release_locked(d, gfn, done); /* all or nothing */
            rc = -VIREO_ENOMEM;
        }
    }
    spin_unlock(&d->lock);
    return rc;
}

static uint64_t release_locked(struct domain *d, uint64_t gfn, uint64_t nr)
{
    uint64_t released = 0;

    for (uint64_t i = 0; i < nr;) {
        uint64_t gpa = (gfn + i) << PAGE_SHIFT, hpa, size, flags;
        if (npt_translate(d->npt_root_pa, gpa, &flags) == ~0ull) {
            i++;
            continue;
        }
        uint64_t first_in_large = ALIGN_DOWN(gpa, LARGE_PAGE_SIZE) >> PAGE_SHIFT;
        bool covers = first_in_large >= gfn && first_in_large + 512 <= gfn + nr;
        /* Part of a 2 MiB page goes: split it first (a no-op for 4 KiB mappings). Out
         * of memory for the table, the whole 2 MiB page stays: release nothing of it. */
        if (!covers && npt_split_large(d->npt_root_pa, gpa) < 0) {
            i = ((ALIGN_DOWN(gpa, LARGE_PAGE_SIZE) + LARGE_PAGE_SIZE) >> PAGE_SHIFT) - gfn;
            continue;
        }
        if (npt_unmap(d->npt_root_pa, gpa, &hpa, &size, &flags)) {
            i++;
            continue;
        }
        if (flags & NPT_OWNED) {
            frame_release_owned(hpa >> PAGE_SHIFT, size >> PAGE_SHIFT);
            d->tot_pages -= size >> PAGE_SHIFT;
            released += size >> PAGE_SHIFT;
        }
        i = ((gpa + size) >> PAGE_SHIFT) - gfn;
    }
    __atomic_add_fetch(&d->npt_gen, 1, __ATOMIC_RELEASE);
    return released;
}

uint64_t domain_release(struct domain *d, uint64_t gfn, uint64_t nr, struct vcpu *self)
{
    if (gfn >= GFN_LIMIT || nr > GFN_LIMIT - gfn)
        return 0;
    /* No vCPU may keep a stale translation to a frame that goes back to the pool: the
     * domain's other vCPUs are off their CPUs while its mappings shrink, and each flushes
     * its TLB (npt_gen) before it runs again; the caller's own vCPU flushes on re-entry. */
    if (self)
        sched_pause_others(d, self);
    else
        sched_pause_domain(d);
    spin_lock(&d->lock);
    uint64_t n = release_locked(d, gfn, nr);
    spin_unlock(&d->lock);
    sched_unpause_domain(d);
    return n;
}

static int check_locked(struct domain *d, uint64_t gpa, uint64_t len, bool to_guest)
{
    if (gpa + len < gpa)
        return -VIREO_EFAULT;
    for (uint64_t off = 0; off < len;) {
        uint64_t flags, chunk = MIN(len - off, PAGE_SIZE - ((gpa + off) & (PAGE_SIZE - 1)));
        if (npt_translate(d->npt_root_pa, gpa + off, &flags) == ~0ull || !(flags & NPT_RAM) ||
            (to_guest && !(flags & PTE_W)))
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
        void *host = phys_to_virt(npt_translate(d->npt_root_pa, gpa + off, &flags));
        if (to_guest)
            memcpy(host, (char *)buf + off, chunk);
        else
            memcpy((char *)buf + off, host, chunk);
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
