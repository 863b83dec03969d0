/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains and vCPUs: what a guest is, from hv's point of view. Architecture state lives
 * in struct arch_vcpu (the VMCB and saved registers); everything here is generic.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include "hv/hv.h"
#include "hv/dirty_log.h"
#include "hv/ring.h"
#include "hv/spinlock.h"
#include "public/vireo.h"
#include "arch/domain.h"
#include "arch/guest_absent.h"
#include "arch/npt.h"
#include "arch/vacpi_pm.h"
#include "arch/vcpu.h"

#define HV_MAX_DOMAINS 256
#define CONSOLE_OUT_SIZE 16384 /* power of two */
#define CONSOLE_IN_SIZE 1024   /* power of two */
#define CONSOLE_LINE_MAX 200

enum vcpu_state {
    VCPU_OFFLINE,  /* not allowed to run (above nr_online, or not started) */
    VCPU_RUNNABLE, /* wants a CPU: on the run queue or running */
    VCPU_BLOCKED,  /* waits for an event or its deadline */
};

struct domain;

struct vcpu {
    struct domain *dom;
    unsigned id;
    enum vcpu_state state;
    struct arch_vcpu arch;

    /* Scheduler (protected by the scheduler lock). */
    struct vcpu *rq_next; /* run queue link */
    bool on_runq;
    bool running;         /* on a physical CPU right now */
    unsigned cpu;         /* the CPU running it, or that ran it last */
    int64_t credit_ns;    /* credit scheduler balance */
    uint64_t run_start_ns;
    uint64_t cpu_time_ns; /* total CPU time */
    uint64_t period_used_ns;
    uint64_t block_deadline_ns; /* 0: none */
    bool wake_pending; /* sched_kick_vcpu() found it awake: its next block returns at once */

    uint64_t time_info_gpa; /* registered struct vireo_time_info, 0 if none */

    /* #VMEXITs by VIREO_EXIT_* kind. Written only on the CPU running the vCPU, with
     * relaxed atomic stores so a reader on another CPU never sees a torn count. */
    uint64_t exits[VIREO_EXIT_KINDS];
};

enum domain_state {
    DOM_RUNNING,
    DOM_SHUTDOWN, /* guest asked to stop; reason in shutdown_reason */
    DOM_CRASHED,  /* hv stopped it; crash_reason and crash_text */
};

struct console {
    struct byte_ring out; /* over out_buf */
    char out_buf[CONSOLE_OUT_SIZE];
    char in[CONSOLE_IN_SIZE];
    uint32_t in_prod, in_cons;
    char line[CONSOLE_LINE_MAX + 1]; /* partial line for hv's log */
    unsigned line_len;
    /* Lines into hv's log are rate limited (token bucket) so a guest cannot flood it. */
    uint32_t log_tokens;
    uint64_t log_refill_ns; /* hv time the bucket was last refilled */
    uint64_t log_dropped;   /* lines dropped since the last one logged */
    spinlock_t lock;
};

struct domain {
    uint32_t id;
    char name[VIREO_NAME_MAX];
    uint8_t uuid[16];
    bool privileged; /* dom0 */
    bool boot_domain; /* built by hv from a boot module; hv reaps it */
    bool platform;    /* VIREO_DOMCFG_PLATFORM: the guest platform's devices answer it */
    int refs;         /* references; the domain table holds one until destroy */

    spinlock_t lock; /* memory and vCPU set changes */
    unsigned nr_vcpus, nr_online;
    struct vcpu *vcpus[VIREO_MAX_VCPUS];

    /* Memory. */
    struct npt npt;       /* nested page table; its table pages are charged to the domain */
    uint64_t tot_pages, max_pages;
    uint64_t target_pages; /* balloon target the toolstack set */
    uint64_t npt_gen; /* bumped when mappings go away: vCPUs flush their TLB */
    uint64_t mem_bytes; /* RAM size for ELF-built domains: [0, mem_bytes) */
    struct dirty_log log; /* dirty-page log; bits NULL when off (log_dirty.c, under lock) */

    /* State (protected by the scheduler lock). */
    enum domain_state state;
    unsigned pause_count;
    bool dying;
    bool stop_reported; /* the shutdown/crash line has been logged */
    uint32_t shutdown_reason;
    uint32_t crash_reason;
    char crash_text[128];
    unsigned nr_running; /* vCPUs on a CPU right now */
    uint64_t events;     /* pending wake-up events for blocked vCPUs */
    uint32_t control;    /* pending VIREO_CONTROL_* requests */

    /* Credit scheduler. */
    uint32_t weight, cap;
    uint64_t period_used_ns;
    bool parked; /* used up its cap in this period */
    unsigned nr_active; /* scratch for period accounting: vCPUs that want CPU time */

    struct console console;
    struct arch_domain arch;
    struct vacpi_pm pm;         /* ACPI PM1, PM timer, reset register (platform only) */
    struct absent_log absent;   /* absent ports and MSRs it touched, logged once */
};

/* Domain table. */
struct domain *domain_create(const struct vireo_domain_config *cfg, bool privileged, int *err);
/* Finds a live domain and takes a reference; NULL if none. */
struct domain *domain_get(uint32_t id);
void domain_put(struct domain *d);
/* Starts tearing a domain down; memory returns to hv once no vCPU runs it. */
int domain_destroy(struct domain *d);
/* Calls fn for every live domain with id >= first, in id order, until fn returns nonzero. */
void domain_for_each(uint32_t first, int (*fn)(struct domain *d, void *arg), void *arg);
unsigned domain_count(void);

/* Stops every vCPU: the guest asked (reason VIREO_SHUTDOWN_*). */
void domain_shutdown(struct domain *d, uint32_t reason);
/* Stops every vCPU: hv decided (reason VIREO_CRASH_*, text for the log). */
void domain_crash(struct domain *d, uint32_t reason, const char *fmt, ...) PRINTF(3, 4);
/* Called by the scheduler once a stopped domain has no vCPU on a CPU. */
void domain_stopped(struct domain *d);
void domain_fill_info(struct domain *d, struct vireo_domain_info *info);
/* Sums the exit counters of d's vCPUs (VIREO_HC_DOMAIN_GET_EXIT_STATS). */
void domain_fill_exit_stats(struct domain *d, struct vireo_exit_stats *st);

/* Memory: back guest frames [gfn, gfn+nr) with fresh zeroed frames. */
int domain_populate(struct domain *d, uint64_t gfn, uint64_t nr);
/* Releases the backed frames of [gfn, gfn+nr) (holes skipped); returns how many. Any
 * vCPU, even one of d, may call it: it never waits for a vCPU to leave its CPU. */
uint64_t domain_release(struct domain *d, uint64_t gfn, uint64_t nr);
/* Most nested-table pages a domain limited to max_pages frames may hold. */
uint64_t domain_table_budget(uint64_t max_pages);
/* Checked copies between hv and guest RAM (never device memory). 0 or -VIREO_EFAULT. */
int guest_read(struct domain *d, void *dst, uint64_t gpa, uint64_t len);
int guest_write(struct domain *d, uint64_t gpa, const void *src, uint64_t len);
/* Would a copy of [gpa, gpa+len) succeed? Lets a call fail before it changes anything. */
int guest_check(struct domain *d, uint64_t gpa, uint64_t len, bool writable);

/* Console. */
void console_init(struct domain *d);
void console_guest_write(struct domain *d, const char *buf, size_t len);
size_t console_ring_read(struct domain *d, uint64_t *pos, char *buf, size_t len, uint64_t *prod);
size_t console_input_push(struct domain *d, const char *buf, size_t len);
size_t console_input_pop(struct domain *d, char *buf, size_t len);

extern bool hv_have_dom0;
extern unsigned boot_domains_left;

#endif
