/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bringing a virtual network up and down: its bridge (vd-netlink.c) with its addresses,
 * its nftables table (vd-network-nft.c), its dnsmasq (vd-network-dnsmasq.c). A start that
 * fails half way takes back what it did.
 */
#include "vd-network.h"
#include "vd-error.h"
#include "vd-netlink.h"
#include "vd-network-nft.h"

#include <string.h>

static bool make_bridge(const vd_network_def *live, vd_error **err)
{
    if (vd_link_exists(live->bridge)) {
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_NETWORK, "bridge name '%s' already in use.",
                live->bridge);
        return false;
    }
    if (!vd_bridge_create(live->bridge, live->mac, live->mtu, err))
        return false;
    for (unsigned i = 0; i < live->ips->len; i++) {
        const vd_net_ip *ip = live->ips->pdata[i];
        if (!vd_link_add_address(live->bridge, ip->address, ip->prefix, ip->ipv6, err))
            return false;
    }
    return vd_link_set_up(live->bridge, err);
}

bool vd_network_run_start(vd_networks *nets, const vd_network_def *live, vd_error **err)
{
    if (live->forward == VD_FWD_BRIDGE) {
        if (vd_link_exists(live->bridge))
            return true;
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_NETWORK,
                "network '%s' uses host bridge '%s', which does not exist", live->name,
                live->bridge);
        return false;
    }
    g_auto(vd_dnsmasq_files) f = {0};
    vd_network_files(nets, live, &f);
    bool ok = make_bridge(live, err) && vd_nft_apply(live, err) &&
              (!vd_dnsmasq_wanted(live) || vd_dnsmasq_start(live, &f, err));
    if (!ok) {
        g_autoptr(vd_error) ignored = NULL;
        vd_dnsmasq_stop(&f);
        vd_nft_remove(live);
        if (!(err && *err && strstr((*err)->message, "already in use")))
            vd_link_delete(live->bridge, &ignored);
    }
    return ok;
}

void vd_network_run_stop(vd_networks *nets, const vd_network_def *live)
{
    if (live->forward == VD_FWD_BRIDGE)
        return;
    g_auto(vd_dnsmasq_files) f = {0};
    vd_network_files(nets, live, &f);
    vd_dnsmasq_stop(&f);
    vd_nft_remove(live);
    g_autoptr(vd_error) err = NULL;
    if (!vd_link_delete(live->bridge, &err))
        g_warning("network '%s': %s", live->name, err->message);
}

bool vd_network_run_adopt(vd_networks *nets, const vd_network_def *live)
{
    if (!vd_link_exists(live->bridge))
        return false;
    if (live->forward == VD_FWD_BRIDGE)
        return true;
    g_auto(vd_dnsmasq_files) f = {0};
    vd_network_files(nets, live, &f);
    g_autoptr(vd_error) err = NULL;
    if (!vd_nft_apply(live, &err) ||
        (vd_dnsmasq_wanted(live) && !vd_dnsmasq_pid(&f) && !vd_dnsmasq_start(live, &f, &err)))
        g_warning("network '%s' found running, but: %s", live->name, err->message);
    return true;
}

/* virbrN with the lowest N no other network names and no host interface has. */
static char *free_bridge_name(vd_networks *nets)
{
    for (unsigned n = 0;; n++) {
        g_autofree char *name = g_strdup_printf("virbr%u", n);
        bool taken = vd_link_exists(name);
        for (unsigned i = 0; !taken && i < nets->all->len; i++) {
            vd_network *net = nets->all->pdata[i];
            const vd_network_def *defs[] = {net->def, net->live};
            for (unsigned j = 0; j < 2; j++)
                taken |= defs[j] && defs[j]->bridge && strcmp(defs[j]->bridge, name) == 0;
        }
        if (!taken)
            return g_steal_pointer(&name);
    }
}

void vd_network_fill_defaults(vd_networks *nets, vd_network_def *def)
{
    if (def->forward == VD_FWD_BRIDGE)
        return;
    if (!def->bridge)
        def->bridge = free_bridge_name(nets);
    if (!def->mac) {
        /* 52:54:00 as libvirt and QEMU use: locally administered, unicast. */
        def->mac = g_strdup_printf("52:54:00:%02x:%02x:%02x", g_random_int_range(0, 256),
                                   g_random_int_range(0, 256), g_random_int_range(0, 256));
    }
}
