# SPDX-License-Identifier: GPL-2.0-only
"""Errors libvirt clients test for: unknown and unsupported procedures, calls before
CONNECT_OPEN, a second open, URIs that are not vireo's."""
import vdrpc
from vdrpc import RawClient, RpcError, i32, opt_str, u32
from vdrpc import check


def expect_error(client, proc, payload=b""):
    try:
        client.call(proc, payload)
    except RpcError as e:
        return e
    raise AssertionError("procedure %d did not fail" % proc)


def known_but_unserved_procedure_is_no_support():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        # 187 DOMAIN_SNAPSHOT_NUM: virsh undefine tolerates code 3 only
        e = expect_error(c, 187)
        check(e.code == 3, e)
        check("not supported" in e.message, '"not supported" in e.message')


def unknown_procedure_is_rpc_error():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        e = expect_error(c, 9999)
        check((e.code, e.domain, e.message) == (39, 7, "unknown procedure: 9999"), e)
        e = expect_error(c, -5)
        check(e.code == 39, e)
        # the connection is still usable
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')


def call_before_open_is_refused():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.call(66)
        e = expect_error(c, 3)
        check((e.code, e.domain) == (1, 7) and "not open" in e.message, e)
        # the keepalive probe is allowed before open, as clients send it there
        check(vdrpc.Reader(c.call(60, i32(10))).i32() == 1, 'vdrpc.Reader(c.call(60, i32(10))).i32() == 1')


def second_open_is_refused():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        e = expect_error(c, 1, opt_str("vireo:///system") + u32(0))
        check("already open" in e.message, e)


def foreign_uri_is_refused_and_ours_accepted():
    with vdrpc.daemon() as d:
        for name in ["qemu:///system", "vireo:///session", "xen://"]:
            c = RawClient(d.sock)
            c.call(66)
            e = expect_error(c, 1, opt_str(name) + u32(0))
            check(e.code == 5 and name in e.message, e)
        for name in ["vireo:///system", "vireo://", "", None]:
            c = RawClient(d.sock)
            c.open(name)
            check(vdrpc.Reader(c.call(110)).str() == "vireo:///system", 'vdrpc.Reader(c.call(110)).str() == "vireo:///system"')


def unknown_feature_is_answered_zero():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        # 7 change protection: not offered; 4 peer to peer, 6, 12, 13: migration v3.
        for feature, want in [(10, 1), (14, 1), (15, 1), (6, 1), (12, 1), (13, 1), (4, 1), (7, 0),
                              (999, 0)]:
            got = vdrpc.Reader(c.call(60, i32(feature))).i32()
            check(got == want, (feature, got))


vdrpc.main([known_but_unserved_procedure_is_no_support, unknown_procedure_is_rpc_error,
            call_before_open_is_refused, second_open_is_refused,
            foreign_uri_is_refused_and_ours_accepted, unknown_feature_is_answered_zero])
