# SPDX-License-Identifier: GPL-2.0-only
"""Storage pool events seen by a python3-libvirt client: defined, started, stopped,
undefined, and refresh, for a registration on every pool and one on a single pool."""
import os
import threading

import libvirt

import storagelib as s
from vdrpc import check


class Events:
    """Collects events from libvirt's default event loop, run in a thread."""

    def __init__(self):
        self.got = []
        self.cond = threading.Condition()

    def add(self, item):
        with self.cond:
            self.got.append(item)
            self.cond.notify_all()

    def wait_for(self, item, timeout=10):
        with self.cond:
            ok = self.cond.wait_for(lambda: item in self.got, timeout)
        check(ok, "event %r not seen; got %r" % (item, self.got))


def run_loop(stop):
    while not stop.is_set():
        libvirt.virEventRunDefaultImpl()


def lifecycle_and_refresh_events_reach_the_client():
    libvirt.virEventRegisterDefaultImpl()
    with s.daemon() as d:
        c = s.conn(d)
        stop = threading.Event()
        loop = threading.Thread(target=run_loop, args=(stop,), daemon=True)
        loop.start()
        ev, only_b = Events(), Events()
        try:
            c.storagePoolEventRegisterAny(
                None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                lambda conn, pool, event, detail, opaque: ev.add((pool.name(), event)), None)
            c.storagePoolEventRegisterAny(
                None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
                lambda conn, pool, opaque: ev.add((pool.name(), "refresh")), None)
            target = os.path.join(d.tmp, "pool-e")
            xml = "<pool type='dir'><name>e</name><target><path>%s</path></target></pool>" % target
            p = c.storagePoolDefineXML(xml, 0)
            c.storagePoolEventRegisterAny(
                p, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                lambda conn, pool, event, detail, opaque: only_b.add((pool.name(), event)), None)
            ev.wait_for(("e", libvirt.VIR_STORAGE_POOL_EVENT_DEFINED))
            p.build(0)
            p.create(0)
            ev.wait_for(("e", libvirt.VIR_STORAGE_POOL_EVENT_STARTED))
            p.refresh(0)
            ev.wait_for(("e", "refresh"))
            c.storagePoolLookupByName("default").refresh(0)
            ev.wait_for(("default", "refresh"))
            p.destroy()
            ev.wait_for(("e", libvirt.VIR_STORAGE_POOL_EVENT_STOPPED))
            p.undefine()
            ev.wait_for(("e", libvirt.VIR_STORAGE_POOL_EVENT_UNDEFINED))
            only_b.wait_for(("e", libvirt.VIR_STORAGE_POOL_EVENT_UNDEFINED))
            check(all(name == "e" for name, _ in only_b.got), only_b.got)
            check(only_b.got.index(("e", libvirt.VIR_STORAGE_POOL_EVENT_STARTED)) <
                  only_b.got.index(("e", libvirt.VIR_STORAGE_POOL_EVENT_STOPPED)), only_b.got)
        finally:
            stop.set()
            c.close()
            # One more turn lets the loop thread see stop (a timer wakes it).
            libvirt.virEventAddTimeout(0, lambda timer, opaque: None, None)
            loop.join(5)


if __name__ == "__main__":
    s.main([lifecycle_and_refresh_events_reach_the_client])
