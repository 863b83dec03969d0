#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Captures fuzz seeds from stock clients: python3-libvirt (and virsh) talk to
vd-rpc-testd through a recording proxy, calling every procedure virtvireod serves. Writes
OUT/xdr/PROC-N-K (one client packet each: fuzz-xdr), OUT/session/NAME (a connection's
whole client byte stream: fuzz-session) and OUT/domain-xml (the unit XML corpus). Prints
which served procedures no stock client sent (they are never silently missing).

  capture-seeds.py --testd build/tests/protocol/vd-rpc-testd --proctable \
      build/tests/protocol/vd-rpc-proctable --corpus tests/unit/daemon/xml OUT
"""
import argparse
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import libvirt

UUID = "5a1e0c3d-9f2b-4c8e-b7a1-0123456789ab"
XML = ("<domain type='vireo'><name>%s</name><uuid>%s</uuid><memory>262144</memory>"
       "<vcpu>2</vcpu><os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os>"
       "<devices><console type='pty'/></devices></domain>")


class Proxy:
    """Listens on `path`, relays each connection to `target`, records what clients send."""

    def __init__(self, path, target):
        self.path, self.target = path, target
        self.sessions = []  # (name, bytes) per connection
        self.name = "start"
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(path)
        self.srv.listen(16)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            c, _ = self.srv.accept()
            s = socket.socket(socket.AF_UNIX)
            s.connect(self.target)
            rec = bytearray()
            self.sessions.append((self.name, rec))
            threading.Thread(target=self.pump, args=(c, s, rec), daemon=True).start()
            threading.Thread(target=self.pump, args=(s, c, None), daemon=True).start()

    @staticmethod
    def pump(src, dst, rec):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if rec is not None:
                    rec.extend(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def packets(stream):
    """(proc, packet bytes) of each whole packet in a client byte stream."""
    off = 0
    while off + 28 <= len(stream):
        (length,) = struct.unpack(">I", stream[off:off + 4])
        if length < 28 or off + length > len(stream):
            break
        prog, _, proc = struct.unpack(">IIi", stream[off + 4:off + 16])
        if prog == 0x20008086:
            yield proc, bytes(stream[off:off + length])
        off += length


def quiet(fn, *args):
    try:
        return fn(*args)
    except libvirt.libvirtError:
        return None


def drive_python(uri):
    """Every API whose procedure virtvireod serves, through python3-libvirt."""
    c = libvirt.open(uri)
    calls = [c.getType, c.getVersion, c.getLibVersion, c.getHostname, c.getInfo,
             c.getCapabilities, c.getSysinfo, c.isSecure, c.getFreeMemory,
             lambda: c.getMaxVcpus(None), lambda: c.getCellsFreeMemory(0, 1),
             lambda: c.getMemoryStats(-1), c.getCPUMap, c.getSecurityModel,
             c.getDomainCapabilities, c.numOfDomains, c.numOfDefinedDomains, c.listDomainsID,
             c.listDefinedDomains, lambda: c.listAllDomains(0), lambda: c.getAllDomainStats(),
             lambda: c.registerCloseCallback(lambda *a: None, None),
             c.unregisterCloseCallback]
    for f in calls:
        quiet(f)
    d = c.defineXML(XML % ("seed", UUID))
    quiet(c.defineXMLFlags, XML % ("seed", UUID), 0)
    for f in [d.info, d.state, d.XMLDesc, d.autostart, d.maxMemory, d.maxVcpus, d.OSType,
              d.isActive, d.isPersistent, d.schedulerType, d.schedulerParameters,
              lambda: d.schedulerParametersFlags(0), lambda: d.vcpusFlags(0),
              lambda: d.vcpuPinInfo(0), d.jobInfo, lambda: d.jobStats(0),
              lambda: d.setAutostart(1), lambda: d.setAutostart(0),
              lambda: d.setMemoryFlags(262144, 2), lambda: d.setMaxMemory(262144),
              lambda: d.setVcpusFlags(1, 2), lambda: d.setMetadata(1, "title", None, None, 0),
              lambda: d.metadata(1, None, 0),
              lambda: d.setSchedulerParametersFlags({"weight": 512}, 2),
              lambda: d.setSchedulerParameters({"cap": 0}),
              lambda: c.lookupByName("seed"), lambda: c.lookupByUUIDString(UUID),
              lambda: c.lookupByID(1), d.create, d.vcpus, lambda: d.memoryStats(),
              lambda: d.setMemory(262144), lambda: d.setVcpus(1),
              d.suspend, d.resume, lambda: d.reboot(0), d.reset, d.shutdown,
              lambda: d.shutdownFlags(0), d.destroy, lambda: d.destroyFlags(0),
              lambda: d.createWithFlags(0)]:
        quiet(f)
    # The test daemon gives every defined domain an echo console.
    st = c.newStream(0)
    quiet(d.openConsole, None, st, 0)
    quiet(st.send, b"hello\r")
    quiet(st.finish)
    st = c.newStream(0)
    quiet(d.openConsole, None, st, 0)
    quiet(st.abort)
    quiet(d.destroy)
    quiet(d.rename, "seed2", 0)
    d = quiet(c.lookupByName, "seed2") or d
    quiet(lambda: d.undefineFlags(0))
    t = quiet(c.createXML, XML % ("transient", "5a1e0c3d-9f2b-4c8e-b7a1-0123456789ac"), 0)
    if t:
        quiet(t.destroy)
    d = c.defineXML(XML % ("seed3", UUID))
    quiet(d.undefine)
    c.close()


def drive_events(uri):
    libvirt.virEventRegisterDefaultImpl()
    c = libvirt.open(uri)
    cb = c.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                  lambda *a: None, None)
    legacy = lambda *a: None  # noqa: E731
    quiet(c.domainEventRegister, legacy, None)
    d = c.defineXML(XML % ("events", UUID))
    d.undefine()
    time.sleep(0.2)  # the events go out on this connection (recorded: server to client)
    quiet(c.domainEventDeregister, legacy)
    c.domainEventDeregisterAny(cb)
    c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--testd", required=True)
    ap.add_argument("--proctable", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("out")
    args = ap.parse_args()
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    tmp = tempfile.mkdtemp(prefix="vd-seeds-")
    testd = subprocess.Popen([args.testd, "--socket-dir", tmp], stdout=subprocess.PIPE,
                             text=True)
    try:
        testd.stdout.readline()  # "ready"
        proxy = Proxy(os.path.join(tmp, "proxy-sock"), os.path.join(tmp, "virtvireod-sock"))
        uri = "vireo+unix:///system?socket=" + proxy.path
        for name, fn in [("python-api", drive_python), ("python-events", drive_events)]:
            proxy.name = name
            fn(uri)
        for name, cmd in [("virsh-list", ["list", "--all"]), ("virsh-nodeinfo", ["nodeinfo"]),
                          ("virsh-version", ["version"]), ("virsh-sysinfo", ["sysinfo"])]:
            proxy.name = name
            subprocess.run(["virsh", "-c", uri] + cmd, capture_output=True, timeout=60)
        time.sleep(0.5)
    finally:
        testd.terminate()
        testd.wait(30)
    for sub in ("xdr", "session", "domain-xml"):
        shutil.rmtree(os.path.join(args.out, sub), ignore_errors=True)
        os.makedirs(os.path.join(args.out, sub))
    seen = {}
    for i, (name, rec) in enumerate(proxy.sessions):
        with open(os.path.join(args.out, "session", "%02d-%s" % (i, name)), "wb") as f:
            f.write(rec)
        for proc, pkt in packets(rec):
            k = seen.get(proc, 0)
            seen[proc] = k + 1
            if k < 3:
                with open(os.path.join(args.out, "xdr", "proc-%d-%d" % (proc, k)), "wb") as f:
                    f.write(pkt)
    # Stock virsh sends these only in situations the proxy above cannot stage (no URI at
    # all; a server without REMOTE_EVENT_CALLBACK): packets captured from virsh 9.0 and
    # kept in fuzz/seeds/ (docs/fuzzing.md says where they come from).
    kept = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
    for n in os.listdir(kept):
        shutil.copy(os.path.join(kept, n), os.path.join(args.out, "xdr", n))
        (proc,) = struct.unpack(">i", open(os.path.join(kept, n), "rb").read()[12:16])
        seen[proc] = seen.get(proc, 0) + 1
    for kind in ("good", "refused"):
        src = os.path.join(args.corpus, kind)
        for n in os.listdir(src):
            shutil.copy(os.path.join(src, n), os.path.join(args.out, "domain-xml", kind + "-" + n))
    served = [int(l.split()[0]) for l in
              subprocess.run([args.proctable], capture_output=True, text=True).stdout.split("\n")
              if l.strip()]
    missing = [p for p in served if p not in seen]
    print("capture-seeds: %d sessions, %d packets of %d served procedures; not sent by any "
          "stock client here: %s" % (len(proxy.sessions), sum(seen.values()),
                                     len(served) - len(missing), missing or "none"))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
