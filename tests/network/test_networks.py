# SPDX-License-Identifier: GPL-2.0-only
"""Virtual networks on the host, through stock virsh and python3-libvirt, each test inside
a network namespace of its own: every forward mode comes up and goes away cleanly, errors
carry libvirt's codes, events reach clients, a DHCP client in a second namespace gets a
lease that net-dhcp-leases shows and reaches an upstream namespace through NAT, an
isolated network's client cannot, and a running network outlives a SIGKILLed daemon."""
import os
import subprocess
import threading
import time

import netlib
from netlib import Namespace, check, sh, virsh, wait_for, with_daemon

netlib.enter_private_netns()
import libvirt  # noqa: E402  (after the re-exec: python3-libvirt of the system python)

libvirt.virEventRegisterDefaultImpl()
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)],
                 daemon=True).start()
libvirt.registerErrorHandler(lambda *a: None, None)

UPSTREAM = "10.99.0.2"
LISTENER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080)); s.listen(1); print("listening", flush=True)
c, peer = s.accept(); c.sendall(b"hello"); print(peer[0], flush=True); c.close()
"""
CONNECT = r"""
import socket, sys
try:
    c = socket.create_connection((sys.argv[1], 8080), timeout=3); print(c.recv(5).decode())
except OSError as e:
    print("failed:", e); sys.exit(1)
"""
UDHCPC_SCRIPT = """#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add $ip/${mask:-24} dev $interface
[ -n "$router" ] && ip route add default via ${router%% *}
exit 0
"""


def conn(d):
    return libvirt.open(netlib.uri(d))


def expect_code(fn, code):
    try:
        fn()
    except libvirt.libvirtError as e:
        check(e.get_error_code() == code, "wanted code", code, "got", e.get_error_code(), str(e))
        return str(e)
    raise netlib.vdrpc.CheckFailed("no error, wanted code %d" % code)


def start_network(c, xml):
    net = c.networkDefineXML(xml)
    net.create()
    return net


def forward_modes_come_up_and_go_away_cleanly():
    def test(d):
        c = conn(d)
        sh("ip link add brhost type bridge")
        cases = [("nat", 101, True), ("route", 102, True), ("open", 103, False),
                 (None, 104, True)]
        for mode, subnet, rules in cases:
            br = "vbt%d" % subnet
            net = start_network(c, netlib.network_xml("n%d" % subnet, mode, br, subnet))
            check(netlib.link_exists(br), mode, "bridge missing")
            check("192.168.%d.1/24" % subnet in sh("ip -br addr show " + br).stdout, mode)
            check(netlib.nft_table_exists(br) == rules, mode, "nft table presence")
            check(netlib.dnsmasq_pid(d.root, "n%d" % subnet), mode, "dnsmasq not running")
            check(net.isActive() == 1 and net.bridgeName() == br, mode)
            net.destroy()
            check(not netlib.link_exists(br), mode, "bridge left behind")
            check(not netlib.nft_table_exists(br), mode, "nft table left behind")
            check(not netlib.dnsmasq_pid(d.root, "n%d" % subnet), mode, "dnsmasq left running")
            net.undefine()
        net = start_network(c, "<network><name>hb</name><forward mode='bridge'/>"
                               "<bridge name='brhost'/></network>")
        check(net.isActive() == 1 and "mode=\"bridge\"" in net.XMLDesc(0))
        net.destroy()
        check(netlib.link_exists("brhost"), "a bridge network removed the host's bridge")
        net.undefine()
        sh("ip link del brhost")
        check(c.listAllNetworks() == [], "networks left")
    with_daemon(test)


def errors_carry_libvirt_codes():
    def test(d):
        c = conn(d)
        expect_code(lambda: c.networkLookupByName("nope"), libvirt.VIR_ERR_NO_NETWORK)
        net = c.networkDefineXML(netlib.network_xml("e1", "nat", "vbe1", 110))
        expect_code(net.destroy, libvirt.VIR_ERR_OPERATION_INVALID)
        other = netlib.network_xml("e1", "nat", "vbe2", 111)  # same name, new uuid
        expect_code(lambda: c.networkDefineXML(other), libvirt.VIR_ERR_OPERATION_FAILED)
        clash = netlib.network_xml("e2", "nat", "vbe1", 112)  # same bridge
        expect_code(lambda: c.networkDefineXML(clash), libvirt.VIR_ERR_INTERNAL_ERROR)
        expect_code(lambda: c.networkDefineXML("<network><name>x</name><portgroup/></network>"),
                    libvirt.VIR_ERR_CONFIG_UNSUPPORTED)
        expect_code(lambda: c.networkDefineXML("<network><name>x</name><forward mode='vepa'/>"
                                               "</network>"), libvirt.VIR_ERR_CONFIG_UNSUPPORTED)
        expect_code(lambda: c.networkDefineXML("<network>"), libvirt.VIR_ERR_XML_DETAIL)
        net.create()
        expect_code(net.create, libvirt.VIR_ERR_OPERATION_INVALID)
        # A bridge name in use by a host interface: the start fails and leaves it alone.
        sh("ip link add vbe3 type bridge")
        n3 = c.networkDefineXML(netlib.network_xml("e3", "nat", "vbe3", 113))
        msg = expect_code(n3.create, libvirt.VIR_ERR_INTERNAL_ERROR)
        check("already in use" in msg and netlib.link_exists("vbe3"), msg)
        n3.undefine()
        t = c.networkCreateXML(netlib.network_xml("t1", None, "vbt1", 114))
        check(t.isPersistent() == 0 and t.isActive() == 1)
        expect_code(t.undefine, libvirt.VIR_ERR_OPERATION_INVALID)
        expect_code(lambda: t.setAutostart(1), libvirt.VIR_ERR_OPERATION_INVALID)
        t.destroy()
        expect_code(lambda: c.networkLookupByName("t1"), libvirt.VIR_ERR_NO_NETWORK)
        net.destroy()
        net.undefine()
        expect_code(lambda: c.networkLookupByUUIDString(net.UUIDString()),
                    libvirt.VIR_ERR_NO_NETWORK)
    with_daemon(test)


def lifecycle_events_reach_clients():
    def test(d):
        c = conn(d)
        seen = []
        c.networkEventRegisterAny(None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE,
                                  lambda _c, net, ev, det, _o: seen.append((net.name(), ev)), None)
        net = start_network(c, netlib.network_xml("ev", "nat", "vbev", 120))
        net.destroy()
        net.undefine()
        want = [("ev", libvirt.VIR_NETWORK_EVENT_DEFINED), ("ev", libvirt.VIR_NETWORK_EVENT_STARTED),
                ("ev", libvirt.VIR_NETWORK_EVENT_STOPPED), ("ev", libvirt.VIR_NETWORK_EVENT_UNDEFINED)]
        wait_for("four network events", lambda: len(seen) >= 4)
        check(seen == want, seen)
    with_daemon(test)


def dhcp_client(d, net_name, bridge, tag):
    """A client namespace on the network's bridge that ran udhcpc; returns (ns, mac)."""
    ns = Namespace()
    ns.join("vh" + tag, "vc" + tag, master=bridge)
    script = os.path.join(d.root, "udhcpc.sh")
    with open(script, "w") as f:
        f.write(UDHCPC_SCRIPT)
    os.chmod(script, 0o755)
    mac = sh("ip -br link show vc%s" % tag, ns=ns).stdout.split()[2]
    return ns, mac, script


def upstream_namespace():
    up = Namespace()
    up.join("vu0", "vu1", address="10.99.0.1/24", there_address=UPSTREAM + "/24")
    return up


def listen_upstream(up):
    p = subprocess.Popen(["nsenter", "-t", str(up.pid), "-n", "python3", "-c", LISTENER, UPSTREAM],
                         stdout=subprocess.PIPE, text=True)
    check(p.stdout.readline().strip() == "listening")
    return p


def dhcp_lease_is_listed_and_nat_reaches_upstream():
    def test(d):
        c = conn(d)
        start_network(c, netlib.network_xml("lan", "nat", "vblan", 130))
        ns, mac, script = dhcp_client(d, "lan", "vblan", "1")
        up = upstream_namespace()
        try:
            # net-update --live: the client's MAC gets a fixed address before it asks.
            virsh(d, "net-update", "lan", "add", "ip-dhcp-host",
                  "<host mac='%s' name='client1' ip='192.168.130.50'/>" % mac, "--live", "--config")
            check("192.168.130.50" in virsh(d, "net-dumpxml", "lan").stdout)
            sh("busybox udhcpc -i vc1 -n -q -t 10 -T 1 -s %s" % script, ns=ns, timeout=40)
            addr = sh("ip -br addr show vc1", ns=ns).stdout
            check("192.168.130." in addr, "no DHCP address:", addr)
            out = wait_for("the lease in net-dhcp-leases", lambda: (lambda o: mac in o and o)(
                virsh(d, "net-dhcp-leases", "lan").stdout))
            check(addr.split()[2] in out, out, addr)
            leases = c.networkLookupByName("lan").DHCPLeases()
            check(len(leases) == 1 and leases[0]["mac"] == mac and leases[0]["iface"] == "vblan"
                  and leases[0]["prefix"] == 24 and leases[0]["expirytime"] > time.time(), leases)
            listener = listen_upstream(up)
            r = sh("python3 -c '%s' %s" % (CONNECT.replace("'", "\"").strip(), UPSTREAM), ns=ns,
                   ok=False)
            check(r.stdout.strip() == "hello", "no NAT connection:", r.stdout, r.stderr)
            # The listener saw the host's upstream address: the masquerade rewrote the source.
            check(listener.communicate(timeout=10)[0].strip() == "10.99.0.1", "not masqueraded")
            virsh(d, "net-update", "lan", "delete", "ip-dhcp-host",
                  "<host mac='%s'/>" % mac, "--live", "--config")
            check("192.168.130.50" not in virsh(d, "net-dumpxml", "lan").stdout)
            r = virsh(d, "net-update", "lan", "delete", "ip-dhcp-host",
                      "<host mac='%s'/>" % mac, "--config", ok=False)
            check(r.returncode != 0 and "couldn't locate" in r.stderr, r.stderr)
        finally:
            ns.close()
            up.close()
        virsh(d, "net-destroy", "lan")
    with_daemon(test)


def isolated_network_cannot_reach_upstream():
    def test(d):
        c = conn(d)
        start_network(c, netlib.network_xml("iso", None, "vbiso", 140))
        ns, mac, script = dhcp_client(d, "iso", "vbiso", "2")
        up = upstream_namespace()
        try:
            sh("busybox udhcpc -i vc2 -n -q -t 10 -T 1 -s %s" % script, ns=ns, timeout=40)
            sh("ip route replace default via 192.168.140.1", ns=ns)
            listener = listen_upstream(up)
            r = sh("python3 -c '%s' %s" % (CONNECT.replace("'", "\"").strip(), UPSTREAM), ns=ns,
                   ok=False)
            check(r.returncode != 0 and "failed" in r.stdout, "isolated client got out:", r.stdout)
            listener.kill()
            listener.wait()
            # Guests of the network and the host still talk: ping the bridge's address.
            sh("busybox ping -c 1 -W 2 192.168.140.1", ns=ns)
        finally:
            ns.close()
            up.close()
        virsh(d, "net-destroy", "iso")
    with_daemon(test)


def running_network_survives_daemon_sigkill():
    def test(d):
        net_list = virsh(d, "net-list", "--all").stdout
        check("default" in net_list and "active" in net_list, net_list)
        check("192.168.122.1/24" in sh("ip -br addr show virbr0").stdout)
        virsh(d, "net-define", "/dev/stdin", ok=False)  # virsh reads files only: use python
        c = conn(d)
        start_network(c, netlib.network_xml("keep", "nat", "vbkeep", 150)).setAutostart(1)
        pid = netlib.dnsmasq_pid(d.root, "keep")
        d.kill()
        check(netlib.link_exists("vbkeep") and netlib.dnsmasq_pid(d.root, "keep") == pid)
        d.start()
        info = virsh(d, "net-info", "keep").stdout
        check("Active:         yes" in info and "Autostart:      yes" in info, info)
        check(netlib.dnsmasq_pid(d.root, "keep") == pid, "dnsmasq was restarted")
        check(netlib.nft_table_exists("vbkeep"))
        virsh(d, "net-destroy", "keep")
        virsh(d, "net-undefine", "keep")
        virsh(d, "net-destroy", "default")
        check(not netlib.link_exists("virbr0"))
    with_daemon(test, default_network=True)


netlib.main([forward_modes_come_up_and_go_away_cleanly, errors_carry_libvirt_codes,
             lifecycle_events_reach_clients, dhcp_lease_is_listed_and_nat_reaches_upstream,
             isolated_network_cannot_reach_upstream, running_network_survives_daemon_sigkill])
