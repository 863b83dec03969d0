/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal interfaces of the /dev/vireo module: the hypercall primitive and the pieces
 * (passthrough, foreign mappings, events) that vireo_main.c ties to the character device.
 */
#ifndef VIREO_DRV_H
#define VIREO_DRV_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <asm/io.h>

#include "public/vireo.h"
#include "vireo-dev.h"

/*
 * VMMCALL with the Vireo register convention: number in RAX, arguments in RDI, RSI, RDX,
 * R10, R8, result in RAX. hv preserves every other register; the arguments are still
 * declared as clobbered so the compiler never relies on that.
 */
static inline long vireo_hypercall(u64 nr, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	register u64 r10 asm("r10") = a4;
	register u64 r8 asm("r8") = a5;
	u64 rax = nr;

	asm volatile("vmmcall"
		     : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
		     :
		     : "memory");
	return (long)rax;
}

/* A domain's device model: the page shared with hv (VIREO_HC_IOREQ_ATTACH). */
struct vireo_dm {
	struct list_head node;         /* on the device models list (vireo_ioreq.c) */
	struct vireo_file *owner;
	u32 domid;
	struct vireo_ioreq_page *page; /* get_zeroed_page(): its GPA is its PA */
	bool memory_shared;            /* the owner lets other files map the memory (a save) */
};

/* One open /dev/vireo: its own set of pending event bits. */
struct vireo_file {
	struct list_head node; /* on the events list */
	u32 pending;           /* VIREO_EVENT_* bits not yet read, under events lock */
	struct vireo_dm *dm;   /* the domain this file is the device model of, or NULL */
};

/* vireo_hypercall_ioctl.c */
long vireo_ioctl_hypercall(struct file *file, void __user *uarg);

/* vireo_foreign.c */
int vireo_foreign_init(u64 window_gfn, u64 window_pages);
void vireo_foreign_exit(void);
int vireo_foreign_mmap(struct file *file, struct vm_area_struct *vma);
long vireo_ioctl_map_foreign(struct file *file, void __user *uarg);
long vireo_ioctl_foreign_range(struct file *file, unsigned int cmd, void __user *uarg);
void vireo_foreign_usage(u64 *window_gfn, u64 *window_pages, u64 *in_use);

/* vireo_ioreq.c */
long vireo_ioctl_ioreq(struct file *file, unsigned int cmd, void __user *uarg);
int vireo_ioreq_mmap(struct file *file, struct vm_area_struct *vma);
void vireo_ioreq_release(struct vireo_file *vf);
/* May this file map domid's memory? (Not when another file is its device model.) */
bool vireo_ioreq_may_map(struct vireo_file *vf, u32 domid);

/* vireo_events.c */
int vireo_events_init(void);
void vireo_events_exit(void);
void vireo_events_attach(struct vireo_file *vf);
void vireo_events_detach(struct vireo_file *vf);
/* Sets vf->dm where event delivery sees it (VIREO_EVENT_IOREQ goes to device models). */
void vireo_events_set_dm(struct vireo_file *vf, struct vireo_dm *dm);
ssize_t vireo_events_read(struct vireo_file *vf, char __user *buf, size_t len,
			  bool nonblock);
__poll_t vireo_events_poll(struct file *file, struct vireo_file *vf, poll_table *wait);
void vireo_events_usage(u32 *vector, u64 *interrupts);

#endif /* VIREO_DRV_H */
