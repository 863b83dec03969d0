/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An in-memory stand-in for the hypervisor backend, used only to test the daemon's own
 * bookkeeping (events, status files, restart recovery, on_* actions). Nothing here claims
 * to test hv: those tests run hv in QEMU (suites hv and node).
 */
#ifndef FAKE_HV_H
#define FAKE_HV_H

#include "vd-hv.h"

typedef struct fake_domain {
    int domid;
    vd_hv_info info;
    GString *console_input;
} fake_domain;

typedef struct fake_hv {
    vd_hv base;
    GHashTable *domains; /* domid -> fake_domain*, shared across daemon restarts */
    unsigned starts, destroys, restores;
    unsigned memory_sends, dirty_fetches; /* migrations' rounds */
    unsigned pauses;                      /* domain_pause calls */
    /* Called at a migration's first dirty fetch, as a client's call arriving mid-way. */
    void (*on_first_fetch)(void *user);
    void *on_first_fetch_user;
    bool logging_dirty;
    /* A guest that dirties memory faster than any link (many frames at every fetch) until
     * its cap is at or below this % (0: the one-frame guest); the lowest cap it was given. */
    unsigned heavy_dirty_above_cap, lowest_cap;
    bool linux_kernels; /* starts report a Linux domU on the guest platform */
    /* A gate builds wait at, so a test can hold a start in progress (fake_hv_hold_starts). */
    GMutex gate_lock;
    GCond gate_cond;
    char *gate_for; /* the domain whose builds wait, or NULL */
    unsigned builds_waiting;
} fake_hv;

/* The daemon takes ownership of the returned backend; `domains` is shared so a second
 * fake_hv_new(domains) sees the domains the first one ran (a daemon restart). */
fake_hv *fake_hv_new(GHashTable *domains);
GHashTable *fake_hv_domains_new(void);
/* The guest shut down (reason VD_HV_*) or crashed: hv notifies dom0. */
void fake_hv_guest_shutdown(fake_hv *hv, int domid, vd_hv_shutdown_reason reason);

/* From now on a build of domain `name` waits at the gate until fake_hv_release_starts. */
void fake_hv_hold_starts(fake_hv *hv, const char *name);
/* Returns once a build waits at the gate. */
void fake_hv_wait_for_held_start(fake_hv *hv);
void fake_hv_release_starts(fake_hv *hv);

#endif /* FAKE_HV_H */
