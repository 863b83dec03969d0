/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bridges for virtual networks over rtnetlink with libnl-route-3: create, address, bring
 * up, delete; and domains' taps joining their bridges. Each call opens its own socket: they are
 * rare and may come from any thread.
 */
#include "vd-netlink.h"
#include "vd-error.h"

#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>

static void nl_fail(vd_error **err, int rc, const char *what, const char *name)
{
    vd_fail(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_NETWORK, "cannot %s '%s': %s", what, name,
            nl_geterror(rc));
}

static struct nl_sock *route_socket(const char *name, vd_error **err)
{
    struct nl_sock *s = nl_socket_alloc();
    int rc = s ? nl_connect(s, NETLINK_ROUTE) : -NLE_NOMEM;
    if (rc < 0) {
        nl_fail(err, rc, "open a netlink socket for", name);
        nl_socket_free(s);
        return NULL;
    }
    return s;
}

bool vd_link_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

bool vd_bridge_create(const char *name, const char *mac, unsigned mtu, vd_error **err)
{
    struct nl_sock *s = route_socket(name, err);
    if (!s)
        return false;
    struct rtnl_link *link = rtnl_link_bridge_alloc();
    struct nl_addr *addr = NULL;
    rtnl_link_set_name(link, name);
    if (mtu)
        rtnl_link_set_mtu(link, mtu);
    int rc = mac ? nl_addr_parse(mac, AF_LLC, &addr) : 0;
    if (rc == 0 && addr)
        rtnl_link_set_addr(link, addr);
    if (rc == 0)
        rc = rtnl_link_add(s, link, NLM_F_CREATE | NLM_F_EXCL);
    if (rc < 0)
        nl_fail(err, rc, "create bridge", name);
    nl_addr_put(addr);
    rtnl_link_put(link);
    nl_socket_free(s);
    return rc == 0;
}

bool vd_link_add_address(const char *name, const char *address, unsigned prefix, bool ipv6,
                         vd_error **err)
{
    int index = if_nametoindex(name);
    if (!index) {
        vd_fail_errno(err, errno, "cannot find interface '%s'", name);
        return false;
    }
    struct nl_sock *s = route_socket(name, err);
    if (!s)
        return false;
    g_autofree char *cidr = g_strdup_printf("%s/%u", address, prefix);
    struct rtnl_addr *a = rtnl_addr_alloc();
    struct nl_addr *local = NULL;
    int rc = nl_addr_parse(cidr, ipv6 ? AF_INET6 : AF_INET, &local);
    if (rc == 0) {
        rtnl_addr_set_ifindex(a, index);
        rtnl_addr_set_local(a, local);
        rc = rtnl_addr_add(s, a, 0);
    }
    if (rc < 0)
        vd_fail(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_NETWORK, "cannot add address %s to '%s': %s",
                cidr, name, nl_geterror(rc));
    nl_addr_put(local);
    rtnl_addr_put(a);
    nl_socket_free(s);
    return rc == 0;
}

static int link_up(struct nl_sock *s, struct rtnl_link *link)
{
    struct rtnl_link *change = rtnl_link_alloc();
    rtnl_link_set_flags(change, IFF_UP);
    int rc = rtnl_link_change(s, link, change, 0);
    rtnl_link_put(change);
    return rc;
}

/* Runs fn on the kernel's link `name`; a missing link is no failure when `gone_ok`. */
static bool on_link(const char *name, const char *what,
                    int (*fn)(struct nl_sock *, struct rtnl_link *), bool gone_ok, vd_error **err)
{
    struct nl_sock *s = route_socket(name, err);
    if (!s)
        return false;
    struct rtnl_link *link = NULL;
    int rc = rtnl_link_get_kernel(s, 0, name, &link);
    if (rc >= 0) {
        rc = fn(s, link);
        rtnl_link_put(link);
    }
    if (gone_ok && (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV))
        rc = 0;
    if (rc < 0)
        nl_fail(err, rc, what, name);
    nl_socket_free(s);
    return rc >= 0;
}

static int link_delete(struct nl_sock *s, struct rtnl_link *link)
{
    return rtnl_link_delete(s, link);
}

bool vd_link_set_up(const char *name, vd_error **err)
{
    return on_link(name, "bring up", link_up, false, err);
}

bool vd_link_delete(const char *name, vd_error **err)
{
    return on_link(name, "delete bridge", link_delete, true, err);
}

bool vd_link_join_bridge(const char *name, const char *bridge, const char *mac, vd_error **err)
{
    struct nl_sock *s = route_socket(name, err);
    if (!s)
        return false;
    struct rtnl_link *br = NULL, *link = NULL, *change = rtnl_link_alloc();
    struct nl_addr *addr = NULL;
    int rc = rtnl_link_get_kernel(s, 0, bridge, &br);
    if (rc >= 0)
        rc = rtnl_link_get_kernel(s, 0, name, &link);
    if (rc >= 0)
        rc = nl_addr_parse(mac, AF_LLC, &addr);
    if (rc >= 0) {
        rtnl_link_set_addr(change, addr);
        rtnl_link_set_mtu(change, rtnl_link_get_mtu(br));
        rtnl_link_set_master(change, rtnl_link_get_ifindex(br));
        rtnl_link_set_flags(change, IFF_UP);
        rc = rtnl_link_change(s, link, change, 0);
    }
    if (rc < 0)
        vd_fail(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_NETWORK,
                "cannot attach '%s' to bridge '%s': %s", name, bridge, nl_geterror(rc));
    nl_addr_put(addr);
    rtnl_link_put(change);
    if (link)
        rtnl_link_put(link);
    if (br)
        rtnl_link_put(br);
    nl_socket_free(s);
    return rc >= 0;
}
