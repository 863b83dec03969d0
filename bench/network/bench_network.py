#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""net-start to a DHCP lease: virtvireod's NAT network against the same steps done by hand
with the same tools, side by side in one run (issue 9, point 7).

Everything lives in a private network namespace (`unshare -n`, tests/network/netlib.py)
and helper namespaces it makes and removes. Each run, for both sides, times from the start
of bringing the network up: up = `virsh net-start` returns (by hand: `ip link add` a bridge
with its address, ip_forward, `nft -f` of the very ruleset virtvireod loaded, dnsmasq with
the very configuration virtvireod wrote, paths aside); lease = a client namespace (a fresh
veth on the bridge) got its address from busybox udhcpc -n -q; listed = `virsh
net-dhcp-leases` shows the client's MAC (by hand: dnsmasq's lease file does); down =
net-destroy (by hand: SIGTERM dnsmasq and wait for its pid to go, as virtvireod does, delete
the nft table and the bridge), timed alone.
One unmeasured warm-up of each side first. Prints best and median ms of --runs and the
ratio vireo/by-hand of the medians.
"""
import argparse
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path[:0] = [os.path.join(SRC, "tests", "network"), os.path.join(SRC, "tests", "protocol")]

NET = "bench"
BRIDGE = "vbbench"
SUBNET = 140
TOOLS = ("unshare", "nsenter", "ip", "nft", "dnsmasq", "busybox", "virsh")
UDHCPC_SCRIPT = """#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add $ip/${mask:-24} dev $interface
exit 0
"""
PHASES = ("up", "lease", "listed", "down")


def skip_unless_able():
    """A bench that cannot run says SKIP and exits 0 (netlib's skip exits 77, for tests)."""
    why = None
    if os.geteuid() != 0:
        why = "needs root (bridges, nftables, namespaces)"
    for tool in TOOLS:
        if not why and not shutil.which(tool):
            why = tool + " not installed"
    if why:
        print("SKIP: bench-network " + why)
        sys.exit(0)


skip_unless_able()
import netlib  # noqa: E402  (tests/network)
from netlib import Namespace, sh, virsh, wait_for  # noqa: E402

netlib.enter_private_netns()


def client_lease(ns, script, tag):
    """A veth from the bridge into `ns`; udhcpc on it until bound. Returns the client's MAC."""
    ns.join("vh" + tag, "vc" + tag, master=BRIDGE)
    mac = sh("ip -br link show vc%s" % tag, ns=ns).stdout.split()[2]
    sh("busybox udhcpc -i vc%s -n -q -t 10 -T 1 -s %s" % (tag, script), ns=ns, timeout=40)
    return mac


class Vireo:
    """The network as virtvireod runs it, through stock virsh."""

    def __init__(self, d):
        self.d = d
        virsh(d, "net-define", self.xml_file())

    def xml_file(self):
        path = os.path.join(self.d.root, NET + ".xml")
        with open(path, "w") as f:
            f.write(netlib.network_xml(NET, "nat", BRIDGE, SUBNET))
        return path

    def up(self):
        virsh(self.d, "net-start", NET)

    def listed(self, mac):
        wait_for("the lease in net-dhcp-leases", lambda: mac in virsh(self.d, "net-dhcp-leases",
                                                                       NET).stdout)

    def down(self):
        virsh(self.d, "net-destroy", NET)


class ByHand:
    """The same network made by hand: virtvireod's own dnsmasq configuration and nft
    ruleset (taken from a running network), loaded with the same tools."""

    def __init__(self, d, work):
        virsh(d, "net-start", NET)
        self.rules = sh("nft list table inet vireo_" + BRIDGE).stdout
        conf = open(os.path.join(d.root, "var", "lib", "vireo", "dnsmasq", NET + ".conf")).read()
        virsh(d, "net-destroy", NET)
        self.dir = os.path.join(work, "by-hand")
        os.makedirs(self.dir)
        self.pid = os.path.join(self.dir, "dnsmasq.pid")
        self.leases = os.path.join(self.dir, "dnsmasq.leases")
        self.conf = os.path.join(self.dir, "dnsmasq.conf")
        open(os.path.join(self.dir, "dnsmasq.hostsfile"), "w").close()
        paths = {"pid-file": self.pid, "dhcp-leasefile": self.leases,
                 "dhcp-hostsfile": os.path.join(self.dir, "dnsmasq.hostsfile")}
        with open(self.conf, "w") as f:
            for line in conf.splitlines():
                key = line.split("=", 1)[0]
                f.write("%s=%s\n" % (key, paths[key]) if key in paths else line + "\n")

    def up(self):
        sh("ip link add %s type bridge && ip addr add 192.168.%d.1/24 dev %s && ip link set %s up"
           % (BRIDGE, SUBNET, BRIDGE, BRIDGE))
        with open("/proc/sys/net/ipv4/ip_forward", "w") as f:
            f.write("1\n")
        subprocess.run(["nft", "-f", "-"], input=self.rules, text=True, check=True)
        subprocess.run(["dnsmasq", "--conf-file=" + self.conf], check=True)

    def listed(self, mac):
        wait_for("the lease in dnsmasq's lease file", lambda: os.path.exists(self.leases)
                 and mac in open(self.leases).read())

    def down(self):
        pid = int(open(self.pid).read())
        os.kill(pid, 15)
        for _ in range(200):  # as vd_dnsmasq_stop: until the pid is gone, 2 s at most
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.01)
        subprocess.run(["nft", "delete", "table", "inet", "vireo_" + BRIDGE], check=True)
        sh("ip link del " + BRIDGE)
        for path in (self.pid, self.leases):
            if os.path.exists(path):
                os.unlink(path)


def one_run(side, script, tag):
    """Phase times in seconds; the client namespace exists before the clock starts."""
    ns = Namespace()
    try:
        start = time.monotonic()
        side.up()
        t = {"up": time.monotonic() - start}
        mac = client_lease(ns, script, tag)
        t["lease"] = time.monotonic() - start
        side.listed(mac)
        t["listed"] = time.monotonic() - start
    finally:
        ns.close()
    start = time.monotonic()
    side.down()
    t["down"] = time.monotonic() - start
    return t


def report(runs, vireo, hand):
    print("%d runs each; 'lease' and 'listed' count from the start of 'up'; nft rules added "
          "by hand too (virtvireod's ruleset)" % runs)
    print("%-8s %10s %10s %10s %10s %8s" % ("phase", "vireo best", "vireo med", "hand best",
                                             "hand med", "vireo/hand"))
    for p in PHASES:
        v = [r[p] * 1000 for r in vireo]
        h = [r[p] * 1000 for r in hand]
        vm, hm = statistics.median(v), statistics.median(h)
        print("%-8s %10.1f %10.1f %10.1f %10.1f %8.2f" % (p, min(v), vm, min(h), hm,
                                                           vm / hm if hm else float("nan")))


def bench(d, work, runs):
    script = os.path.join(work, "udhcpc.sh")
    with open(script, "w") as f:
        f.write(UDHCPC_SCRIPT)
    os.chmod(script, 0o755)
    vireo, hand = Vireo(d), ByHand(d, work)
    one_run(vireo, script, "0")  # warm-up: page cache, binaries, first nft load
    one_run(hand, script, "0")
    results = ([], [])
    for i in range(runs):  # interleaved, so drift in the machine's load hits both sides
        results[0].append(one_run(vireo, script, str(i + 1)))
        results[1].append(one_run(hand, script, str(i + 1)))
    report(runs, *results)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--virtvireod", required=True)
    ap.add_argument("--dir", help="where the daemon's root goes (default: a temporary dir)")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    os.environ["VIRTVIREOD"] = a.virtvireod
    work = tempfile.mkdtemp(prefix="bench-network-", dir=a.dir)
    root = os.path.join(work, "root")
    os.makedirs(root)
    d = None
    try:
        d = netlib.NetDaemon(root)
        bench(d, work, a.runs)
    except BaseException:
        if d:
            sys.stderr.write("---- daemon log tail ----\n" + d.log_tail())
        raise
    finally:
        if d and d.proc.poll() is None:
            d.stop()
        netlib.kill_dnsmasqs(root)
        for pid_file in glob.glob(os.path.join(work, "by-hand", "*.pid")):
            try:
                os.kill(int(open(pid_file).read()), 15)
            except (ValueError, ProcessLookupError):
                pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
