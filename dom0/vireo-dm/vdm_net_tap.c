/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tap virtvireod created and passed to us: its kind checked, its virtio header set to
 * the 1.x layout, and its receive offloads kept equal to what the guest's driver accepted.
 */
#include "vdm_net_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <net/if.h>
#include <linux/if_tun.h>

#include "vdm_device.h"
#include "vdm_net.h"

#define BIT(n) (1ull << (n))

/* What the tap must do with the frames the host sends the guest, for each receive
 * feature (TUNSETOFFLOAD: "I, the reader, can take these"). */
static const struct {
    unsigned feature;
    unsigned tun_flag;
} rx_offloads[] = {
    {VIRTIO_NET_F_GUEST_CSUM, TUN_F_CSUM},
    {VIRTIO_NET_F_GUEST_TSO4, TUN_F_TSO4},
    {VIRTIO_NET_F_GUEST_TSO6, TUN_F_TSO6},
    {VIRTIO_NET_F_GUEST_ECN, TUN_F_TSO_ECN},
};

/* Frames the guest sends reach the tap with its header as they are: the kernel validates
 * and, where the path needs it, segments and checksums them (virtio_net_hdr_to_skb). UFO
 * stays off: kernels since 4.14 only emulate it. */
#define TX_FEATURES                                                                                \
    (BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) |          \
     BIT(VIRTIO_NET_F_HOST_ECN))

static gboolean check_tap(int fd, const char *ifname, GError **error)
{
    struct ifreq ifr;
    const unsigned want = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;

    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
        g_set_error(error, VDM_ERROR, 0, "tap %s: fd %d is not a tun/tap device: %s", ifname, fd,
                    g_strerror(errno));
        return FALSE;
    }
    if (((unsigned)ifr.ifr_flags & want) != want) {
        g_set_error(error, VDM_ERROR, 0,
                    "tap %s: fd %d lacks%s%s%s; virtvireod must open it with "
                    "IFF_TAP|IFF_NO_PI|IFF_VNET_HDR",
                    ifname, fd, (ifr.ifr_flags & IFF_TAP) ? "" : " IFF_TAP",
                    (ifr.ifr_flags & IFF_NO_PI) ? "" : " IFF_NO_PI",
                    (ifr.ifr_flags & IFF_VNET_HDR) ? "" : " IFF_VNET_HDR");
        return FALSE;
    }
    /* The name is what log lines and domifstat use: a wrong fd would mislabel both. */
    if (strncmp(ifr.ifr_name, ifname, IFNAMSIZ) != 0) {
        g_set_error(error, VDM_ERROR, 0, "tap fd %d is %.*s, not %s", fd, IFNAMSIZ, ifr.ifr_name,
                    ifname);
        return FALSE;
    }
    return TRUE;
}

static gboolean set_fd_flags(int fd, const char *ifname, GError **error)
{
    int fl = fcntl(fd, F_GETFL);

    /* Close-on-exec: a child (qemu-storage-daemon) holding the tap would keep it alive
     * after we die, and virtvireod counts on the tap vanishing with us. */
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        g_set_error(error, VDM_ERROR, 0, "tap %s: fcntl: %s", ifname, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* The receive offloads this kernel's tap takes, tried from the most to the least. */
static uint64_t probe_rx_features(int fd)
{
    uint64_t features = 0;
    unsigned flags = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(rx_offloads); i++) {
        if (ioctl(fd, TUNSETOFFLOAD, flags | rx_offloads[i].tun_flag) < 0)
            break;
        flags |= rx_offloads[i].tun_flag;
        features |= BIT(rx_offloads[i].feature);
    }
    return features;
}

gboolean vdm_net_tap_setup(int fd, const char *ifname, uint64_t *features, GError **error)
{
    int hdr_size = (int)sizeof(struct vdm_net_hdr);

    if (!check_tap(fd, ifname, error) || !set_fd_flags(fd, ifname, error))
        return FALSE;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0) {
        g_set_error(error, VDM_ERROR, 0, "tap %s: TUNSETVNETHDRSZ %d: %s", ifname, hdr_size,
                    g_strerror(errno));
        return FALSE;
    }
    *features = TX_FEATURES | probe_rx_features(fd);
    if (ioctl(fd, TUNSETOFFLOAD, 0u) < 0) {
        g_set_error(error, VDM_ERROR, 0, "tap %s: TUNSETOFFLOAD 0: %s", ifname, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

int vdm_net_tap_set_offloads(int fd, uint64_t driver_features)
{
    unsigned flags = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(rx_offloads); i++) {
        if ((driver_features & BIT(rx_offloads[i].feature)) != 0)
            flags |= rx_offloads[i].tun_flag;
    }
    /* The tap ignores TSO without CSUM, as §5.1.3.1 forbids the features without it. */
    if ((flags & TUN_F_CSUM) == 0)
        flags = 0;
    return ioctl(fd, TUNSETOFFLOAD, flags) < 0 ? -errno : 0;
}
