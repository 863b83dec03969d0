# SPDX-License-Identifier: GPL-2.0-only
"""Client lifetime: the protocol layer reports every connection opening and closing to the
daemon, whatever ends it, so virtvireod --timeout waits for connected clients and counts
its idle time from the last one leaving."""
import os
import struct
import time

import vdrpc
from vdrpc import RawClient
from vdrpc import check

TIMEOUT = 2


def exit_delay(d, leave):
    """Seconds from leave() (which ends the last connection) to the daemon's exit."""
    start = time.time()
    leave()
    try:
        d.proc.wait(TIMEOUT + 8)
    except Exception:
        raise AssertionError("daemon still running %.1f s after the client left:\n%s"
                             % (time.time() - start, d.log_text()))
    return time.time() - start


def assert_waits_then_exits(d, leave):
    time.sleep(TIMEOUT + 2)
    check(d.alive(), "daemon exited with a client connected:\n" + d.log_text())
    delay = exit_delay(d, leave)
    # the idle check runs once a second: TIMEOUT..TIMEOUT+1 s, plus exit time
    check(TIMEOUT - 0.5 <= delay <= TIMEOUT + 2.5, "exited %.1f s after the client left" % delay)
    check(d.proc.returncode == 0, d.log_text())
    check("idle for %d s, exiting" % TIMEOUT in d.log_text(), d.log_text())


def real_daemon_only():
    if not os.environ.get("VIRTVIREOD"):
        print("note: virtvireod not built; --timeout tests need it")
        return False
    return True


def idle_raw_connection_keeps_daemon_up_until_it_closes():
    with vdrpc.daemon(timeout=TIMEOUT, real=True) as d:
        c = RawClient(d.sock)  # connected, never calls anything
        assert_waits_then_exits(d, c.close)


def opened_connection_counts_until_connect_close():
    with vdrpc.daemon(timeout=TIMEOUT, real=True) as d:
        c = RawClient(d.sock_ro)
        c.open()

        def close_like_virsh():
            c.call(2)  # CONNECT_CLOSE, then the client shuts the socket
            c.close()
        assert_waits_then_exits(d, close_like_virsh)


def malformed_packet_ends_the_count_too():
    with vdrpc.daemon(timeout=TIMEOUT, real=True) as d:
        c = RawClient(d.sock)
        c.open()

        def send_garbage():
            c.send_raw(struct.pack(">I", 8) + b"junkjunk")  # shorter than a header
            check(c.is_closed(), "malformed packet did not close the connection")
        assert_waits_then_exits(d, send_garbage)


def every_close_path_balances_the_count():
    """vd-rpc-testd exits non-zero when a connection it was told about was never reported
    closed: EOF, CONNECT_CLOSE, malformed input, a refused client, and clients still
    connected at shutdown (test_tls adds failed handshakes)."""
    port = vdrpc.free_port()
    with vdrpc.daemon(real=False, max_clients=4, tcp_port=port) as d:
        eof = RawClient(d.sock)
        eof.open()
        closer = RawClient(d.sock_ro)
        closer.open()
        closer.call(2)
        bad = RawClient(("127.0.0.1", port))
        bad.send_raw(b"\xff" * 64)
        check(bad.is_closed(), 'bad.is_closed()')
        stay1, stay2 = RawClient(d.sock), RawClient(d.sock_ro)
        stay1.open()
        stay2.open()
        refused = RawClient(d.sock)  # eof, closer, stay1, stay2 fill the 4 places
        try:
            refused.call(66)
            raise AssertionError("fifth client admitted")
        except vdrpc.RpcError as e:
            check("Too many active clients" in e.message, e)
        eof.close()
        closer.close()
    # the fixture stopped the daemon with stay1/stay2 connected and checked its exit code
    stay1.close()
    stay2.close()


tests = [every_close_path_balances_the_count]
if real_daemon_only():
    tests = [idle_raw_connection_keeps_daemon_up_until_it_closes,
             opened_connection_counts_until_connect_close,
             malformed_packet_ends_the_count_too] + tests
vdrpc.main(tests)
