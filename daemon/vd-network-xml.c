/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvirt's <network> XML: reading (every element and attribute Vireo does not act on is
 * refused, so nothing a user wrote is silently dropped) and writing.
 */
#include "vd-network-def.h"
#include "vd-domain-def.h"
#include "vd-error.h"
#include "vd-xml.h"

#include <arpa/inet.h>
#include <string.h>

typedef struct net_reader {
    GHashTable *seen;
    vd_error *err;
} net_reader;

static void bad(net_reader *r, xmlNode *n, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void bad(net_reader *r, xmlNode *n, const char *fmt, ...)
{
    if (r->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    vd_fail(&r->err, VIR_ERR_XML_ERROR, VIR_FROM_NETWORK, "%s (line %ld)", msg, xmlGetLineNo(n));
}

/* Element children called `name`, each marked understood. */
static GPtrArray *elements(net_reader *r, xmlNode *parent, const char *name)
{
    GPtrArray *all = g_ptr_array_new();
    for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || n->ns || strcmp((const char *)n->name, name) != 0)
            continue;
        g_hash_table_add(r->seen, n);
        g_ptr_array_add(all, n);
    }
    return all;
}

static xmlNode *element(net_reader *r, xmlNode *parent, const char *name)
{
    g_autoptr(GPtrArray) all = elements(r, parent, name);
    if (all->len > 1)
        bad(r, all->pdata[1], "element <%s> may appear only once", name);
    return all->len ? all->pdata[0] : NULL;
}

static char *prop(net_reader *r, xmlNode *n, const char *name)
{
    xmlAttr *a = n ? xmlHasNsProp(n, (const xmlChar *)name, NULL) : NULL;
    if (!a)
        return NULL;
    g_hash_table_add(r->seen, a);
    xmlChar *v = xmlNodeGetContent((xmlNode *)a);
    char *s = g_strdup((const char *)v);
    xmlFree(v);
    return s;
}

static bool is_ip(const char *s, bool v6)
{
    unsigned char buf[16];
    return s && inet_pton(v6 ? AF_INET6 : AF_INET, s, buf) == 1;
}

static bool yes_no(net_reader *r, xmlNode *n, const char *name, bool dflt)
{
    g_autofree char *v = prop(r, n, name);
    if (!v)
        return dflt;
    if (strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
        return true;
    if (strcmp(v, "no") != 0 && strcmp(v, "off") != 0)
        bad(r, n, "invalid %s '%s'", name, v);
    return false;
}

static unsigned netmask_prefix(const char *mask)
{
    struct in_addr a;
    if (inet_pton(AF_INET, mask, &a) != 1)
        return 33;
    uint32_t m = ntohl(a.s_addr);
    unsigned p = __builtin_popcount(m);
    return (p == 0 || m == (0xffffffffu << (32 - p))) ? p : 33;
}

static void parse_forward(net_reader *r, xmlNode *root, vd_network_def *def)
{
    xmlNode *fwd = element(r, root, "forward");
    if (!fwd) {
        def->forward = VD_FWD_ISOLATED;
        return;
    }
    g_autofree char *mode = prop(r, fwd, "mode");
    static const char *const modes[] = {NULL, "nat", "route", "open", "bridge"};
    def->forward = VD_FWD_NAT;
    for (unsigned i = 1; mode && i < G_N_ELEMENTS(modes); i++)
        if (strcmp(mode, modes[i]) == 0)
            def->forward = i;
    if (mode && strcmp(mode, modes[def->forward]) != 0) {
        vd_fail(&r->err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_NETWORK,
                "forward mode '%s' is not supported by Vireo (nat, route, open, bridge or none)",
                mode);
        return;
    }
    def->forward_dev = prop(r, fwd, "dev");
    /* <nat><port/></nat>: masquerade picks ports as the kernel does; accepted, not acted on. */
    xmlNode *nat = element(r, fwd, "nat");
    if (nat)
        vd_xml_mark_subtree(r->seen, nat);
}

static void parse_bridge(net_reader *r, xmlNode *root, vd_network_def *def)
{
    xmlNode *br = element(r, root, "bridge");
    def->bridge = prop(r, br, "name");
    if (def->bridge && (strlen(def->bridge) == 0 || strlen(def->bridge) > 15 ||
                        strchr(def->bridge, '/') || strchr(def->bridge, ' ')))
        bad(r, br, "invalid bridge name '%s'", def->bridge);
    def->stp = yes_no(r, br, "stp", true);
    g_autofree char *delay = prop(r, br, "delay");
    guint64 v = 0;
    if (delay && !g_ascii_string_to_unsigned(delay, 10, 0, 600, &v, NULL))
        bad(r, br, "invalid bridge delay '%s'", delay);
    def->delay = v;
    if (def->forward == VD_FWD_BRIDGE && !def->bridge)
        bad(r, root, "network '%s' has forward mode 'bridge' but no <bridge name=...>",
            def->name);
}

static vd_dhcp_host *parse_host(net_reader *r, xmlNode *n)
{
    vd_dhcp_host *h = g_new0(vd_dhcp_host, 1);
    h->mac = prop(r, n, "mac");
    h->name = prop(r, n, "name");
    h->ip = prop(r, n, "ip");
    unsigned char mac[6];
    if (h->mac && sscanf(h->mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
                         &mac[3], &mac[4], &mac[5]) != 6)
        bad(r, n, "invalid MAC address '%s' in <host>", h->mac);
    if (h->ip && !is_ip(h->ip, false))
        bad(r, n, "invalid IP address '%s' in <host>", h->ip);
    if (!h->mac && !h->name)
        bad(r, n, "<host> needs a mac or a name");
    return h;
}

static void parse_dhcp(net_reader *r, xmlNode *ipn, vd_net_ip *ip)
{
    xmlNode *dhcp = element(r, ipn, "dhcp");
    if (!dhcp)
        return;
    g_autoptr(GPtrArray) ranges = elements(r, dhcp, "range");
    if (ranges->len > 1)
        bad(r, ranges->pdata[1], "Vireo serves one DHCP <range> per <ip>");
    if (ranges->len) {
        ip->range_start = prop(r, ranges->pdata[0], "start");
        ip->range_end = prop(r, ranges->pdata[0], "end");
        if (!is_ip(ip->range_start, ip->ipv6) || !is_ip(ip->range_end, ip->ipv6))
            bad(r, ranges->pdata[0], "invalid DHCP range '%s' - '%s'",
                ip->range_start ? ip->range_start : "", ip->range_end ? ip->range_end : "");
    }
    g_autoptr(GPtrArray) hosts = elements(r, dhcp, "host");
    for (unsigned i = 0; i < hosts->len; i++)
        g_ptr_array_add(ip->hosts, parse_host(r, hosts->pdata[i]));
}

static void parse_ip(net_reader *r, xmlNode *n, vd_network_def *def)
{
    vd_net_ip *ip = g_new0(vd_net_ip, 1);
    ip->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)vd_dhcp_host_free);
    g_ptr_array_add(def->ips, ip);
    g_autofree char *family = prop(r, n, "family");
    ip->ipv6 = family && strcmp(family, "ipv6") == 0;
    if (family && !ip->ipv6 && strcmp(family, "ipv4") != 0)
        bad(r, n, "invalid ip family '%s'", family);
    ip->address = prop(r, n, "address");
    if (!is_ip(ip->address, ip->ipv6))
        bad(r, n, "invalid or missing ip address '%s'", ip->address ? ip->address : "");
    g_autofree char *mask = prop(r, n, "netmask");
    g_autofree char *prefix = prop(r, n, "prefix");
    guint64 p = ip->ipv6 ? 64 : 24;
    if (mask)
        p = netmask_prefix(mask);
    else if (prefix && !g_ascii_string_to_unsigned(prefix, 10, 0, ip->ipv6 ? 128 : 32, &p, NULL))
        p = 129;
    if (p > (ip->ipv6 ? 128u : 32u))
        bad(r, n, "invalid netmask or prefix on ip '%s'", ip->address ? ip->address : "");
    ip->prefix = p;
    parse_dhcp(r, n, ip);
}

static void parse_dns(net_reader *r, xmlNode *root, vd_network_def *def)
{
    xmlNode *dns = element(r, root, "dns");
    def->dns_enabled = yes_no(r, dns, "enable", true);
    g_autoptr(GPtrArray) fwds = elements(r, dns, "forwarder");
    for (unsigned i = 0; i < fwds->len; i++) {
        char *addr = prop(r, fwds->pdata[i], "addr");
        if (!is_ip(addr, false) && !is_ip(addr, true))
            bad(r, fwds->pdata[i], "invalid DNS forwarder address '%s'", addr ? addr : "");
        g_ptr_array_add(def->forwarders, addr);
    }
    xmlNode *domain = element(r, root, "domain");
    def->domain = prop(r, domain, "name");
    if (domain)
        g_free(prop(r, domain, "localOnly")); /* names in it are always answered locally */
}

static void parse_identity(net_reader *r, xmlNode *root, vd_network_def *def)
{
    xmlNode *name = element(r, root, "name");
    xmlChar *text = name ? xmlNodeGetContent(name) : NULL;
    def->name = g_strstrip(g_strdup(text ? (const char *)text : ""));
    xmlFree(text);
    if (!*def->name || strchr(def->name, '/'))
        bad(r, root, "network name '%s' is missing or has a '/'", def->name);
    xmlNode *uuid = element(r, root, "uuid");
    xmlChar *u = uuid ? xmlNodeGetContent(uuid) : NULL;
    if (!u)
        vd_uuid_generate(def->uuid);
    else if (!vd_uuid_parse((const char *)u, def->uuid))
        bad(r, uuid, "malformed uuid element");
    xmlFree(u);
    def->mac = prop(r, element(r, root, "mac"), "address");
    g_autofree char *mtu = prop(r, element(r, root, "mtu"), "size");
    guint64 v = 0;
    if (mtu && !g_ascii_string_to_unsigned(mtu, 10, 68, 65535, &v, NULL))
        bad(r, root, "invalid mtu size '%s'", mtu);
    def->mtu = v;
}

static xmlNode *read_root(const char *xml, const char *what, const char *root_name, xmlDoc **doc,
                          vd_error **err)
{
    *doc = vd_xml_read(xml, what, err);
    if (!*doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(*doc);
    if (!root || strcmp((const char *)root->name, root_name) != 0) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_NETWORK, "expected root element <%s>",
                root_name);
        return NULL;
    }
    return root;
}

static bool finish(net_reader *r, xmlNode *root, vd_error **err)
{
    g_hash_table_add(r->seen, root);
    if (!r->err)
        vd_xml_refuse_unconsumed(r->seen, root, &r->err);
    g_hash_table_unref(r->seen);
    if (!r->err)
        return true;
    vd_error_propagate(err, r->err);
    return false;
}

vd_network_def *vd_network_def_parse(const char *xml, vd_error **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root = read_root(xml, "network", "network", &doc, err);
    if (!root)
        return NULL;
    net_reader r = {.seen = g_hash_table_new(NULL, NULL)};
    g_autoptr(vd_network_def) def = vd_network_def_new();
    g_free(prop(&r, root, "connections")); /* live state in dumpxml: ignored on input */
    parse_identity(&r, root, def);
    parse_forward(&r, root, def);
    parse_bridge(&r, root, def);
    parse_dns(&r, root, def);
    g_autoptr(GPtrArray) ips = elements(&r, root, "ip");
    for (unsigned i = 0; i < ips->len; i++)
        parse_ip(&r, ips->pdata[i], def);
    if (def->forward == VD_FWD_BRIDGE && ips->len)
        bad(&r, root, "network '%s' with forward mode 'bridge' cannot have <ip>", def->name);
    return finish(&r, root, err) ? g_steal_pointer(&def) : NULL;
}

vd_dhcp_host *vd_dhcp_host_parse(const char *xml, vd_error **err)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root = read_root(xml, "host", "host", &doc, err);
    if (!root)
        return NULL;
    net_reader r = {.seen = g_hash_table_new(NULL, NULL)};
    vd_dhcp_host *h = parse_host(&r, root);
    if (finish(&r, root, err))
        return h;
    vd_dhcp_host_free(h);
    return NULL;
}

/* ---- writing ---------------------------------------------------------------------------- */

static void add_ip(xmlNode *root, const vd_net_ip *ip)
{
    xmlNode *n = xmlNewChild(root, NULL, (const xmlChar *)"ip", NULL);
    if (ip->ipv6)
        vd_xml_set_attr(n, "family", "ipv6");
    vd_xml_set_attr(n, "address", ip->address);
    if (ip->ipv6) {
        vd_xml_set_attr_printf(n, "prefix", "%u", ip->prefix);
    } else {
        uint32_t m = ip->prefix ? htonl(0xffffffffu << (32 - ip->prefix)) : 0;
        char buf[INET_ADDRSTRLEN];
        vd_xml_set_attr(n, "netmask", inet_ntop(AF_INET, &m, buf, sizeof(buf)));
    }
    if (!ip->range_start && !ip->hosts->len)
        return;
    xmlNode *dhcp = xmlNewChild(n, NULL, (const xmlChar *)"dhcp", NULL);
    if (ip->range_start) {
        xmlNode *range = xmlNewChild(dhcp, NULL, (const xmlChar *)"range", NULL);
        vd_xml_set_attr(range, "start", ip->range_start);
        vd_xml_set_attr(range, "end", ip->range_end);
    }
    for (unsigned i = 0; i < ip->hosts->len; i++) {
        const vd_dhcp_host *h = ip->hosts->pdata[i];
        xmlNode *hn = xmlNewChild(dhcp, NULL, (const xmlChar *)"host", NULL);
        if (h->mac)
            vd_xml_set_attr(hn, "mac", h->mac);
        if (h->name)
            vd_xml_set_attr(hn, "name", h->name);
        if (h->ip)
            vd_xml_set_attr(hn, "ip", h->ip);
    }
}

static void add_dns(xmlNode *root, const vd_network_def *def)
{
    if (def->dns_enabled && !def->forwarders->len)
        return;
    xmlNode *dns = xmlNewChild(root, NULL, (const xmlChar *)"dns", NULL);
    if (!def->dns_enabled)
        vd_xml_set_attr(dns, "enable", "no");
    for (unsigned i = 0; i < def->forwarders->len; i++)
        vd_xml_set_attr(xmlNewChild(dns, NULL, (const xmlChar *)"forwarder", NULL), "addr",
                        def->forwarders->pdata[i]);
}

char *vd_network_def_format(const vd_network_def *def)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"network");
    xmlDocSetRootElement(doc, root);
    char uuid[37];
    vd_uuid_format(def->uuid, uuid);
    vd_xml_add_text(root, "name", def->name);
    vd_xml_add_text(root, "uuid", uuid);
    if (def->forward != VD_FWD_ISOLATED) {
        xmlNode *fwd = xmlNewChild(root, NULL, (const xmlChar *)"forward", NULL);
        vd_xml_set_attr(fwd, "mode", vd_forward_mode_name(def->forward));
        if (def->forward_dev)
            vd_xml_set_attr(fwd, "dev", def->forward_dev);
    }
    if (def->bridge) {
        xmlNode *br = xmlNewChild(root, NULL, (const xmlChar *)"bridge", NULL);
        vd_xml_set_attr(br, "name", def->bridge);
        if (def->forward != VD_FWD_BRIDGE) {
            vd_xml_set_attr(br, "stp", def->stp ? "on" : "off");
            vd_xml_set_attr_printf(br, "delay", "%u", def->delay);
        }
    }
    if (def->mtu)
        vd_xml_set_attr_printf(xmlNewChild(root, NULL, (const xmlChar *)"mtu", NULL), "size",
                               "%u", def->mtu);
    if (def->mac)
        vd_xml_set_attr(xmlNewChild(root, NULL, (const xmlChar *)"mac", NULL), "address",
                        def->mac);
    if (def->domain)
        vd_xml_set_attr(xmlNewChild(root, NULL, (const xmlChar *)"domain", NULL), "name",
                        def->domain);
    add_dns(root, def);
    for (unsigned i = 0; i < def->ips->len; i++)
        add_ip(root, def->ips->pdata[i]);
    return vd_xml_doc_to_string(doc);
}
