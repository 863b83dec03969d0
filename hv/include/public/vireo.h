/* SPDX-License-Identifier: MIT */
/*
 * Vireo public hypercall ABI: the contract between hv and everything that runs on it
 * (test guests, the dom0 kernel module, libvireoctl). Included unchanged by all of them,
 * so it uses only fixed-width types and explicit padding. Every structure has a fixed
 * layout checked by static assertions at the end of this file.
 */
#ifndef VIREO_PUBLIC_VIREO_H
#define VIREO_PUBLIC_VIREO_H

#if defined(__KERNEL__)
#include <linux/types.h>
#else
#include <stdint.h>
#endif

/*
 * ABI version. The major number changes when an existing call or structure changes
 * incompatibly; the minor number when calls or fields are added.
 * VIREO_HC_ABI_VERSION returns (major << 16) | minor.
 */
#define VIREO_ABI_MAJOR 0
#define VIREO_ABI_MINOR 10
#define VIREO_ABI_VERSION ((VIREO_ABI_MAJOR << 16) | VIREO_ABI_MINOR)

/*
 * Detection. hv answers CPUID leaves at a base that depends on the domain:
 *   dom0: VIREO_CPUID_BASE_DOM0 (dom0 Linux does not know the signature and stays native)
 *   domU: VIREO_CPUID_BASE_DOMU (0x40000000 carries the KVM signature for stock kernels)
 * leaf base+0: EAX = base+1 (highest leaf), EBX:ECX:EDX = "VireoVireoVi"
 * leaf base+1: EAX = VIREO_ABI_VERSION, EBX = caller's domain id, ECX = caller's vCPU index
 */
#define VIREO_CPUID_BASE_DOM0 0x40000000u
#define VIREO_CPUID_BASE_DOMU 0x40000100u
#define VIREO_CPUID_SIG_EBX 0x65726956u /* "Vire" */
#define VIREO_CPUID_SIG_ECX 0x7269566fu /* "oVir" */
#define VIREO_CPUID_SIG_EDX 0x69566f65u /* "eoVi" */

/*
 * Register convention
 * -------------------
 * A hypercall is the VMMCALL instruction (0f 01 d9) executed at CPL 0.
 *   RAX            hypercall number (VIREO_HC_*)
 *   RDI, RSI, RDX, R10, R8   arguments 1 to 5
 *   RAX on return  int64: >= 0 success (value per call), < 0 a negated VIREO_E* code
 * Every other register is preserved. Pointer arguments are guest-physical addresses
 * (GPAs) of the caller; a buffer may span pages, and any byte outside the caller's RAM
 * fails the whole call with -VIREO_EFAULT before anything is changed.
 * Calls from CPL > 0 fail with -VIREO_EPERM. Unknown numbers fail with -VIREO_ENOSYS.
 * Numbers >= VIREO_HC_PRIVILEGED_BASE are privileged: only dom0 may make them, other
 * domains get -VIREO_EPERM.
 */

/* Error codes (returned negated). The values match Linux errno numbers. */
#define VIREO_EPERM 1   /* caller not allowed (CPL, not dom0, dom0 targeting itself) */
#define VIREO_ENOENT 2  /* no such object (vCPU, console data) */
#define VIREO_ESRCH 3   /* no such domain */
#define VIREO_E2BIG 7   /* argument larger than the documented maximum */
#define VIREO_EAGAIN 11 /* try again later (object busy in a transition) */
#define VIREO_ENOMEM 12 /* hv or domain memory exhausted, or over the domain's limit */
#define VIREO_EFAULT 14 /* a guest-physical buffer is not the caller's RAM */
#define VIREO_EBUSY 16  /* resource in use */
#define VIREO_EEXIST 17 /* object already exists (name, mapping) */
#define VIREO_EINVAL 22 /* malformed argument */
#define VIREO_ENOSPC 28 /* a fixed table (domains, mappings) is full */
#define VIREO_ERANGE 34 /* number out of its allowed range */
#define VIREO_ENOSYS 38 /* unknown hypercall number */

/* ------------------------------------------------------------------------------------ */
/* Hypercalls any domain may make                                                        */
/* ------------------------------------------------------------------------------------ */

/* () -> VIREO_ABI_VERSION */
#define VIREO_HC_ABI_VERSION 0x00
/*
 * (gpa buf, u64 len) -> bytes consumed. Appends to the caller's console: dom0 writes go
 * to hv's log; a domU's go to its console ring (VIREO_HC_CONSOLE_RING_READ) and, for
 * boot-time domains, to hv's log prefixed with the domain name. len <= 65536, but one
 * call consumes at most VIREO_CONSOLE_WRITE_MAX bytes: write the rest with further calls
 * (ABI 0.4). A domU's lines reach hv's log at a bounded rate; the lines over it are
 * counted there, and stay in the domain's own ring.
 */
#define VIREO_CONSOLE_WRITE_MAX 4096u
#define VIREO_HC_CONSOLE_WRITE 0x01
/* (gpa buf, u64 len) -> bytes read from the caller's console input, 0 if none. */
#define VIREO_HC_CONSOLE_READ 0x02
/* () -> the calling vCPU's index (0 .. nr_vcpus-1). */
#define VIREO_HC_VCPU_ID 0x03
/* () -> 0. Gives up the physical CPU; the vCPU stays runnable. */
#define VIREO_HC_SCHED_YIELD 0x04
/*
 * (u64 deadline_ns) -> 0. Blocks the vCPU until console input or another event arrives
 * for the domain, or hv system time (see struct vireo_time_info) reaches deadline_ns.
 * deadline_ns == 0 means no deadline. Returns at once if an event is already pending.
 */
#define VIREO_HC_SCHED_BLOCK 0x05
/* (u32 reason: VIREO_SHUTDOWN_*) -> does not return. Stops every vCPU of the domain. */
#define VIREO_HC_SCHED_SHUTDOWN 0x06
/*
 * (gpa info) -> 0. Registers a struct vireo_time_info for the calling vCPU; hv fills it
 * at once and keeps it current. The structure must be 32-byte aligned. gpa 0 unregisters.
 */
#define VIREO_HC_TIME_REGISTER 0x07
/* () -> hv system time in nanoseconds since hv started. */
#define VIREO_HC_TIME_NOW 0x08
/* () -> the caller's domain id. */
#define VIREO_HC_DOMAIN_ID 0x09
/*
 * () -> the pending VIREO_CONTROL_* requests from the toolstack, cleared atomically.
 * A new request wakes a vCPU blocked in VIREO_HC_SCHED_BLOCK. (ABI 0.2)
 */
#define VIREO_HC_CONTROL_TAKE 0x0a
/* () -> the memory target the toolstack set, in 4 KiB frames (balloon). (ABI 0.2) */
#define VIREO_HC_MEMORY_TARGET 0x0b
/*
 * (u64 first_gfn, u64 nr_frames) -> frames given back to hv from the caller's own memory
 * (holes are skipped). The guest must not touch them again. nr <= VIREO_MEMORY_SELF_MAX,
 * else -VIREO_E2BIG (ABI 0.4; 2^20 before). Part of a 2 MiB mapping is given back by
 * splitting it, which takes a nested page table: when the domain's tables are at their
 * budget (VIREO_HC_DOMAIN_SET_MAX_PAGES) that 2 MiB stays whole and is not counted.
 * (ABI 0.2)
 */
#define VIREO_HC_MEMORY_RELEASE_SELF 0x0c
/*
 * (u64 first_gfn, u64 nr_frames) -> 0. Backs the caller's own frames with fresh zeroed
 * memory, within its max_pages; fails as VIREO_HC_MEMORY_POPULATE, and with -VIREO_E2BIG
 * for nr > VIREO_MEMORY_SELF_MAX (ABI 0.4). (ABI 0.2)
 */
#define VIREO_HC_MEMORY_POPULATE_SELF 0x0d
/* Frames one RELEASE_SELF or POPULATE_SELF call may name: bounds the work of one call. */
#define VIREO_MEMORY_SELF_MAX 512u

#define VIREO_HC_GUEST_LAST VIREO_HC_MEMORY_POPULATE_SELF /* highest non-privileged number */

/* Toolstack requests a guest reads with VIREO_HC_CONTROL_TAKE. */
#define VIREO_CONTROL_POWEROFF (1u << 0)      /* shut down in an orderly way */
#define VIREO_CONTROL_REBOOT (1u << 1)        /* restart */
#define VIREO_CONTROL_MEMORY_TARGET (1u << 2) /* the memory target changed */

#define VIREO_SHUTDOWN_POWEROFF 0 /* orderly power off */
#define VIREO_SHUTDOWN_REBOOT 1   /* asks the toolstack to restart the domain */
#define VIREO_SHUTDOWN_CRASH 2    /* the guest detected a fatal error */
#define VIREO_SHUTDOWN_MAX 2

/* ------------------------------------------------------------------------------------ */
/* Privileged hypercalls (dom0 only)                                                     */
/* ------------------------------------------------------------------------------------ */

#define VIREO_HC_PRIVILEGED_BASE 0x100

/*
 * (gpa struct vireo_domain_config) -> new domain id. The domain starts paused with no
 * memory: populate it, load it, set vCPU 0's context, then unpause it.
 */
#define VIREO_HC_DOMAIN_CREATE 0x100
/* (u32 domid) -> 0. Stops the domain and returns all its memory to hv. */
#define VIREO_HC_DOMAIN_DESTROY 0x101
/* (u32 domid) -> 0. Pause and unpause nest like Xen's: a count, not a flag. */
#define VIREO_HC_DOMAIN_PAUSE 0x102
#define VIREO_HC_DOMAIN_UNPAUSE 0x103
/* (u32 domid, gpa struct vireo_domain_info) -> 0 */
#define VIREO_HC_DOMAIN_GET_INFO 0x104
/*
 * (u32 first_domid, gpa struct vireo_domain_info[], u32 max_entries) -> entries written,
 * in ascending domid order starting at the first domain >= first_domid. max_entries <= 256.
 */
#define VIREO_HC_DOMAIN_LIST 0x105
/*
 * (u32 domid, u64 max_pages) -> 0. Fails with -VIREO_EBUSY below the current size.
 * Besides max_pages of guest memory a domain holds the nested page tables that map it,
 * charged to it and bounded by max_pages / 512 + max_pages / 2^18 + 16 pages (ABI 0.4):
 * populating or splitting past that fails with -VIREO_ENOMEM.
 */
#define VIREO_HC_DOMAIN_SET_MAX_PAGES 0x106
/*
 * (u32 domid, u64 first_gfn, u64 nr_frames) -> 0. Backs the guest-physical frames with
 * fresh zeroed memory. Fails without changes if any frame is already backed
 * (-VIREO_EEXIST) or the domain would exceed max_pages (-VIREO_ENOMEM). nr <= 2^20.
 */
#define VIREO_HC_MEMORY_POPULATE 0x107
/* (u32 domid, u64 first_gfn, u64 nr_frames) -> frames released (holes are skipped). */
#define VIREO_HC_MEMORY_RELEASE 0x108
/*
 * (u32 domid, u64 gfn, u64 nr_frames, u64 dom0_gfn) -> 0. Maps the domain's frames into
 * dom0's foreign-mapping window (struct vireo_physinfo) at dom0_gfn. The mapping holds a
 * reference: the frames stay allocated until unmapped even if the domain dies.
 */
#define VIREO_HC_MEMORY_MAP_FOREIGN 0x109
/* (u64 dom0_gfn, u64 nr_frames) -> 0. Removes mappings made by MAP_FOREIGN. */
#define VIREO_HC_MEMORY_UNMAP_FOREIGN 0x10a
/* (u32 domid, u32 vcpu, gpa struct vireo_vcpu_context) -> 0. Domain must be paused. */
#define VIREO_HC_VCPU_SET_CONTEXT 0x10b
/* (u32 domid, u32 vcpu, gpa struct vireo_vcpu_context) -> 0. Domain must be paused. */
#define VIREO_HC_VCPU_GET_CONTEXT 0x10c
/*
 * (u32 domid, u32 nr_online) -> 0. vCPUs [0, nr_online) may run, the rest are held
 * offline. 1 <= nr_online <= nr_vcpus.
 */
#define VIREO_HC_DOMAIN_SET_ONLINE_VCPUS 0x10d
/* (u32 domid, u32 weight, u32 cap) -> 0. weight 1..65535; cap in % of one CPU, 0 = none. */
#define VIREO_HC_SCHED_SET_PARAMS 0x10e
/* (gpa struct vireo_physinfo) -> 0 */
#define VIREO_HC_PHYSINFO 0x10f
/* (u32 domid, gpa struct vireo_console_chunk) -> bytes copied. Reads a domU's output. */
#define VIREO_HC_CONSOLE_RING_READ 0x110
/* (u32 domid, gpa buf, u64 len) -> bytes queued as the domain's console input. */
#define VIREO_HC_CONSOLE_INPUT 0x111
/*
 * (u32 vector) -> 0. dom0 names the interrupt vector hv raises on CPU 0 when an event
 * (VIREO_EVENT_*) becomes pending. 0 stops notification. 0x20 <= vector <= 0xef.
 */
#define VIREO_HC_EVENT_SET_VECTOR 0x112
/* () -> the pending VIREO_EVENT_* mask, cleared atomically. */
#define VIREO_HC_EVENT_TAKE 0x113

/*
 * (u32 domid, u32 requests: VIREO_CONTROL_POWEROFF or _REBOOT) -> 0. Asks the guest.
 * A VIREO_DOMCFG_PLATFORM domain is asked the way a PC is: hv presses its ACPI power
 * button (PM1 PWRBTN_STS, SCI). For _REBOOT it also marks the domain so that the guest's
 * next power-off (S5) is reported as VIREO_SHUTDOWN_REBOOT, as libvirt's QEMU driver does
 * for an ACPI reboot request. (Platform behaviour: ABI 0.4)
 */
#define VIREO_HC_DOMAIN_CONTROL 0x114
/* (u32 domid, u64 target_pages) -> 0. target <= max_pages; tells the guest to balloon. */
#define VIREO_HC_DOMAIN_SET_TARGET 0x115
/*
 * (u32 domid, gpa struct vireo_vcpu_info[], u32 max_entries) -> entries written: one per
 * vCPU from vCPU 0 on, at most max_entries (<= VIREO_MAX_VCPUS). Any domain state.
 * (ABI 0.3)
 */
#define VIREO_HC_VCPU_LIST 0x116
/*
 * (gpa struct vireo_console_chunk) -> bytes copied. Reads hv's own log (what it writes to
 * its serial port), of which hv keeps the newest VIREO_HV_LOG_SIZE bytes: xl dmesg.
 * (ABI 0.3)
 */
#define VIREO_HC_HV_LOG_READ 0x117
/*
 * (u32 domid, gpa buf, u64 len) -> bytes of the context. The guest platform's state
 * (VIREO_DOMCFG_PLATFORM): every guest-visible register and timer of the vLAPICs, the
 * vIOAPIC, the UART and the clock, as a struct vireo_plat_ctx (below). The domain must be
 * paused (-VIREO_EBUSY) and have the platform (-VIREO_EINVAL). GET with buf 0 and len 0
 * returns the context's size; with a len too small for it, it writes nothing and returns
 * -VIREO_ENOSPC. len <= VIREO_PLAT_CTX_MAX (-VIREO_E2BIG). SET checks the whole context
 * before it changes anything (-VIREO_EINVAL) and may carry any subset of the sections.
 * (ABI 0.5)
 */
#define VIREO_HC_PLATFORM_GET_CONTEXT 0x118
#define VIREO_HC_PLATFORM_SET_CONTEXT 0x119
/*
 * (u32 domid, gpa struct vireo_exit_stats) -> 0. The #VMEXITs of the domain's vCPUs since
 * it was created, by kind (VIREO_EXIT_*), with its CPU time and hv's clock at the read:
 * two reads give rates. Any domain that exists, dom0 included; another id fails with
 * -VIREO_ESRCH. The counts of a running domain move while they are summed, each read
 * whole. (ABI 0.6)
 */
#define VIREO_HC_DOMAIN_GET_EXIT_STATS 0x11a
/*
 * Device model (ABI 0.7): a dom0 process that serves a platform domain's devices in the
 * window [VIREO_PLAT_DM_BASE, +VIREO_PLAT_DM_SIZE) (docs/device-model.md). hv forwards each
 * guest access there as an I/O request in a page dom0 shares with it (struct
 * vireo_ioreq_page), raises VIREO_EVENT_IOREQ, and holds the vCPU until the request is
 * completed; a write to a doorbell sets its bit and the vCPU goes on at once.
 *
 * (u32 domid, gpa page) -> 0. page is one page-aligned page of dom0 RAM, zeroed, that
 * stays dom0's until DETACH; hv reads and writes it from then on. A platform domain only
 * (-VIREO_EINVAL), one server per domain (-VIREO_EBUSY), any domain state.
 */
#define VIREO_HC_IOREQ_ATTACH 0x11b
/*
 * (u32 domid) -> 0. The device model is gone: hv stops using the page and crashes the
 * domain if it has not ended (VIREO_CRASH_DEVICE_MODEL), since its devices cannot answer.
 * -VIREO_ENOENT when no server is attached.
 */
#define VIREO_HC_IOREQ_DETACH 0x11c
/*
 * (u32 domid, u32 vcpu) -> 0. Call after making slot vcpu DONE: the vCPU waiting for it
 * takes the answer, finishes its instruction and goes on. The slot is not checked (the
 * vCPU may have taken the answer already); -VIREO_EINVAL for a vCPU the domain lacks.
 */
#define VIREO_HC_IOREQ_COMPLETE 0x11d
/*
 * (u32 domid, u32 gsi, u32 level) -> 0. Drives an IOAPIC input line of the domain from
 * its device model: level 1 asserted, 0 deasserted. Only GSIs VIREO_PLAT_DM_GSI_FIRST ..
 * VIREO_PLAT_DM_GSI_LAST (-VIREO_ERANGE); the domain needs an attached server (-VIREO_ENOENT).
 */
#define VIREO_HC_IOREQ_SET_IRQ 0x11e
/*
 * Dirty-page logging for live migration (ABI 0.9, docs/hv.md "Dirty-page logging").
 * (u32 domid, u32 op, u64 first_gfn, u64 nr, gpa bitmap) -> by op (VIREO_LOG_DIRTY_*).
 * A domU only (dom0: -VIREO_EPERM); platform and ELF-built domains alike. The log covers
 * max_pages frames from gfn 0 (below 4 GiB) and max_pages frames from 4 GiB, as max_pages
 * was at START: RAM outside that is never logged. hv's own writes into the domain's RAM
 * (clock pages, emulated instructions, hypercall results) are logged; writes dom0 makes
 * through foreign mappings (MEMORY_MAP_FOREIGN) are not.
 *
 * START (first_gfn, nr, bitmap 0): allocates the log with every frame dirty (nothing sent
 *   yet) and returns the end of its span, the gfn after its last. -VIREO_EBUSY if it is on,
 *   -VIREO_ENOMEM without memory for the bitmap. Nothing is write-protected yet: FETCH
 *   does that page by page, so a toolstack that wants every page clean fetches the whole
 *   span once, in chunks.
 * FETCH: takes the log's bits of [first_gfn, first_gfn + nr) (nr <= VIREO_LOG_DIRTY_CHUNK,
 *   0 < nr) into the caller's bitmap (ceil(nr / 64) little-endian u64 words, bit i of the
 *   array is gfn first_gfn + i; bitmap 0: discard them), write-protects those pages again
 *   and flushes, once; returns how many were dirty. Frames outside the span or not RAM
 *   read as clean. -VIREO_ENOENT when logging is off; -VIREO_EFAULT for a bad bitmap;
 *   -VIREO_ENOMEM when a 2 MiB page could not be split to protect one of its pages (then
 *   every page of the range stays dirty: nothing is lost).
 * STOP (0, 0, 0): logging off at once, the bitmap freed; returns the span's end as START
 *   did. Pages still write-protected become writable at their next write (one fault) or
 *   by UNPROTECT. -VIREO_ENOENT when logging is off.
 * UNPROTECT (first_gfn, nr, 0): makes the protected pages of the range writable again
 *   (nr <= VIREO_LOG_DIRTY_CHUNK); returns how many. Any time, logging on or off.
 *
 * A write by the guest to a protected page sets its bit, lifts the protection and
 * retries the instruction. Ranges past 2^39 bytes (guests' width) fail with -VIREO_EINVAL,
 * as does an unknown op. A domain destroyed while logging frees the log with it.
 */
#define VIREO_HC_DOMAIN_LOG_DIRTY 0x11f
#define VIREO_HC_PRIVILEGED_LAST VIREO_HC_DOMAIN_LOG_DIRTY
#define VIREO_LOG_DIRTY_START 0
#define VIREO_LOG_DIRTY_FETCH 1
#define VIREO_LOG_DIRTY_STOP 2
#define VIREO_LOG_DIRTY_UNPROTECT 3
#define VIREO_LOG_DIRTY_CHUNK 32768u /* most frames per FETCH or UNPROTECT (128 MiB) */
#define VIREO_HV_LOG_SIZE 65536u /* bytes of hv's log kept for VIREO_HC_HV_LOG_READ */

#define VIREO_EVENT_DOMAIN_STATE (1u << 0) /* a domain changed state (shutdown, crash) */
#define VIREO_EVENT_CONSOLE (1u << 1)      /* a domU console ring has new output */
#define VIREO_EVENT_IOREQ (1u << 2)        /* a device model's page has work (ioreq_page.pending) */

/* ------------------------------------------------------------------------------------ */
/* Structures                                                                           */
/* ------------------------------------------------------------------------------------ */

#define VIREO_NAME_MAX 64      /* bytes, including the terminating NUL */
#define VIREO_MAX_VCPUS 64     /* per domain */
#define VIREO_DOMID_DOM0 0     /* dom0's id; domUs get 1..VIREO_DOMID_MAX */
#define VIREO_DOMID_MAX 0x7fef /* as in Xen, ids above this are reserved */
#define VIREO_PAGE_SHIFT 12
#define VIREO_PAGE_SIZE (1u << VIREO_PAGE_SHIFT)

/* Input of VIREO_HC_DOMAIN_CREATE. Written by dom0. */
struct vireo_domain_config {
    char name[VIREO_NAME_MAX]; /* unique, NUL-terminated, [A-Za-z0-9_.-]+ */
    uint8_t uuid[16];          /* opaque to hv; reported back in vireo_domain_info */
    uint32_t nr_vcpus;         /* 1 .. VIREO_MAX_VCPUS */
    uint32_t weight;           /* credit scheduler weight 1..65535; 0 selects 256 */
    uint32_t cap;              /* % of one physical CPU; 0 = no cap */
    uint32_t flags;            /* VIREO_DOMCFG_*; other bits must be 0 */
    uint64_t max_pages;        /* memory limit in 4 KiB frames */
    /*
     * With VIREO_DOMCFG_PLATFORM: the Unix time in ns that the guest's wall clock
     * (kvmclock's wall-clock MSR) reads at hv system time 0, i.e. the toolstack's
     * "now" minus VIREO_HC_TIME_NOW. Ignored without the flag. (ABI 0.4)
     */
    int64_t wallclock_ns;
};

/*
 * vireo_domain_config.flags (ABI 0.4)
 * VIREO_DOMCFG_PLATFORM gives the domain the guest platform of docs/guest-platform.md
 * (a vLAPIC per vCPU in x2APIC mode, a vIOAPIC, a 16550A UART on COM1, ACPI PM1 and
 * reset registers, kvmclock) at the addresses VIREO_PLAT_* below. vCPU 0 starts from the
 * context the builder sets; every other vCPU waits for INIT/SIPI from the guest, as on a
 * PC. Without the flag a domain has no devices and every online vCPU with a context
 * starts at once (the ELF start state at the end of this file).
 */
#define VIREO_DOMCFG_PLATFORM (1u << 0)
#define VIREO_DOMCFG_ALL VIREO_DOMCFG_PLATFORM

/* Domain states reported in vireo_domain_info.state. */
#define VIREO_DOMSTATE_RUNNING 1  /* some vCPU is running or runnable */
#define VIREO_DOMSTATE_BLOCKED 2  /* every online vCPU is blocked */
#define VIREO_DOMSTATE_PAUSED 3   /* pause count > 0 */
#define VIREO_DOMSTATE_SHUTDOWN 4 /* the guest shut down; shutdown_reason is valid */
#define VIREO_DOMSTATE_CRASHED 5  /* hv stopped it; crash_reason tells why */
#define VIREO_DOMSTATE_DYING 6    /* being destroyed; memory still held by mappings */

/* hv's reasons for crashing a domain (vireo_domain_info.crash_reason). */
#define VIREO_CRASH_NONE 0
#define VIREO_CRASH_TRIPLE_FAULT 1   /* shutdown intercept */
#define VIREO_CRASH_BAD_MEMORY 2     /* access to a guest-physical address with no backing */
#define VIREO_CRASH_UNHANDLED_EXIT 3 /* an exit hv cannot emulate (SVM insns, INVD, ...) */
#define VIREO_CRASH_INVALID_STATE 4  /* VMRUN refused the vCPU state */
#define VIREO_CRASH_GUEST_REQUEST 5  /* the guest called SCHED_SHUTDOWN(CRASH) */
#define VIREO_CRASH_DEVICE_MODEL 6   /* its device model went away (VIREO_HC_IOREQ_DETACH) */

/* Output of VIREO_HC_DOMAIN_GET_INFO / VIREO_HC_DOMAIN_LIST. Written by hv. */
struct vireo_domain_info {
    uint32_t domid;
    uint32_t state;           /* VIREO_DOMSTATE_* */
    uint32_t shutdown_reason; /* VIREO_SHUTDOWN_*, valid in SHUTDOWN state */
    uint32_t crash_reason;    /* VIREO_CRASH_*, valid in CRASHED state */
    uint32_t nr_vcpus;        /* vCPUs created */
    uint32_t nr_online_vcpus; /* vCPUs allowed to run */
    uint32_t pause_count;     /* outstanding DOMAIN_PAUSE calls */
    uint32_t weight;          /* scheduler weight */
    uint32_t cap;             /* scheduler cap, % of one CPU, 0 = none */
    uint32_t pad0;
    char name[VIREO_NAME_MAX];
    uint8_t uuid[16];
    uint64_t tot_pages;    /* 4 KiB frames backing guest memory now */
    uint64_t max_pages;    /* limit in 4 KiB frames */
    uint64_t cpu_time_ns;  /* CPU time consumed by all vCPUs, in ns */
    uint64_t console_prod; /* bytes ever written to the console ring */
    uint64_t target_pages; /* memory target set by VIREO_HC_DOMAIN_SET_TARGET (ABI 0.2) */
};

/* Kinds of #VMEXIT (index into vireo_exit_stats.count). (ABI 0.6) */
#define VIREO_EXIT_INTR 0       /* a physical interrupt arrived while the guest ran */
#define VIREO_EXIT_NMI 1        /* a physical NMI, SMI or INIT */
#define VIREO_EXIT_VINTR 2      /* interrupt window: the guest can take a virtual interrupt */
#define VIREO_EXIT_HLT 3        /* HLT: the vCPU idles until an interrupt or event */
#define VIREO_EXIT_IO 4         /* port I/O: IN, OUT, INS, OUTS (a REP string may take several) */
#define VIREO_EXIT_MSR_READ 5   /* RDMSR of an intercepted MSR */
#define VIREO_EXIT_MSR_WRITE 6  /* WRMSR of an intercepted MSR (x2APIC, kvmclock, ...) */
#define VIREO_EXIT_CPUID 7      /* CPUID */
#define VIREO_EXIT_HYPERCALL 8  /* VMMCALL, at any CPL */
#define VIREO_EXIT_NPF 9        /* nested page fault: device MMIO, or an access hv refuses */
#define VIREO_EXIT_CR_WRITE 10  /* a write to CR0 or CR4 */
#define VIREO_EXIT_EXCEPTION 11 /* an intercepted exception (#DB, #AC), reflected */
#define VIREO_EXIT_SHUTDOWN 12  /* triple fault */
#define VIREO_EXIT_OTHER 13     /* the rest: XSETBV, INVD, SVM instructions, a refused VMRUN */
#define VIREO_EXIT_KINDS 14     /* kinds defined so far */
#define VIREO_EXIT_KINDS_MAX 16 /* entries in vireo_exit_stats.count; the others read 0 */

/* Output of VIREO_HC_DOMAIN_GET_EXIT_STATS. Written by hv. (ABI 0.6) */
struct vireo_exit_stats {
    uint32_t domid;       /* the domain read */
    uint32_t nr_vcpus;    /* vCPUs whose counts are summed (all it has) */
    uint64_t now_ns;      /* hv system time at the read, in ns (as VIREO_HC_TIME_NOW) */
    uint64_t cpu_time_ns; /* CPU time of all its vCPUs, in ns (as vireo_domain_info's) */
    uint64_t total;       /* exits of every kind: the sum of count[] */
    uint64_t count[VIREO_EXIT_KINDS_MAX]; /* exits per VIREO_EXIT_* kind since creation */
};

/* Segment register as held in the AMD VMCB save area. */
struct vireo_segment {
    uint16_t selector;
    uint16_t attrib; /* VMCB packed attributes: type[3:0] S[4] DPL[6:5] P[7] AVL L DB G[11:8] */
    uint32_t limit;  /* byte granular */
    uint64_t base;
};

/* Architectural state of one vCPU (VIREO_HC_VCPU_{SET,GET}_CONTEXT). */
struct vireo_vcpu_context {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rip, rflags;
    uint64_t cr0, cr2, cr3, cr4;
    uint64_t efer; /* as the guest sees it (SVME hidden) */
    uint64_t dr6, dr7;
    struct vireo_segment cs, ds, es, fs, gs, ss, tr, ldtr;
    uint64_t gdtr_base, idtr_base;
    uint32_t gdtr_limit, idtr_limit;
    uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat;
    uint32_t flags; /* VIREO_VCPUF_* */
    uint32_t pad0;
};
#define VIREO_VCPUF_ONLINE (1u << 0) /* GET: vCPU is online. SET: ignored */

/* vCPU states in vireo_vcpu_info.state (the values of libvirt's virVcpuState). */
#define VIREO_VCPUSTATE_OFFLINE 0 /* held offline (DOMAIN_SET_ONLINE_VCPUS) */
#define VIREO_VCPUSTATE_RUNNING 1 /* on a CPU or waiting for one */
#define VIREO_VCPUSTATE_BLOCKED 2 /* waiting for an event or its deadline */
#define VIREO_VCPU_NO_CPU 0xffffffffu /* vireo_vcpu_info.cpu of a vCPU that never ran */

/* Output of VIREO_HC_VCPU_LIST. Written by hv. */
struct vireo_vcpu_info {
    uint32_t vcpu;        /* index in the domain */
    uint32_t state;       /* VIREO_VCPUSTATE_* */
    uint32_t cpu;         /* physical CPU running it now or last, or VIREO_VCPU_NO_CPU */
    uint32_t pad0;
    uint64_t cpu_time_ns; /* CPU time this vCPU consumed, up to its last deschedule */
};

/* Output of VIREO_HC_PHYSINFO. Written by hv. */
struct vireo_physinfo {
    uint32_t nr_cpus;        /* physical CPUs hv brought up */
    uint32_t nr_domu_cpus;   /* of those, CPUs that run domU vCPUs (all but dom0's) */
    uint64_t tsc_khz;        /* TSC frequency hv calibrated */
    uint64_t total_pages;    /* RAM in the multiboot2 map, 4 KiB frames */
    uint64_t hv_pages;       /* frames hv keeps for itself */
    uint64_t dom0_pages;     /* frames given to dom0 */
    uint64_t free_pages;     /* frames available for domUs now */
    uint64_t foreign_window_gfn; /* first dom0 frame of the foreign-mapping window */
    uint64_t foreign_window_pages; /* its size in frames */
    uint32_t nr_domains;     /* domains that exist, dom0 included */
    uint32_t abi_version;    /* VIREO_ABI_VERSION */
    char hv_version[32];     /* NUL-terminated, e.g. "0.1.0" */
};

/* In/out argument of VIREO_HC_CONSOLE_RING_READ and VIREO_HC_HV_LOG_READ. */
struct vireo_console_chunk {
    uint64_t pos;     /* in: stream offset to read from; out: offset of the first byte copied */
    uint64_t buf_gpa; /* in: where to copy the bytes */
    uint32_t len;     /* in: buffer size, <= 65536 */
    uint32_t pad0;
    uint64_t prod;    /* out: total bytes ever written (next offset to be produced) */
};

/*
 * Paravirtual clock, laid out exactly like KVM's struct pvclock_vcpu_time_info so the
 * same reader works for both. Written by hv, read by the guest:
 *   do { v = version; rmb; read fields; rmb } while ((v & 1) || v != version);
 *   delta = rdtsc() - tsc_timestamp;
 *   delta = tsc_shift >= 0 ? delta << tsc_shift : delta >> -tsc_shift;
 *   time_ns = system_time + ((unsigned __int128)delta * tsc_to_system_mul >> 32);
 */
struct vireo_time_info {
    uint32_t version;           /* odd while hv updates the structure */
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* guest TSC when system_time was sampled */
    uint64_t system_time;       /* hv system time in ns at tsc_timestamp */
    uint32_t tsc_to_system_mul; /* 32.32 fixed-point ns per (shifted) TSC tick */
    int8_t tsc_shift;
    uint8_t flags; /* VIREO_TIME_TSC_STABLE: the TSC is synchronised across vCPUs */
    uint8_t pad[2];
};
#define VIREO_TIME_TSC_STABLE (1u << 0)

/* ------------------------------------------------------------------------------------ */
/* The guest platform (VIREO_DOMCFG_PLATFORM): what hv emulates, where (ABI 0.4)         */
/* ------------------------------------------------------------------------------------ */
/*
 * The domain builder describes these to the guest in its ACPI tables (MADT, FADT, DSDT);
 * hv emulates them at exactly these addresses. Everything else a guest touches reads as
 * absent hardware (ports all-ones, unknown MSRs #GP). See docs/guest-platform.md.
 */
#define VIREO_PLAT_LAPIC_BASE 0xfee00000u  /* MADT's local APIC address; x2APIC MSRs only */
#define VIREO_PLAT_IOAPIC_BASE 0xfec00000u /* one IOAPIC, GSI base 0 */
#define VIREO_PLAT_IOAPIC_ID 0u            /* its APIC ID in the MADT */
#define VIREO_PLAT_IOAPIC_PINS 24u         /* GSIs 0..23 */
#define VIREO_PLAT_UART_PORT 0x3f8u        /* COM1, 8 ports, 16550A */
#define VIREO_PLAT_UART_GSI 4u             /* edge, active high (ISA default) */
#define VIREO_PLAT_PM1A_EVT_PORT 0x600u    /* PM1a status (2 bytes) then enable (2 bytes) */
#define VIREO_PLAT_PM1A_CNT_PORT 0x604u    /* PM1a control, 2 bytes */
#define VIREO_PLAT_PM_TMR_PORT 0x608u      /* ACPI PM timer, 4 bytes, 24-bit, 3.579545 MHz */
#define VIREO_PLAT_SCI_GSI 9u              /* SCI: level, active high (MADT override) */
#define VIREO_PLAT_RESET_PORT 0xcf9u       /* FADT reset register (I/O, 1 byte) */
#define VIREO_PLAT_RESET_VALUE 0x06u       /* and the value that resets */
#define VIREO_PLAT_SLP_TYP_S5 5u           /* \_S5 SLP_TYP: PM1a_CNT SLP_EN with it = off */
/* Guest-physical window for device MMIO (virtio); never RAM. */
#define VIREO_PLAT_MMIO_BASE 0xd0000000u
#define VIREO_PLAT_MMIO_SIZE 0x10000000u
/*
 * The device model's part of that window (VIREO_HC_IOREQ_ATTACH): accesses here go to the
 * domain's device model, or read as an empty bus when it has none. Its virtio-mmio
 * devices sit one per VIREO_PLAT_DM_SLOT_SIZE from the base, slot n on GSI
 * VIREO_PLAT_DM_GSI_FIRST + n (level, active high, as the DSDT says).
 */
#define VIREO_PLAT_DM_BASE 0xd0000000u
#define VIREO_PLAT_DM_SIZE 0x01000000u
#define VIREO_PLAT_DM_SLOT_SIZE 0x1000u
#define VIREO_PLAT_DM_SLOTS 8u
#define VIREO_PLAT_DM_GSI_FIRST 16u
#define VIREO_PLAT_DM_GSI_LAST 23u
/* RAM is [0, min(mem, LOW_RAM_END)) and the rest from 4 GiB up. */
#define VIREO_PLAT_LOW_RAM_END 0xc0000000u

/*
 * The platform context (VIREO_HC_PLATFORM_{GET,SET}_CONTEXT): a header, then nr_sections
 * sections, each a struct vireo_plat_ctx_section followed by `length` bytes of payload
 * (a multiple of 8). Little-endian, as the guest. Timers are saved as the time left until
 * they fire, in ns of hv time, so a context restored later (or on another host) fires
 * them as long after the restore as they had to go at the save. Sections of types a
 * reader does not know must be refused, never skipped.
 */
#define VIREO_PLAT_CTX_MAGIC 0x58544350u /* "PCTX" */
#define VIREO_PLAT_CTX_VERSION 1u
#define VIREO_PLAT_CTX_MAX 98304u /* ABI 0.8: 96 KiB, room for 64 vCPUs' FPU sections */

struct vireo_plat_ctx {
    uint32_t magic;        /* VIREO_PLAT_CTX_MAGIC */
    uint32_t version;      /* VIREO_PLAT_CTX_VERSION */
    uint32_t nr_sections;
    uint32_t size;         /* bytes, header included */
};

struct vireo_plat_ctx_section {
    uint32_t type;   /* VIREO_PLAT_CTX_* */
    uint32_t length; /* payload bytes, exactly the size of the type's structure */
};

#define VIREO_PLAT_CTX_LAPIC 1  /* struct vireo_plat_lapic, one per vCPU */
#define VIREO_PLAT_CTX_IOAPIC 2 /* struct vireo_plat_ioapic */
#define VIREO_PLAT_CTX_UART 3   /* struct vireo_plat_uart */
#define VIREO_PLAT_CTX_CLOCK 4  /* struct vireo_plat_clock */
#define VIREO_PLAT_CTX_PM 5     /* struct vireo_plat_pm: ACPI PM1 registers, timer, reset */
#define VIREO_PLAT_CTX_FPU 6    /* struct vireo_plat_fpu, one per vCPU (ABI 0.8) */

#define VIREO_PLAT_LAPIC_WAIT_SIPI (1u << 0)   /* INIT received, waiting for a start-up IPI */
#define VIREO_PLAT_LAPIC_NMI_PENDING (1u << 1) /* an NMI not yet delivered */

/* One vCPU's x2APIC: registers as the MSRs read them (SDM vol. 3, x2APIC). */
struct vireo_plat_lapic {
    uint32_t vcpu;  /* index of the vCPU */
    uint32_t flags; /* VIREO_PLAT_LAPIC_* */
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t tpr, svr, esr, esr_pending; /* esr_pending: errors since the last ESR write */
    uint32_t lvt[6];                     /* timer, thermal, PMC, LINT0, LINT1, error */
    uint32_t tmict, tdcr;
    uint64_t icr;
    uint64_t timer_left_ns;    /* until the timer fires; 0: stopped */
    uint64_t timer_elapsed_ns; /* of the current count or period (TMCCT) */
    uint64_t tsc_deadline;     /* IA32_TSC_DEADLINE while armed */
    uint64_t kvm_system_time;  /* MSR_KVM_SYSTEM_TIME_NEW as the guest wrote it */
};

struct vireo_plat_ioapic {
    uint32_t regsel, id;
    uint32_t lines; /* input level of each pin as its device drives it (bit per GSI) */
    uint32_t pad0;
    uint64_t redir[24]; /* redirection entries, remote IRR included */
};

struct vireo_plat_uart {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    uint8_t thre_pending; /* 1: the THR-empty interrupt is raised */
    uint8_t rx[16];       /* received bytes not yet read, oldest first */
    uint8_t rx_count;     /* 0..16 */
    uint8_t pad[7];
};

/*
 * The guest's clock (ABI 0.10). A new domain's kvmclock counts hv's own time, its TSC
 * being the host's. Loaded into a domain (on this hv after a save, or on another after a
 * migration), the guest's TSC and system time go on from guest_tsc and guest_ns plus the
 * Unix time that passed since unix_ns by the loading hv's wall clock (none when that
 * reads earlier): its clock never goes back, whatever either hv's uptime, and it counts
 * the time it stood still, so its wall clock stays right. hv then runs the domain's
 * vCPUs with a TSC offset, and kvmclock and TSC-deadline timers follow it.
 */
struct vireo_plat_clock {
    int64_t wallclock_ns;    /* Unix time at the guest's system time 0, which its
                              * kvmclock wall clock shows (vireo_domain_config's until it
                              * first loads a clock) */
    uint64_t kvm_wall_clock; /* MSR_KVM_WALL_CLOCK_NEW as the guest wrote it */
    uint64_t guest_tsc;      /* the guest's TSC at the save */
    uint64_t guest_ns;       /* its kvmclock system time at the save, in ns */
    int64_t unix_ns;         /* the saving hv's Unix time at the save (the domain config's
                              * wall clock plus hv time) */
};

/* PM1 status (port VIREO_PLAT_PM1A_EVT_PORT) bits hv implements; the guest clears a bit
 * by writing 1 to it. */
#define VIREO_PM1_STS_TMR (1u << 0)    /* the PM timer's bit 23 changed */
#define VIREO_PM1_STS_PWRBTN (1u << 8) /* the power button was pressed */
/* PM1 enable (port VIREO_PLAT_PM1A_EVT_PORT + 2): which status bits raise the SCI. Only
 * the power button's is implemented (no timer interrupt: TMR_EN reads 0). */
#define VIREO_PM1_EN_PWRBTN (1u << 8)
/* PM1 control (port VIREO_PLAT_PM1A_CNT_PORT). SCI_EN reads 1 always (SMI_CMD is 0: the
 * platform is in ACPI mode from reset); SLP_EN is write-only and reads 0. */
#define VIREO_PM1_CNT_SCI_EN (1u << 0)
#define VIREO_PM1_CNT_BM_RLD (1u << 1)
#define VIREO_PM1_CNT_SLP_TYP_SHIFT 10 /* 3 bits */
#define VIREO_PM1_CNT_SLP_TYP (7u << VIREO_PM1_CNT_SLP_TYP_SHIFT)
#define VIREO_PM1_CNT_SLP_EN (1u << 13)
#define VIREO_PM_TMR_HZ 3579545u /* the PM timer's rate; it counts hv time */
#define VIREO_PM_TMR_MASK 0xffffffu

/*
 * Platform context section VIREO_PLAT_CTX_PM: the ACPI PM device (PM1a event and control
 * blocks, PM timer, reset register) and the toolstack's pending reboot request. Written
 * by hv on save; on load hv refuses (-VIREO_EINVAL) any bit or value outside what is
 * documented here, so a restored guest sees registers it could have produced itself.
 */
struct vireo_plat_pm {
    uint16_t pm1_status;  /* PM1 status: VIREO_PM1_STS_* bits only */
    uint16_t pm1_enable;  /* PM1 enable: VIREO_PM1_EN_* bits only */
    uint16_t pm1_control; /* PM1 control as the guest reads it: SCI_EN (must be set),
                           * BM_RLD, SLP_TYP; SLP_EN must be 0 */
    uint8_t reset_value;  /* port 0xcf9 as last written, bit 2 (reset) clear: bits 1 and 3
                           * only */
    uint8_t reboot_requested; /* 1: VIREO_HC_DOMAIN_CONTROL(REBOOT) pressed the button, so
                               * the guest's next S5 ends it with VIREO_SHUTDOWN_REBOOT;
                               * else 0 */
    uint32_t pm_tmr_offset; /* PM timer ticks added to hv time's tick count
                             * (hv ns * VIREO_PM_TMR_HZ / 1e9), mod 2^24: the timer reads
                             * (ticks(hv now) + pm_tmr_offset) & VIREO_PM_TMR_MASK.
                             * Loading it into another hv (migration), the toolstack adds
                             * the difference of the two hv clocks in ticks; < 2^24 */
    uint32_t pad;           /* 0 */
};

/*
 * Platform context section VIREO_PLAT_CTX_FPU: one vCPU's x87/SSE/AVX state, XCR0 and
 * TSC_AUX, which struct vireo_vcpu_context does not carry. `xsave` is the standard
 * (non-compacted) XSAVE layout as XSAVE writes it with x87, SSE and AVX requested: the
 * legacy FXSAVE region (bytes 0-511), the XSAVE header (512-575: XSTATE_BV, then zeroes)
 * and the upper halves of YMM0-15 (576-831); on a CPU without XSAVE only the legacy
 * region counts and the rest is zero. On load hv refuses (-VIREO_EINVAL) an XCR0 the
 * guest could not have set with XSETBV (x87 on, only bits hv offers, AVX only with SSE),
 * an XSTATE_BV beyond hv's XCR0 mask, a non-zero XCOMP_BV or reserved header byte, and
 * an MXCSR with bits the CPU does not implement: the state must load without a fault.
 */
#define VIREO_PLAT_FPU_XSAVE_SIZE 832u

struct vireo_plat_fpu {
    uint32_t vcpu;    /* index of the vCPU */
    uint32_t pad;     /* 0 */
    uint64_t xcr0;    /* XCR0 as the guest set it (1 after reset) */
    uint64_t tsc_aux; /* IA32_TSC_AUX (RDTSCP's ECX) */
    uint8_t xsave[VIREO_PLAT_FPU_XSAVE_SIZE];
};

/* ------------------------------------------------------------------------------------ */
/* Start state of a domain built from an ELF image (test guests, boot-time domains)      */
/* ------------------------------------------------------------------------------------ */
/*
 * The builder (hv for boot-time domains, libvireoctl for dom0-created ones) produces:
 *  - guest RAM at GPA [0, mem_bytes), the ELF's PT_LOAD segments at their p_paddr,
 *    which must lie in [VIREO_ELF_MIN_PADDR, reserved_gpa);
 *  - at [reserved_gpa, mem_bytes): page tables that identity-map GPA [0, 4 GiB) with
 *    2 MiB writable pages, a GDT, one 16 KiB stack per vCPU, this start-info page, and
 *    the command line;
 *  - every vCPU in 64-bit mode: CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE, EFER = LME|LMA|NXE,
 *    CS = 0x08 (64-bit code), DS/ES/SS = 0x10 (flat data), FS = GS = 0, IF = 0,
 *    RIP = e_entry, RDI = start_info GPA, RSI = vCPU index, RSP = top of the vCPU's stack.
 *    All online vCPUs start at once.
 */
#define VIREO_START_MAGIC 0x4f524956u /* "VIRO" */
#define VIREO_ELF_MIN_PADDR 0x100000u
#define VIREO_CMDLINE_MAX 1024
#define VIREO_VCPU_STACK_SIZE 0x4000u

struct vireo_start_info {
    uint32_t magic;         /* VIREO_START_MAGIC */
    uint32_t abi_version;   /* VIREO_ABI_VERSION of the builder */
    uint32_t domid;
    uint32_t nr_vcpus;
    uint64_t mem_bytes;     /* guest RAM size; RAM is [0, mem_bytes) */
    uint64_t reserved_gpa;  /* start of the builder's area, up to mem_bytes */
    uint64_t cmdline_gpa;   /* NUL-terminated command line, 0 if none */
    uint32_t cmdline_len;   /* bytes, excluding the NUL */
    uint32_t flags;         /* 0 */
};

/*
 * The device model's shared page (VIREO_HC_IOREQ_ATTACH), one per domain. hv writes a
 * slot only while it is FREE and reads it back only once the device model made it DONE;
 * each side orders its field writes before its state write (release) and reads the state
 * before the fields (acquire). Nothing hv reads here is trusted: a bad value crashes the
 * domain, never hv.
 *
 * A request: the vCPU's access, one at a time per vCPU, in slot[vcpu]. hv fills addr, size,
 * dir and (for a write) data, sets state READY, sets `pending` and raises
 * VIREO_EVENT_IOREQ. The device model does the access, puts a read's value in data, sets
 * state DONE and calls VIREO_HC_IOREQ_COMPLETE(domid, vcpu); hv then finishes the
 * instruction and frees the slot. An instruction that makes two accesses (a read-modify-
 * write) makes two requests in turn; string instructions on the window crash the domain.
 *
 * A doorbell: a write hv does not wait for (virtio's QueueNotify). The device model
 * fills doorbell[i] (addr, size, value if VIREO_DOORBELL_MATCH_VALUE, flags last with
 * VIREO_DOORBELL_VALID); a guest write of that size to that address (and value) sets bit i
 * of doorbells_rung instead of making a request. The device model takes the bits with an
 * atomic exchange.
 */
#define VIREO_IOREQ_FREE 0  /* slot state: no request */
#define VIREO_IOREQ_READY 1 /* hv made a request, the device model has not answered */
#define VIREO_IOREQ_DONE 2  /* the device model answered; hv has not taken the answer */
#define VIREO_IOREQ_READ 0  /* dir */
#define VIREO_IOREQ_WRITE 1
#define VIREO_IOREQ_DOORBELLS 64
#define VIREO_DOORBELL_VALID (1u << 0)       /* the entry is in use */
#define VIREO_DOORBELL_MATCH_VALUE (1u << 1) /* only writes of `value` ring it */

struct vireo_ioreq {
    uint64_t addr;  /* guest-physical address, inside VIREO_PLAT_DM window */
    uint64_t data;  /* the value written, or the value read (zero-extended) */
    uint32_t size;  /* 1, 2, 4 or 8 bytes; the access never crosses a page */
    uint8_t dir;    /* VIREO_IOREQ_READ or _WRITE */
    uint8_t state;  /* VIREO_IOREQ_FREE / _READY / _DONE */
    uint16_t pad0;  /* 0 */
    uint64_t seq;   /* hv's request counter for the slot (for tracing) */
};

struct vireo_doorbell {
    uint64_t addr;  /* guest-physical address of the register */
    uint32_t value; /* with VIREO_DOORBELL_MATCH_VALUE, the value that rings it */
    uint16_t size;  /* access size that rings it: 1, 2, 4 or 8 */
    uint16_t flags; /* VIREO_DOORBELL_* */
};

struct vireo_ioreq_page {
    uint32_t pending;        /* hv sets 1 after making a request or ringing; dom0 clears */
    uint32_t pad0;
    uint64_t doorbells_rung; /* bit i: doorbell[i] was written since the device model looked */
    uint64_t requests;       /* requests hv made (statistics) */
    uint64_t doorbell_writes; /* doorbell writes hv took without a request (statistics) */
    struct vireo_doorbell doorbell[VIREO_IOREQ_DOORBELLS];
    struct vireo_ioreq slot[VIREO_MAX_VCPUS]; /* indexed by vCPU */
};

/* Layout checks: the same sizes in hv, the kernel module and user space. */
#if defined(__cplusplus)
#define VIREO_STATIC_ASSERT static_assert
#else
#define VIREO_STATIC_ASSERT _Static_assert
#endif
VIREO_STATIC_ASSERT(sizeof(struct vireo_domain_config) == 112, "vireo_domain_config layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_domain_info) == 160, "vireo_domain_info layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_exit_stats) == 160, "vireo_exit_stats layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_segment) == 16, "vireo_segment layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_vcpu_context) == 432, "vireo_vcpu_context layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_vcpu_info) == 24, "vireo_vcpu_info layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_physinfo) == 104, "vireo_physinfo layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_console_chunk) == 32, "vireo_console_chunk layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_time_info) == 32, "vireo_time_info layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_start_info) == 48, "vireo_start_info layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_ctx) == 16, "vireo_plat_ctx layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_ctx_section) == 8, "vireo_plat_ctx_section layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_lapic) == 192, "vireo_plat_lapic layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_ioapic) == 208, "vireo_plat_ioapic layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_uart) == 32, "vireo_plat_uart layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_clock) == 40, "vireo_plat_clock layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_plat_pm) == 16, "vireo_plat_pm layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_ioreq) == 32, "vireo_ioreq layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_doorbell) == 16, "vireo_doorbell layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_ioreq_page) == 32 + 16 * 64 + 32 * 64,
                    "vireo_ioreq_page layout");
VIREO_STATIC_ASSERT(sizeof(struct vireo_ioreq_page) <= VIREO_PAGE_SIZE, "one page");

#endif /* VIREO_PUBLIC_VIREO_H */
