/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's vif: a tap device named vif<domid>.<n>, as in Xen, carrying virtio-net
 * headers, up and a port of its bridge. The daemon makes it and hands the fd to vireo-dm,
 * which runs the datapath; the tap is not persistent, so it vanishes when its last
 * holder closes it and nothing is left behind whoever dies.
 */
#include "vd-vif.h"
#include "vd-error.h"
#include "vd-netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* No packet info, the virtio header (settable only here), not persistent. */
static int tap_open(const char *name, const char *domain, vd_error **err)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot open /dev/net/tun for interface '%s' of domain '%s'",
                      name, domain);
        return -1;
    }
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
    g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        vd_fail_errno(err, errno, "cannot create tap '%s' of domain '%s'", name, domain);
        close(fd);
        return -1;
    }
    return fd;
}

int vd_vif_open(const char *ifname, const char *bridge, const unsigned char guest_mac[6],
                const char *domain, vd_error **err)
{
    if (strlen(ifname) >= IFNAMSIZ) {
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_DOMAIN, "interface name '%s' too long",
                ifname);
        return -1;
    }
    if (!vd_link_exists(bridge)) {
        vd_fail(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_DOMAIN,
                "bridge '%s' of domain '%s' does not exist", bridge, domain);
        return -1;
    }
    int fd = tap_open(ifname, domain, err);
    if (fd < 0)
        return -1;
    /* The guest's MAC with 0xfe first: the bridge never takes the guest's as its own. */
    g_autofree char *mac = g_strdup_printf("fe:%02x:%02x:%02x:%02x:%02x", guest_mac[1],
                                           guest_mac[2], guest_mac[3], guest_mac[4], guest_mac[5]);
    if (!vd_link_join_bridge(ifname, bridge, mac, err)) {
        close(fd); /* the tap goes with its only fd */
        return -1;
    }
    return fd;
}
