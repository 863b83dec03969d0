/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network driver's internals, shared by its files only: the table of networks, where
 * their files live, and the steps that bring one up and down (vd-network-run.c).
 *
 * Concurrency: one mutex guards the table and serializes every change, held across the
 * few netlink calls and helper programs a start or stop runs (well under a second).
 */
#ifndef VD_NETWORK_H
#define VD_NETWORK_H

#include "vd-config.h"
#include "vd-network-def.h"
#include "vd-network-dnsmasq.h"

typedef struct vd_network {
    vd_network_def *def;  /* persistent definition; NULL for a transient network */
    vd_network_def *live; /* what it runs with; NULL when inactive */
    bool autostart;
} vd_network;

typedef struct vd_networks {
    GMutex lock;
    GPtrArray *all;        /* vd_network* */
    char *defs_dir;        /* ROOT/etc/vireo/networks */
    char *autostart_dir;   /* ROOT/etc/vireo/networks/autostart */
    char *state_dir;       /* ROOT/run/vireo/networks: status files and pid files */
    char *dnsmasq_dir;     /* ROOT/var/lib/vireo/dnsmasq: conf, hosts and lease files */
    GMutex events_lock;    /* the two below */
    GHashTable *listeners; /* id -> listener */
    unsigned next_listener_id;
} vd_networks;

/* The daemon's networks (vd-networks.c): made before domains are recovered, so the
 * default network and autostarted networks are up when domains start. */
vd_networks *vd_networks_new(const vd_config *cfg);
void vd_networks_free(vd_networks *nets);

void vd_network_files(const vd_networks *nets, const vd_network_def *def, vd_dnsmasq_files *f);

/* Lookup by name or uuid (either may be NULL), lock held. */
vd_network *vd_network_find(vd_networks *nets, const char *name, const unsigned char *uuid);

/* The store (vd-networks.c): definitions written atomically and durably, autostart links,
 * status files of running networks, and the dnsmasq files a removed network leaves. */
bool vd_network_store_def(vd_networks *nets, const vd_network_def *def, vd_error **err);
bool vd_network_store_delete(vd_networks *nets, const char *name, vd_error **err);
bool vd_network_store_autostart(vd_networks *nets, const char *name, bool on, vd_error **err);
bool vd_network_store_status(vd_networks *nets, const vd_network_def *live, vd_error **err);
void vd_network_forget_status(vd_networks *nets, const char *name);
void vd_network_forget_files(vd_networks *nets, const vd_network_def *def);

/* Queues a lifecycle event (vd-network-events.c); listeners run in the main context. */
void vd_network_emit(vd_networks *nets, const vd_network_def *def, int event);

/* vd-network-run.c */
bool vd_network_run_start(vd_networks *nets, const vd_network_def *live, vd_error **err);
void vd_network_run_stop(vd_networks *nets, const vd_network_def *live);
/* A network a restarted daemon finds: true when its bridge still exists (its rules are
 * loaded again and a dnsmasq that died is started again). */
bool vd_network_run_adopt(vd_networks *nets, const vd_network_def *live);

/* Names a new definition's bridge (virbrN) and MAC when its XML did not. */
void vd_network_fill_defaults(vd_networks *nets, vd_network_def *def);

#endif /* VD_NETWORK_H */
