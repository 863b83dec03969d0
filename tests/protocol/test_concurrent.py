# SPDX-License-Identifier: GPL-2.0-only
"""50 clients at once each define, list and undefine their own domain; one client with
200 calls in flight gets every reply."""
import struct
import threading
import time

import vdrpc
from vdrpc import REPLY, RawClient
from vdrpc import check

CLIENTS = 50


def worker(sock, i, errors, barrier):
    try:
        c = RawClient(sock, timeout=30)
        # all 50 connections are open at the same moment before any works
        barrier.wait(30)
        c.open()
        name = "conc-%02d" % i
        uuid = "7e2a4c10-0000-4000-8000-%012x" % i
        dom = vdrpc.define(c, name, uuid)
        names = [x[0] for x in vdrpc.list_all(c)[0]]
        check(name in names, (name, names))
        vdrpc.undefine(c, dom)
        names = [x[0] for x in vdrpc.list_all(c)[0]]
        check(name not in names, name)
        c.call(2)
        c.close()
    except Exception as e:  # reported by the main thread
        errors.append("%d: %r" % (i, e))


def fifty_clients_define_list_undefine_concurrently():
    with vdrpc.daemon() as d:
        errors = []
        barrier = threading.Barrier(CLIENTS)
        threads = [threading.Thread(target=worker, args=(d.sock, i, errors, barrier))
                   for i in range(CLIENTS)]
        start = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        check(not any(t.is_alive() for t in threads), "clients hung")
        check(not errors, errors)
        c = RawClient(d.sock)
        c.open()
        check(vdrpc.list_all(c) == ([], 0), 'vdrpc.list_all(c) == ([], 0)')
        print("  %d clients in %.2fs" % (CLIENTS, time.time() - start))


def many_pipelined_calls_all_answered():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        serials = [c.send(4) for _ in range(200)]
        got = set()
        while len(got) < len(serials):
            p = c.recv_packet()
            check(p[3] == REPLY and p[5] == 0, p)
            check(struct.unpack(">Q", p[6])[0] > 0, 'struct.unpack(">Q", p[6])[0] > 0')
            got.add(p[4])
        check(got == set(serials), 'got == set(serials)')


vdrpc.main([fifty_clients_define_list_undefine_concurrently, many_pipelined_calls_all_answered])
