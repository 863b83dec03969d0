/* SPDX-License-Identifier: GPL-2.0-only */
/* The network definition object: construction, deep copy, the small helpers its readers share. */
#include "vd-network-def.h"

#include <string.h>

static void ip_free(gpointer p)
{
    vd_net_ip *ip = p;
    g_free(ip->address);
    g_free(ip->range_start);
    g_free(ip->range_end);
    g_ptr_array_unref(ip->hosts);
    g_free(ip);
}

void vd_dhcp_host_free(vd_dhcp_host *h)
{
    if (!h)
        return;
    g_free(h->mac);
    g_free(h->name);
    g_free(h->ip);
    g_free(h);
}

vd_dhcp_host *vd_dhcp_host_copy(const vd_dhcp_host *h)
{
    vd_dhcp_host *c = g_new0(vd_dhcp_host, 1);
    c->mac = g_strdup(h->mac);
    c->name = g_strdup(h->name);
    c->ip = g_strdup(h->ip);
    return c;
}

static gpointer host_copy(gconstpointer src, gpointer unused)
{
    (void)unused;
    return vd_dhcp_host_copy(src);
}

static gpointer ip_copy(gconstpointer src, gpointer unused)
{
    (void)unused;
    const vd_net_ip *s = src;
    vd_net_ip *ip = g_memdup2(s, sizeof(*s));
    ip->address = g_strdup(s->address);
    ip->range_start = g_strdup(s->range_start);
    ip->range_end = g_strdup(s->range_end);
    ip->hosts = g_ptr_array_copy(s->hosts, host_copy, NULL);
    g_ptr_array_set_free_func(ip->hosts, (GDestroyNotify)vd_dhcp_host_free);
    return ip;
}

static gpointer str_copy(gconstpointer src, gpointer unused)
{
    (void)unused;
    return g_strdup(src);
}

vd_network_def *vd_network_def_new(void)
{
    vd_network_def *def = g_new0(vd_network_def, 1);
    def->ips = g_ptr_array_new_with_free_func(ip_free);
    def->forwarders = g_ptr_array_new_with_free_func(g_free);
    def->stp = true;
    def->dns_enabled = true;
    return def;
}

void vd_network_def_free(vd_network_def *def)
{
    if (!def)
        return;
    g_free(def->name);
    g_free(def->forward_dev);
    g_free(def->bridge);
    g_free(def->mac);
    g_free(def->domain);
    g_ptr_array_unref(def->forwarders);
    g_ptr_array_unref(def->ips);
    g_free(def);
}

vd_network_def *vd_network_def_copy(const vd_network_def *def)
{
    vd_network_def *c = g_memdup2(def, sizeof(*def));
    c->name = g_strdup(def->name);
    c->forward_dev = g_strdup(def->forward_dev);
    c->bridge = g_strdup(def->bridge);
    c->mac = g_strdup(def->mac);
    c->domain = g_strdup(def->domain);
    c->forwarders = g_ptr_array_copy(def->forwarders, str_copy, NULL);
    g_ptr_array_set_free_func(c->forwarders, g_free);
    c->ips = g_ptr_array_copy(def->ips, ip_copy, NULL);
    g_ptr_array_set_free_func(c->ips, ip_free);
    return c;
}

const char *vd_forward_mode_name(vd_forward_mode m)
{
    static const char *const names[] = {"isolated", "nat", "route", "open", "bridge"};
    return names[m];
}

vd_net_ip *vd_network_def_dhcp_ip(const vd_network_def *def)
{
    for (unsigned i = 0; i < def->ips->len; i++) {
        vd_net_ip *ip = def->ips->pdata[i];
        if (!ip->ipv6 && ip->range_start)
            return ip;
    }
    return NULL;
}
