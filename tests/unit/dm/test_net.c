/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net against a real tap in a private network namespace: frames the guest sends
 * reach an AF_PACKET socket on the tap, frames sent there reach the guest's buffers, TSO
 * in both directions, no spinning without buffers, and hostile chains end in NEEDS_RESET.
 * Needs root (CAP_NET_ADMIN); skips (77) only where /dev/net/tun is missing.
 */
#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "test_net_driver.h"
#include "vdm_config.h"
#include "vdm_net.h"
#include "vdm_virtio_mmio.h"

#define TAP_NAME "vif5.0"
#define GUEST_MAC "52:54:00:12:34:56"
#define ETHERTYPE_TEST 0x88b5 /* IEEE local experimental: nothing else sends it */
#define HDR_LEN sizeof(struct vdm_net_hdr)
#define RX_SMALL (HDR_LEN + 1518)
#define BIT(n) (1ull << (n))

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

static unsigned failures;

static bool check(bool ok, const char *test, const char *fmt, ...)
{
    va_list ap;

    if (ok)
        return true;
    failures++;
    fprintf(stderr, "FAIL %s: ", test);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return false;
}

static void pass(const char *test)
{
    printf("ok %s\n", test);
}

/* ---- the host side: namespace, taps, packet socket ---- */

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);

    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror(path);
        close(fd);
    }
}

static int tap_create(const char *name, short flags)
{
    struct ifreq ifr = {0};
    int fd = open("/dev/net/tun", O_RDWR);

    if (fd < 0)
        return -1;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    ifr.ifr_flags = flags;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        perror("TUNSETIFF");
        close(fd);
        return -1;
    }
    return fd;
}

static bool link_up(const char *name)
{
    struct ifreq ifr = {0};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok;

    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    ok = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP;
    ok = ok && ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

/* A packet socket on the tap that sees and sends virtio headers: the far end of the wire. */
static int packet_open(const char *name)
{
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
    int one = 1;
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

    if (s < 0)
        return -1;
    sll.sll_ifindex = (int)if_nametoindex(name);
    if (setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
        bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
        close(s);
        return -1;
    }
    return s;
}

/* The next frame the tap took from the guest (not one we sent), with the 10-byte header
 * PACKET_VNET_HDR puts first; its length, or -1 after timeout_ms. */
static ssize_t packet_recv(int s, uint8_t *buf, size_t len, int timeout_ms)
{
    for (;;) {
        struct pollfd pfd = {.fd = s, .events = POLLIN};
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof(from);
        ssize_t n;

        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
        n = recvfrom(s, buf, len, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            return -1;
        if (from.sll_pkttype != PACKET_OUTGOING)
            return n;
    }
}

static bool packet_send(int s, const struct vdm_net_hdr *hdr, const uint8_t *frame, size_t len)
{
    struct iovec iov[2] = {{(void *)hdr, 10}, {(void *)frame, len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

    return sendmsg(s, &msg, 0) == (ssize_t)(10 + len);
}

/* Deletes a link over rtnetlink, as `ip link del` would. */
static bool link_delete(const char *name)
{
    struct {
        struct nlmsghdr nh;
        struct ifinfomsg ifi;
    } req = {
        .nh = {.nlmsg_len = sizeof(req),
               .nlmsg_type = RTM_DELLINK,
               .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
        .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex(name)},
    };
    union {
        struct nlmsghdr nh;
        char buf[512];
    } ack;
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    bool ok = s >= 0 && send(s, &req, sizeof(req), 0) == (ssize_t)sizeof(req) &&
              recv(s, &ack, sizeof(ack), 0) > 0 && ack.nh.nlmsg_type == NLMSG_ERROR &&
              ((struct nlmsgerr *)NLMSG_DATA(&ack.nh))->error == 0;

    if (s >= 0)
        close(s);
    return ok;
}

/* ---- frames ---- */

/* An Ethernet frame of len bytes with the test ethertype, payload bytes from seed. */
static void frame_fill(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src, uint8_t seed)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = ETHERTYPE_TEST >> 8;
    f[13] = ETHERTYPE_TEST & 0xff;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seed + i * 7);
}

/* An IPv4/TCP frame with `payload` bytes of data, headers consistent enough for the
 * kernel's GSO checks; the TCP checksum is left to the offload (pseudo-header only). */
static size_t frame_tcp4(uint8_t *f, const uint8_t *dst, const uint8_t *src, size_t payload)
{
    size_t ip_len = 20 + 20 + payload;
    uint8_t *ip = f + 14, *tcp = f + 34;
    uint32_t sum = 0;

    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, (uint8_t[]){10, 0, 0, 1, 10, 0, 0, 2}, 8);
    for (int i = 0; i < 20; i += 2)
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    ip[10] = (uint8_t)(~sum >> 8);
    ip[11] = (uint8_t)~sum;
    tcp[0] = 0x30, tcp[1] = 0x39, tcp[2] = 0x00, tcp[3] = 0x50; /* 12345 -> 80 */
    tcp[12] = 5 << 4;
    tcp[13] = 0x18; /* PSH ACK */
    tcp[14] = 0xff, tcp[15] = 0xff;
    for (size_t i = 0; i < payload; i++)
        f[54 + i] = (uint8_t)(i * 13);
    return 54 + payload;
}

static struct vdm_net_hdr tso4_hdr(uint16_t mss)
{
    return (struct vdm_net_hdr){
        .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
        .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
        .hdr_len = 54,
        .gso_size = mss,
        .csum_start = 34,
        .csum_offset = 16,
    };
}

/* ---- the device under test ---- */

struct bench {
    struct drv d;
    int tap;
    int pkt;
};

/* The device as vireo-dm builds it: its config group through the config parser (which
 * checks the keys against vdm_net_type's) and the type table. */
static struct vdm_device *net_create(struct drv *d, int tap_fd, const char *ifname, GError **error)
{
    g_autofree char *text =
        g_strdup_printf("[vireo-dm]\ndomid=5\nname=test-domu\nmemory_bytes=%u\nruntime_dir=/tmp\n"
                        "[device.2]\nslot=2\ntype=net\nmac=%s\nifname=%s\ntap_fd=%d\n",
                        8u << 20, GUEST_MAC, ifname, tap_fd);
    struct vdm_config cfg;
    struct vdm_device *dev;

    if (vdm_config_parse(&cfg, text, strlen(text), error) < 0)
        return NULL;
    dev = cfg.device[0].type->create(&d->env, cfg.kf, cfg.device[0].group, error);
    vdm_config_clear(&cfg);
    return dev;
}

/* Guest transmits one chain of header + frame; returns its head. */
static uint16_t guest_send(struct drv *d, const struct vdm_net_hdr *hdr, const uint8_t *f,
                           size_t len)
{
    uint64_t gpa = drv_alloc(d, HDR_LEN + len);
    struct drv_buf buf = {.gpa = gpa, .len = (uint32_t)(HDR_LEN + len)};

    memcpy(drv_host(d, gpa), hdr, HDR_LEN);
    memcpy(drv_host(d, gpa + HDR_LEN), f, len);
    return drv_offer(d, VDM_NET_TXQ, &buf, 1);
}

/* Guest posts a receive buffer of `size` bytes cut into `pieces` descriptors (the first
 * shorter than the header when pieces > 1, as a driver may). Returns its gpa. */
static uint64_t guest_post(struct drv *d, size_t size, unsigned pieces)
{
    struct drv_buf bufs[32];
    uint64_t gpa = drv_alloc(d, size);
    size_t at = 0;

    memset(drv_host(d, gpa), 0xee, size);
    for (unsigned i = 0; i < pieces; i++) {
        size_t len = i + 1 == pieces ? size - at : (i == 0 ? 10 : (size - 10) / (pieces - 1));

        bufs[i] = (struct drv_buf){.gpa = gpa + at, .len = (uint32_t)len, .writable = true};
        at += len;
    }
    drv_offer(d, VDM_NET_RXQ, bufs, pieces);
    return gpa;
}

/* Posts n receive buffers of `size` bytes, one descriptor each (as Linux posts mergeable
 * ones), back to back in guest RAM when size is a multiple of 64. Returns the first's gpa. */
static uint64_t guest_post_n(struct drv *d, unsigned n, size_t size)
{
    uint64_t first = guest_post(d, size, 1);

    for (unsigned i = 1; i < n; i++)
        guest_post(d, size, 1);
    return first;
}

struct used_wait {
    unsigned q;
    unsigned want;
    unsigned got;
    uint32_t len[8];
};

static bool used_arrived(struct drv *d, void *arg)
{
    struct used_wait *w = arg;
    uint32_t id;

    while (w->got < w->want && drv_used(d, w->q, &id, &w->len[w->got]))
        w->got++;
    return w->got == w->want;
}

/* Waits up to ms for `want` used elements on queue q. */
static unsigned wait_used(struct drv *d, unsigned q, unsigned want, unsigned ms, uint32_t *lens)
{
    struct used_wait w = {.q = q, .want = want};

    drv_run(d, ms, used_arrived, &w);
    if (lens != NULL)
        memcpy(lens, w.len, sizeof(uint32_t) * w.got);
    return w.got;
}

static bool needs_reset(struct drv *d)
{
    return (drv_read(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

static uint64_t cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define BASE_FEATURES (BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS))
#define OFFLOAD_FEATURES                                                                           \
    (BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4) |         \
     BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) | BIT(VIRTIO_NET_F_GUEST_TSO6))

/* ---- tests ---- */

static void device_offers_mac_link_and_tap_offloads(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    uint64_t f = drv_device_features(d);
    unsigned before = failures;
    uint8_t mac[6];

    check(drv_read(d, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_NET, t, "device id %u",
          drv_read(d, VIRTIO_MMIO_DEVICE_ID));
    check((f & (BASE_FEATURES | OFFLOAD_FEATURES)) == (BASE_FEATURES | OFFLOAD_FEATURES), t,
          "features 0x%llx lack some of 0x%llx", (unsigned long long)f,
          (unsigned long long)(BASE_FEATURES | OFFLOAD_FEATURES));
    check((f & BIT(VIRTIO_NET_F_MRG_RXBUF)) != 0, t, "MRG_RXBUF not offered");
    check((f & (BIT(VIRTIO_NET_F_GUEST_UFO) | BIT(VIRTIO_NET_F_HOST_UFO))) == 0, t,
          "UFO offered: 0x%llx", (unsigned long long)f);
    for (unsigned i = 0; i < 6; i++)
        mac[i] = (uint8_t)vdm_bus_read(&d->bus, d->dev->base + VIRTIO_MMIO_CONFIG + i, 1);
    check(memcmp(mac, guest_mac, 6) == 0, t, "config mac %02x:%02x:%02x:%02x:%02x:%02x", mac[0],
          mac[1], mac[2], mac[3], mac[4], mac[5]);
    check((vdm_bus_read(&d->bus, d->dev->base + VIRTIO_MMIO_CONFIG + 6, 2) &
           VIRTIO_NET_S_LINK_UP) != 0,
          t, "link not up in config status");
    if (failures == before)
        pass(t);
}

static void guest_frame_reaches_the_tap(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr hdr = {0};
    uint8_t frame[100], got[2048];
    unsigned before = failures;
    uint32_t id, len;
    ssize_t n;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    drv_ack(d);
    frame_fill(frame, sizeof(frame), peer_mac, guest_mac, 1);
    guest_send(d, &hdr, frame, sizeof(frame));
    drv_notify(d, VDM_NET_TXQ);
    check(drv_used(d, VDM_NET_TXQ, &id, &len), t, "transmit chain not returned as used");
    check((drv_ack(d) & VIRTIO_INT_USED) != 0 && d->irq_raised > 0, t,
          "no used-buffer interrupt after transmit");
    n = packet_recv(b->pkt, got, sizeof(got), 1000);
    check(n == (ssize_t)(10 + sizeof(frame)), t, "packet socket got %zd bytes, want %zu", n,
          10 + sizeof(frame));
    check(n > 10 && memcmp(got + 10, frame, sizeof(frame)) == 0, t, "frame bytes differ");
    if (failures == before)
        pass(t);
}

static void tap_frame_reaches_guest_buffer_with_header(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr zero = {0}, got;
    uint8_t frame[200];
    unsigned before = failures;
    uint32_t len[1];
    uint64_t gpa;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    drv_ack(d);
    gpa = guest_post(d, RX_SMALL, 3); /* the header split over two descriptors */
    drv_notify(d, VDM_NET_RXQ);
    frame_fill(frame, sizeof(frame), guest_mac, peer_mac, 2);
    check(packet_send(b->pkt, &zero, frame, sizeof(frame)), t, "send: %s", strerror(errno));
    if (!check(wait_used(d, VDM_NET_RXQ, 1, 1000, len) == 1, t, "no frame in the guest"))
        return;
    memcpy(&got, drv_host(d, gpa), HDR_LEN);
    check(len[0] == HDR_LEN + sizeof(frame), t, "used len %u, want %zu", len[0],
          HDR_LEN + sizeof(frame));
    check(got.num_buffers == 1 && got.gso_type == 0 && got.flags == 0, t,
          "header num_buffers %u gso_type %u flags %u", got.num_buffers, got.gso_type, got.flags);
    check(memcmp(drv_host(d, gpa + HDR_LEN), frame, sizeof(frame)) == 0, t, "frame bytes differ");
    check((drv_ack(d) & VIRTIO_INT_USED) != 0, t, "no used-buffer interrupt after receive");
    if (failures == before)
        pass(t);
}

static void tso_frames_pass_whole_both_ways(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    static uint8_t frame[40000], got[70000];
    struct vdm_net_hdr hdr = tso4_hdr(1400), rh;
    unsigned before = failures;
    size_t len = frame_tcp4(frame, peer_mac, guest_mac, 30000);
    uint32_t id, ulen[1];
    uint64_t gpa;
    ssize_t n;

    check(drv_start(d, BASE_FEATURES | OFFLOAD_FEATURES), t, "FEATURES_OK refused");
    /* Guest to tap: one 30 000-byte segment-later frame, not 22 frames. */
    guest_send(d, &hdr, frame, len);
    drv_notify(d, VDM_NET_TXQ);
    check(drv_used(d, VDM_NET_TXQ, &id, ulen), t, "TSO transmit not returned as used");
    n = packet_recv(b->pkt, got, sizeof(got), 1000);
    memcpy(&rh, got, 10);
    check(n == (ssize_t)(10 + len), t, "tap got %zd bytes for a %zu-byte TSO frame", n, 10 + len);
    check(n > 10 && rh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && rh.gso_size == 1400, t,
          "tap saw gso_type %u gso_size %u", rh.gso_type, rh.gso_size);
    /* Tap to guest: the tap keeps GSO frames whole since TUNSETOFFLOAD said TSO4. */
    gpa = guest_post(d, HDR_LEN + VDM_NET_FRAME_MAX, 17);
    drv_notify(d, VDM_NET_RXQ);
    frame_tcp4(frame, guest_mac, peer_mac, 30000);
    check(packet_send(b->pkt, &hdr, frame, len), t, "send: %s", strerror(errno));
    if (!check(wait_used(d, VDM_NET_RXQ, 1, 1000, ulen) == 1, t, "no TSO frame in the guest"))
        return;
    memcpy(&rh, drv_host(d, gpa), HDR_LEN);
    check(ulen[0] == HDR_LEN + len, t, "used len %u, want %zu", ulen[0], HDR_LEN + len);
    check(rh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && rh.gso_size == 1400 &&
              (rh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0 && rh.num_buffers == 1,
          t, "guest header gso_type %u gso_size %u flags %u num_buffers %u", rh.gso_type,
          rh.gso_size, rh.flags, rh.num_buffers);
    check(memcmp(drv_host(d, gpa + HDR_LEN + 54), frame + 54, len - 54) == 0, t,
          "TSO payload differs");
    if (failures == before)
        pass(t);
}

/* The tap's receive offloads are the last driver's: after a reset to a driver without
 * GUEST_TSO4 the tap segments and checksums a TSO frame before the guest sees it. */
static void tap_offloads_follow_each_negotiation(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    static uint8_t frame[40000];
    struct vdm_net_hdr hdr = tso4_hdr(1400), rh;
    unsigned before = failures, got;
    size_t len = frame_tcp4(frame, guest_mac, peer_mac, 14000);
    uint32_t lens[8] = {0};
    uint64_t first;

    check(drv_start(d, BASE_FEATURES | OFFLOAD_FEATURES), t, "FEATURES_OK refused");
    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused after reset");
    first = guest_post_n(d, 8, RX_SMALL);
    drv_notify(d, VDM_NET_RXQ);
    check(packet_send(b->pkt, &hdr, frame, len), t, "send: %s", strerror(errno));
    got = wait_used(d, VDM_NET_RXQ, 8, 1000, lens);
    /* 14 000 bytes in segments of 1400: 10 frames, the first 8 fill the buffers. */
    check(got == 8, t, "%u frames delivered, want 8 segments", got);
    memcpy(&rh, drv_host(d, first), HDR_LEN);
    check(rh.gso_type == VIRTIO_NET_HDR_GSO_NONE && rh.flags == 0, t,
          "segment header gso_type %u flags %u", rh.gso_type, rh.flags);
    check(got > 0 && lens[0] == HDR_LEN + 54 + 1400, t, "first segment %u bytes, want %zu", lens[0],
          HDR_LEN + 54 + 1400);
    check(memcmp(drv_host(d, first + HDR_LEN + 54), frame + 54, 1400) == 0, t,
          "first segment's payload differs");
    /* The last two segments stay in the tap; a reset drops nothing we still hold. */
    guest_post(d, RX_SMALL, 1);
    guest_post(d, RX_SMALL, 1);
    drv_notify(d, VDM_NET_RXQ);
    check(wait_used(d, VDM_NET_RXQ, 2, 1000, lens) == 2, t, "the last segments did not come");
    if (failures == before)
        pass(t);
}

static void rx_without_buffers_idles_then_delivers(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr zero = {0};
    uint8_t frame[3][120];
    uint64_t gpa[3], cpu;
    unsigned before = failures;
    uint32_t len[3];

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    gpa[0] = guest_post(d, RX_SMALL, 1);
    drv_notify(d, VDM_NET_RXQ);
    for (unsigned i = 0; i < 3; i++) {
        frame_fill(frame[i], sizeof(frame[i]), guest_mac, peer_mac, (uint8_t)(10 + i));
        check(packet_send(b->pkt, &zero, frame[i], sizeof(frame[i])), t, "send %u", i);
    }
    /* One buffer, three frames: one delivered, then nothing to do until the guest posts. */
    cpu = cpu_ns();
    check(wait_used(d, VDM_NET_RXQ, 2, 400, len) == 1, t, "want exactly one frame delivered");
    cpu = cpu_ns() - cpu;
    check(cpu < 40000000ull, t, "%llu ms of CPU in 400 ms without receive buffers",
          (unsigned long long)(cpu / 1000000));
    gpa[1] = guest_post(d, RX_SMALL, 1);
    gpa[2] = guest_post(d, RX_SMALL, 1);
    drv_notify(d, VDM_NET_RXQ);
    check(wait_used(d, VDM_NET_RXQ, 2, 1000, len + 1) == 2, t,
          "the frames held in the tap did not come after the buffers");
    for (unsigned i = 0; i < 3; i++) {
        check(memcmp(drv_host(d, gpa[i] + HDR_LEN), frame[i], sizeof(frame[i])) == 0, t,
              "frame %u differs or out of order", i);
    }
    if (failures == before)
        pass(t);
}

#define MERGE_FEATURES                                                                             \
    (BASE_FEATURES | OFFLOAD_FEATURES | BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_F_RING_EVENT_IDX))
#define MERGE_BUF 2048

static uint16_t used_idx(struct drv *d, unsigned q)
{
    struct vdm_vring_used *used = drv_host(d, d->q[q].used_gpa);

    return atomic_load(&used->idx);
}

static void merged_rx_spreads_a_tso_frame_over_buffers_at_once(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    static uint8_t frame[40000];
    struct vdm_net_hdr hdr = tso4_hdr(1400), rh;
    unsigned before = failures, want;
    size_t len = frame_tcp4(frame, guest_mac, peer_mac, 30000), total = HDR_LEN + len;
    uint32_t lens[1];
    uint64_t first;

    check(drv_start(d, MERGE_FEATURES), t, "FEATURES_OK refused");
    first = guest_post_n(d, 40, MERGE_BUF); /* 80 KiB: room for the largest frame */
    drv_notify(d, VDM_NET_RXQ);
    check(packet_send(b->pkt, &hdr, frame, len), t, "send: %s", strerror(errno));
    want = (unsigned)((total + MERGE_BUF - 1) / MERGE_BUF);
    if (!check(wait_used(d, VDM_NET_RXQ, 1, 1000, lens) == 1, t, "nothing delivered"))
        return;
    /* Every buffer of the frame became used with the first: the driver never sees part. */
    check(used_idx(d, VDM_NET_RXQ) == want, t, "used idx %u right after the first, want %u",
          used_idx(d, VDM_NET_RXQ), want);
    memcpy(&rh, drv_host(d, first), HDR_LEN);
    check(rh.num_buffers == want && rh.gso_type == VIRTIO_NET_HDR_GSO_TCPV4, t,
          "num_buffers %u (want %u) gso_type %u", rh.num_buffers, want, rh.gso_type);
    check(lens[0] == MERGE_BUF, t, "first buffer used for %u bytes, not all %u", lens[0],
          MERGE_BUF);
    /* The buffers lie back to back in guest RAM (guest_post's 64-byte rounding of 2048). */
    check(memcmp(drv_host(d, first + HDR_LEN), frame, len) == 0, t,
          "frame bytes across the buffers differ");
    if (failures == before)
        pass(t);
}

static void merged_rx_waits_for_room_then_delivers(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr zero = {0}, rh;
    uint8_t frame[300];
    unsigned before = failures;
    uint64_t first, cpu;
    uint32_t lens[1];

    check(drv_start(d, MERGE_FEATURES), t, "FEATURES_OK refused");
    first = guest_post_n(d, 3, MERGE_BUF); /* 6 KiB: less than a TSO frame may need */
    drv_notify(d, VDM_NET_RXQ);
    frame_fill(frame, sizeof(frame), guest_mac, peer_mac, 50);
    check(packet_send(b->pkt, &zero, frame, sizeof(frame)), t, "send");
    cpu = cpu_ns();
    check(wait_used(d, VDM_NET_RXQ, 1, 300, lens) == 0, t,
          "read into buffers too small for a TSO frame");
    cpu = cpu_ns() - cpu;
    check(cpu < 30000000ull, t, "%llu ms of CPU in 300 ms waiting for buffers",
          (unsigned long long)(cpu / 1000000));
    guest_post_n(d, 40, MERGE_BUF);
    drv_notify(d, VDM_NET_RXQ);
    if (!check(wait_used(d, VDM_NET_RXQ, 1, 1000, lens) == 1, t, "not delivered after posting"))
        return;
    memcpy(&rh, drv_host(d, first), HDR_LEN);
    check(rh.num_buffers == 1 && lens[0] == HDR_LEN + sizeof(frame), t,
          "small frame: num_buffers %u, len %u", rh.num_buffers, lens[0]);
    check(memcmp(drv_host(d, first + HDR_LEN), frame, sizeof(frame)) == 0, t, "bytes differ");
    if (failures == before)
        pass(t);
}

static void rx_frame_too_big_for_buffer_is_dropped(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr zero = {0};
    uint8_t big[600], small[64];
    unsigned before = failures;
    uint32_t len[1];
    uint64_t gpa;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    gpa = guest_post(d, HDR_LEN + 100, 2);
    drv_notify(d, VDM_NET_RXQ);
    frame_fill(big, sizeof(big), guest_mac, peer_mac, 20);
    frame_fill(small, sizeof(small), guest_mac, peer_mac, 21);
    check(packet_send(b->pkt, &zero, big, sizeof(big)), t, "send big");
    check(packet_send(b->pkt, &zero, small, sizeof(small)), t, "send small");
    check(wait_used(d, VDM_NET_RXQ, 1, 1000, len) == 1, t, "nothing delivered");
    check(len[0] == HDR_LEN + sizeof(small) &&
              memcmp(drv_host(d, gpa + HDR_LEN), small, sizeof(small)) == 0,
          t, "the buffer holds %u bytes, not the small frame after the dropped one", len[0]);
    check(!needs_reset(d), t, "a frame too big for a buffer reset the device");
    if (failures == before)
        pass(t);
}

/* The frames of guest RAM the device model wrote, taken from its dirty log (g_free). */
static uint64_t *dirty_take(struct drv *d)
{
    uint64_t *words = g_new0(uint64_t, vdm_dirty_log_nr_words(&d->mem.dirty) + 1);

    vdm_dirty_log_take(&d->mem.dirty, words);
    return words;
}

static bool dirty(const uint64_t *words, uint64_t gpa)
{
    return ((words[(gpa >> 12) / 64] >> ((gpa >> 12) % 64)) & 1) != 0;
}

/* The dirty log (docs/device-model.md, "Dirty log") sees a frame readv put into a receive
 * buffer even when the frame is then dropped, and a delivered one with its used ring. */
static void rx_frames_are_dirty_logged_even_when_dropped(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr zero = {0};
    uint8_t big[600], small[64];
    unsigned before = failures;
    uint32_t len[1];
    uint64_t gpa, *words;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    gpa = guest_post(d, HDR_LEN + 100, 1);
    drv_notify(d, VDM_NET_RXQ);
    check(vdm_dirty_log_start(&d->mem.dirty, vdm_guest_mem_frames(&d->mem)) == 0, t, "start");
    frame_fill(big, sizeof(big), guest_mac, peer_mac, 40);
    check(packet_send(b->pkt, &zero, big, sizeof(big)), t, "send big");
    drv_run(d, 200, NULL, NULL);
    words = dirty_take(d);
    check(dirty(words, gpa + HDR_LEN), t, "the dropped frame's buffer is not marked");
    check(!dirty(words, d->q[VDM_NET_RXQ].used_gpa), t, "used ring marked with nothing used");
    g_free(words);
    frame_fill(small, sizeof(small), guest_mac, peer_mac, 41);
    check(packet_send(b->pkt, &zero, small, sizeof(small)), t, "send small");
    check(wait_used(d, VDM_NET_RXQ, 1, 1000, len) == 1, t, "nothing delivered");
    words = dirty_take(d);
    check(dirty(words, gpa) && dirty(words, d->q[VDM_NET_RXQ].used_gpa), t,
          "the delivered frame's buffer or the used ring is not marked");
    g_free(words);
    vdm_dirty_log_free(&d->mem.dirty);
    if (failures == before)
        pass(t);
}

static void suppressed_interrupts_stay_quiet(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr hdr = {0};
    uint8_t frame[60], got[256];
    unsigned before = failures, raised;
    uint32_t id, len;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    drv_ack(d);
    raised = d->irq_raised;
    drv_suppress_interrupts(d, VDM_NET_TXQ, true);
    frame_fill(frame, sizeof(frame), peer_mac, guest_mac, 30);
    guest_send(d, &hdr, frame, sizeof(frame));
    drv_notify(d, VDM_NET_TXQ);
    check(drv_used(d, VDM_NET_TXQ, &id, &len), t, "transmit not used");
    check(d->irq_raised == raised && drv_ack(d) == 0, t,
          "interrupt despite VIRTQ_AVAIL_F_NO_INTERRUPT");
    packet_recv(b->pkt, got, sizeof(got), 1000);
    if (failures == before)
        pass(t);
}

/* The longest chains the virtqueue takes (VDM_VQ_CHAIN_MAX descriptors, the indirect one
 * included: 1023 buffers) stay within readv's and writev's IOV_MAX, with our header copy
 * and the overflow buffer added on receive. */
static void longest_indirect_chains_pass_both_ways(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    static struct drv_buf bufs[1023];
    struct vdm_net_hdr zero = {0}, rh;
    uint8_t frame[4096 - HDR_LEN], got[8192];
    unsigned before = failures;
    uint32_t id, len[1];
    uint64_t gpa;
    ssize_t n;

    check(drv_start(d, BASE_FEATURES | BIT(VIRTIO_F_RING_INDIRECT_DESC)), t, "FEATURES_OK refused");
    /* Transmit: header and frame, 4 bytes a buffer but the last. */
    gpa = drv_alloc(d, 4096);
    memcpy(drv_host(d, gpa), &zero, HDR_LEN);
    frame_fill(frame, sizeof(frame), peer_mac, guest_mac, 70);
    memcpy(drv_host(d, gpa + HDR_LEN), frame, sizeof(frame));
    for (unsigned i = 0; i < 1023; i++)
        bufs[i] = (struct drv_buf){.gpa = gpa + 4 * i, .len = i < 1022 ? 4 : 4096 - 4 * 1022};
    drv_offer_indirect(d, VDM_NET_TXQ, bufs, 1023);
    drv_notify(d, VDM_NET_TXQ);
    check(drv_used(d, VDM_NET_TXQ, &id, len), t, "transmit not used");
    n = packet_recv(b->pkt, got, sizeof(got), 1000);
    check(n == (ssize_t)(10 + sizeof(frame)) && memcmp(got + 10, frame, sizeof(frame)) == 0, t,
          "tap got %zd bytes, want the %zu-byte frame", n, sizeof(frame));
    /* Receive: 1023 buffers of 64 bytes. */
    gpa = drv_alloc(d, 1023 * 64);
    for (unsigned i = 0; i < 1023; i++)
        bufs[i] = (struct drv_buf){.gpa = gpa + 64 * i, .len = 64, .writable = true};
    drv_offer_indirect(d, VDM_NET_RXQ, bufs, 1023);
    drv_notify(d, VDM_NET_RXQ);
    frame_fill(frame, 1000, guest_mac, peer_mac, 71);
    check(packet_send(b->pkt, &zero, frame, 1000), t, "send");
    if (!check(wait_used(d, VDM_NET_RXQ, 1, 1000, len) == 1, t, "nothing delivered"))
        return;
    memcpy(&rh, drv_host(d, gpa), HDR_LEN);
    check(len[0] == HDR_LEN + 1000 && rh.num_buffers == 1, t, "used len %u, num_buffers %u", len[0],
          rh.num_buffers);
    check(memcmp(drv_host(d, gpa + HDR_LEN), frame, 1000) == 0, t, "frame bytes differ");
    check(!needs_reset(d), t, "long chains reset the device");
    if (failures == before)
        pass(t);
}

/* A hostile chain on queue q must leave the device in NEEDS_RESET, and a reset must bring
 * it back to work. */
static void expect_reset(struct bench *b, const char *t, const char *what, unsigned q,
                         const struct drv_buf *bufs, unsigned n)
{
    struct drv *d = &b->d;
    struct vdm_net_hdr hdr = {0};
    uint8_t frame[60], got[256];
    uint32_t id, len;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    drv_offer(d, q, bufs, n);
    drv_notify(d, q);
    drv_run(d, 20, NULL, NULL);
    check(needs_reset(d), t, "%s: device does not need reset", what);
    check((drv_ack(d) & VIRTIO_INT_CONFIG) != 0, t, "%s: no config interrupt", what);
    check(drv_start(d, BASE_FEATURES), t, "%s: FEATURES_OK refused after reset", what);
    frame_fill(frame, sizeof(frame), peer_mac, guest_mac, 40);
    guest_send(d, &hdr, frame, sizeof(frame));
    drv_notify(d, VDM_NET_TXQ);
    check(drv_used(d, VDM_NET_TXQ, &id, &len) &&
              packet_recv(b->pkt, got, sizeof(got), 1000) == 10 + (ssize_t)sizeof(frame),
          t, "%s: no transmit after the reset", what);
}

static void hostile_chains_need_reset_and_never_crash(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    unsigned before = failures;
    uint64_t buf = d->ram_gpa + d->ram_size - 0x30000; /* past what drv_alloc hands out */

    expect_reset(b, t, "zero-length transmit", VDM_NET_TXQ,
                 (struct drv_buf[]){{.gpa = buf, .len = 0}}, 1);
    expect_reset(b, t, "transmit shorter than the header", VDM_NET_TXQ,
                 (struct drv_buf[]){{.gpa = buf, .len = 11}}, 1);
    expect_reset(b, t, "transmit outside guest RAM", VDM_NET_TXQ,
                 (struct drv_buf[]){{.gpa = 0xfff00000ull, .len = 100}}, 1);
    expect_reset(b, t, "transmit over 64 KiB + header", VDM_NET_TXQ,
                 (struct drv_buf[]){{.gpa = buf, .len = 0x10000}, {.gpa = buf, .len = 0x1000}}, 2);
    expect_reset(
        b, t, "transmit with a writable buffer", VDM_NET_TXQ,
        (struct drv_buf[]){{.gpa = buf, .len = 100}, {.gpa = buf, .len = 100, .writable = true}},
        2);
    expect_reset(b, t, "receive with a readable buffer", VDM_NET_RXQ,
                 (struct drv_buf[]){{.gpa = buf, .len = 2000}}, 1);
    expect_reset(b, t, "zero-length receive", VDM_NET_RXQ,
                 (struct drv_buf[]){{.gpa = buf, .len = 0, .writable = true}}, 1);
    if (failures == before)
        pass(t);
}

static void creation_refuses_wrong_fds(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    unsigned before = failures;
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    int plain = tap_create("vif5.1", IFF_TAP | IFF_NO_PI);
    int null = open("/dev/null", O_RDWR);

    check(plain >= 0, t, "second tap: %s", strerror(errno));
    check(net_create(d, plain, "vif5.1", &e1) == NULL && e1 != NULL &&
              strstr(e1->message, "IFF_VNET_HDR") != NULL,
          t, "tap without IFF_VNET_HDR accepted or unexplained: %s", e1 ? e1->message : "");
    check(net_create(d, b->tap, "vif9.9", &e2) == NULL && e2 != NULL &&
              strstr(e2->message, TAP_NAME) != NULL,
          t, "tap under another name accepted: %s", e2 ? e2->message : "");
    check(net_create(d, null, "vif5.0", &e3) == NULL && e3 != NULL, t,
          "/dev/null accepted as a tap");
    if (e1 != NULL)
        printf("# refusal: %s\n", e1->message);
    close(plain);
    close(null);
    if (failures == before)
        pass(t);
}

/* Last: it takes the bench's tap away. */
static void tap_deleted_takes_the_link_down_without_spinning(struct bench *b)
{
    const char *t = __func__;
    struct drv *d = &b->d;
    struct vdm_net_hdr hdr = {0};
    uint8_t frame[60];
    unsigned before = failures;
    uint32_t id, len;
    uint64_t cpu;

    check(drv_start(d, BASE_FEATURES), t, "FEATURES_OK refused");
    drv_ack(d);
    guest_post(d, RX_SMALL, 1);
    drv_notify(d, VDM_NET_RXQ); /* the tap is polled for this buffer now */
    if (!check(link_delete(TAP_NAME), t, "could not delete %s", TAP_NAME))
        return;
    cpu = cpu_ns();
    drv_run(d, 300, NULL, NULL);
    cpu = cpu_ns() - cpu;
    check(cpu < 30000000ull, t, "%llu ms of CPU in 300 ms with the tap gone",
          (unsigned long long)(cpu / 1000000));
    check((vdm_bus_read(&d->bus, d->dev->base + VIRTIO_MMIO_CONFIG + 6, 2) &
           VIRTIO_NET_S_LINK_UP) == 0,
          t, "link still up with the tap gone");
    check((drv_ack(d) & VIRTIO_INT_CONFIG) != 0, t, "no config interrupt for the link");
    frame_fill(frame, sizeof(frame), peer_mac, guest_mac, 60);
    guest_send(d, &hdr, frame, sizeof(frame));
    drv_notify(d, VDM_NET_TXQ);
    check(drv_used(d, VDM_NET_TXQ, &id, &len), t, "transmit to a gone tap not returned");
    check(!needs_reset(d), t, "a gone tap reset the device");
    if (failures == before)
        pass(t);
}

/* A private network namespace with the tap up and nothing else talking on it. */
static int bench_setup(struct bench *b)
{
    GError *error = NULL;
    struct vdm_device *dev;

    if (unshare(CLONE_NEWNET) < 0) {
        fprintf(stderr, "FAIL unshare(CLONE_NEWNET): %s (run as root)\n", strerror(errno));
        return 1;
    }
    write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
    b->tap = tap_create(TAP_NAME, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
    if (b->tap < 0 || !link_up(TAP_NAME) || (b->pkt = packet_open(TAP_NAME)) < 0) {
        fprintf(stderr, "FAIL tap %s in a new netns: %s\n", TAP_NAME, strerror(errno));
        return 1;
    }
    drv_setup(&b->d, 8u << 20);
    dev = net_create(&b->d, b->tap, TAP_NAME, &error);
    if (dev == NULL) {
        fprintf(stderr, "FAIL creating the device: %s\n", error->message);
        return 1;
    }
    drv_attach(&b->d, dev);
    return 0;
}

static const struct {
    const char *name;
    void (*run)(struct bench *b);
} tests[] = {
#define TEST(fn)                                                                                   \
    {                                                                                              \
#fn, fn                                                                                    \
    }
    TEST(creation_refuses_wrong_fds),
    TEST(device_offers_mac_link_and_tap_offloads),
    TEST(guest_frame_reaches_the_tap),
    TEST(tap_frame_reaches_guest_buffer_with_header),
    TEST(tso_frames_pass_whole_both_ways),
    TEST(tap_offloads_follow_each_negotiation),
    TEST(rx_without_buffers_idles_then_delivers),
    TEST(rx_frame_too_big_for_buffer_is_dropped),
    TEST(rx_frames_are_dirty_logged_even_when_dropped),
    TEST(merged_rx_spreads_a_tso_frame_over_buffers_at_once),
    TEST(merged_rx_waits_for_room_then_delivers),
    TEST(suppressed_interrupts_stay_quiet),
    TEST(longest_indirect_chains_pass_both_ways),
    TEST(hostile_chains_need_reset_and_never_crash),
    TEST(tap_deleted_takes_the_link_down_without_spinning),
#undef TEST
};

/* Runs the test named by argv[1], or all of them. */
int main(int argc, char **argv)
{
    struct bench b;
    bool found = argc < 2;

    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
        printf("SKIP: /dev/net/tun: %s\n", strerror(errno));
        return 77;
    }
    if (bench_setup(&b) != 0)
        return 1;
    for (size_t i = 0; i < G_N_ELEMENTS(tests); i++) {
        if (argc >= 2 && strcmp(argv[1], tests[i].name) != 0)
            continue;
        found = true;
        tests[i].run(&b);
    }
    check(found, argv[0], "no test named %s", argc >= 2 ? argv[1] : "");
    drv_teardown(&b.d);
    close(b.pkt);
    printf("%s: %u failure(s)\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
