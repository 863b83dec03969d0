// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device models: an open /dev/vireo becomes the one server of a domain's I/O requests
 * (vireo-dev.h). The module owns the shared page and the hypercalls that act on it, so a
 * process can only serve, complete and interrupt the domain it attached to, and the
 * domain is crashed by hv when that process goes away.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/capability.h>
#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vireo_drv.h"

static DEFINE_MUTEX(dm_lock);
static LIST_HEAD(dm_list);

static struct vireo_dm *dm_find_locked(u32 domid)
{
	struct vireo_dm *dm;

	list_for_each_entry(dm, &dm_list, node)
		if (dm->domid == domid)
			return dm;
	return NULL;
}

bool vireo_ioreq_may_map(struct vireo_file *vf, u32 domid)
{
	struct vireo_dm *dm;
	bool ok;

	mutex_lock(&dm_lock);
	dm = dm_find_locked(domid);
	ok = !dm || dm->owner == vf || dm->memory_shared;
	mutex_unlock(&dm_lock);
	return ok;
}

static long ioreq_attach(struct vireo_file *vf, u32 __user *uarg)
{
	struct vireo_dm *dm;
	u32 domid;
	long ret;

	if (get_user(domid, uarg))
		return -EFAULT;
	dm = kzalloc(sizeof(*dm), GFP_KERNEL);
	if (!dm)
		return -ENOMEM;
	dm->page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!dm->page) {
		kfree(dm);
		return -ENOMEM;
	}
	dm->domid = domid;
	dm->owner = vf;
	mutex_lock(&dm_lock);
	ret = -EBUSY;
	if (vf->dm || dm_find_locked(domid))
		goto out_unlock;
	ret = vireo_hypercall(VIREO_HC_IOREQ_ATTACH, domid, virt_to_phys(dm->page), 0, 0, 0);
	if (ret < 0)
		goto out_unlock;
	list_add(&dm->node, &dm_list);
	vireo_events_set_dm(vf, dm);
	dm = NULL;
out_unlock:
	mutex_unlock(&dm_lock);
	if (dm) {
		free_page((unsigned long)dm->page);
		kfree(dm);
	}
	return ret;
}

void vireo_ioreq_release(struct vireo_file *vf)
{
	struct vireo_dm *dm = vf->dm;
	long ret;

	if (!dm)
		return;
	vireo_events_set_dm(vf, NULL);
	mutex_lock(&dm_lock);
	list_del(&dm->node);
	mutex_unlock(&dm_lock);
	/* hv lets go of the page before the call returns; a domain that is gone is fine. */
	ret = vireo_hypercall(VIREO_HC_IOREQ_DETACH, dm->domid, 0, 0, 0, 0);
	if (ret < 0 && ret != -VIREO_ESRCH && ret != -VIREO_ENOENT) {
		pr_err("detaching the device model of d%u failed: %ld; its page is leaked\n",
		       dm->domid, ret);
		kfree(dm);
		return;
	}
	free_page((unsigned long)dm->page);
	kfree(dm);
}

long vireo_ioctl_ioreq(struct file *file, unsigned int cmd, void __user *uarg)
{
	struct vireo_file *vf = file->private_data;
	struct vireo_dev_irq irq;
	u32 vcpu;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (cmd == VIREO_DEV_IOC_IOREQ_ATTACH)
		return ioreq_attach(vf, uarg);
	if (!vf->dm)
		return -ENOENT;
	if (cmd == VIREO_DEV_IOC_IOREQ_SHARE_MEMORY) {
		u32 on;

		if (get_user(on, (u32 __user *)uarg))
			return -EFAULT;
		if (on > 1)
			return -EINVAL;
		mutex_lock(&dm_lock);
		vf->dm->memory_shared = on;
		mutex_unlock(&dm_lock);
		return 0;
	}
	if (cmd == VIREO_DEV_IOC_IOREQ_COMPLETE) {
		if (get_user(vcpu, (u32 __user *)uarg))
			return -EFAULT;
		return vireo_hypercall(VIREO_HC_IOREQ_COMPLETE, vf->dm->domid, vcpu, 0, 0, 0);
	}
	if (copy_from_user(&irq, uarg, sizeof(irq)))
		return -EFAULT;
	return vireo_hypercall(VIREO_HC_IOREQ_SET_IRQ, vf->dm->domid, irq.gsi, irq.level, 0, 0);
}

/* The shared page, once, read-write, never inherited. */
int vireo_ioreq_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vireo_file *vf = file->private_data;

	if (!vf->dm || vma->vm_end - vma->vm_start != PAGE_SIZE || !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	vma->vm_flags |= VM_IO | VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY;
	return remap_pfn_range(vma, vma->vm_start, virt_to_phys(vf->dm->page) >> PAGE_SHIFT,
			       PAGE_SIZE, vma->vm_page_prot);
}
