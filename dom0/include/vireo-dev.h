/* SPDX-License-Identifier: MIT */
/*
 * /dev/vireo ioctl ABI: the contract between the dom0 kernel module and libvireoctl.
 * Hypercall numbers, error codes and structures come from the public hv ABI
 * (hv/include/public/vireo.h); this file only adds how user space reaches them.
 */
#ifndef VIREO_DEV_H
#define VIREO_DEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VIREO_DEV_PATH "/dev/vireo"

/*
 * Hypercall passthrough
 * ---------------------
 * User space fills a struct vireo_dev_hypercall. Scalar arguments go straight into
 * args[]. A pointer argument is described as a buffer: the module copies it into
 * physically contiguous kernel memory (IN), makes the call with the buffer's
 * guest-physical address (dom0 is identity mapped, so GPA = physical address) and copies
 * it back (OUT). The GPA goes either into argument register args[target_arg], or, for a
 * pointer nested in a structure (vireo_console_chunk.buf_gpa), into the u64 at byte
 * target_offset of an earlier buffer target_buf. The nested field reads back unchanged.
 *
 * Calls the module owns itself (foreign mappings, event vector and event take) and calls
 * that would let hv keep a reference to a bounce buffer (TIME_REGISTER) or stop dom0's
 * only CPU (SCHED_*) are refused with EPERM. Privileged calls need CAP_SYS_ADMIN.
 * The ioctl returns 0 when the call was made; result then holds hv's return value
 * (>= 0, or a negated VIREO_E* code). It fails with -1/errno only for the module's own
 * errors (EFAULT, EINVAL, EPERM, ENOMEM, E2BIG).
 */
#define VIREO_DEV_MAX_ARGS 5
#define VIREO_DEV_MAX_BUFFERS 2
#define VIREO_DEV_BUFFER_MAX (128u * 1024u) /* bytes per buffer */

#define VIREO_DEV_BUF_IN (1u << 0)  /* copy user -> kernel before the call */
#define VIREO_DEV_BUF_OUT (1u << 1) /* copy kernel -> user after the call */

#define VIREO_DEV_TARGET_ARG 0xffffu /* target_buf value: the GPA goes into a register */

struct vireo_dev_buffer {
	__u64 uaddr;         /* user address of the buffer */
	__u32 size;          /* bytes, 1 .. VIREO_DEV_BUFFER_MAX */
	__u32 flags;         /* VIREO_DEV_BUF_IN | VIREO_DEV_BUF_OUT */
	__u16 target_buf;    /* VIREO_DEV_TARGET_ARG, or the index of an earlier buffer */
	__u16 target_arg;    /* argument index 0..4 when target_buf == VIREO_DEV_TARGET_ARG */
	__u32 target_offset; /* byte offset of the u64 GPA field inside buffer target_buf */
};

struct vireo_dev_hypercall {
	__u64 nr;                       /* VIREO_HC_* */
	__u64 args[VIREO_DEV_MAX_ARGS]; /* RDI, RSI, RDX, R10, R8 */
	__u32 nr_buffers;               /* 0 .. VIREO_DEV_MAX_BUFFERS */
	__u32 pad0;                     /* must be 0 */
	struct vireo_dev_buffer buffers[VIREO_DEV_MAX_BUFFERS];
	__s64 result;                   /* out: hv's RAX */
};

/*
 * Foreign mapping
 * ---------------
 * mmap() /dev/vireo with MAP_SHARED and PROT_READ|PROT_WRITE reserves an empty region;
 * VIREO_DEV_IOC_MAP_FOREIGN then fills the whole region with a domain's frames through
 * dom0's foreign-mapping window. munmap() (or exit) removes the mapping from hv and frees
 * the window slots. The region cannot be split, grown or inherited by fork().
 */
struct vireo_dev_map_foreign {
	__u64 addr;      /* start of the mmap()ed region */
	__u64 gfn;       /* first guest frame of the domain */
	__u64 nr_frames; /* must equal the region's size in pages */
	__u32 domid;     /* domain that owns the frames */
	__u32 pad0;      /* must be 0 */
};

/*
 * Part of a filled foreign mapping, for a balloon. VIREO_DEV_IOC_FOREIGN_DROP takes the
 * range's frames out of the mapping and out of dom0's window, so that the frames the
 * domain gives back (VIREO_HC_MEMORY_RELEASE) return to hv instead of staying referenced
 * here. Afterwards the range is backed by a scratch page private to the mapping: a stale
 * pointer into it reads garbage and its writes are lost, it never faults. Only a range
 * whose frames are all mapped may be dropped. VIREO_DEV_IOC_FOREIGN_RESTORE maps the
 * domain's frames (the same guest frames as at map time, populated again) back into a
 * range that is wholly dropped. Both: EINVAL for a range outside one filled mapping of
 * this file or in the wrong state, EPERM when another file is the domain's device model.
 */
struct vireo_dev_foreign_range {
	__u64 addr;      /* page-aligned, inside a region filled by VIREO_DEV_IOC_MAP_FOREIGN */
	__u64 nr_frames; /* > 0; the range must not run past the region's end */
};

/*
 * Events
 * ------
 * Every open file of /dev/vireo collects the VIREO_EVENT_* bits hv raises by interrupt.
 * read() of 4 bytes returns the bits gathered since the last read and clears them; it
 * blocks until a bit is set (or fails with EAGAIN under O_NONBLOCK). poll() reports
 * POLLIN while bits are pending.
 */

/*
 * Device model
 * ------------
 * VIREO_DEV_IOC_IOREQ_ATTACH(domid) makes this open file the device model of a platform
 * domain (VIREO_HC_IOREQ_ATTACH): the module gives hv a zeroed page of its own as the
 * struct vireo_ioreq_page, and mmap() of one page at offset VIREO_DEV_IOREQ_PAGE_OFFSET
 * maps it read-write. From then on:
 *   - VIREO_EVENT_IOREQ reaches this file only, and only when its page has work;
 *   - only this file may map the domain's memory (VIREO_DEV_IOC_MAP_FOREIGN: EPERM for
 *     other files) unless it shares it: VIREO_DEV_IOC_IOREQ_SHARE_MEMORY(1), asked by the
 *     device model itself once it stands still for a save, lets the toolstack's other
 *     files map it too, (0) takes that back;
 *   - only this file may complete its requests and drive its interrupt lines (the ioctls
 *     below; the raw hypercalls are refused to everyone);
 *   - closing the file detaches it (VIREO_HC_IOREQ_DETACH), which crashes the domain if
 *     it still runs.
 * One domain per file and one file per domain (EBUSY otherwise).
 */
#define VIREO_DEV_IOREQ_PAGE_OFFSET (1ull << 40)

struct vireo_dev_irq {
	__u32 gsi;   /* VIREO_PLAT_DM_GSI_FIRST .. VIREO_PLAT_DM_GSI_LAST */
	__u32 level; /* 1 asserted, 0 deasserted */
};

/* Output of VIREO_DEV_IOC_INFO: what the module found at load time. */
struct vireo_dev_info {
	__u32 abi_version;          /* hv's VIREO_HC_ABI_VERSION answer */
	__u32 event_vector;         /* interrupt vector registered with hv, 0 if none */
	__u64 event_interrupts;     /* interrupts taken since load */
	__u64 window_gfn;           /* foreign-mapping window: first dom0 frame */
	__u64 window_pages;         /* its size in frames */
	__u64 window_pages_in_use;  /* frames currently holding foreign mappings */
};

#define VIREO_DEV_IOC_MAGIC 'V'
#define VIREO_DEV_IOC_HYPERCALL _IOWR(VIREO_DEV_IOC_MAGIC, 0x01, struct vireo_dev_hypercall)
#define VIREO_DEV_IOC_MAP_FOREIGN _IOW(VIREO_DEV_IOC_MAGIC, 0x02, struct vireo_dev_map_foreign)
#define VIREO_DEV_IOC_INFO _IOR(VIREO_DEV_IOC_MAGIC, 0x03, struct vireo_dev_info)
#define VIREO_DEV_IOC_IOREQ_ATTACH _IOW(VIREO_DEV_IOC_MAGIC, 0x04, __u32)   /* domid */
#define VIREO_DEV_IOC_IOREQ_COMPLETE _IOW(VIREO_DEV_IOC_MAGIC, 0x05, __u32) /* vCPU */
#define VIREO_DEV_IOC_IOREQ_SET_IRQ _IOW(VIREO_DEV_IOC_MAGIC, 0x06, struct vireo_dev_irq)
#define VIREO_DEV_IOC_FOREIGN_DROP \
	_IOW(VIREO_DEV_IOC_MAGIC, 0x07, struct vireo_dev_foreign_range)
#define VIREO_DEV_IOC_FOREIGN_RESTORE \
	_IOW(VIREO_DEV_IOC_MAGIC, 0x08, struct vireo_dev_foreign_range)
#define VIREO_DEV_IOC_IOREQ_SHARE_MEMORY _IOW(VIREO_DEV_IOC_MAGIC, 0x09, __u32) /* 1 or 0 */

#endif /* VIREO_DEV_H */
