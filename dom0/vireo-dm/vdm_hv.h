/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dm's only contact with hv, through libvireoctl: mapping the domain's RAM, becoming
 * its device model, serving its requests, and noticing when it ends. Kept thin and apart
 * from vdm_core so the core's tests need no /dev/vireo.
 */
#ifndef VDM_HV_H
#define VDM_HV_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vdm_bus.h"
#include "vdm_device.h"
#include "vdm_guest_mem.h"

struct vctl;
struct vireo_ioreq_page;

struct vdm_hv {
    struct vctl *h;
    uint32_t domid;
    struct vireo_ioreq_page *page;
    void *low, *high;       /* foreign mappings of the domain's RAM */
    uint64_t low_pages, high_pages;
    const struct vdm_guest_mem *mem; /* the RAM regions those mappings back */
    void (*target_watcher)(void *data); /* the balloon's: looks at hv's target */
    void *target_watcher_data;
    guint target_timer;     /* calls it every VDM_HV_TARGET_POLL_S */
};

#define VDM_HV_TARGET_POLL_S 1

/* What the bus uses to drive interrupt lines and doorbells. */
extern const struct vdm_bus_host vdm_hv_bus_host;
/* What a balloon uses to give frames back to hv and take them again (ctx: the vdm_hv). */
extern const struct vdm_memory_host vdm_hv_memory_host;

/* Opens /dev/vireo, maps [0, mem_bytes) of the platform RAM layout into *mem and attaches
 * as the domain's device model. */
bool vdm_hv_open(struct vdm_hv *hv, uint32_t domid, uint64_t mem_bytes,
                 struct vdm_guest_mem *mem, GError **error);
/* The descriptor that polls readable when the domain has requests or doorbells. */
int vdm_hv_fd(const struct vdm_hv *hv);
/*
 * After the fd polled readable: takes the handle's event bits, serves the requests and
 * doorbells pending, and sets *domain_changed when some domain changed state (then ask
 * vdm_hv_domain_ended). Returns the count served or -errno.
 */
int vdm_hv_serve(struct vdm_hv *hv, struct vdm_bus *bus, bool *domain_changed);
/* True once the domain has shut down, crashed or is gone. */
bool vdm_hv_domain_ended(struct vdm_hv *hv);
/* Unmaps and detaches (hv crashes the domain if it still runs: its devices are gone). */
void vdm_hv_close(struct vdm_hv *hv);

#endif /* VDM_HV_H */
