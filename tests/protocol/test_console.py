# SPDX-License-Identifier: GPL-2.0-only
"""Console streams: the OPEN reply comes first, then raw bytes both ways as STREAM packets
with the call's serial; an empty OK ends the stream from either side. The test daemon's
console echoes what it is sent and ends on "EOF"."""
import vdrpc
from vdrpc import CONTINUE, ERROR, OK, REPLY, STREAM, RawClient, RpcError, check, u32, xdom


def open_console(c, dom):
    serial = c.send(201, xdom(*dom) + u32(0) + u32(0))
    c.wait_reply(serial)
    return serial


def next_stream(c, serial):
    p = c.recv_packet()
    check(p is not None and p[3] == STREAM and p[4] == serial and p[2] == 201, p)
    return p[5], p[6]


def console_bytes_flow_both_ways_and_end_cleanly():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        dom = vdrpc.define(c, "con", "3d0c4e3a-5b8f-4f7b-a3de-000000000001")
        serial = open_console(c, dom)
        c.send(201, b"hello\r", typ=STREAM, serial=serial, status=CONTINUE)
        check(next_stream(c, serial) == (CONTINUE, b"hello\r"), 'next_stream(c, serial) == (CONTINUE, b"hello\\r")')
        big = bytes(range(256)) * 1200  # larger than one 262120-byte stream packet
        c.send(201, big, typ=STREAM, serial=serial, status=CONTINUE)
        got = b""
        while len(got) < len(big):
            status, data = next_stream(c, serial)
            check(status == CONTINUE and len(data) <= 262120, 'status == CONTINUE and len(data) <= 262120')
            got += data
        check(got == big, 'got == big')
        # the guest side ends: an empty CONTINUE (libvirt's end of stream; an OK nobody
        # asked for makes libvirt's client drop the connection), the client finishes with
        # OK and gets OK back
        c.send(201, b"EOF", typ=STREAM, serial=serial, status=CONTINUE)
        check(next_stream(c, serial) == (CONTINUE, b""), 'next_stream(c, serial) == (CONTINUE, b"")')
        c.send(201, b"", typ=STREAM, serial=serial, status=OK)
        check(next_stream(c, serial) == (OK, b""), 'next_stream(c, serial) == (OK, b"")')
        # the connection goes on
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')


def client_finishing_stream_is_confirmed():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        dom = vdrpc.define(c, "con2", "3d0c4e3a-5b8f-4f7b-a3de-000000000002")
        serial = open_console(c, dom)
        c.send(201, b"", typ=STREAM, serial=serial, status=OK)
        check(next_stream(c, serial) == (OK, b""), 'next_stream(c, serial) == (OK, b"")')
        # data for the finished stream is ignored, not fatal
        c.send(201, b"late", typ=STREAM, serial=serial, status=CONTINUE)
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')


def client_abort_is_confirmed_with_an_empty_ok():
    # virStreamAbort sends an ERROR stream packet and waits for the stream's last packet:
    # libvirtd confirms an abort with an empty OK (an ERROR makes the client's abort fail).
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        dom = vdrpc.define(c, "con5", "3d0c4e3a-5b8f-4f7b-a3de-000000000005")
        serial = open_console(c, dom)
        c.send(201, b"", typ=STREAM, serial=serial, status=ERROR)
        check(next_stream(c, serial) == (OK, b""), "abort not confirmed with an empty OK")
        # data for the aborted stream is ignored, not fatal
        c.send(201, b"late", typ=STREAM, serial=serial, status=CONTINUE)
        check(vdrpc.Reader(c.call(3)).str(), "the connection goes on")


def disconnect_with_open_console_leaves_daemon_healthy():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        dom = vdrpc.define(c, "con3", "3d0c4e3a-5b8f-4f7b-a3de-000000000003")
        open_console(c, dom)
        c.close()
        other = RawClient(d.sock)
        other.open()
        check(vdrpc.list_all(other)[1] == 1, 'vdrpc.list_all(other)[1] == 1')


def console_of_missing_domain_fails_and_ro_is_refused():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        ghost = ("ghost", b"\x01" * 16, -1)
        try:
            open_console(c, ghost)
            raise AssertionError("console of a missing domain opened")
        except RpcError as e:
            check(e.code == 42, e)
        ro = RawClient(d.sock_ro)
        ro.open()
        dom = vdrpc.define(c, "con4", "3d0c4e3a-5b8f-4f7b-a3de-000000000004")
        try:
            open_console(ro, dom)
            raise AssertionError("console opened read-only")
        except RpcError as e:
            check(e.code == 29, e)


vdrpc.needs_test_daemon()
vdrpc.main([console_bytes_flow_both_ways_and_end_cleanly, client_finishing_stream_is_confirmed,
            client_abort_is_confirmed_with_an_empty_ok,
            disconnect_with_open_console_leaves_daemon_healthy,
            console_of_missing_domain_fails_and_ro_is_refused])
