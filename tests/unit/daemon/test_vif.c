/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vifs (daemon/vd-vif.c), in a private network namespace: a vif is a tap with virtio-net
 * headers, up, a port of its bridge with the guest's MAC under 0xfe, and gone once its fd
 * is closed; a missing bridge is a clear error and leaves no tap behind.
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vd-netlink.h"
#include "vd-vif.h"

static char *ip_link(const char *name)
{
    g_autofree char *cmd = g_strdup_printf("ip -o link show %s", name);
    char *out = NULL;
    if (!g_spawn_command_line_sync(cmd, &out, NULL, NULL, NULL))
        return g_strdup("");
    return out;
}

static void vif_is_an_up_port_until_closed(void)
{
    g_autoptr(vd_error) err = NULL;
    if (!vd_bridge_create("vbr7", NULL, 0, &err) || !vd_link_set_up("vbr7", &err))
        g_error("cannot make the test bridge: %s", err->message);
    static const unsigned char mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    const char *name = "vif7.0";

    int fd = vd_vif_open(name, "vbr7", mac, "d7", &err);
    if (fd < 0)
        g_error("vd_vif_open: %s", err->message);
    g_autofree char *shown = ip_link(name);
    if (!strstr(shown, "master vbr7") || !strstr(shown, "UP") || !strstr(shown, "fe:54:00:12:34:56"))
        g_error("vif7.0 is not an up port of vbr7 with the guest's MAC under 0xfe: %s", shown);
    struct ifreq ifr = {0};
    if (ioctl(fd, TUNGETIFF, &ifr) < 0)
        g_error("TUNGETIFF on the vif fd failed");
    if (!(ifr.ifr_flags & IFF_VNET_HDR) || !(ifr.ifr_flags & IFF_TAP))
        g_error("the tap lacks IFF_TAP or IFF_VNET_HDR (flags %#x)", ifr.ifr_flags);
    if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
        g_error("the vif fd leaks into every child (no FD_CLOEXEC)");

    close(fd);
    if (if_nametoindex(name))
        g_error("vif7.0 outlived its last fd");
}

static void missing_bridge_is_a_clear_error(void)
{
    g_autoptr(vd_error) err = NULL;
    static const unsigned char mac[6] = {0x52, 0x54, 0x00, 0, 0, 8};
    int fd = vd_vif_open("vif8.0", "nosuchbr", mac, "d8", &err);
    if (fd != -1 || !err)
        g_error("a vif on a missing bridge was made (fd %d)", fd);
    if (!strstr(err->message, "bridge 'nosuchbr' of domain 'd8' does not exist"))
        g_error("unclear error: %s", err->message);
    if (if_nametoindex("vif8.0"))
        g_error("a failed vif left its tap behind");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (unshare(CLONE_NEWNET) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0) {
        g_print("1..0 # SKIP needs root for a private network namespace and /dev/net/tun\n");
        return 0;
    }
    g_test_add_func("/vif/is-an-up-port-until-closed", vif_is_an_up_port_until_closed);
    g_test_add_func("/vif/missing-bridge-is-a-clear-error", missing_bridge_is_a_clear_error);
    return g_test_run();
}
