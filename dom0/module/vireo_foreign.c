// SPDX-License-Identifier: GPL-2.0-only
/*
 * Foreign mappings: a domU's frames shown to a dom0 process. hv maps them into dom0's
 * foreign-mapping window (a range of dom0 guest-physical frames it reported in
 * vireo_physinfo); this file hands out slots of that window and maps them into user
 * space with remap_pfn_range. A mapping lives exactly as long as its VMA. A balloon
 * drops parts of a mapping and restores them later (VIREO_DEV_IOC_FOREIGN_DROP/RESTORE):
 * a dropped page is backed by the mapping's scratch page, inserted on fault.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/bitmap.h>
#include <linux/capability.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "vireo_drv.h"

static DEFINE_MUTEX(window_lock);
static unsigned long *window_map; /* one bit per window frame, set while in use */
static u64 window_gfn;
static u64 window_pages;
static u64 window_in_use;

/* One filled VMA. Shared by the copies mremap() makes while it moves a VMA. */
struct foreign_map {
	refcount_t users;
	u64 slot; /* first window frame, relative to window_gfn */
	u64 nr_frames;
	u32 domid;
	u64 gfn;               /* the domain's first frame */
	/* Set at the first drop, under the mmap write lock: */
	unsigned long *dropped; /* one bit per page, set while dropped */
	struct page *scratch;   /* what a dropped page shows; shared by no other mapping */
};

int vireo_foreign_init(u64 gfn, u64 pages)
{
	window_gfn = gfn;
	window_pages = pages;
	if (!pages) {
		pr_warn("hv reports no foreign-mapping window; foreign mappings disabled\n");
		return 0;
	}
	window_map = bitmap_zalloc(pages, GFP_KERNEL);
	return window_map ? 0 : -ENOMEM;
}

void vireo_foreign_exit(void)
{
	/* Every VMA holds a file reference, so no mapping can outlive the module. */
	bitmap_free(window_map);
	window_map = NULL;
}

void vireo_foreign_usage(u64 *gfn, u64 *pages, u64 *in_use)
{
	mutex_lock(&window_lock);
	*gfn = window_gfn;
	*pages = window_pages;
	*in_use = window_in_use;
	mutex_unlock(&window_lock);
}

static long window_alloc(u64 nr)
{
	unsigned long slot;
	long ret = -ENOSPC;

	mutex_lock(&window_lock);
	if (window_map && nr <= window_pages) {
		slot = bitmap_find_next_zero_area(window_map, window_pages, 0, nr, 0);
		if (slot < window_pages) {
			bitmap_set(window_map, slot, nr);
			window_in_use += nr;
			ret = slot;
		}
	}
	mutex_unlock(&window_lock);
	return ret;
}

static void window_free(u64 slot, u64 nr)
{
	mutex_lock(&window_lock);
	bitmap_clear(window_map, slot, nr);
	window_in_use -= nr;
	mutex_unlock(&window_lock);
}

static void foreign_map_put(struct foreign_map *fm)
{
	long ret;

	if (!refcount_dec_and_test(&fm->users))
		return;
	/* munmap has zapped the PTEs and flushed the TLB before ->close runs. */
	ret = vireo_hypercall(VIREO_HC_MEMORY_UNMAP_FOREIGN, window_gfn + fm->slot,
			      fm->nr_frames, 0, 0, 0);
	if (ret < 0)
		/* hv still maps foreign frames there: keep the slots out of use for good. */
		pr_err("unmapping window frames 0x%llx+%llu failed: %ld; slots leaked\n",
		       window_gfn + fm->slot, fm->nr_frames, ret);
	else
		window_free(fm->slot, fm->nr_frames);
	/* The VMA's PTEs are gone, the scratch page's with them (they hold no reference). */
	if (fm->scratch)
		__free_page(fm->scratch);
	kvfree(fm->dropped);
	kfree(fm);
}

static void foreign_vma_open(struct vm_area_struct *vma)
{
	struct foreign_map *fm = vma->vm_private_data;

	if (fm)
		refcount_inc(&fm->users);
}

static void foreign_vma_close(struct vm_area_struct *vma)
{
	struct foreign_map *fm = vma->vm_private_data;

	if (fm)
		foreign_map_put(fm);
}

/* One mapping per VMA keeps accounting simple: a partial munmap is refused. */
static int foreign_vma_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

/* Only a dropped page faults: remap_pfn_range filled the rest when the VMA was filled. */
static vm_fault_t foreign_vma_fault(struct vm_fault *vmf)
{
	struct foreign_map *fm = vmf->vma->vm_private_data;

	if (!fm || !fm->scratch ||
	    !test_bit((vmf->address - vmf->vma->vm_start) >> PAGE_SHIFT, fm->dropped))
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(fm->scratch));
}

static const struct vm_operations_struct foreign_vm_ops = {
	.open = foreign_vma_open,
	.close = foreign_vma_close,
	.may_split = foreign_vma_may_split,
	.fault = foreign_vma_fault,
};

int vireo_foreign_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	vma->vm_ops = &foreign_vm_ops;
	vma->vm_private_data = NULL;
	return 0;
}

long vireo_ioctl_map_foreign(struct file *file, void __user *uarg)
{
	struct vireo_dev_map_foreign req;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct foreign_map *fm;
	long slot, ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.pad0 || !req.nr_frames || req.nr_frames > window_pages)
		return -EINVAL;
	if (!vireo_ioreq_may_map(file->private_data, req.domid))
		return -EPERM; /* another process is the domain's device model */

	fm = kzalloc(sizeof(*fm), GFP_KERNEL);
	if (!fm)
		return -ENOMEM;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, req.addr);
	ret = -EINVAL;
	if (!vma || vma->vm_ops != &foreign_vm_ops || vma->vm_file != file ||
	    vma->vm_start != req.addr || vma->vm_private_data ||
	    vma_pages(vma) != req.nr_frames)
		goto out_unlock;

	slot = window_alloc(req.nr_frames);
	ret = slot;
	if (slot < 0)
		goto out_unlock;

	ret = vireo_hypercall(VIREO_HC_MEMORY_MAP_FOREIGN, req.domid, req.gfn, req.nr_frames,
			      window_gfn + slot, 0);
	if (ret < 0) {
		window_free(slot, req.nr_frames);
		goto out_unlock;
	}
	ret = remap_pfn_range(vma, vma->vm_start, window_gfn + slot,
			      req.nr_frames << PAGE_SHIFT, vma->vm_page_prot);
	if (ret) {
		vireo_hypercall(VIREO_HC_MEMORY_UNMAP_FOREIGN, window_gfn + slot,
				req.nr_frames, 0, 0, 0);
		window_free(slot, req.nr_frames);
		goto out_unlock;
	}
	refcount_set(&fm->users, 1);
	fm->slot = slot;
	fm->nr_frames = req.nr_frames;
	fm->domid = req.domid;
	fm->gfn = req.gfn;
	vma->vm_private_data = fm;
	fm = NULL;
out_unlock:
	mmap_write_unlock(mm);
	kfree(fm);
	return ret;
}

/* Are pages [first, first + nr) of fm all dropped (want) or all mapped (!want)? */
static bool range_is(const struct foreign_map *fm, u64 first, u64 nr, bool want)
{
	if (!fm->dropped)
		return !want;
	if (want)
		return find_next_zero_bit(fm->dropped, first + nr, first) >= first + nr;
	return find_next_bit(fm->dropped, first + nr, first) >= first + nr;
}

static long drop_range(struct vm_area_struct *vma, struct foreign_map *fm,
		       unsigned long addr, u64 first, u64 nr)
{
	long ret;

	if (!fm->dropped) {
		fm->dropped = kvcalloc(BITS_TO_LONGS(fm->nr_frames), sizeof(long), GFP_KERNEL);
		if (!fm->dropped)
			return -ENOMEM;
	}
	if (!fm->scratch) {
		fm->scratch = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!fm->scratch)
			return -ENOMEM;
	}
	/* User space stops reaching the frames (TLB flushed) before hv unmaps them. */
	zap_vma_ptes(vma, addr, nr << PAGE_SHIFT);
	ret = vireo_hypercall(VIREO_HC_MEMORY_UNMAP_FOREIGN, window_gfn + fm->slot + first, nr,
			      0, 0, 0);
	if (ret < 0) {
		/* hv kept the window as it was (it checks the range first): map it again. */
		pr_err("unmapping window frames 0x%llx+%llu failed: %ld\n",
		       window_gfn + fm->slot + first, nr, ret);
		if (remap_pfn_range(vma, addr, window_gfn + fm->slot + first, nr << PAGE_SHIFT,
				    vma->vm_page_prot))
			pr_err("and mapping them again failed: that range now faults\n");
		return ret;
	}
	bitmap_set(fm->dropped, first, nr);
	return 0;
}

static long restore_range(struct vm_area_struct *vma, struct foreign_map *fm,
			  unsigned long addr, u64 first, u64 nr)
{
	u64 window = window_gfn + fm->slot + first;
	long ret;

	/* The scratch page's PTEs go first: remap_pfn_range fills only empty ones. */
	zap_vma_ptes(vma, addr, nr << PAGE_SHIFT);
	ret = vireo_hypercall(VIREO_HC_MEMORY_MAP_FOREIGN, fm->domid, fm->gfn + first, nr,
			      window, 0);
	if (ret < 0)
		return ret; /* still dropped: faults bring the scratch page back */
	ret = remap_pfn_range(vma, addr, window, nr << PAGE_SHIFT, vma->vm_page_prot);
	if (ret) {
		zap_vma_ptes(vma, addr, nr << PAGE_SHIFT);
		vireo_hypercall(VIREO_HC_MEMORY_UNMAP_FOREIGN, window, nr, 0, 0, 0);
		return ret;
	}
	bitmap_clear(fm->dropped, first, nr);
	return 0;
}

long vireo_ioctl_foreign_range(struct file *file, unsigned int cmd, void __user *uarg)
{
	struct vireo_dev_foreign_range req;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	struct foreign_map *fm;
	u64 first;
	long ret = -EINVAL;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (!req.nr_frames || (req.addr & ~PAGE_MASK) || req.nr_frames > window_pages)
		return -EINVAL;

	mmap_write_lock(mm);
	vma = vma_lookup(mm, req.addr);
	if (!vma || vma->vm_ops != &foreign_vm_ops || vma->vm_file != file)
		goto out_unlock;
	fm = vma->vm_private_data;
	first = (req.addr - vma->vm_start) >> PAGE_SHIFT;
	if (!fm || req.nr_frames > vma_pages(vma) - first)
		goto out_unlock;
	if (!vireo_ioreq_may_map(file->private_data, fm->domid)) {
		ret = -EPERM;
		goto out_unlock;
	}
	/* A VMA moved by mremap keeps its pages' order: page i of the VMA is frame gfn + i. */
	if (cmd == VIREO_DEV_IOC_FOREIGN_DROP && range_is(fm, first, req.nr_frames, false))
		ret = drop_range(vma, fm, req.addr, first, req.nr_frames);
	else if (cmd == VIREO_DEV_IOC_FOREIGN_RESTORE && range_is(fm, first, req.nr_frames, true))
		ret = restore_range(vma, fm, req.addr, first, req.nr_frames);
out_unlock:
	mmap_write_unlock(mm);
	return ret;
}
