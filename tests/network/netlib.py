# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for the network tests: the test's own network namespace (everything the test
makes lives in namespaces it creates and removes), helper namespaces joined by veth
pairs, waits on conditions, and a virtvireod in a private root inside it."""
import os
import subprocess
import sys
import tempfile
import time

import vdrpc  # tests/protocol
from vdrpc import check

NETNS_MARK = "VD_NET_TEST_IN_NETNS"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def enter_private_netns():
    """Re-runs this script under `unshare -n` (a new network namespace holding only lo), so
    nothing the test does reaches the host's network."""
    if os.environ.get(NETNS_MARK):
        sh("ip link set lo up")
        return
    if os.geteuid() != 0:
        skip("network tests need root (bridges, nftables, namespaces)")
    for tool in ("unshare", "nsenter", "ip", "nft", "dnsmasq", "busybox", "virsh"):
        if subprocess.run(["sh", "-c", "command -v " + tool], capture_output=True).returncode:
            skip(tool + " not installed")
    env = dict(os.environ, **{NETNS_MARK: "1"})
    os.execvpe("unshare", ["unshare", "-n", "--", sys.executable] + sys.argv, env)


def sh(cmd, ok=True, ns=None, timeout=30):
    """Runs a shell command (in helper namespace `ns`, a Namespace, when given)."""
    argv = ["sh", "-c", cmd]
    if ns:
        argv = ["nsenter", "-t", str(ns.pid), "-n"] + argv
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if ok:
        check(r.returncode == 0, "command failed:", cmd, r.stdout, r.stderr)
    return r


def wait_for(what, cond, timeout=15.0):
    """Polls cond() until it returns a true value; fails the test naming `what`."""
    deadline = time.time() + timeout
    while True:
        v = cond()
        if v:
            return v
        check(time.time() < deadline, "timed out waiting for", what)
        time.sleep(0.05)


class Namespace:
    """A helper network namespace: a `sleep` in its own netns holds it; killing it
    removes the namespace with every interface in it."""

    def __init__(self):
        self.proc = subprocess.Popen(["unshare", "-n", "--", "sleep", "600"])
        self.pid = self.proc.pid
        wait_for("namespace", lambda: os.readlink("/proc/%d/ns/net" % self.pid)
                 != os.readlink("/proc/self/ns/net"))
        sh("ip link set lo up", ns=self)

    def join(self, here, there, master=None, address=None, there_address=None):
        """A veth pair: `here` stays in the test's namespace (on bridge `master`, or with
        `address`), `there` goes into this one (with `there_address` when given)."""
        sh("ip link add %s type veth peer name %s" % (here, there))
        sh("ip link set %s netns %d" % (there, self.pid))
        if master:
            sh("ip link set %s master %s" % (here, master))
        if address:
            sh("ip addr add %s dev %s" % (address, here))
        sh("ip link set %s up" % here)
        sh("ip link set %s up" % there, ns=self)
        if there_address:
            sh("ip addr add %s dev %s" % (there_address, there), ns=self)

    def close(self):
        self.proc.kill()
        self.proc.wait()


def network_xml(name, mode=None, bridge=None, subnet=None, dhcp=True, hosts=()):
    """<network> with forward `mode` (None: isolated) on 192.168.SUBNET.0/24."""
    x = "<network><name>%s</name>" % name
    if mode:
        x += "<forward mode='%s'/>" % mode
    if bridge:
        x += "<bridge name='%s'/>" % bridge
    if subnet is not None:
        x += "<ip address='192.168.%d.1' netmask='255.255.255.0'>" % subnet
        if dhcp:
            x += "<dhcp><range start='192.168.%d.10' end='192.168.%d.99'/>" % (subnet, subnet)
            x += "".join("<host mac='%s' ip='%s'/>" % h for h in hosts)
            x += "</dhcp>"
        x += "</ip>"
    return x + "</network>"


def kill_dnsmasqs(root):
    """Stops every dnsmasq the daemon in `root` left (their pid files), so none keeps the
    test's namespace alive after it."""
    run = os.path.join(root, "run", "vireo", "networks")
    for f in os.listdir(run) if os.path.isdir(run) else []:
        if f.endswith(".pid"):
            try:
                os.kill(int(open(os.path.join(run, f)).read()), 15)
            except (ValueError, ProcessLookupError):
                pass


def dnsmasq_pid(root, name):
    try:
        pid = int(open(os.path.join(root, "run", "vireo", "networks", name + ".pid")).read())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return 0


def link_exists(name):
    return sh("ip link show %s" % name, ok=False).returncode == 0


def nft_table_exists(bridge):
    return sh("nft list table inet vireo_%s" % bridge, ok=False).returncode == 0


def uri(d):
    return "vireo+unix:///system?socket=" + d.sock


def virsh(d, *args, ok=True):
    r = subprocess.run(["virsh", "-c", uri(d)] + list(args), capture_output=True, text=True,
                       timeout=60)
    if ok:
        check(r.returncode == 0, "virsh", args, r.stdout, r.stderr)
    return r


class NetDaemon:
    """virtvireod in a private root inside the test's namespace; [network] default as
    asked. Unlike vdrpc.daemon() it may be SIGKILLed and started again on the same root."""

    def __init__(self, root, default_network=False):
        self.root = root
        self.sock = os.path.join(root, "run", "libvirt", "virtvireod-sock")
        os.makedirs(os.path.join(root, "etc", "vireo"), exist_ok=True)
        with open(os.path.join(root, "etc", "vireo", "virtvireod.conf"), "w") as f:
            f.write("[unix]\nauth_rw=none\n[network]\ndefault=%s\n"
                    % ("true" if default_network else "false"))
        self.start()

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.log = open(os.path.join(self.root, "daemon.log"), "a")
        self.proc = subprocess.Popen([os.environ["VIRTVIREOD"], "--root", self.root],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("the daemon's socket", lambda: os.path.exists(self.sock)
                 or self.proc.poll() is not None)
        check(self.proc.poll() is None, "daemon died:", self.log_tail())

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(10)
        self.log.close()
        return rc

    def log_tail(self):
        with open(os.path.join(self.root, "daemon.log")) as f:
            return "".join(f.readlines()[-30:])


def with_daemon(test, default_network=False):
    """Runs test(d) against a fresh daemon; on failure prints the daemon's log tail; always
    stops it and the dnsmasqs it started. Logs stay under VD_NET_LOG_DIR (the build's)."""
    root = tempfile.mkdtemp(prefix="vd-net-", dir=os.environ.get("VD_NET_LOG_DIR"))
    d = NetDaemon(root, default_network)
    try:
        test(d)
    except BaseException:
        sys.stderr.write("---- daemon log tail ----\n" + d.log_tail())
        raise
    finally:
        if d.proc.poll() is None:
            d.stop()
        kill_dnsmasqs(root)


main = vdrpc.main
