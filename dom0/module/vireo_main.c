// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vireo: dom0's door to the Vireo hypervisor. Detects hv through its CPUID leaves,
 * refuses to load anywhere else, and routes the character device's operations to the
 * passthrough, foreign-mapping and event parts.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/processor.h>

#include "vireo_drv.h"

static u32 vireo_abi_version;

/*
 * hv answers its leaves only to dom0 at this base; anything else means no hv (or a domU).
 * The CPUID hypervisor bit is not consulted: hv need not set it for its passthrough dom0.
 */
static int vireo_detect(void)
{
	u32 eax, ebx, ecx, edx;
	char sig[13];

	cpuid(VIREO_CPUID_BASE_DOM0, &eax, &ebx, &ecx, &edx);
	memcpy(sig, &ebx, 4);
	memcpy(sig + 4, &ecx, 4);
	memcpy(sig + 8, &edx, 4);
	sig[12] = '\0';
	if (ebx != VIREO_CPUID_SIG_EBX || ecx != VIREO_CPUID_SIG_ECX ||
	    edx != VIREO_CPUID_SIG_EDX || eax < VIREO_CPUID_BASE_DOM0 + 1) {
		pr_err("hv not present (CPUID 0x%x signature \"%.12s\", want \"VireoVireoVi\"); /dev/vireo needs dom0 under Vireo's hv\n",
		       VIREO_CPUID_BASE_DOM0, sig);
		return -ENODEV;
	}
	cpuid(VIREO_CPUID_BASE_DOM0 + 1, &eax, &ebx, &ecx, &edx);
	if ((eax >> 16) != VIREO_ABI_MAJOR) {
		pr_err("hv ABI %u.%u, module built for %u.%u\n", eax >> 16, eax & 0xffff,
		       VIREO_ABI_MAJOR, VIREO_ABI_MINOR);
		return -ENODEV;
	}
	if (ebx != VIREO_DOMID_DOM0) {
		pr_err("running in domain %u, not dom0\n", ebx);
		return -ENODEV;
	}
	vireo_abi_version = eax;
	return 0;
}

static int vireo_open(struct inode *inode, struct file *file)
{
	struct vireo_file *vf = kzalloc(sizeof(*vf), GFP_KERNEL);

	if (!vf)
		return -ENOMEM;
	file->private_data = vf;
	vireo_events_attach(vf);
	return 0;
}

static int vireo_release(struct inode *inode, struct file *file)
{
	struct vireo_file *vf = file->private_data;

	vireo_ioreq_release(vf);
	vireo_events_detach(vf);
	kfree(vf);
	return 0;
}

static long vireo_ioctl_info(void __user *uarg)
{
	struct vireo_dev_info info = { .abi_version = vireo_abi_version };

	vireo_events_usage(&info.event_vector, &info.event_interrupts);
	vireo_foreign_usage(&info.window_gfn, &info.window_pages, &info.window_pages_in_use);
	return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long vireo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VIREO_DEV_IOC_HYPERCALL:
		return vireo_ioctl_hypercall(file, uarg);
	case VIREO_DEV_IOC_MAP_FOREIGN:
		return vireo_ioctl_map_foreign(file, uarg);
	case VIREO_DEV_IOC_FOREIGN_DROP:
	case VIREO_DEV_IOC_FOREIGN_RESTORE:
		return vireo_ioctl_foreign_range(file, cmd, uarg);
	case VIREO_DEV_IOC_INFO:
		return vireo_ioctl_info(uarg);
	case VIREO_DEV_IOC_IOREQ_ATTACH:
	case VIREO_DEV_IOC_IOREQ_COMPLETE:
	case VIREO_DEV_IOC_IOREQ_SET_IRQ:
	case VIREO_DEV_IOC_IOREQ_SHARE_MEMORY:
		return vireo_ioctl_ioreq(file, cmd, uarg);
	default:
		return -ENOTTY;
	}
}

/* Offset VIREO_DEV_IOREQ_PAGE_OFFSET is the device model's page; the rest is foreign. */
static int vireo_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff == VIREO_DEV_IOREQ_PAGE_OFFSET >> PAGE_SHIFT)
		return vireo_ioreq_mmap(file, vma);
	return vireo_foreign_mmap(file, vma);
}

static ssize_t vireo_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	return vireo_events_read(file->private_data, buf, len, file->f_flags & O_NONBLOCK);
}

static __poll_t vireo_poll(struct file *file, poll_table *wait)
{
	return vireo_events_poll(file, file->private_data, wait);
}

static const struct file_operations vireo_fops = {
	.owner = THIS_MODULE,
	.open = vireo_open,
	.release = vireo_release,
	.unlocked_ioctl = vireo_ioctl,
	.mmap = vireo_mmap,
	.read = vireo_read,
	.poll = vireo_poll,
	.llseek = noop_llseek,
};

static struct miscdevice vireo_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vireo",
	.fops = &vireo_fops,
	.mode = 0600,
};

static int __init vireo_init(void)
{
	struct vireo_physinfo *pi;
	int ret;

	ret = vireo_detect();
	if (ret)
		return ret;

	/* kmalloc memory is physically contiguous and identity mapped: its GPA is its PA. */
	pi = kzalloc(sizeof(*pi), GFP_KERNEL);
	if (!pi)
		return -ENOMEM;
	ret = vireo_hypercall(VIREO_HC_PHYSINFO, virt_to_phys(pi), 0, 0, 0, 0);
	if (ret < 0) {
		pr_err("VIREO_HC_PHYSINFO failed: %d\n", ret);
		kfree(pi);
		return ret;
	}
	ret = vireo_foreign_init(pi->foreign_window_gfn, pi->foreign_window_pages);
	kfree(pi);
	if (ret)
		return ret;

	ret = vireo_events_init();
	if (ret)
		goto err_foreign;

	ret = misc_register(&vireo_miscdev);
	if (ret)
		goto err_events;

	pr_info("hv ABI %u.%u, /dev/vireo ready\n", vireo_abi_version >> 16,
		vireo_abi_version & 0xffff);
	return 0;

err_events:
	vireo_events_exit();
err_foreign:
	vireo_foreign_exit();
	return ret;
}

static void __exit vireo_exit(void)
{
	misc_deregister(&vireo_miscdev);
	vireo_events_exit();
	vireo_foreign_exit();
}

module_init(vireo_init);
module_exit(vireo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Vireo hypervisor interface for dom0 (/dev/vireo)");
