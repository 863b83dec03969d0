#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""virtvireod against Debian's own libvirtd, side by side in one run, through the same
stock clients: python3-libvirt and a C client over libvirt's public API (bench-client).

Each daemon runs privately: virtvireod --root TMP/vireo; libvirtd in a mount namespace
with private /etc/libvirt, /var/lib/libvirt, /run/libvirt, /var/cache/libvirt and
/var/log/libvirt (on the same file system as virtvireod's root), serving its QEMU driver
(qemu:///system), which, like virtvireod, keeps each definition in a file it fsyncs. Both
get the same 1000 definitions. Measured per daemon, one after the other for each figure:
RSS idle and with 1000 domains; listAllDomains + getInfo on all (best of N sweeps);
getInfo calls per second from 8 concurrent clients; define + undefine pairs per second
(1 and 8 clients); and, with --strace, the syscalls each side makes per define+undefine.
Needs root. Prints each figure and the ratio vireo/libvirtd (or libvirtd/vireo for
memory), so that above 1 always means Vireo is better.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

import libvirt

LIBVIRT_DIRS = ["/etc/libvirt", "/var/lib/libvirt", "/run/libvirt", "/var/cache/libvirt",
                "/var/log/libvirt"]
CLIENTS = 8


def domain_xml(kind, name, uid=None):
    # The same shape for both; each daemon gets its own domain type and boot element.
    os_extra = "<kernel>/boot/vmlinuz</kernel>" if kind == "vireo" else ""
    dtype = "vireo" if kind == "vireo" else "qemu"
    uid_el = "<uuid>%s</uuid>" % uid if uid else ""
    return ("<domain type='%s'><name>%s</name>%s<memory>262144</memory>"
            "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type>%s</os></domain>"
            % (dtype, name, uid_el, os_extra))


def wait_socket(path, proc, what, tmp):
    deadline = time.time() + 120
    while not os.path.exists(path):
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError("%s did not start; see %s" % (what, tmp))
        time.sleep(0.05)
    time.sleep(0.5)


def start_vireo(tmp, binary):
    root = os.path.join(tmp, "vireo")
    os.makedirs(root)
    log = open(os.path.join(tmp, "vireo.log"), "w")
    p = subprocess.Popen([binary, "--root", root], stdout=log, stderr=subprocess.STDOUT)
    sock = os.path.join(root, "run", "libvirt", "virtvireod-sock")
    wait_socket(sock, p, "virtvireod", tmp)
    return p, "vireo+unix:///system?socket=" + sock


def start_libvirtd(tmp):
    base = os.path.join(tmp, "libvirtd")
    binds = []
    for d in LIBVIRT_DIRS:
        private = os.path.join(base, d.strip("/").replace("/", "_"))
        os.makedirs(private)
        binds.append("mkdir -p %s && mount --bind %s %s" % (d, private, d))
    # No libvirt-daemon-system here: the QEMU driver runs as root, without cgroups,
    # namespaces or a security driver (none of which a definition touches).
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
    # unshare without --fork execs: the process we hold is libvirtd itself.
    p = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                         stdout=log, stderr=subprocess.STDOUT)
    sock = os.path.join(sock_dir, "libvirt-sock")
    wait_socket(sock, p, "libvirtd", tmp)
    return p, "qemu+unix:///system?socket=" + sock


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def populate(uri, kind, n):
    conn = libvirt.open(uri)
    try:
        for d in conn.listAllDomains():
            d.undefine()
        start = time.perf_counter()
        for i in range(n):
            conn.defineXML(domain_xml(kind, "bench-%04d" % i, uuid.UUID(int=i + 1)))
        return time.perf_counter() - start
    finally:
        conn.close()


def python_sweep(uri, rounds, n):
    conn = libvirt.open(uri)
    best = None
    try:
        for _ in range(rounds):
            t = time.perf_counter()
            doms = conn.listAllDomains()
            for d in doms:
                d.info()
            elapsed = time.perf_counter() - t
            if len(doms) != n:
                raise RuntimeError("listed %d domains, defined %d" % (len(doms), n))
            best = elapsed if best is None else min(best, elapsed)
    finally:
        conn.close()
    return best


def run_clients(cmds, env=None):
    """Starts every command at once; each prints 'count N' or 'best_s S'. Sums counts."""
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for c in cmds]
    total = 0.0
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            raise RuntimeError("client %s failed: %s" % (p.args, err.strip()))
        total += float(out.split()[-1])
    return total


def c_clients(client, uri, mode, count, seconds, env=None):
    start_at = time.time() + 1.0  # every client connected and waiting by then
    cmds = [[client, uri, mode, "%.3f" % start_at, str(seconds)] +
            (["c%d" % i] if mode == "pairs" else []) for i in range(count)]
    return run_clients(cmds, env) / seconds


def py_clients(uri, mode, count, seconds, kind):
    start_at = time.time() + 1.5
    cmds = [["/usr/bin/python3", os.path.abspath(__file__), "--worker", mode, uri,
             "%.3f" % start_at, str(seconds), kind, "p%d" % i] for i in range(count)]
    return run_clients(cmds) / seconds


def worker(mode, uri, start_at, seconds, kind, tag):
    """One python3-libvirt client of py_clients."""
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    conn = libvirt.open(uri)
    doms = conn.listAllDomains() if mode == "info" else []
    while time.time() < start_at:
        time.sleep(0.001)
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        if mode == "info":
            doms[count % len(doms)].info()
        else:
            conn.defineXML(domain_xml(kind, "pair-%s-%d" % (tag, count))).undefine()
        count += 1
    conn.close()
    print("count %d" % count)


def syscalls_per_pair(client, uri, pid, env, seconds):
    """strace -f -c on the daemon while one C client defines and undefines; returns the
    pairs done and {syscall: calls} for the ones that touch files."""
    out = tempfile.mktemp(prefix="vd-bench-strace-")
    tracer = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-p", str(pid)],
                              stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    pairs = c_clients(client, uri, "pairs", 1, seconds, env) * seconds
    tracer.terminate()
    tracer.wait(30)
    calls = {}
    with open(out) as f:
        for line in f:
            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
            if m:
                calls[m.group(2)] = int(m.group(1))
    os.unlink(out)
    return pairs, calls


FILE_CALLS = ["openat", "write", "pwrite64", "fsync", "fdatasync", "rename", "renameat",
              "renameat2", "unlink", "unlinkat", "symlink", "close", "fstat", "newfstatat",
              "getdents64", "mkdir", "ftruncate"]


def measure(args, tmp):
    vp, vuri = start_vireo(tmp, args.virtvireod)
    lp, luri = start_libvirtd(tmp)
    daemons = {"vireo": (vp, vuri), "libvirtd": (lp, luri)}
    r = {k: {} for k in daemons}
    try:
        for k, (p, uri) in daemons.items():
            r[k]["rss_idle"] = rss_kib(p.pid)
        for k, (p, uri) in daemons.items():
            r[k]["define_s"] = populate(uri, "vireo" if k == "vireo" else "qemu", args.domains)
            time.sleep(0.5)
            r[k]["rss_full"] = rss_kib(p.pid)
        for k, (p, uri) in daemons.items():
            r[k]["sweep_py"] = python_sweep(uri, args.rounds, args.domains)
            r[k]["sweep_c"] = run_clients([[args.client, uri, "sweep", str(args.rounds)]])
        for k, (p, uri) in daemons.items():
            r[k]["info_c8"] = c_clients(args.client, uri, "info", CLIENTS, args.seconds)
            r[k]["info_py8"] = py_clients(uri, "info", CLIENTS, args.seconds, k)
        for k, (p, uri) in daemons.items():
            env = dict(os.environ, BENCH_XML=domain_xml(
                "vireo" if k == "vireo" else "qemu", "pair-%s-%ld"))
            r[k]["pairs_c1"] = c_clients(args.client, uri, "pairs", 1, args.seconds, env)
            r[k]["pairs_c8"] = c_clients(args.client, uri, "pairs", CLIENTS, args.seconds, env)
            r[k]["pairs_py1"] = py_clients(uri, "pairs", 1, args.seconds,
                                           "vireo" if k == "vireo" else "qemu")
            if args.strace:
                r[k]["strace"] = syscalls_per_pair(args.client, uri, p.pid, env, 3)
        for k, (p, uri) in daemons.items():
            r[k]["rss_after"] = rss_kib(p.pid)
    finally:
        for p, _ in daemons.values():
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return r


def report(args, r):
    v, l = r["vireo"], r["libvirtd"]
    print("bench-rpc: %d domains; virtvireod vs libvirtd 9.0 (QEMU driver), both on %s; "
          "%d concurrent clients for %g s per figure" % (args.domains, args.tmpdir, CLIENTS,
                                                         args.seconds))
    print("%-44s %13s %13s %7s" % ("", "virtvireod", "libvirtd", "ratio"))
    rows = [  # label, key, format, higher is better
        ("RSS idle (KiB)", "rss_idle", "%d", False),
        ("RSS with %d domains (KiB)" % args.domains, "rss_full", "%d", False),
        ("RSS after the run (KiB)", "rss_after", "%d", False),
        ("define %d domains, python, 1 client (s)" % args.domains, "define_s", "%.3f", False),
        ("listAll+getInfo sweep, python (s, best)", "sweep_py", "%.4f", False),
        ("listAll+getInfo sweep, C (s, best)", "sweep_c", "%.4f", False),
        ("getInfo calls/s, 8 C clients", "info_c8", "%.0f", True),
        ("getInfo calls/s, 8 python clients", "info_py8", "%.0f", True),
        ("define+undefine pairs/s, 1 C client", "pairs_c1", "%.1f", True),
        ("define+undefine pairs/s, 8 C clients", "pairs_c8", "%.1f", True),
        ("define+undefine pairs/s, 1 python client", "pairs_py1", "%.1f", True),
    ]
    for label, key, fmt, higher in rows:
        ratio = v[key] / l[key] if higher else l[key] / v[key]
        print("%-44s %13s %13s %6.2fx" % (label, fmt % v[key], fmt % l[key], ratio))
    print("(ratio: how many times better virtvireod is; memory and times: libvirtd/vireo)")
    if args.strace:
        print("syscalls per define+undefine pair (strace -f -c on the daemon, one C client):")
        for k in ("vireo", "libvirtd"):
            pairs, calls = r[k]["strace"]
            shown = ", ".join("%s %.1f" % (c, calls[c] / pairs) for c in FILE_CALLS
                              if c in calls and pairs)
            total = sum(calls.values()) / pairs if pairs else 0
            print("  %-9s %.0f pairs; %.0f syscalls per pair; %s" % (k, pairs, total, shown))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        mode, uri, start_at, seconds, kind, tag = sys.argv[2:8]
        worker(mode, uri, float(start_at), float(seconds), kind, tag)
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--virtvireod", required=True)
    ap.add_argument("--client", required=True, help="bench-client (the C client)")
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--strace", action="store_true", help="count each side's syscalls")
    ap.add_argument("--tmpdir", default="/var/tmp",
                    help="where both daemons keep their files (one file system for both)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench-rpc: needs root (libvirtd runs in a private mount namespace)")
    if not os.path.exists("/usr/sbin/libvirtd"):
        sys.exit("bench-rpc: /usr/sbin/libvirtd missing (apt-get install libvirt-daemon)")
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    tmp = tempfile.mkdtemp(prefix="vd-bench-rpc-", dir=args.tmpdir)
    try:
        r = measure(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(args, r)


if __name__ == "__main__":
    main()
