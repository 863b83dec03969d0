/* SPDX-License-Identifier: GPL-2.0-only */
/* Packet framing and XDR (de)serialisation over memory buffers. */
#include "rpc-packet.h"

#include <string.h>

bool_t vd_rpc_xdr_nothing(XDR *xdr, void *obj)
{
    (void)xdr;
    (void)obj;
    return TRUE;
}

vd_rpc_packet_fault vd_rpc_packet_check_length(const guint8 word[4], guint32 *len)
{
    guint32 v = (guint32)word[0] << 24 | (guint32)word[1] << 16 | (guint32)word[2] << 8 |
                (guint32)word[3];

    *len = v;
    if (v < VD_WIRE_HEADER_SIZE)
        return VD_RPC_PACKET_TOO_SHORT;
    if (v > VD_WIRE_MESSAGE_MAX)
        return VD_RPC_PACKET_TOO_LONG;
    return VD_RPC_PACKET_OK;
}

const char *vd_rpc_packet_fault_text(vd_rpc_packet_fault fault)
{
    switch (fault) {
    case VD_RPC_PACKET_OK:
        return "ok";
    case VD_RPC_PACKET_TOO_SHORT:
        return "packet length below the 28-byte header";
    case VD_RPC_PACKET_TOO_LONG:
        return "packet length above the 32 MiB limit";
    }
    return "bad packet";
}

bool vd_rpc_packet_decode_header(const guint8 *pkt, gsize len, vd_wire_header *hdr)
{
    XDR xdr;
    bool ok;

    if (len < VD_WIRE_HEADER_SIZE)
        return false;
    /* xdrmem never writes when decoding; the cast only satisfies its prototype. */
    xdrmem_create(&xdr, (char *)pkt + 4, VD_WIRE_HEADER_SIZE - 4, XDR_DECODE);
    ok = xdr_vd_wire_header(&xdr, hdr);
    xdr_destroy(&xdr);
    return ok;
}

bool vd_rpc_packet_decode_payload(const guint8 *pkt, gsize len, xdrproc_t filter, void *obj)
{
    XDR xdr;
    bool ok;
    gsize payload = len - VD_WIRE_HEADER_SIZE;

    xdrmem_create(&xdr, (char *)pkt + VD_WIRE_HEADER_SIZE, payload, XDR_DECODE);
    ok = filter(&xdr, obj, 0);
    if (ok && xdr_getpos(&xdr) != payload)
        ok = false; /* trailing garbage */
    xdr_destroy(&xdr);
    if (!ok)
        xdr_free(filter, obj);
    return ok;
}

static void put_u32(guint8 *p, guint32 v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static bool encode_header(guint8 *pkt, gsize total, const vd_wire_header *hdr)
{
    XDR xdr;
    bool ok;

    put_u32(pkt, total);
    xdrmem_create(&xdr, (char *)pkt + 4, VD_WIRE_HEADER_SIZE - 4, XDR_ENCODE);
    ok = xdr_vd_wire_header(&xdr, (vd_wire_header *)hdr);
    xdr_destroy(&xdr);
    return ok;
}

GBytes *vd_rpc_packet_encode(const vd_wire_header *hdr, xdrproc_t filter, void *obj,
                             bool *too_big)
{
    unsigned long payload = xdr_sizeof(filter, obj);
    gsize total = VD_WIRE_HEADER_SIZE + payload;
    guint8 *pkt;
    XDR xdr;

    if (too_big)
        *too_big = total > VD_WIRE_MESSAGE_MAX;
    if (total > VD_WIRE_MESSAGE_MAX)
        return NULL;
    pkt = g_malloc(total);
    encode_header(pkt, total, hdr);
    xdrmem_create(&xdr, (char *)pkt + VD_WIRE_HEADER_SIZE, payload, XDR_ENCODE);
    if (!filter(&xdr, obj, 0)) {
        xdr_destroy(&xdr);
        g_free(pkt);
        return NULL;
    }
    xdr_destroy(&xdr);
    return g_bytes_new_take(pkt, total);
}

GBytes *vd_rpc_packet_encode_raw(const vd_wire_header *hdr, const void *data, gsize len)
{
    gsize total = VD_WIRE_HEADER_SIZE + len;
    guint8 *pkt = g_malloc(total);

    encode_header(pkt, total, hdr);
    if (len)
        memcpy(pkt + VD_WIRE_HEADER_SIZE, data, len);
    return g_bytes_new_take(pkt, total);
}

GBytes *vd_rpc_packet_encode_error(const vd_wire_header *hdr, int code, int domain,
                                   const char *message)
{
    vd_wire_header h = *hdr;
    char *msg = (char *)(message ? message : "unknown error");
    vd_wire_error e = {
        .code = code,
        .domain = domain,
        .message = &msg,
        .level = 2, /* VIR_ERR_ERROR */
    };

    h.status = VD_WIRE_ERROR;
    return vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_error, &e, NULL);
}
