/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: the C library over /dev/vireo, what libxenctrl is to Xen. Used by
 * vireo-ctl, vireo-consoled and virtvireod.
 *
 * Conventions: functions returning int give >= 0 on success and a negated errno value on
 * failure. hv's VIREO_E* codes are Linux errno numbers, so strerror(-ret) describes hv's
 * refusals and the module's alike. Pointer-returning functions give NULL and set errno.
 * A handle is not thread-safe; open one per thread.
 */
#ifndef VIREOCTL_H
#define VIREOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "public/vireo.h"
#include "vireo-dev.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vctl vctl_t;

/* Opens /dev/vireo (or $VIREO_DEV when set). NULL with errno when it cannot. */
vctl_t *vctl_open(void);
void vctl_close(vctl_t *h);
/* The handle's file descriptor, for poll()ing events on it. */
int vctl_fd(const vctl_t *h);

/* --- host ----------------------------------------------------------------------------- */
int vctl_abi_version(vctl_t *h);
int vctl_physinfo(vctl_t *h, struct vireo_physinfo *out);
/* What the module found at load time (event vector, foreign window usage). */
int vctl_dev_info(vctl_t *h, struct vireo_dev_info *out);
/* hv system time in ns. */
int vctl_time_now(vctl_t *h, uint64_t *ns);
/* Writes to hv's log (dom0's console). Returns bytes consumed. */
int vctl_console_write(vctl_t *h, const void *buf, size_t len);

/* --- domains -------------------------------------------------------------------------- */
/* Creates a paused domain with no memory; *domid receives its id. */
int vctl_domain_create(vctl_t *h, const struct vireo_domain_config *cfg, uint32_t *domid);
int vctl_domain_destroy(vctl_t *h, uint32_t domid);
int vctl_domain_pause(vctl_t *h, uint32_t domid);
int vctl_domain_unpause(vctl_t *h, uint32_t domid);
int vctl_domain_info(vctl_t *h, uint32_t domid, struct vireo_domain_info *out);
/* Every domain, dom0 included, in domid order. *out is malloc()ed; free() it. */
int vctl_domain_list(vctl_t *h, struct vireo_domain_info **out, size_t *count);
/* Looks a domain up by name, or by number when the whole string is a decimal domid. */
int vctl_domain_lookup(vctl_t *h, const char *name_or_id, struct vireo_domain_info *out);
int vctl_domain_set_max_pages(vctl_t *h, uint32_t domid, uint64_t max_pages);
int vctl_domain_set_online_vcpus(vctl_t *h, uint32_t domid, uint32_t nr_online);
int vctl_sched_set_params(vctl_t *h, uint32_t domid, uint32_t weight, uint32_t cap);
/*
 * Asks the guest to act (VIREO_CONTROL_POWEROFF or VIREO_CONTROL_REBOOT): the request
 * waits in hv until the guest takes it, and the guest decides what to do. Its
 * SCHED_SHUTDOWN then shows up as a VIREO_EVENT_DOMAIN_STATE event.
 */
int vctl_domain_control(vctl_t *h, uint32_t domid, uint32_t requests);
/*
 * Sets the memory the guest should hold, in 4 KiB frames (its balloon target): at most
 * max_pages, which stays the hard limit. The guest releases or repopulates its own frames
 * to reach it; tot_pages in vireo_domain_info shows how far it got.
 */
int vctl_domain_set_target(vctl_t *h, uint32_t domid, uint64_t target_pages);
/*
 * The domain's #VMEXITs by kind since it was created, its CPU time and hv's clock at the
 * read (VIREO_HC_DOMAIN_GET_EXIT_STATS); dom0 included. -ESRCH for no such domain.
 */
int vctl_domain_exit_stats(vctl_t *h, uint32_t domid, struct vireo_exit_stats *out);
/* A short name for VIREO_EXIT_* ("hlt", "msr_write"...), "unknown" for one newer
 * than this library. */
const char *vctl_exit_kind_name(unsigned kind);
/* A printable name for VIREO_DOMSTATE_* ("running", "paused"...). */
const char *vctl_domstate_name(uint32_t state);
const char *vctl_crash_reason_name(uint32_t reason);

/* --- memory --------------------------------------------------------------------------- */
int vctl_memory_populate(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr);
/* Returns the number of frames released (holes are skipped). */
int64_t vctl_memory_release(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr);

/*
 * Maps nr frames of a domain, from first_gfn, into this process (read/write, shared).
 * NULL with errno on failure. Undo with vctl_unmap_foreign (or exit).
 */
void *vctl_map_foreign(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr);
int vctl_unmap_foreign(void *addr, uint64_t nr);
/*
 * For a balloon: takes nr pages at addr (inside a mapping of vctl_map_foreign) out of the
 * mapping so that the frames the domain gives back return to hv, and puts them back once
 * populated again. 0 or -errno (vireo-dev.h, VIREO_DEV_IOC_FOREIGN_DROP).
 */
int vctl_foreign_drop(vctl_t *h, void *addr, uint64_t nr);
int vctl_foreign_restore(vctl_t *h, void *addr, uint64_t nr);

/* --- vCPUs ---------------------------------------------------------------------------- */
int vctl_vcpu_get_context(vctl_t *h, uint32_t domid, uint32_t vcpu, struct vireo_vcpu_context *out);
int vctl_vcpu_set_context(vctl_t *h, uint32_t domid, uint32_t vcpu,
                          const struct vireo_vcpu_context *ctx);
/* State, CPU and CPU time of the domain's vCPUs 0.. into out[max] (max is capped at
 * VIREO_MAX_VCPUS). Returns the number filled: the domain's vCPU count, or max. */
int vctl_vcpu_list(vctl_t *h, uint32_t domid, struct vireo_vcpu_info *out, unsigned max);

/* --- consoles ------------------------------------------------------------------------- */
/*
 * Reads a domU's console output from stream offset *pos into buf. On return *pos is the
 * offset of the first byte copied (later than asked if the ring overwrote older bytes)
 * and *prod the total bytes ever produced. Returns the number of bytes copied.
 */
int vctl_console_ring_read(vctl_t *h, uint32_t domid, uint64_t *pos, void *buf, size_t len,
                           uint64_t *prod);
/* The same for hv's own log (its newest VIREO_HV_LOG_SIZE bytes): xl dmesg. */
int vctl_hv_log_read(vctl_t *h, uint64_t *pos, void *buf, size_t len, uint64_t *prod);
/* Queues bytes as the domain's console input. Returns bytes queued. */
int vctl_console_input(vctl_t *h, uint32_t domid, const void *buf, size_t len);

/*
 * vireo-consoled's socket (protocol in vireo-console.h). The path is VIREO_CONSOLE_SOCKET
 * from the environment, else the default. connect returns a socket or -errno; send writes
 * all of buf (no SIGPIPE); reply reads one answer line without its newline, waiting at
 * most timeout_ms (-1: for ever).
 */
const char *vctl_console_service_path(void);
int vctl_console_service_connect(void);
/* A unix stream socket and the address for path (the service's side binds it). */
struct sockaddr_un;
int vctl_console_service_socket(const char *path, struct sockaddr_un *addr);
int vctl_console_service_send(int fd, const void *buf, size_t len);
int vctl_console_service_reply(int fd, char *line, size_t size, int timeout_ms);
/*
 * Asks the service to copy every console ring into its logs now and waits for it, so a
 * domain about to be destroyed keeps its last words. -ENOENT/-ECONNREFUSED: no service.
 */
int vctl_console_log_sync(void);

/* --- events --------------------------------------------------------------------------- */
/*
 * Opens a file descriptor that collects VIREO_EVENT_* bits: poll() it for POLLIN, then
 * vctl_events_read. Close it with close().
 */
int vctl_events_open(bool nonblock);
/* Returns the pending bits (clearing them), 0 if none under O_NONBLOCK, or -errno. */
int64_t vctl_events_read(int fd);

/* --- device model (vireo-dm) --------------------------------------------------------- */
/*
 * A handle becomes a platform domain's device model (VIREO_HC_IOREQ_ATTACH through the
 * module, docs/device-model.md): from then on only this handle may map that domain's
 * memory or serve its requests, vctl_fd(h) polls readable when the domain has work for
 * it, and closing the handle (or the process ending) detaches it, which crashes the
 * domain if it still runs. *page is the shared page, mapped read-write. -EBUSY when the
 * domain already has a device model, -EINVAL when it is not a platform domain.
 */
int vctl_ioreq_attach(vctl_t *h, uint32_t domid, struct vireo_ioreq_page **page);
/* Sets doorbell[index] (VIREO_IOREQ_DOORBELLS); match_value false rings on any value. */
int vctl_ioreq_set_doorbell(vctl_t *h, unsigned index, uint64_t gpa, unsigned size,
                            bool match_value, uint32_t value);
/* Drives the domain's IOAPIC input gsi (VIREO_PLAT_DM_GSI_FIRST..LAST). */
int vctl_ioreq_set_irq(vctl_t *h, uint32_t gsi, bool asserted);
/* The device model lets other handles map its domain's memory (a save reads it), or takes
 * that back. Only its own handle may; -ENOENT without an attach. */
int vctl_ioreq_share_memory(vctl_t *h, bool shared);

/* What vctl_ioreq_dispatch calls for the domain's work. */
struct vctl_ioreq_ops {
    /* Doorbell `index` was rung (at least once since the last call). */
    void (*doorbell)(void *ctx, unsigned index);
    /* A guest read of size bytes at gpa: the value to return (zero-extended). */
    uint64_t (*read)(void *ctx, uint64_t gpa, unsigned size);
    /* A guest write. */
    void (*write)(void *ctx, uint64_t gpa, unsigned size, uint64_t value);
};
/*
 * Serves everything pending, without blocking: ops->doorbell for each rung doorbell, then
 * ops->read/write for each READY slot in the order hv made the requests, completing each.
 * Returns the number of requests and doorbells served, or -errno. Call it whenever the
 * handle's event bits (vctl_events_read(vctl_fd(h)), after vctl_fd(h) polls readable)
 * include VIREO_EVENT_IOREQ; the other bits (VIREO_EVENT_DOMAIN_STATE) are the caller's.
 */
int vctl_ioreq_dispatch(vctl_t *h, const struct vctl_ioreq_ops *ops, void *ctx);

/* --- domain builder ------------------------------------------------------------------- */
struct vctl_build_config {
    const char *name;      /* unique domain name */
    uint8_t uuid[16];      /* opaque; all zero picks a random one */
    uint64_t memory_bytes; /* guest RAM, a multiple of 2 MiB */
    uint64_t maxmem_bytes; /* limit for mem-set; 0 = memory_bytes */
    uint64_t target_bytes; /* balloon target at start; 0 = memory_bytes */
    uint32_t nr_vcpus;     /* vCPUs created */
    uint32_t weight;       /* 0 = hv's default (256) */
    uint32_t cap;          /* % of one CPU, 0 = none */
    const void *kernel;    /* an ELF test guest or a Linux bzImage (told apart by content) */
    size_t kernel_size;
    const char *cmdline; /* NULL or up to VIREO_CMDLINE_MAX - 1 bytes */
    const void *initrd;  /* NULL or the initrd of a bzImage kernel */
    size_t initrd_size;
    const char *kernel_path; /* names the kernel in vctl_build_error; NULL: "kernel" */
    const char *initrd_path; /* names the initrd there; NULL: "initrd" */
    bool platform;           /* an ELF test guest gets the guest platform's devices too (tests of
                              * them); a bzImage always does */
    uint32_t dm_slots;       /* bit n: the device model serves a virtio-mmio device in slot n
                              * (VIREO_PLAT_DM_*); the DSDT describes those (platform only) */
};

/*
 * Builds a domain and leaves it paused (vctl_domain_unpause starts it). While it is built
 * a marker names the builder process; if the builder dies, the next vctl_build_reap
 * destroys what it left. On any failure the domain is destroyed.
 *
 * An ELF kernel gives the test-guest start state of public/vireo.h: RAM [0, memory), every
 * vCPU started at once, no initrd; with `platform`, on the guest platform's devices too.
 * A bzImage gives a Linux domU on the guest platform
 * (VIREO_DOMCFG_PLATFORM, docs/guest-platform.md): RAM [0, min(memory, 3 GiB)) and the
 * rest from 4 GiB, ACPI tables describing the vCPUs and devices, the kernel, initrd and
 * command line loaded by the 64-bit boot protocol, vCPU 0 at the kernel's entry, the other
 * vCPUs waiting for the guest's INIT/SIPI, and the guest's wall clock set to this host's.
 * A kernel that cannot start this way fails before any domain exists, and
 * vctl_build_error names the file and the reason: -ENOEXEC (neither format, boot protocol
 * older than 2.12, truncated), -ENOMEM (kernel and initrd do not fit the memory), -E2BIG
 * (command line longer than the kernel takes), -EINVAL (an initrd with an ELF kernel).
 */
int vctl_domain_build(vctl_t *h, const struct vctl_build_config *cfg, uint32_t *domid);
/* True when vctl_domain_build makes this kernel a Linux domU on the guest platform
 * (VIREO_DOMCFG_PLATFORM: ACPI, local APICs, COM1), false for an ELF test guest or an
 * image it refuses. */
bool vctl_build_is_linux(const void *kernel, size_t kernel_size);
/*
 * Why the last failed vctl_domain_build or vctl_build_read_file failed, naming the file
 * when a file was the cause ("" if there is nothing more to say than the error code).
 */
const char *vctl_build_error(const vctl_t *h);
/*
 * Reads a whole kernel or initrd file into *data (malloc()ed; free() it) for
 * vctl_build_config. On failure returns -errno and vctl_build_error says "PATH: reason".
 */
int vctl_build_read_file(vctl_t *h, const char *path, void **data, size_t *size);
/*
 * Destroys domains whose builder died before finishing and removes stale markers.
 * Returns the number of domains destroyed. Markers live in $VIREO_RUN_DIR/building
 * (default /run/vireo/building).
 */
int vctl_build_reap(vctl_t *h);
/* True while a live builder holds the marker for this domain name. */
bool vctl_build_in_progress(const char *name);

/* ---- save and restore (vctl_save.c) -------------------------------------------------- */

/*
 * A domain as hv holds it besides its RAM: enough to create it again elsewhere or later.
 * About 92 KiB: allocate it.
 */
struct vctl_domain_state {
    uint32_t nr_vcpus;                               /* vCPUs created */
    uint32_t nr_online_vcpus;                        /* of those, allowed to run */
    uint32_t weight, cap;                            /* scheduler parameters */
    uint64_t max_pages;                              /* memory limit in frames */
    uint64_t target_pages;                           /* balloon target in frames */
    struct vireo_vcpu_context vcpu[VIREO_MAX_VCPUS]; /* [0, nr_vcpus) */
    uint32_t platform_len; /* bytes of `platform`; 0: the domain has no guest platform */
    uint8_t platform[VIREO_PLAT_CTX_MAX]; /* VIREO_HC_PLATFORM_GET_CONTEXT's answer */
};

/* Reads a paused domain's state (-EBUSY when it is not paused). */
int vctl_domain_get_state(vctl_t *h, uint32_t domid, struct vctl_domain_state *out);
/* Called with each run of backed frames (at most VCTL_GUEST_CHUNK_FRAMES, 512): data is
 * nr * 4 KiB of their contents. A negative return stops the walk with that value. */
typedef int (*vctl_frames_fn)(void *ctx, uint64_t gfn, uint64_t nr, const void *data);
/* Walks [first_gfn, first_gfn + nr) of a paused domain's RAM; frames not backed (given
 * back by a balloon) are skipped. */
int vctl_domain_read_frames(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr,
                            vctl_frames_fn fn, void *ctx);
/*
 * Restore in three steps: create the paused, empty domain of a state (claiming its name
 * as vctl_domain_build does), back and fill its frames run by run, then load the vCPU
 * and platform contexts, online vCPUs and balloon target. A failure in the last step
 * destroys the domain; between the steps, vctl_domain_abort_restore does.
 */
int vctl_domain_create_for_restore(vctl_t *h, const char *name, const uint8_t uuid[16],
                                   const struct vctl_domain_state *s, uint32_t *domid);
/* Backs the frames not backed yet and writes all nr: a page sent again (dirtied during a
 * live migration) overwrites what it held. */
int vctl_domain_write_frames(vctl_t *h, uint32_t domid, uint64_t gfn, uint64_t nr,
                             const void *data);
int vctl_domain_finish_restore(vctl_t *h, uint32_t domid, const char *name,
                               const struct vctl_domain_state *s);
void vctl_domain_abort_restore(vctl_t *h, uint32_t domid, const char *name);

/*
 * Dirty-page logging for live migration (docs/hv.md "Dirty-page logging"). Writes dom0
 * makes through foreign mappings (a device model's) are not logged.
 */
/* Starts logging the domain's writes to its RAM (every page starts clean). -EBUSY if it
 * is logging already; -ENOMEM leaves it as it was. */
int vctl_domain_log_dirty_enable(vctl_t *h, uint32_t domid);
/* Stops logging; the domain runs at full speed again. 0 if it was not logging. */
int vctl_domain_log_dirty_disable(vctl_t *h, uint32_t domid);
/* Fills bitmap (ceil(nr / 64) words; bit i = gfn first_gfn + i) with the pages of
 * [first_gfn, first_gfn + nr) written since logging began or since they were last
 * fetched, and marks them clean again. Returns how many were dirty, or -errno (-ENOENT:
 * not logging). Any nr: hv is called per VIREO_LOG_DIRTY_CHUNK frames. */
int64_t vctl_domain_log_dirty_fetch(vctl_t *h, uint32_t domid, uint64_t first_gfn, uint64_t nr,
                                    uint64_t *bitmap);

#ifdef __cplusplus
}
#endif

#endif /* VIREOCTL_H */
