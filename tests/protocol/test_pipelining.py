# SPDX-License-Identifier: GPL-2.0-only
"""A long call never stops the daemon reading: later calls and keepalives overtake it."""
import struct
import time

import vdrpc
from vdrpc import KEEPALIVE, MESSAGE, REPLY, RawClient, xstr
from vdrpc import check


def quick_call_overtakes_slow_one():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        # the test daemon takes 1.5 s to look up a domain named "slow"
        slow = c.send(23, xstr("slow"))
        quick = c.send(3)
        c.send(1, prog=KEEPALIVE, typ=MESSAGE, serial=0)
        start = time.time()
        order = []
        while len(order) < 3:
            p = c.recv_packet()
            if p[0] == KEEPALIVE:
                order.append(("pong", time.time() - start))
                check(p[2] == 2, 'p[2] == 2')
            elif p[3] == REPLY:
                order.append((p[4], time.time() - start))
        names = [o[0] for o in order]
        check(names.index(quick) < names.index(slow), order)
        check(names.index("pong") < names.index(slow), order)
        check(dict(order)[quick] < 1.0, order)


vdrpc.needs_test_daemon()
vdrpc.main([quick_call_overtakes_slow_one])
