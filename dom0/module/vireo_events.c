// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event notification: hv raises an interrupt on CPU 0 with a vector this module owns.
 * No vector is free for modules on a stock kernel, so one is taken from the x86 vector
 * domain like any device IRQ, pinned to CPU 0 (IRQF_NOBALANCING keeps its vector from
 * moving) and named to hv. The handler takes hv's pending bits and wakes every reader.
 */
#define pr_fmt(fmt) "vireo: " fmt

#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irqdomain.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <asm/hw_irq.h>
#include <asm/irqdomain.h>

#include "vireo_drv.h"

static DEFINE_SPINLOCK(events_lock);
static LIST_HEAD(events_files);
static DECLARE_WAIT_QUEUE_HEAD(events_wait);
static int events_irq;
static u32 events_vector;
static atomic64_t events_interrupts;

/*
 * Hands bits to every open file; hv cleared them when it answered EVENT_TAKE. An I/O
 * request event goes only to the device models whose page says it has work: hv sets the
 * page's flag before it raises the event, so taking the flag after the event loses none.
 */
static void events_deliver(u32 bits)
{
	struct vireo_file *vf;
	unsigned long flags;

	if (!bits)
		return;
	spin_lock_irqsave(&events_lock, flags);
	list_for_each_entry(vf, &events_files, node) {
		u32 mine = bits & ~VIREO_EVENT_IOREQ;

		if ((bits & VIREO_EVENT_IOREQ) && vf->dm && xchg(&vf->dm->page->pending, 0))
			mine |= VIREO_EVENT_IOREQ;
		vf->pending |= mine;
	}
	spin_unlock_irqrestore(&events_lock, flags);
	wake_up_interruptible_all(&events_wait);
}

static irqreturn_t events_interrupt(int irq, void *dev)
{
	long bits = vireo_hypercall(VIREO_HC_EVENT_TAKE, 0, 0, 0, 0, 0);

	atomic64_inc(&events_interrupts);
	if (bits > 0)
		events_deliver(bits);
	return IRQ_HANDLED;
}

int vireo_events_init(void)
{
	struct irq_alloc_info info = { .mask = cpumask_of(0) };
	struct irq_cfg *cfg;
	long ret;
	int irq;

	irq = irq_domain_alloc_irqs(x86_vector_domain, 1, NUMA_NO_NODE, &info);
	if (irq < 0) {
		pr_err("no IRQ from the x86 vector domain: %d\n", irq);
		return irq;
	}
	irq_set_handler(irq, handle_edge_irq);
	ret = request_irq(irq, events_interrupt, IRQF_NOBALANCING, "vireo-events", NULL);
	if (ret) {
		pr_err("request_irq(%d) failed: %ld\n", irq, ret);
		goto err_dispose;
	}
	/* The vector is assigned when request_irq activates the IRQ. */
	cfg = irqd_cfg(irq_get_irq_data(irq));
	if (!cfg || !cfg->vector) {
		pr_err("IRQ %d has no vector\n", irq);
		ret = -EIO;
		goto err_free;
	}
	ret = vireo_hypercall(VIREO_HC_EVENT_SET_VECTOR, cfg->vector, 0, 0, 0, 0);
	if (ret < 0) {
		pr_err("VIREO_HC_EVENT_SET_VECTOR(0x%x) failed: %ld\n", cfg->vector, ret);
		goto err_free;
	}
	events_irq = irq;
	events_vector = cfg->vector;
	pr_info("events on vector 0x%x (IRQ %d)\n", events_vector, irq);
	return 0;

err_free:
	free_irq(irq, NULL);
err_dispose:
	irq_dispose_mapping(irq);
	return ret;
}

void vireo_events_exit(void)
{
	vireo_hypercall(VIREO_HC_EVENT_SET_VECTOR, 0, 0, 0, 0, 0);
	free_irq(events_irq, NULL);
	irq_dispose_mapping(events_irq);
	events_irq = 0;
	events_vector = 0;
}

void vireo_events_usage(u32 *vector, u64 *interrupts)
{
	*vector = events_vector;
	*interrupts = atomic64_read(&events_interrupts);
}

void vireo_events_attach(struct vireo_file *vf)
{
	unsigned long flags;

	spin_lock_irqsave(&events_lock, flags);
	list_add(&vf->node, &events_files);
	spin_unlock_irqrestore(&events_lock, flags);
}

void vireo_events_detach(struct vireo_file *vf)
{
	unsigned long flags;

	spin_lock_irqsave(&events_lock, flags);
	list_del(&vf->node);
	spin_unlock_irqrestore(&events_lock, flags);
}

void vireo_events_set_dm(struct vireo_file *vf, struct vireo_dm *dm)
{
	unsigned long flags;

	spin_lock_irqsave(&events_lock, flags);
	vf->dm = dm;
	spin_unlock_irqrestore(&events_lock, flags);
}

static u32 events_take_pending(struct vireo_file *vf)
{
	unsigned long flags;
	u32 bits;

	spin_lock_irqsave(&events_lock, flags);
	bits = vf->pending;
	vf->pending = 0;
	spin_unlock_irqrestore(&events_lock, flags);
	return bits;
}

static bool events_pending(struct vireo_file *vf)
{
	return READ_ONCE(vf->pending) != 0;
}

ssize_t vireo_events_read(struct vireo_file *vf, char __user *buf, size_t len, bool nonblock)
{
	u32 bits;
	int ret;

	if (len < sizeof(bits))
		return -EINVAL;
	for (;;) {
		bits = events_take_pending(vf);
		if (bits)
			break;
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(events_wait, events_pending(vf));
		if (ret)
			return ret;
	}
	if (copy_to_user(buf, &bits, sizeof(bits)))
		return -EFAULT;
	return sizeof(bits);
}

__poll_t vireo_events_poll(struct file *file, struct vireo_file *vf, poll_table *wait)
{
	poll_wait(file, &events_wait, wait);
	return events_pending(vf) ? EPOLLIN | EPOLLRDNORM : 0;
}
