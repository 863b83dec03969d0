# SPDX-License-Identifier: GPL-2.0-only
"""Lifecycle events reach the clients that registered for them: callback form (316/318)
and legacy forms (167/107, 105/107); deregistration stops them."""
import vdrpc
from vdrpc import MESSAGE, Reader, RawClient, RpcError, i32, u32, uuid_bytes, xdom
from vdrpc import check

UUID1 = "0a6b1f5e-1111-4222-8333-444455556666"
UUID2 = "0a6b1f5e-1111-4222-8333-444455557777"


def next_event(c):
    while True:
        p = c.recv_packet()
        check(p is not None, "connection closed")
        if p[3] == MESSAGE and p[0] == vdrpc.REMOTE:
            return p[2], p[6]


def callback_events_report_defined_and_undefined():
    with vdrpc.daemon() as d:
        watcher = RawClient(d.sock)
        watcher.open()
        cb = Reader(watcher.call(316, i32(0) + u32(0))).i32()
        actor = RawClient(d.sock)
        actor.open()
        dom = vdrpc.define(actor, "ev1", UUID1)
        proc, body = next_event(watcher)
        r = Reader(body)
        check(proc == 318 and r.i32() == cb, 'proc == 318 and r.i32() == cb')
        name, uuid, _ = r.dom()
        check((name, uuid, r.i32(), r.i32()) == ("ev1", uuid_bytes(UUID1), 0, 0), '(name, uuid, r.i32(), r.i32()) == ("ev1", uuid_bytes(UUID1), 0, 0)')
        vdrpc.undefine(actor, dom)
        proc, body = next_event(watcher)
        r = Reader(body)
        check(proc == 318 and r.i32() == cb and r.dom()[0] == "ev1", 'proc == 318 and r.i32() == cb and r.dom()[0] == "ev1"')
        check((r.i32(), r.i32()) == (1, 0), '(r.i32(), r.i32()) == (1, 0)')
        # after deregistration nothing more arrives
        watcher.call(317, i32(cb))
        vdrpc.define(actor, "ev2", UUID2)
        watcher.sock.settimeout(1.5)
        try:
            p = watcher.recv_packet()
            raise AssertionError("event after deregister: %r" % (p,))
        except TimeoutError:
            pass
        try:
            watcher.sock.settimeout(5)
            watcher.call(317, i32(cb))
            raise AssertionError("deregistered twice")
        except RpcError as e:
            check(e.code == 8, e)


def registration_for_one_domain_filters_others():
    with vdrpc.daemon() as d:
        actor = RawClient(d.sock)
        actor.open()
        dom1 = vdrpc.define(actor, "one", UUID1)
        watcher = RawClient(d.sock)
        watcher.open()
        cb = Reader(watcher.call(316, i32(0) + u32(1) + xdom(*dom1))).i32()
        vdrpc.define(actor, "two", UUID2)
        vdrpc.undefine(actor, dom1)
        proc, body = next_event(watcher)
        r = Reader(body)
        check(r.i32() == cb and r.dom()[0] == "one", "event for another domain came through")


def legacy_registration_gets_legacy_messages():
    with vdrpc.daemon() as d:
        old = RawClient(d.sock)
        old.open()
        old.call(167, i32(0))
        try:
            old.call(167, i32(0))
            raise AssertionError("registered twice")
        except RpcError:
            pass
        older = RawClient(d.sock)
        older.open()
        check(Reader(older.call(105)).i32() == 1, 'Reader(older.call(105)).i32() == 1')
        actor = RawClient(d.sock)
        actor.open()
        vdrpc.define(actor, "legacy", UUID1)
        for c in (old, older):
            proc, body = next_event(c)
            r = Reader(body)
            check(proc == 107 and r.dom()[0] == "legacy" and (r.i32(), r.i32()) == (0, 0), 'proc == 107 and r.dom()[0] == "legacy" and (r.i32(), r.i32()) == (0, 0)')
        old.call(168, i32(0))


def invalid_event_id_is_refused():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open()
        try:
            c.call(316, i32(99) + u32(0))
            raise AssertionError("event id 99 accepted")
        except RpcError as e:
            check(e.code == 8, e)


vdrpc.main([callback_events_report_defined_and_undefined,
            registration_for_one_domain_filters_others,
            legacy_registration_gets_legacy_messages, invalid_event_id_is_refused])
