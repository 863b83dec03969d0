/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nftables rules of a virtual network, in a table `inet vireo_BRIDGE` that nothing else
 * touches: traffic between the bridge's ports always passes; NAT and route networks pass
 * their own subnet out (NAT: only replies back in, and masquerade to anywhere but the
 * subnet itself); everything else entering or leaving the bridge is rejected. Open
 * networks get no table; bridge networks are the host's business.
 */
#include "vd-network-nft.h"
#include "vd-command.h"
#include "vd-error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static char *table_name(const vd_network_def *def)
{
    g_autofree char *t = g_strconcat("vireo_", def->bridge, NULL);
    g_strcanon(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_", '_');
    return g_steal_pointer(&t);
}

/* "192.168.122.0/24" for 192.168.122.1 prefix 24. */
static char *subnet(const vd_net_ip *ip)
{
    unsigned char a[16] = {0};
    char text[INET6_ADDRSTRLEN];
    int family = ip->ipv6 ? AF_INET6 : AF_INET;
    inet_pton(family, ip->address, a);
    for (unsigned bit = ip->prefix; bit < (ip->ipv6 ? 128u : 32u); bit++)
        a[bit / 8] &= ~(0x80 >> (bit % 8));
    return g_strdup_printf("%s/%u", inet_ntop(family, a, text, sizeof(text)), ip->prefix);
}

static void add_forward_rules(GString *s, const vd_network_def *def)
{
    const char *br = def->bridge;
    g_autofree char *out_dev =
        def->forward_dev ? g_strdup_printf(" oifname \"%s\"", def->forward_dev) : g_strdup("");
    g_autofree char *in_dev =
        def->forward_dev ? g_strdup_printf(" iifname \"%s\"", def->forward_dev) : g_strdup("");
    for (unsigned i = 0; i < def->ips->len && def->forward != VD_FWD_ISOLATED; i++) {
        const vd_net_ip *ip = def->ips->pdata[i];
        const char *fam = ip->ipv6 ? "ip6" : "ip";
        g_autofree char *net = subnet(ip);
        g_string_append_printf(s, "    iifname \"%s\"%s %s saddr %s accept\n", br, out_dev, fam,
                               net);
        g_string_append_printf(s, "    oifname \"%s\"%s %s daddr %s%s accept\n", br, in_dev, fam,
                               net,
                               def->forward == VD_FWD_NAT ? " ct state established,related" : "");
    }
    g_string_append_printf(s, "    iifname \"%s\" reject\n    oifname \"%s\" reject\n", br, br);
}

static void add_nat_rules(GString *s, const vd_network_def *def)
{
    g_autofree char *out_dev =
        def->forward_dev ? g_strdup_printf(" oifname \"%s\"", def->forward_dev) : g_strdup("");
    g_string_append(s, "  chain postrouting {\n"
                       "    type nat hook postrouting priority 100; policy accept;\n");
    for (unsigned i = 0; i < def->ips->len; i++) {
        const vd_net_ip *ip = def->ips->pdata[i];
        if (ip->ipv6)
            continue; /* as libvirt: IPv6 is routed, never masqueraded */
        g_autofree char *net = subnet(ip);
        /* Multicast and broadcast stay on the segment: never rewrite their source. */
        g_string_append_printf(s, "    ip saddr %s ip daddr 224.0.0.0/24 return\n", net);
        g_string_append_printf(s, "    ip saddr %s ip daddr 255.255.255.255 return\n", net);
        g_string_append_printf(s, "    ip saddr %s ip daddr != %s%s masquerade\n", net, net,
                               out_dev);
    }
    g_string_append(s, "  }\n");
}

char *vd_nft_ruleset(const vd_network_def *def)
{
    if (def->forward == VD_FWD_OPEN || def->forward == VD_FWD_BRIDGE)
        return NULL;
    g_autofree char *table = table_name(def);
    GString *s = g_string_new(NULL);
    /* Create-then-delete makes the load replace a table left by an earlier run. */
    g_string_append_printf(s, "table inet %s\ndelete table inet %s\ntable inet %s {\n", table,
                           table, table);
    g_string_append_printf(s,
                           "  chain forward {\n"
                           "    type filter hook forward priority -1; policy accept;\n"
                           "    iifname \"%s\" oifname \"%s\" accept\n",
                           def->bridge, def->bridge);
    add_forward_rules(s, def);
    g_string_append(s, "  }\n");
    if (def->forward == VD_FWD_NAT)
        add_nat_rules(s, def);
    g_string_append(s, "}\n");
    return g_string_free(s, FALSE);
}

/* A sysctl file takes a plain write: no temporary file and rename as for data files. */
static bool write_sysctl(const char *path, const vd_network_def *def, vd_error **err)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fputs("1\n", f) >= 0;
    ok = f && fclose(f) == 0 && ok;
    if (!ok)
        vd_fail_errno(err, errno, "cannot enable IP forwarding for network '%s' (%s)", def->name,
                      path);
    return ok;
}

static bool enable_forwarding(const vd_network_def *def, vd_error **err)
{
    bool v4 = false, v6 = false;
    for (unsigned i = 0; i < def->ips->len; i++)
        *(((vd_net_ip *)def->ips->pdata[i])->ipv6 ? &v6 : &v4) = true;
    return (!v4 || write_sysctl("/proc/sys/net/ipv4/ip_forward", def, err)) &&
           (!v6 || write_sysctl("/proc/sys/net/ipv6/conf/all/forwarding", def, err));
}

bool vd_nft_apply(const vd_network_def *def, vd_error **err)
{
    g_autofree char *rules = vd_nft_ruleset(def);
    if (!rules && def->forward != VD_FWD_OPEN)
        return true;
    if (def->forward != VD_FWD_ISOLATED && !enable_forwarding(def, err))
        return false;
    const char *argv[] = {"nft", "-f", "-", NULL};
    return !rules || vd_command_run(argv, rules, err);
}

void vd_nft_remove(const vd_network_def *def)
{
    if (def->forward == VD_FWD_OPEN || def->forward == VD_FWD_BRIDGE)
        return;
    g_autofree char *table = table_name(def);
    g_autofree char *script = g_strdup_printf("table inet %s\ndelete table inet %s\n", table, table);
    const char *argv[] = {"nft", "-f", "-", NULL};
    g_autoptr(vd_error) err = NULL;
    if (!vd_command_run(argv, script, &err))
        g_warning("network '%s': %s", def->name, err->message);
}
