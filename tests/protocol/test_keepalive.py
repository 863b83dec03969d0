# SPDX-License-Identifier: GPL-2.0-only
"""Keepalive: PING answered with PONG; clients that probed the feature are pinged when
idle and dropped when they stop answering; others are never pinged."""
import time

import vdrpc
from vdrpc import KEEPALIVE, MESSAGE, RawClient, i32
from vdrpc import check


def ping_is_answered_with_pong():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.send(1, prog=KEEPALIVE, typ=MESSAGE, serial=0)
        p = c.recv_packet()
        check(p[:6] == (KEEPALIVE, 1, 2, MESSAGE, 0, 0) and p[6] == b"", p)


def idle_client_is_pinged_and_dropped_when_silent():
    with vdrpc.daemon(keepalive=1) as d:
        c = RawClient(d.sock)
        c.call(60, i32(10))
        c.open()
        # answer pings for a while: the connection stays
        until = time.time() + 4.5
        pings = 0
        while time.time() < until:
            c.sock.settimeout(until - time.time() + 0.1)
            try:
                p = c.recv_packet()
            except TimeoutError:
                break
            check(p[0] == KEEPALIVE and p[2] == 1, p)
            pings += 1
            c.send(2, prog=KEEPALIVE, typ=MESSAGE, serial=0)
        check(pings >= 2, pings)
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')
        # now stay silent: dropped after interval * count (3 s here)
        start = time.time()
        check(c.is_closed(10), 'c.is_closed(10)')
        check(time.time() - start < 8, 'time.time() - start < 8')
        check("no keepalive answer" in d.log_text(), '"no keepalive answer" in d.log_text()')


def client_without_keepalive_is_not_pinged():
    with vdrpc.daemon(keepalive=1) as d:
        c = RawClient(d.sock)
        c.open()
        c.sock.settimeout(4)
        try:
            p = c.recv_packet()
            raise AssertionError("unexpected packet or close: %r" % (p,))
        except TimeoutError:
            pass
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')


vdrpc.main([ping_is_answered_with_pong, idle_client_is_pinged_and_dropped_when_silent,
            client_without_keepalive_is_not_pinged])
