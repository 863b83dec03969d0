/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtual network's definition (libvirt's <network> XML, docs/formatnetwork): what
 * forward mode, which bridge, its addresses and DHCP, its DNS. Parsed and formatted by
 * vd-network-xml.c; run by vd-network-run.c.
 */
#ifndef VD_NETWORK_DEF_H
#define VD_NETWORK_DEF_H

#include <glib.h>
#include <stdbool.h>

#include "vd-driver.h"

typedef enum {
    VD_FWD_ISOLATED, /* no <forward>: guests and host only */
    VD_FWD_NAT,
    VD_FWD_ROUTE,
    VD_FWD_OPEN,
    VD_FWD_BRIDGE, /* an existing host bridge: nothing created */
} vd_forward_mode;

/* <host mac= name= ip=> of <dhcp>. */
typedef struct vd_dhcp_host {
    char *mac, *name, *ip;
} vd_dhcp_host;

typedef struct vd_net_ip {
    bool ipv6;
    char *address; /* the bridge's own address */
    unsigned prefix;
    char *range_start, *range_end; /* NULL: no DHCP on this address */
    GPtrArray *hosts;              /* vd_dhcp_host* */
} vd_net_ip;

typedef struct vd_network_def {
    char *name;
    unsigned char uuid[16];
    vd_forward_mode forward;
    char *forward_dev; /* <forward dev=>: NAT/route only out of this interface */
    char *bridge;      /* <bridge name=> */
    bool stp;
    unsigned delay;
    char *mac;         /* the bridge's MAC */
    unsigned mtu;      /* 0: the kernel's */
    char *domain;      /* <domain name=>: dnsmasq answers names in it */
    bool dns_enabled;  /* <dns enable='no'> turns dnsmasq's DNS off */
    GPtrArray *forwarders; /* char*: upstream DNS servers; none means local only */
    GPtrArray *ips;        /* vd_net_ip* */
} vd_network_def;

vd_network_def *vd_network_def_new(void);
void vd_network_def_free(vd_network_def *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_network_def, vd_network_def_free)
vd_network_def *vd_network_def_copy(const vd_network_def *def);
vd_dhcp_host *vd_dhcp_host_copy(const vd_dhcp_host *h);
void vd_dhcp_host_free(vd_dhcp_host *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_dhcp_host, vd_dhcp_host_free)

/* Parses <network>; failures are libvirt XML errors naming the element. */
vd_network_def *vd_network_def_parse(const char *xml, vd_error **err);
char *vd_network_def_format(const vd_network_def *def);
/* Parses one <host> of NETWORK_UPDATE's ip-dhcp-host section. */
vd_dhcp_host *vd_dhcp_host_parse(const char *xml, vd_error **err);

const char *vd_forward_mode_name(vd_forward_mode m);
/* The first IPv4 <ip> with a DHCP range, or NULL. */
vd_net_ip *vd_network_def_dhcp_ip(const vd_network_def *def);

#endif /* VD_NETWORK_DEF_H */
