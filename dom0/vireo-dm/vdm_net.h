/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-net over a tap (virtio 1.1 §5.1): the guest-visible numbers the device and its
 * tests share (feature bits, config space, the 12-byte header) and the device type.
 */
#ifndef VDM_NET_H
#define VDM_NET_H

#include <stdint.h>

#include "vdm_device.h"

/* Feature bits (§5.1.3). */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_GUEST_UFO 10
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_HOST_UFO 14
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16

#define VIRTIO_NET_S_LINK_UP 1u

#define VDM_NET_RXQ 0
#define VDM_NET_TXQ 1

/* The device's config space (§5.1.4); max_virtqueue_pairs is there only for its offset. */
struct vdm_net_config {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
};

/* struct virtio_net_hdr of §5.1.6, which with VIRTIO_F_VERSION_1 always ends in
 * num_buffers: 12 bytes. The tap reads and writes the same layout (TUNSETVNETHDRSZ 12). */
struct vdm_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};

#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_GSO_NONE 0u
#define VIRTIO_NET_HDR_GSO_TCPV4 1u
#define VIRTIO_NET_HDR_GSO_UDP 3u
#define VIRTIO_NET_HDR_GSO_TCPV6 4u
#define VIRTIO_NET_HDR_GSO_ECN 0x80u

/* The largest frame after the header: 64 KiB of GSO payload behind an Ethernet header with
 * one VLAN tag. A longer transmit chain is a broken driver. */
#define VDM_NET_FRAME_MAX (65536u + 18u)

extern const struct vdm_device_type vdm_net_type;

#endif /* VDM_NET_H */
