/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dnsmasq for a virtual network: DHCP from <dhcp>, DNS for the network's own names. It
 * never reads the host's resolv.conf or /etc/hosts: a network sends queries upstream only
 * to the <forwarder>s its XML names. dnsmasq daemonizes itself and keeps running when the
 * daemon stops, as libvirt's does; its pid file finds it again.
 */
#include "vd-network-dnsmasq.h"
#include "vd-command.h"
#include "vd-error.h"
#include "vd-store.h"

#include <arpa/inet.h>
#include <signal.h>
#include <string.h>

void vd_dnsmasq_files_clear(vd_dnsmasq_files *f)
{
    g_free(f->conf);
    g_free(f->hosts);
    g_free(f->leases);
    g_free(f->pid);
}

bool vd_dnsmasq_wanted(const vd_network_def *def)
{
    if (def->forward == VD_FWD_BRIDGE || !def->ips->len)
        return false;
    return def->dns_enabled || vd_network_def_dhcp_ip(def) != NULL;
}

static char *netmask_text(unsigned prefix)
{
    uint32_t m = prefix ? htonl(0xffffffffu << (32 - prefix)) : 0;
    char buf[INET_ADDRSTRLEN];
    return g_strdup(inet_ntop(AF_INET, &m, buf, sizeof(buf)));
}

static guint64 range_size(const vd_net_ip *ip)
{
    struct in_addr a, b;
    inet_pton(AF_INET, ip->range_start, &a);
    inet_pton(AF_INET, ip->range_end, &b);
    int64_t n = (int64_t)ntohl(b.s_addr) - (int64_t)ntohl(a.s_addr) + 1;
    return n > 0 ? (guint64)n : 1;
}

char *vd_dnsmasq_config(const vd_network_def *def, const vd_dnsmasq_files *f)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s,
                           "# virtvireod's dnsmasq for network '%s'; rewritten at each start.\n"
                           "strict-order\npid-file=%s\nexcept-interface=lo\nbind-dynamic\n"
                           "interface=%s\nno-resolv\nno-hosts\n",
                           def->name, f->pid, def->bridge);
    for (unsigned i = 0; i < def->forwarders->len; i++)
        g_string_append_printf(s, "server=%s\n", (char *)def->forwarders->pdata[i]);
    if (!def->dns_enabled)
        g_string_append(s, "port=0\n");
    if (def->domain)
        g_string_append_printf(s, "domain=%s\nlocal=/%s/\nexpand-hosts\n", def->domain,
                               def->domain);
    const vd_net_ip *ip = vd_network_def_dhcp_ip(def);
    if (ip) {
        g_autofree char *mask = netmask_text(ip->prefix);
        g_string_append_printf(s,
                               "dhcp-range=%s,%s,%s\ndhcp-no-override\ndhcp-authoritative\n"
                               "dhcp-lease-max=%" G_GUINT64_FORMAT "\ndhcp-hostsfile=%s\n"
                               "dhcp-leasefile=%s\n",
                               ip->range_start, ip->range_end, mask, range_size(ip), f->hosts,
                               f->leases);
    }
    return g_string_free(s, FALSE);
}

static char *hosts_text(const vd_network_def *def)
{
    GString *s = g_string_new(NULL);
    const vd_net_ip *ip = vd_network_def_dhcp_ip(def);
    for (unsigned i = 0; ip && i < ip->hosts->len; i++) {
        const vd_dhcp_host *h = ip->hosts->pdata[i];
        const char *parts[] = {h->mac, h->ip, h->name};
        const char *sep = "";
        for (unsigned j = 0; j < G_N_ELEMENTS(parts); j++) {
            if (!parts[j])
                continue;
            g_string_append_printf(s, "%s%s", sep, parts[j]);
            sep = ",";
        }
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

bool vd_dnsmasq_start(const vd_network_def *def, const vd_dnsmasq_files *f, vd_error **err)
{
    g_autofree char *conf = vd_dnsmasq_config(def, f);
    g_autofree char *hosts = hosts_text(def);
    if (!vd_file_write_atomic(f->conf, conf, false, err) ||
        !vd_file_write_atomic(f->hosts, hosts, false, err))
        return false;
    g_autofree char *conf_opt = g_strconcat("--conf-file=", f->conf, NULL);
    /* dnsmasq forks, and its first process exits only once the daemon runs or failed. */
    const char *argv[] = {"dnsmasq", conf_opt, NULL};
    return vd_command_run(argv, NULL, err);
}

int vd_dnsmasq_pid(const vd_dnsmasq_files *f)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(f->pid, &text, NULL, NULL))
        return 0;
    int pid = (int)g_ascii_strtoll(text, NULL, 10);
    if (pid <= 0)
        return 0;
    /* A pid is reused after its process dies: it must still be this network's dnsmasq. */
    g_autofree char *cmdline_path = g_strdup_printf("/proc/%d/cmdline", pid);
    g_autofree char *cmdline = NULL;
    gsize len = 0;
    if (!g_file_get_contents(cmdline_path, &cmdline, &len, NULL))
        return 0;
    g_autofree char *want = g_strconcat("--conf-file=", f->conf, NULL);
    for (gsize off = 0; off < len; off += strlen(cmdline + off) + 1)
        if (strcmp(cmdline + off, want) == 0)
            return pid;
    return 0;
}

void vd_dnsmasq_stop(const vd_dnsmasq_files *f)
{
    int pid = vd_dnsmasq_pid(f);
    if (pid > 0 && kill(pid, SIGTERM) == 0) {
        /* Bounded: dnsmasq exits at once on SIGTERM; the bridge goes away after it. */
        for (int i = 0; i < 200 && kill(pid, 0) == 0; i++)
            g_usleep(10000);
    }
    unlink(f->pid);
}

bool vd_dnsmasq_reload_hosts(const vd_network_def *def, const vd_dnsmasq_files *f,
                             vd_error **err)
{
    g_autofree char *hosts = hosts_text(def);
    if (!vd_file_write_atomic(f->hosts, hosts, false, err))
        return false;
    int pid = vd_dnsmasq_pid(f);
    if (pid > 0 && kill(pid, SIGHUP) != 0) {
        vd_fail_errno(err, errno, "cannot signal dnsmasq of network '%s'", def->name);
        return false;
    }
    return true;
}

static char *field_or_null(const char *s)
{
    return strcmp(s, "*") == 0 ? NULL : g_strdup(s);
}

/* dnsmasq's lease line: EXPIRY MAC IP HOSTNAME CLIENTID, '*' for an unknown field. */
static vd_network_lease *parse_lease(const vd_network_def *def, const char *line)
{
    g_auto(GStrv) f = g_strsplit(line, " ", 0);
    if (g_strv_length(f) < 5 || strchr(f[2], ':'))
        return NULL; /* short, the "duid" line, or IPv6 (not served yet) */
    vd_network_lease *l = g_new0(vd_network_lease, 1);
    const vd_net_ip *ip = vd_network_def_dhcp_ip(def);
    l->iface = g_strdup(def->bridge);
    l->expiry_time = g_ascii_strtoll(f[0], NULL, 10);
    l->type = VIR_IP_ADDR_TYPE_IPV4;
    l->mac = g_strdup(f[1]);
    l->ipaddr = g_strdup(f[2]);
    l->prefix = ip ? ip->prefix : 24;
    l->hostname = field_or_null(f[3]);
    l->clientid = field_or_null(f[4]);
    return l;
}

GPtrArray *vd_dnsmasq_leases(const vd_network_def *def, const vd_dnsmasq_files *f,
                             const char *mac)
{
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)vd_network_lease_free);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(f->leases, &text, NULL, NULL))
        return all;
    g_auto(GStrv) lines = g_strsplit(text, "\n", 0);
    for (char **p = lines; *p; p++) {
        vd_network_lease *l = parse_lease(def, *p);
        if (l && mac && g_ascii_strcasecmp(l->mac, mac) != 0)
            g_clear_pointer(&l, vd_network_lease_free);
        if (l)
            g_ptr_array_add(all, l);
    }
    return all;
}
