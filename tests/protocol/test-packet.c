/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests of framing, XDR round trips, peer URIs and the procedure table. */
#include <string.h>

#include "rpc-internal.h"
#include "rpc-packet.h"
#include "rpc-peer.h"

static void length_word_below_header_is_refused(void)
{
    guint8 w[4] = {0, 0, 0, 27};
    guint32 len;

    g_assert_cmpint(vd_rpc_packet_check_length(w, &len), ==, VD_RPC_PACKET_TOO_SHORT);
    w[3] = 28;
    g_assert_cmpint(vd_rpc_packet_check_length(w, &len), ==, VD_RPC_PACKET_OK);
}

static void length_word_above_32mib_is_refused(void)
{
    guint8 max[4] = {0x02, 0x00, 0x00, 0x00}; /* 32 MiB exactly */
    guint8 over[4] = {0x02, 0x00, 0x00, 0x01};
    guint32 len;

    g_assert_cmpint(vd_rpc_packet_check_length(max, &len), ==, VD_RPC_PACKET_OK);
    g_assert_cmpint(vd_rpc_packet_check_length(over, &len), ==, VD_RPC_PACKET_TOO_LONG);
}

/* The bytes libvirt-rpc.md §2.1 recorded for a feature probe reply. */
static void supports_feature_reply_matches_libvirt_bytes(void)
{
    static const guint8 want[] = {0, 0, 0, 0x20, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0, 0, 0x3c,
                                  0, 0, 0, 1,    0,    0, 0,    1,    0, 0, 0, 0, 0, 0, 0, 1};
    vd_wire_header h = {VD_WIRE_REMOTE_PROGRAM, 1, 60, VD_WIRE_REPLY, 1, VD_WIRE_OK};
    vd_wire_int_ret r = {1};
    g_autoptr(GBytes) pkt = vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_int_ret, &r, NULL);
    gsize n;
    const guint8 *data = g_bytes_get_data(pkt, &n);

    g_assert_cmpmem(data, n, want, sizeof(want));
}

static void domain_round_trips_through_xdr(void)
{
    vd_wire_header h = {VD_WIRE_REMOTE_PROGRAM, 1, 23, VD_WIRE_REPLY, 7, VD_WIRE_OK};
    vd_wire_dom_ret in = {{(char *)"vm1", {1, 2, 3}, -1}}, out = {0};
    g_autoptr(GBytes) pkt = vd_rpc_packet_encode(&h, (xdrproc_t)xdr_vd_wire_dom_ret, &in, NULL);
    gsize n;
    const guint8 *data = g_bytes_get_data(pkt, &n);
    vd_wire_header back;

    /* 28 header + 4 len + "vm1"+pad (4) + 16 uuid + 4 id */
    g_assert_cmpuint(n, ==, 28 + 4 + 4 + 16 + 4);
    g_assert_true(vd_rpc_packet_decode_header(data, n, &back));
    g_assert_cmpuint(back.serial, ==, 7);
    g_assert_true(vd_rpc_packet_decode_payload(data, n, (xdrproc_t)xdr_vd_wire_dom_ret, &out));
    g_assert_cmpstr(out.dom.name, ==, "vm1");
    g_assert_cmpint(out.dom.id, ==, -1);
    g_assert_cmpint(out.dom.uuid[2], ==, 3);
    xdr_free((xdrproc_t)xdr_vd_wire_dom_ret, (char *)&out);
}

static void trailing_bytes_after_arguments_are_malformed(void)
{
    vd_wire_header h = {VD_WIRE_REMOTE_PROGRAM, 1, 60, VD_WIRE_CALL, 1, VD_WIRE_OK};
    guint8 payload[8] = {0, 0, 0, 10, 0xde, 0xad, 0xbe, 0xef};
    g_autoptr(GBytes) pkt = vd_rpc_packet_encode_raw(&h, payload, sizeof(payload));
    vd_wire_int_arg a = {0};
    gsize n;
    const guint8 *data = g_bytes_get_data(pkt, &n);

    g_assert_false(vd_rpc_packet_decode_payload(data, n, (xdrproc_t)xdr_vd_wire_int_arg, &a));
    g_assert_true(vd_rpc_packet_decode_payload(data, n - 4, (xdrproc_t)xdr_vd_wire_int_arg, &a));
    g_assert_cmpint(a.value, ==, 10);
}

static void string_longer_than_payload_is_malformed(void)
{
    vd_wire_header h = {VD_WIRE_REMOTE_PROGRAM, 1, 23, VD_WIRE_CALL, 1, VD_WIRE_OK};
    guint8 payload[8] = {0x00, 0x10, 0x00, 0x00, 'a', 'b', 'c', 'd'}; /* claims 1 MiB */
    g_autoptr(GBytes) pkt = vd_rpc_packet_encode_raw(&h, payload, sizeof(payload));
    vd_wire_string_arg a = {0};
    gsize n;
    const guint8 *data = g_bytes_get_data(pkt, &n);

    g_assert_false(vd_rpc_packet_decode_payload(data, n, (xdrproc_t)xdr_vd_wire_string_arg, &a));
}

static void error_payload_has_libvirt_layout(void)
{
    vd_wire_header h = {VD_WIRE_REMOTE_PROGRAM, 1, 9999, VD_WIRE_REPLY, 3, VD_WIRE_OK};
    g_autoptr(GBytes) pkt = vd_rpc_packet_encode_error(&h, 39, 7, "unknown procedure: 9999");
    gsize n;
    const guint8 *d = g_bytes_get_data(pkt, &n);
    vd_wire_header back;

    g_assert_true(vd_rpc_packet_decode_header(d, n, &back));
    g_assert_cmpint(back.status, ==, VD_WIRE_ERROR);
    /* code, domain, present flag, length */
    g_assert_cmpint(d[31], ==, 39);
    g_assert_cmpint(d[35], ==, 7);
    g_assert_cmpint(d[39], ==, 1);
    g_assert_cmpint(d[43], ==, 23);
    /* message (24 bytes padded) then level 2, then dom/str1/str2/str3 absent, int1, int2,
     * net absent: 11 words after the message */
    g_assert_cmpuint(n, ==, 28 + 8 + 4 + 4 + 24 + 4 + 4 * 4 + 8 + 4);
}

static void procedure_table_is_sorted_and_unique(void)
{
    size_t n;
    const vd_rpc_proc *p = vd_rpc_proc_table(&n);

    g_assert_cmpuint(n, >, 50);
    for (size_t i = 1; i < n; i++)
        g_assert_cmpint(p[i - 1].number, <, p[i].number);
    for (size_t i = 0; i < n; i++)
        g_assert_true(vd_rpc_proc_find(p[i].number) == &p[i]);
    g_assert_null(vd_rpc_proc_find(187)); /* DOMAIN_SNAPSHOT_NUM: not served */
}

/* Peer URIs pick libvirt's transport and defaults; what is not a Vireo URI is refused. */
static void peer_uris_pick_the_transport(void)
{
    vd_rpc_peer_target t;
    g_autoptr(vd_error) err = NULL;

    g_assert_true(vd_rpc_peer_parse_uri("vireo+tls://10.0.3.2/system", &t, &err));
    g_assert_cmpint(t.transport, ==, VD_PEER_TLS);
    g_assert_cmpstr(t.host, ==, "10.0.3.2");
    g_assert_cmpuint(t.port, ==, 16514);
    g_assert_null(t.pkipath);
    vd_rpc_peer_target_clear(&t);

    g_assert_true(
        vd_rpc_peer_parse_uri("vireo://node-b:1234/system?pkipath=/p&no_verify=1", &t, &err));
    g_assert_cmpint(t.transport, ==, VD_PEER_TLS); /* a remote host: TLS, as libvirt */
    g_assert_cmpuint(t.port, ==, 1234);
    g_assert_cmpstr(t.pkipath, ==, "/p");
    g_assert_true(t.no_verify);
    vd_rpc_peer_target_clear(&t);

    g_assert_true(vd_rpc_peer_parse_uri("vireo+tcp://[fd00::2]/system", &t, &err));
    g_assert_cmpint(t.transport, ==, VD_PEER_TCP);
    g_assert_cmpstr(t.host, ==, "fd00::2");
    g_assert_cmpuint(t.port, ==, 16509);
    vd_rpc_peer_target_clear(&t);

    g_assert_true(vd_rpc_peer_parse_uri("vireo:///system", &t, &err));
    g_assert_cmpint(t.transport, ==, VD_PEER_UNIX);
    g_assert_cmpstr(t.socket, ==, "/run/libvirt/virtvireod-sock");
    vd_rpc_peer_target_clear(&t);
    g_assert_true(vd_rpc_peer_parse_uri("vireo+unix:///system?socket=/tmp/s", &t, &err));
    g_assert_cmpstr(t.socket, ==, "/tmp/s");
    vd_rpc_peer_target_clear(&t);

    const char *bad[] = {"qemu+tls://h/system", "vireo+tcp:///system", "", "vireo+tls://%zz/"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(vd_rpc_peer_parse_uri(bad[i], &t, &err));
        g_assert_nonnull(err);
        g_assert_cmpint(err->code, ==, VIR_ERR_INVALID_ARG);
        g_clear_pointer(&err, vd_error_free);
        vd_rpc_peer_target_clear(&t);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/packet/length_word_below_header_is_refused",
                    length_word_below_header_is_refused);
    g_test_add_func("/packet/length_word_above_32mib_is_refused",
                    length_word_above_32mib_is_refused);
    g_test_add_func("/packet/supports_feature_reply_matches_libvirt_bytes",
                    supports_feature_reply_matches_libvirt_bytes);
    g_test_add_func("/packet/domain_round_trips_through_xdr", domain_round_trips_through_xdr);
    g_test_add_func("/packet/trailing_bytes_after_arguments_are_malformed",
                    trailing_bytes_after_arguments_are_malformed);
    g_test_add_func("/packet/string_longer_than_payload_is_malformed",
                    string_longer_than_payload_is_malformed);
    g_test_add_func("/packet/error_payload_has_libvirt_layout", error_payload_has_libvirt_layout);
    g_test_add_func("/peer/uris_pick_the_transport", peer_uris_pick_the_transport);
    g_test_add_func("/procs/procedure_table_is_sorted_and_unique",
                    procedure_table_is_sorted_and_unique);
    return g_test_run();
}
