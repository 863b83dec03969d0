/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NETWORK_UPDATE (virsh net-update) for the ip-dhcp-host section: add, delete or modify
 * a <host> in the running network (dnsmasq re-reads its hosts file) and/or in its
 * persistent definition. Other sections are refused with libvirt's "not supported".
 */
#include "vd-daemon-private.h"
#include "vd-network.h"

#include <string.h>

static bool same_host(const vd_dhcp_host *a, const vd_dhcp_host *b)
{
    if (a->mac && b->mac)
        return g_ascii_strcasecmp(a->mac, b->mac) == 0;
    return a->name && b->name && strcmp(a->name, b->name) == 0;
}

static int find_host(GPtrArray *hosts, const vd_dhcp_host *h)
{
    for (unsigned i = 0; i < hosts->len; i++)
        if (same_host(hosts->pdata[i], h))
            return i;
    return -1;
}

/* Applies the command to def's DHCP hosts. */
static bool change_hosts(vd_network_def *def, unsigned command, int parent, const vd_dhcp_host *h,
                         vd_error **err)
{
    vd_net_ip *ip = parent >= 0 && (unsigned)parent < def->ips->len ? def->ips->pdata[parent]
                                                                      : vd_network_def_dhcp_ip(def);
    if (!ip || ip->ipv6) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK,
                "network '%s' has no IPv4 address with DHCP to hold the host", def->name);
        return false;
    }
    int i = find_host(ip->hosts, h);
    bool adding = command == VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST ||
                  command == VIR_NETWORK_UPDATE_COMMAND_ADD_LAST;
    if (adding && i >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK,
                "there is an existing dhcp host entry in network '%s' that matches \"%s\"",
                def->name, h->mac ? h->mac : h->name);
        return false;
    }
    if (!adding && i < 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK,
                "couldn't locate a matching dhcp host entry in network '%s'", def->name);
        return false;
    }
    if (command == VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST)
        g_ptr_array_insert(ip->hosts, 0, vd_dhcp_host_copy(h));
    else if (command == VIR_NETWORK_UPDATE_COMMAND_ADD_LAST)
        g_ptr_array_add(ip->hosts, vd_dhcp_host_copy(h));
    else if (command == VIR_NETWORK_UPDATE_COMMAND_DELETE)
        g_ptr_array_remove_index(ip->hosts, i);
    else {
        vd_dhcp_host_free(ip->hosts->pdata[i]);
        ip->hosts->pdata[i] = vd_dhcp_host_copy(h);
    }
    return true;
}

static bool check_request(unsigned command, unsigned section, unsigned flags, vd_error **err)
{
    if (flags & ~(unsigned)(VIR_NETWORK_UPDATE_AFFECT_LIVE | VIR_NETWORK_UPDATE_AFFECT_CONFIG)) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_NETWORK,
                "unsupported flags (0x%x) in function vd_network_update", flags);
        return false;
    }
    if (section != VIR_NETWORK_SECTION_IP_DHCP_HOST) {
        vd_fail(err, VIR_ERR_NO_SUPPORT, VIR_FROM_NETWORK,
                "can't update section %u of a network: Vireo updates only ip-dhcp-host",
                section);
        return false;
    }
    if (command < VIR_NETWORK_UPDATE_COMMAND_MODIFY || command > VIR_NETWORK_UPDATE_COMMAND_ADD_FIRST) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_NETWORK, "unrecognized network update command %u",
                command);
        return false;
    }
    return true;
}

/* Changes copies, then stores them, then publishes them: a failure changes nothing. */
static bool update_locked(vd_daemon *d, vd_network *net, unsigned command, int parent,
                          const vd_dhcp_host *h, bool live, bool config, vd_error **err)
{
    g_autoptr(vd_network_def) new_live = live ? vd_network_def_copy(net->live) : NULL;
    g_autoptr(vd_network_def) new_def = config ? vd_network_def_copy(net->def) : NULL;
    if ((live && !change_hosts(new_live, command, parent, h, err)) ||
        (config && !change_hosts(new_def, command, parent, h, err)))
        return false;
    if (config && !vd_network_store_def(d->networks, new_def, err))
        return false;
    if (live) {
        g_auto(vd_dnsmasq_files) f = {0};
        vd_network_files(d->networks, new_live, &f);
        if (!vd_network_store_status(d->networks, new_live, err) ||
            !vd_dnsmasq_reload_hosts(new_live, &f, err))
            return false;
        vd_network_def_free(net->live);
        net->live = g_steal_pointer(&new_live);
    }
    if (config) {
        vd_network_def_free(net->def);
        net->def = g_steal_pointer(&new_def);
    }
    return true;
}

bool vd_network_update(vd_daemon *d, const vd_network_ref *ref, unsigned command,
                       unsigned section, int parent_index, const char *xml, unsigned flags,
                       vd_error **err)
{
    if (!check_request(command, section, flags, err))
        return false;
    g_autoptr(vd_dhcp_host) h = vd_dhcp_host_parse(xml, err);
    if (!h)
        return false;
    vd_note_activity(d);
    g_mutex_lock(&d->networks->lock);
    vd_network *net = vd_network_find(d->networks, NULL, ref->uuid);
    bool live = flags & VIR_NETWORK_UPDATE_AFFECT_LIVE;
    bool config = flags & VIR_NETWORK_UPDATE_AFFECT_CONFIG;
    bool ok = false;
    if (!net) {
        vd_fail(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK, "no network with matching name '%s'",
                ref->name);
    } else {
        if (!live && !config) {
            live = net->live != NULL;
            config = !live;
        }
        if (live && !net->live)
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK, "network '%s' is not active",
                    ref->name);
        else if (config && !net->def)
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK,
                    "cannot change persistent config of transient network '%s'", ref->name);
        else
            ok = update_locked(d, net, command, parent_index, h, live, config, err);
    }
    g_mutex_unlock(&d->networks->lock);
    return ok;
}
