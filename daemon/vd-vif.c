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

char *vd_vif_name(uint32_t domid, unsigned index)
{
    return g_strdup_printf("vif%u.%u", domid, index);
}

int vd_vif_open(const char *ifname, const char *bridge, vd_error **err)
{
    struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};

    if (strlen(ifname) >= IFNAMSIZ) {
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_DOMAIN, "interface name '%s' too long",
                ifname);
        return -1;
    }
    if (!vd_link_exists(bridge)) {
        vd_fail(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_DOMAIN, "bridge '%s' does not exist", bridge);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot open /dev/net/tun for '%s'", ifname);
        return -1;
    }
    g_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        vd_fail_errno(err, errno, "cannot create tap '%s'", ifname);
        close(fd);
        return -1;
    }
    if (!vd_link_set_master(ifname, bridge, err) || !vd_link_set_up(ifname, err)) {
        close(fd); /* the tap goes with its only fd */
        return -1;
    }
    return fd;
}
