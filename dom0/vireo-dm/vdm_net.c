/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net (virtio 1.1 §5.1) over the tap virtvireod created: transmit chains go to the
 * tap with writev, frames the tap receives go into the guest's receive buffers with readv.
 * Header and frame pass through unchanged: guest and tap share the 12-byte 1.x header.
 */
#include "vdm_net.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <netinet/ether.h>

#include <glib-unix.h>

#include "vdm_net_tap.h"
#include "vdm_virtio_mmio.h"

#define NET_QUEUE_SIZE 256
/* Chains or frames handled per turn of the main loop, so that one busy guest cannot starve
 * the other devices; the rest waits for the next turn. */
#define NET_BUDGET 256
#define HDR_LEN sizeof(struct vdm_net_hdr)

#define BIT(n) (1ull << (n))

_Static_assert(sizeof(struct vdm_net_hdr) == 12, "virtio 1.x net header");
_Static_assert(sizeof(struct vdm_net_config) == 10, "virtio_net_config up to the pairs");

/* Kinds of trouble, each logged once per device. */
enum {
    LOG_TX_ERROR = 1u << 0,
    LOG_RX_TOO_BIG = 1u << 1,
    LOG_RX_OFFLOAD = 1u << 2,
    LOG_RX_ERROR = 1u << 3,
    LOG_OFFLOADS = 1u << 4,
};

struct vdm_net {
    struct vdm_virtio virtio;
    struct vdm_net_config config;
    int tap_fd;
    char *ifname;
    GSource *rx_source; /* polls the tap while a receive buffer waits */
    GSource *tx_resume; /* the rest of a transmit queue beyond one budget */
    /* Receive buffers taken from the ring, in ring order, waiting for frames. */
    struct vdm_chain *rx_chain[NET_QUEUE_SIZE];
    unsigned rx_nr;
    size_t rx_room;                /* their writable bytes */
    size_t rx_cap[NET_QUEUE_SIZE]; /* each one's bytes in rx_iov, for the frame read */
    uint64_t offloads_reset;       /* reset_count + 1 when the tap's offloads were last set */
    uint64_t tx_dropped, rx_dropped;
    uint32_t logged;
    /* readv's vector: our header copy, the buffers past the header, then overflow. */
    struct iovec rx_iov[IOV_MAX];
    struct vdm_net_hdr rx_hdr;
    uint8_t rx_overflow[HDR_LEN + VDM_NET_FRAME_MAX];
};

static void log_once(struct vdm_net *net, uint32_t kind, const char *what, int err)
{
    if ((net->logged & kind) != 0)
        return;
    net->logged |= kind;
    g_message("%s: %s: tap %s: %s%s%s (logged once)", net->virtio.dev.env->name,
              net->virtio.dev.group, net->ifname, what, err != 0 ? ": " : "",
              err != 0 ? g_strerror(err) : "");
}

/* The tap was deleted under us (tun answers EBADFD once detached): the guest sees its
 * carrier go, and nothing more is read from the tap. */
static void link_lost(struct vdm_net *net, int err)
{
    if (err != EBADFD || (net->config.status & VIRTIO_NET_S_LINK_UP) == 0)
        return;
    net->config.status &= (uint16_t)~VIRTIO_NET_S_LINK_UP;
    g_message("%s: %s: tap %s is gone: link down", net->virtio.dev.env->name, net->virtio.dev.group,
              net->ifname);
    vdm_virtio_config_changed(&net->virtio);
}

/* ---- transmit ---- */

/* One chain to the tap. False when the chain breaks the rules (the device needs reset). */
static bool tx_one(struct vdm_net *net, struct vdm_chain *c)
{
    ssize_t n;

    /* §5.1.6.2: a device-readable header, then the frame; nothing for us to write. */
    if (c->nr_in != 0 || c->out_len < HDR_LEN || c->out_len > HDR_LEN + VDM_NET_FRAME_MAX)
        return false;
    if ((net->config.status & VIRTIO_NET_S_LINK_UP) == 0) {
        net->tx_dropped++; /* no tap behind the link any more */
        return true;
    }
    do {
        n = writev(net->tap_fd, c->iov, (int)c->nr_out);
    } while (n < 0 && errno == EINTR);
    /* A frame the tap refuses (runt, bad GSO header, tap gone) is lost as on a wire. */
    if (n < 0) {
        int err = errno;

        net->tx_dropped++;
        log_once(net, LOG_TX_ERROR, "transmit dropped", err);
        link_lost(net, err);
    }
    return true;
}

static gboolean tx_resume_cb(gpointer data);

static void tx_schedule(struct vdm_net *net)
{
    if (net->tx_resume != NULL)
        return;
    net->tx_resume = g_idle_source_new();
    g_source_set_callback(net->tx_resume, tx_resume_cb, net, NULL);
    g_source_attach(net->tx_resume, net->virtio.dev.env->main);
}

static void tx_unschedule(struct vdm_net *net)
{
    if (net->tx_resume == NULL)
        return;
    g_source_destroy(net->tx_resume);
    g_source_unref(net->tx_resume);
    net->tx_resume = NULL;
}

static void tx_drain(struct vdm_net *net)
{
    struct vdm_virtio *v = &net->virtio;
    struct vdm_vq *vq = &v->queue[VDM_NET_TXQ].vq;
    struct vdm_chain *c = NULL;
    unsigned done = 0;
    int ret = 0;

    while (done < NET_BUDGET && (ret = vdm_vq_pop(vq, &c)) > 0) {
        if (!tx_one(net, c)) {
            free(c);
            vdm_virtio_needs_reset(v, "transmit chain without a header, writable or over "
                                      "64 KiB");
            return;
        }
        vdm_vq_push(vq, c, 0);
        done++;
    }
    if (ret < 0) {
        vdm_virtio_needs_reset(v, "malformed transmit queue");
        return;
    }
    vdm_virtio_queue_interrupt(v, VDM_NET_TXQ);
    if (done == NET_BUDGET)
        tx_schedule(net);
}

static gboolean tx_resume_cb(gpointer data)
{
    struct vdm_net *net = data;

    g_source_unref(net->tx_resume);
    net->tx_resume = NULL;
    if (vdm_virtio_running(&net->virtio) && net->virtio.queue[VDM_NET_TXQ].vq.ready)
        tx_drain(net);
    return G_SOURCE_REMOVE;
}

/* ---- receive ---- */

static gboolean rx_ready_cb(gint fd, GIOCondition cond, gpointer data);

static void rx_poll(struct vdm_net *net, bool on)
{
    if (on && net->rx_source == NULL) {
        net->rx_source = g_unix_fd_source_new(net->tap_fd, G_IO_IN);
        g_source_set_callback(net->rx_source, G_SOURCE_FUNC(rx_ready_cb), net, NULL);
        g_source_attach(net->rx_source, net->virtio.dev.env->main);
    } else if (!on && net->rx_source != NULL) {
        g_source_destroy(net->rx_source);
        g_source_unref(net->rx_source);
        net->rx_source = NULL;
    }
}

/* The driver's features decide the tap's receive offloads; set them once per negotiation,
 * before the first frame is read for it. */
static void rx_sync_offloads(struct vdm_net *net)
{
    int ret;

    if (net->offloads_reset == net->virtio.reset_count + 1)
        return;
    net->offloads_reset = net->virtio.reset_count + 1;
    ret = vdm_net_tap_set_offloads(net->tap_fd, net->virtio.driver_features);
    if (ret < 0)
        log_once(net, LOG_OFFLOADS, "TUNSETOFFLOAD", -ret);
}

/* The rings the waiting buffers came from are being reset or were broken: they are never
 * pushed, and nothing is read from the tap for them. */
static void rx_drop_buffers(struct vdm_net *net)
{
    for (unsigned i = 0; i < net->rx_nr; i++)
        free(net->rx_chain[i]);
    net->rx_nr = 0;
    net->rx_room = 0;
    rx_poll(net, false);
}

/* The buffer space worth holding before a read: with MRG_RXBUF a frame spreads over
 * buffers, so hold enough for the largest frame the negotiated offloads let the tap send;
 * without it, one buffer is all a frame may use. */
static bool rx_have_room(struct vdm_net *net)
{
    const struct vdm_virtio *v = &net->virtio;
    size_t want = HDR_LEN + 1518;

    if (!vdm_virtio_has_feature(v, VIRTIO_NET_F_MRG_RXBUF))
        return net->rx_nr > 0;
    if (vdm_virtio_has_feature(v, VIRTIO_NET_F_GUEST_TSO4) ||
        vdm_virtio_has_feature(v, VIRTIO_NET_F_GUEST_TSO6))
        want = HDR_LEN + VDM_NET_FRAME_MAX;
    /* Every buffer the ring holds is here already: read with what there is. */
    return net->rx_room >= want || net->rx_nr == net->virtio.queue[VDM_NET_RXQ].vq.num;
}

/* Takes receive buffers until there is room for a frame: 1, 0 when the driver must post
 * more first, -1 when it broke the rules (the device needs reset; *why says how). */
static int rx_take_buffers(struct vdm_net *net, const char **why)
{
    struct vdm_vq *vq = &net->virtio.queue[VDM_NET_RXQ].vq;
    struct vdm_chain *c;
    int ret;

    while (!rx_have_room(net)) {
        ret = vdm_vq_pop(vq, &c);
        if (ret < 0)
            *why = vq->broken;
        if (ret <= 0)
            return ret < 0 ? -1 : 0;
        /* §5.1.6.3.1: device-writable only, each at least the size of the header. */
        *why = c->nr_out != 0            ? "a readable buffer"
               : c->in_len < HDR_LEN     ? "a buffer shorter than the header"
               : net->rx_nr == NET_QUEUE_SIZE ? "more buffers than the queue holds"
                                          : NULL;
        if (*why != NULL) {
            free(c);
            return -1;
        }
        net->rx_chain[net->rx_nr++] = c;
        net->rx_room += c->in_len;
    }
    return 1;
}

/* Adds chain c to readv's vector, past `skip` bytes; false when it would not fit whole. */
static bool rx_vector_add(struct vdm_net *net, const struct vdm_chain *c, size_t skip, int *nr,
                          size_t *cap)
{
    const struct iovec *in = c->iov + c->nr_out;

    /* One slot stays for the overflow. A chain cut short is the last one in the vector. */
    if (*nr + (int)c->nr_in > IOV_MAX - 1 && *nr > 1)
        return false;
    *cap = skip;
    for (unsigned i = 0; i < c->nr_in && *nr < IOV_MAX - 1; i++) {
        if (skip >= in[i].iov_len) {
            skip -= in[i].iov_len;
            continue;
        }
        net->rx_iov[(*nr)++] = (struct iovec){.iov_base = (uint8_t *)in[i].iov_base + skip,
                                              .iov_len = in[i].iov_len - skip};
        *cap += in[i].iov_len - skip;
        skip = 0;
    }
    return true;
}

/* readv's vector: the header into net->rx_hdr (checked before the guest sees it), the frame
 * into the buffers after the header's place, and what does not fit into overflow. Returns
 * the entries; *room is the bytes of a whole frame, header included, that fit. */
static int rx_vector(struct vdm_net *net, size_t *room)
{
    unsigned max = vdm_virtio_has_feature(&net->virtio, VIRTIO_NET_F_MRG_RXBUF) ? net->rx_nr : 1;
    int nr = 0;

    *room = 0;
    memset(net->rx_cap, 0, sizeof(net->rx_cap));
    net->rx_iov[nr++] = (struct iovec){.iov_base = &net->rx_hdr, .iov_len = HDR_LEN};
    for (unsigned i = 0; i < max; i++) {
        if (!rx_vector_add(net, net->rx_chain[i], i == 0 ? HDR_LEN : 0, &nr, &net->rx_cap[i]))
            break;
        *room += net->rx_cap[i];
    }
    net->rx_iov[nr++] =
        (struct iovec){.iov_base = net->rx_overflow, .iov_len = sizeof(net->rx_overflow)};
    return nr;
}

/* A frame the tap kept from before the driver's last reset may carry offloads this driver
 * did not accept: it would misread it. */
static bool rx_hdr_acceptable(struct vdm_net *net)
{
    const struct vdm_virtio *v = &net->virtio;

    if ((net->rx_hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0 &&
        !vdm_virtio_has_feature(v, VIRTIO_NET_F_GUEST_CSUM))
        return false;
    if ((net->rx_hdr.gso_type & VIRTIO_NET_HDR_GSO_ECN) != 0 &&
        !vdm_virtio_has_feature(v, VIRTIO_NET_F_GUEST_ECN))
        return false;
    switch (net->rx_hdr.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return true;
    case VIRTIO_NET_HDR_GSO_TCPV4:
        return vdm_virtio_has_feature(v, VIRTIO_NET_F_GUEST_TSO4);
    case VIRTIO_NET_HDR_GSO_TCPV6:
        return vdm_virtio_has_feature(v, VIRTIO_NET_F_GUEST_TSO6);
    default:
        return false;
    }
}

/* Delivers a frame of n bytes (header included) just read into the waiting buffers: each
 * used to the full but the last (§5.1.6.4), num_buffers saying how many. */
static void rx_deliver(struct vdm_net *net, size_t n)
{
    struct vdm_vq *vq = &net->virtio.queue[VDM_NET_RXQ].vq;
    uint32_t len[NET_QUEUE_SIZE];
    unsigned k = 0;

    for (size_t left = n; left > 0; k++) {
        len[k] = (uint32_t)(left < net->rx_cap[k] ? left : net->rx_cap[k]);
        left -= len[k];
        net->rx_room -= net->rx_chain[k]->in_len;
    }
    net->rx_hdr.num_buffers = (uint16_t)k;
    vdm_chain_scatter(net->rx_chain[0], 0, &net->rx_hdr, HDR_LEN);
    vdm_vq_push_batch(vq, net->rx_chain, len, k);
    net->rx_nr -= k;
    memmove(net->rx_chain, net->rx_chain + k, net->rx_nr * sizeof(net->rx_chain[0]));
}

/* One frame from the tap into the waiting buffers. 2: delivered, 1: dropped, 0: the tap is
 * empty, -1: the tap failed. */
static int rx_one(struct vdm_net *net)
{
    size_t room;
    int nr = rx_vector(net, &room);
    ssize_t n;

    do {
        n = readv(net->tap_fd, net->rx_iov, nr);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;

        if (err == EAGAIN || err == EWOULDBLOCK)
            return 0;
        log_once(net, LOG_RX_ERROR, "receive stopped", err);
        link_lost(net, err);
        return -1;
    }
    /* The frame went into the guest's buffers even if it is dropped below (the first
     * entry is our header copy, the last our overflow: neither is guest RAM). */
    if ((size_t)n > HDR_LEN)
        vdm_guest_mem_wrote_iov(net->virtio.dev.env->mem, net->rx_iov + 1, (unsigned)nr - 1, 0,
                                (size_t)n - HDR_LEN);
    /* Too big for the buffers, or offloads the driver cannot take: lost, the buffers wait
     * for the next frame. */
    if ((size_t)n < HDR_LEN || (size_t)n > room) {
        net->rx_dropped++;
        log_once(net, LOG_RX_TOO_BIG, "received frame larger than the guest's buffers dropped", 0);
        return 1;
    }
    if (!rx_hdr_acceptable(net)) {
        net->rx_dropped++;
        log_once(net, LOG_RX_OFFLOAD, "received frame with offloads not negotiated dropped", 0);
        return 1;
    }
    rx_deliver(net, (size_t)n);
    return 2;
}

/* Moves frames from the tap to the guest until either side runs dry or the budget is
 * spent, then polls the tap only if buffers wait for a frame: a guest without buffers
 * costs nothing until its next receive notification. */
static void rx_pump(struct vdm_net *net)
{
    struct vdm_virtio *v = &net->virtio;
    unsigned pushed = 0;
    bool poll = false;

    if (!vdm_virtio_running(v) || !v->queue[VDM_NET_RXQ].vq.ready) {
        rx_drop_buffers(net);
        return;
    }
    if ((net->config.status & VIRTIO_NET_S_LINK_UP) == 0) {
        rx_poll(net, false); /* no tap: nothing to read, the driver sees the link down */
        return;
    }
    rx_sync_offloads(net);
    for (unsigned turn = 0;; turn++) {
        const char *why = NULL;
        int ret = rx_take_buffers(net, &why);

        if (ret < 0) {
            const struct vdm_vq *vq = &v->queue[VDM_NET_RXQ].vq;

            g_message("%s: %s: receive queue: %s (avail idx %u, taken %u, size %u, "
                      "buffers held %u)",
                      v->dev.env->name, v->dev.group, why ? why : "?",
                      (unsigned)atomic_load_explicit(&vq->avail->idx, memory_order_acquire),
                      vq->last_avail, vq->num, net->rx_nr);
            vdm_virtio_needs_reset(v, "malformed receive queue or buffer");
            break;
        }
        poll = ret > 0 && turn == NET_BUDGET; /* the fd source comes back for the rest */
        if (ret == 0 || poll)
            break;
        ret = rx_one(net);
        poll = ret == 0;
        if (ret <= 0)
            break;
        pushed += ret == 2;
    }
    if (pushed != 0)
        vdm_virtio_queue_interrupt(v, VDM_NET_RXQ);
    rx_poll(net, poll);
}

static gboolean rx_ready_cb(gint fd, GIOCondition cond, gpointer data)
{
    (void)fd;
    (void)cond;
    rx_pump(data);
    return G_SOURCE_CONTINUE;
}

/* ---- the device ---- */

static void net_queue_notify(struct vdm_virtio *v, unsigned q)
{
    struct vdm_net *net = (struct vdm_net *)v;

    if (q == VDM_NET_TXQ)
        tx_drain(net);
    else
        rx_pump(net);
}

static void net_reset(struct vdm_virtio *v)
{
    struct vdm_net *net = (struct vdm_net *)v;

    rx_drop_buffers(net);
    tx_unschedule(net);
    /* Until the next driver says what it takes, the tap keeps frames plain: GSO frames
     * queued meanwhile would only be dropped if that driver does not take them. */
    vdm_net_tap_set_offloads(net->tap_fd, 0);
}

static void net_destroy(struct vdm_virtio *v)
{
    struct vdm_net *net = (struct vdm_net *)v;

    net_reset(v);
    g_message("%s: %s: tap %s closed (dropped: %" G_GUINT64_FORMAT
              " transmitted, %" G_GUINT64_FORMAT " received)",
              v->dev.env->name, v->dev.group, net->ifname, net->tx_dropped, net->rx_dropped);
    close(net->tap_fd);
    g_free(net->ifname);
    g_free(net);
}

/* Frames from the tap are the work that does not come from the driver: stopped while
 * quiesced (the tap keeps them), and transmission waits in the deferred notification. */
static bool net_quiesce(struct vdm_virtio *v, bool on)
{
    struct vdm_net *net = (struct vdm_net *)v;

    if (on) {
        rx_poll(net, false);
        if (net->tx_resume != NULL) {
            tx_unschedule(net);
            v->pending_notify |= 1u << VDM_NET_TXQ;
        }
    } else if (vdm_virtio_running(v) && v->queue[VDM_NET_RXQ].vq.ready) {
        rx_pump(net);
    }
    return true;
}

/* Receive buffers taken and waiting for a frame. */
static unsigned net_held(struct vdm_virtio *v, unsigned q)
{
    return q == VDM_NET_RXQ ? ((struct vdm_net *)v)->rx_nr : 0;
}

static const struct vdm_virtio_ops net_ops = {
    .queue_notify = net_queue_notify,
    .quiesce = net_quiesce,
    .held = net_held,
    .reset = net_reset,
    .destroy = net_destroy,
};

static gboolean parse_mac(GKeyFile *kf, const char *group, uint8_t mac[6], GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, group, "mac", NULL);
    struct ether_addr addr;

    if (text == NULL || ether_aton_r(text, &addr) == NULL) {
        g_set_error(error, VDM_ERROR, 0, "%s: mac=%s is not a MAC address", group,
                    text != NULL ? text : "(missing)");
        return FALSE;
    }
    /* The guest's own address must be unicast (bit 0 of the first byte clear). */
    if ((addr.ether_addr_octet[0] & 1) != 0) {
        g_set_error(error, VDM_ERROR, 0, "%s: mac=%s is a multicast address", group, text);
        return FALSE;
    }
    memcpy(mac, addr.ether_addr_octet, 6);
    return TRUE;
}

static int parse_tap_fd(GKeyFile *kf, const char *group, GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, group, "tap_fd", NULL);
    guint64 fd = 0;

    if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 3, INT_MAX, &fd, NULL)) {
        g_set_error(error, VDM_ERROR, 0, "%s: tap_fd=%s is not an inherited fd (3 or more)", group,
                    text != NULL ? text : "(missing)");
        return -1;
    }
    return (int)fd;
}

static struct vdm_device *net_create(const struct vdm_env *env, GKeyFile *kf, const char *group,
                                     GError **error)
{
    g_autofree char *ifname = g_key_file_get_string(kf, group, "ifname", NULL);
    struct vdm_net_config config = {.status = VIRTIO_NET_S_LINK_UP};
    uint64_t features =
        BIT(VIRTIO_NET_F_MAC) | BIT(VIRTIO_NET_F_STATUS) | BIT(VIRTIO_NET_F_MRG_RXBUF);
    uint64_t tap_features;
    struct vdm_net *net;
    int fd;

    if (ifname == NULL || *ifname == '\0') {
        g_set_error(error, VDM_ERROR, 0, "%s: ifname= (the tap's name) is missing", group);
        return NULL;
    }
    fd = parse_tap_fd(kf, group, error);
    if (fd < 0 || !parse_mac(kf, group, config.mac, error))
        return NULL;
    /* The fd is ours from here on success only: on failure vireo-dm exits and closes it. */
    if (!vdm_net_tap_setup(fd, ifname, &tap_features, error)) {
        g_prefix_error(error, "%s: ", group);
        return NULL;
    }
    net = g_new0(struct vdm_net, 1);
    net->config = config;
    net->tap_fd = fd;
    net->ifname = g_steal_pointer(&ifname);
    vdm_virtio_init(&net->virtio, env, group, &net_ops, VIRTIO_ID_NET, features | tap_features,
                    &net->config, sizeof(net->config), 2, NET_QUEUE_SIZE);
    g_message("%s: %s: virtio-net on tap %s, features 0x%" G_GINT64_MODIFIER "x", env->name, group,
              net->ifname, net->virtio.device_features);
    return &net->virtio.dev;
}

static const char *const net_keys[] = {"mac", "ifname", "tap_fd", NULL};

const struct vdm_device_type vdm_net_type = {
    .name = "net",
    .keys = net_keys,
    .create = net_create,
};
