#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""RPC round trip and throughput of virtvireod against Debian's own libvirtd, side by side
in one run, through the same stock client (python3-libvirt).

Each daemon runs privately: virtvireod --root TMP/vireo; libvirtd in a mount namespace
with tmpfs-backed /etc/libvirt, /var/lib/libvirt, /run/libvirt, /var/cache/libvirt and
/var/log/libvirt, serving its test driver (test+unix:///default). Both get the same 1000
domain definitions. Measured per daemon: round trip of a trivial call (getVersion),
listAllDomains + info() over all 1000 domains, and the daemon's RSS afterwards.
Needs root; prints ratios vireo / libvirtd (below 1 means Vireo is faster or smaller).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import libvirt

LIBVIRT_DIRS = ["/etc/libvirt", "/var/lib/libvirt", "/run/libvirt", "/var/cache/libvirt",
                "/var/log/libvirt"]


def domain_xml(kind, name, uid):
    # Same shape for both; each daemon gets its own domain type and boot element.
    os_extra = "<kernel>/boot/vmlinuz</kernel>" if kind == "vireo" else ""
    dtype = "vireo" if kind == "vireo" else "test"
    return ("<domain type='%s'><name>%s</name><uuid>%s</uuid><memory>262144</memory>"
            "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type>%s</os></domain>"
            % (dtype, name, uid, os_extra))


def wait_socket(path, proc, what):
    deadline = time.time() + 60
    while not os.path.exists(path):
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("%s did not start; see %s" % (what, what + ".out/.log"))
        time.sleep(0.05)
    time.sleep(0.2)


def start_vireo(tmp, binary):
    root = os.path.join(tmp, "vireo")
    os.makedirs(root)
    log = open(os.path.join(tmp, "vireo.log"), "w")
    p = subprocess.Popen([binary, "--root", root], stdout=log, stderr=subprocess.STDOUT)
    sock = os.path.join(root, "run", "libvirt", "virtvireod-sock")
    wait_socket(sock, p, "virtvireod")
    return p, "vireo+unix:///system?socket=" + sock


def start_libvirtd(tmp):
    base = os.path.join(tmp, "libvirtd")
    binds = []
    for d in LIBVIRT_DIRS:
        private = os.path.join(base, d.strip("/").replace("/", "_"))
        os.makedirs(private)
        binds.append("mkdir -p %s && mount --bind %s %s" % (d, private, d))
    # Without libvirt-daemon-system there is no libvirt-qemu user: the QEMU driver (which
    # libvirtd initialises even when only the test driver is used) must run as root.
    with open(os.path.join(base, "etc_libvirt", "qemu.conf"), "w") as f:
        f.write('user = "root"\ngroup = "root"\ndynamic_ownership = 0\nremember_owner = 0\n'
                'security_driver = "none"\ncgroup_controllers = [ ]\nnamespaces = [ ]\n')
    sock_dir = os.path.join(base, "sock")
    os.makedirs(sock_dir)
    conf = os.path.join(base, "libvirtd.conf")
    with open(conf, "w") as f:
        f.write('unix_sock_dir = "%s"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n'
                'unix_sock_rw_perms = "0700"\nlisten_tcp = 0\nlisten_tls = 0\n'
                'log_outputs = "3:file:%s/libvirtd.log"\n' % (sock_dir, base))
    # Debian's libvirtd resolves its QEMU user before reading qemu.conf; without the
    # libvirt-daemon-system package that user does not exist. Give the namespace private
    # copies of passwd/group that have it, instead of adding a user to the host.
    for name, line in [("passwd", "libvirt-qemu:x:64055:64055::/var/lib/libvirt:/bin/false"),
                       ("group", "libvirt-qemu:x:64055:")]:
        copy = os.path.join(base, name)
        shutil.copy("/etc/" + name, copy)
        with open(copy, "a") as f:
            f.write(line + "\n")
        binds.append("mount --bind %s /etc/%s" % (copy, name))
    script = " && ".join(binds) + " && exec /usr/sbin/libvirtd -f %s" % conf
    log = open(os.path.join(tmp, "libvirtd.out"), "w")
    p = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                         stdout=log, stderr=subprocess.STDOUT)
    sock = os.path.join(sock_dir, "libvirt-sock")
    wait_socket(sock, p, "libvirtd")
    return p, "test+unix:///default?socket=" + sock


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def populate(conn, kind, n):
    # libvirtd's test driver starts with one running domain "test": remove it so both
    # daemons hold exactly the same n definitions.
    for d in conn.listAllDomains():
        if d.isActive():
            d.destroy()
        if d.isPersistent():
            d.undefine()
    start = time.perf_counter()
    for i in range(n):
        conn.defineXML(domain_xml(kind, "bench-%04d" % i, uuid.UUID(int=i + 1)))
    return time.perf_counter() - start


def round_trip_us(conn, calls):
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        conn.getVersion()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1e6


def list_and_info_s(conn, rounds, n):
    best = None
    for _ in range(rounds):
        t = time.perf_counter()
        doms = conn.listAllDomains()
        for d in doms:
            d.info()
        elapsed = time.perf_counter() - t
        if len(doms) != n:
            raise RuntimeError("listed %d domains, defined %d" % (len(doms), n))
        best = elapsed if best is None else min(best, elapsed)
    return best


def measure(kind, uri, pid, args):
    conn = libvirt.open(uri)
    try:
        define_s = populate(conn, kind, args.domains)
        rt = round_trip_us(conn, args.calls)
        sweep = list_and_info_s(conn, args.rounds, args.domains)
        return {"define_s": define_s, "rtt_us": rt, "sweep_s": sweep,
                "rate": args.domains / sweep, "rss_kib": rss_kib(pid)}
    finally:
        conn.close()


def stop(p):
    p.terminate()
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--virtvireod", required=True)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-rpc: needs root (libvirtd runs in a private mount namespace)")
    if not os.path.exists("/usr/sbin/libvirtd"):
        sys.exit("bench-rpc: /usr/sbin/libvirtd missing (apt-get install libvirt-daemon)")
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    tmp = tempfile.mkdtemp(prefix="vd-bench-rpc-")
    procs = []
    try:
        vp, vuri = start_vireo(tmp, args.virtvireod)
        procs.append(vp)
        lp, luri = start_libvirtd(tmp)
        procs.append(lp)
        results = {"vireo": measure("vireo", vuri, vp.pid, args),
                   "libvirtd": measure("test", luri, lp.pid, args)}
    finally:
        for p in procs:
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)

    v, l = results["vireo"], results["libvirtd"]
    print("bench-rpc: %d domains, %d round trips, best of %d sweeps, client python3-libvirt"
          % (args.domains, args.calls, args.rounds))
    print("%-34s %14s %14s %8s" % ("", "virtvireod", "libvirtd(test)", "ratio"))
    rows = [("define %d domains (s)" % args.domains, "define_s", "%.3f"),
            ("round trip getVersion (us, median)", "rtt_us", "%.1f"),
            ("listAllDomains+info sweep (s)", "sweep_s", "%.3f"),
            ("  domains per second", "rate", "%.0f"),
            ("daemon RSS after (KiB)", "rss_kib", "%d")]
    for label, key, fmt in rows:
        print("%-34s %14s %14s %8.2f" % (label, fmt % v[key], fmt % l[key],
                                         v[key] / l[key] if l[key] else float("nan")))


if __name__ == "__main__":
    main()
