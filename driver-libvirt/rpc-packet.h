/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packets on the wire: a 4-byte length (counting itself), the 24-byte header, then an
 * XDR payload or raw stream bytes. Pure functions over buffers, shared by the server,
 * the unit tests and the fuzzer.
 */
#ifndef VD_RPC_PACKET_H
#define VD_RPC_PACKET_H

#include <glib.h>
#include <stdbool.h>

#include "vd_remote_protocol.h"

/* The filter of an empty payload (libtirpc declares xdr_void without xdrproc_t's
 * parameters). */
bool_t vd_rpc_xdr_nothing(XDR *xdr, void *obj);

/* Why a packet was rejected; the connection is closed with this text in the log. */
typedef enum vd_rpc_packet_fault {
    VD_RPC_PACKET_OK = 0,
    VD_RPC_PACKET_TOO_SHORT,
    VD_RPC_PACKET_TOO_LONG,
} vd_rpc_packet_fault;

/* Validates the length word at the start of a packet; *len receives it. */
vd_rpc_packet_fault vd_rpc_packet_check_length(const guint8 word[4], guint32 *len);
const char *vd_rpc_packet_fault_text(vd_rpc_packet_fault fault);

/* Decodes the header of a whole packet (len >= VD_WIRE_HEADER_SIZE). */
bool vd_rpc_packet_decode_header(const guint8 *pkt, gsize len, vd_wire_header *hdr);

/* Decodes the XDR payload into obj, which must be zeroed. Fails on malformed XDR and on
 * trailing bytes; obj is then freed again with xdr_free. */
bool vd_rpc_packet_decode_payload(const guint8 *pkt, gsize len, xdrproc_t filter, void *obj);

/* A whole packet with an XDR payload; NULL (and *too_big) if over VD_WIRE_MESSAGE_MAX. */
GBytes *vd_rpc_packet_encode(const vd_wire_header *hdr, xdrproc_t filter, void *obj,
                             bool *too_big);
/* A whole packet with raw payload bytes (stream data, keepalive, empty replies). */
GBytes *vd_rpc_packet_encode_raw(const vd_wire_header *hdr, const void *data, gsize len);
/* A whole packet carrying a vd_wire_error; hdr->status is forced to ERROR. */
GBytes *vd_rpc_packet_encode_error(const vd_wire_header *hdr, int code, int domain,
                                   const char *message);

#endif /* VD_RPC_PACKET_H */
