/* SPDX-License-Identifier: GPL-2.0-only */
/* One dnsmasq per virtual network: its files, starting and stopping it, its leases. */
#ifndef VD_NETWORK_DNSMASQ_H
#define VD_NETWORK_DNSMASQ_H

#include "vd-network-def.h"

typedef struct vd_dnsmasq_files {
    char *conf;   /* DIR/NAME.conf: written by the daemon, read by dnsmasq */
    char *hosts;  /* DIR/NAME.hostsfile: the <host> entries (re-read on SIGHUP) */
    char *leases; /* DIR/BRIDGE.leases: dnsmasq's lease database */
    char *pid;    /* RUN/NAME.pid */
} vd_dnsmasq_files;

void vd_dnsmasq_files_clear(vd_dnsmasq_files *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(vd_dnsmasq_files, vd_dnsmasq_files_clear)

/* Whether def wants a dnsmasq: an address with DHCP, or DNS on an address. */
bool vd_dnsmasq_wanted(const vd_network_def *def);
char *vd_dnsmasq_config(const vd_network_def *def, const vd_dnsmasq_files *f);
bool vd_dnsmasq_start(const vd_network_def *def, const vd_dnsmasq_files *f, vd_error **err);
/* The pid of the dnsmasq serving f, or 0. */
int vd_dnsmasq_pid(const vd_dnsmasq_files *f);
void vd_dnsmasq_stop(const vd_dnsmasq_files *f);
/* Rewrites the hosts file and has a running dnsmasq read it again. */
bool vd_dnsmasq_reload_hosts(const vd_network_def *def, const vd_dnsmasq_files *f,
                             vd_error **err);
/* Leases of the lease file, of vd_network_lease*, only `mac`'s when not NULL. */
GPtrArray *vd_dnsmasq_leases(const vd_network_def *def, const vd_dnsmasq_files *f,
                             const char *mac);

#endif /* VD_NETWORK_DNSMASQ_H */
