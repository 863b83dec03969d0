// SPDX-License-Identifier: GPL-2.0-only
/*
 * VIREO_DEV_IOC_HYPERCALL: hypercalls on behalf of user space. Buffers described by
 * libvireoctl are bounced through physically contiguous kernel memory, because hv only
 * understands dom0 guest-physical addresses and user pages are neither contiguous nor
 * pinned.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vireo_drv.h"

struct bounce {
	void *kbuf;
	u64 saved_field; /* user's value of the nested GPA field this buffer patched */
};

/*
 * Which calls user space may make. The module owns foreign mappings, the event
 * vector and device models (vireo_ioreq.c); TIME_REGISTER would leave hv writing into a freed bounce buffer; SCHED_* and
 * CONSOLE_READ would block or stop dom0's only CPU.
 */
static int hypercall_permitted(u64 nr)
{
	switch (nr) {
	case VIREO_HC_ABI_VERSION:
	case VIREO_HC_CONSOLE_WRITE:
	case VIREO_HC_VCPU_ID:
	case VIREO_HC_TIME_NOW:
	case VIREO_HC_DOMAIN_ID:
		return 0;
	case VIREO_HC_MEMORY_MAP_FOREIGN:
	case VIREO_HC_MEMORY_UNMAP_FOREIGN:
	case VIREO_HC_EVENT_SET_VECTOR:
	case VIREO_HC_EVENT_TAKE:
	case VIREO_HC_IOREQ_ATTACH:
	case VIREO_HC_IOREQ_DETACH:
	case VIREO_HC_IOREQ_COMPLETE:
	case VIREO_HC_IOREQ_SET_IRQ:
		return -EPERM;
	}
	if (nr < VIREO_HC_PRIVILEGED_BASE)
		return -EPERM;
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

static int check_buffer(const struct vireo_dev_buffer *b, unsigned int index,
			const struct vireo_dev_buffer *bufs)
{
	if (!b->size || b->size > VIREO_DEV_BUFFER_MAX)
		return -E2BIG;
	if (b->flags & ~(VIREO_DEV_BUF_IN | VIREO_DEV_BUF_OUT))
		return -EINVAL;
	if (b->target_buf == VIREO_DEV_TARGET_ARG)
		return b->target_arg < VIREO_DEV_MAX_ARGS ? 0 : -EINVAL;
	/* A nested pointer lives in an earlier buffer, as an aligned u64 wholly inside it. */
	if (b->target_buf >= index || b->target_offset % 8 ||
	    b->target_offset > bufs[b->target_buf].size - 8 || bufs[b->target_buf].size < 8)
		return -EINVAL;
	return 0;
}

long vireo_ioctl_hypercall(struct file *file, void __user *uarg)
{
	struct vireo_dev_hypercall hc;
	struct bounce bounce[VIREO_DEV_MAX_BUFFERS] = {};
	unsigned int i;
	long ret;

	if (copy_from_user(&hc, uarg, sizeof(hc)))
		return -EFAULT;
	if (hc.nr_buffers > VIREO_DEV_MAX_BUFFERS || hc.pad0)
		return -EINVAL;
	ret = hypercall_permitted(hc.nr);
	if (ret)
		return ret;

	for (i = 0; i < hc.nr_buffers; i++) {
		const struct vireo_dev_buffer *b = &hc.buffers[i];
		u64 gpa;

		ret = check_buffer(b, i, hc.buffers);
		if (ret)
			goto out;
		bounce[i].kbuf = kzalloc(b->size, GFP_KERNEL);
		if (!bounce[i].kbuf) {
			ret = -ENOMEM;
			goto out;
		}
		if ((b->flags & VIREO_DEV_BUF_IN) &&
		    copy_from_user(bounce[i].kbuf, u64_to_user_ptr(b->uaddr), b->size)) {
			ret = -EFAULT;
			goto out;
		}
		gpa = virt_to_phys(bounce[i].kbuf);
		if (b->target_buf == VIREO_DEV_TARGET_ARG) {
			hc.args[b->target_arg] = gpa;
		} else {
			u64 *field = bounce[b->target_buf].kbuf + b->target_offset;

			bounce[i].saved_field = *field;
			*field = gpa;
		}
	}

	hc.result = vireo_hypercall(hc.nr, hc.args[0], hc.args[1], hc.args[2], hc.args[3],
				    hc.args[4]);

	/* Give nested fields their user values back: user space never sees kernel addresses. */
	for (i = hc.nr_buffers; i-- > 0;) {
		const struct vireo_dev_buffer *b = &hc.buffers[i];

		if (b->target_buf != VIREO_DEV_TARGET_ARG)
			*(u64 *)(bounce[b->target_buf].kbuf + b->target_offset) =
				bounce[i].saved_field;
	}
	for (i = 0; i < hc.nr_buffers; i++) {
		const struct vireo_dev_buffer *b = &hc.buffers[i];

		if ((b->flags & VIREO_DEV_BUF_OUT) &&
		    copy_to_user(u64_to_user_ptr(b->uaddr), bounce[i].kbuf, b->size)) {
			ret = -EFAULT;
			goto out;
		}
	}
	ret = copy_to_user(&((struct vireo_dev_hypercall __user *)uarg)->result, &hc.result,
			   sizeof(hc.result)) ? -EFAULT : 0;
out:
	for (i = 0; i < hc.nr_buffers; i++)
		kfree(bounce[i].kbuf);
	return ret;
}
