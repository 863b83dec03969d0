#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Device-model throughput, side by side in one node boot (-accel tcg -cpu EPYC):

- sequential write and read of a virtio disk (raw image, libvirt's default cache) by dd in
  a Linux domU, against dd on the same image file in dom0;
- TCP from the domU to dom0 over a vif on a dom0 bridge, against TCP over dom0's loopback.

The domU is the node's test guest (256 MiB, 2 vCPUs), defined and started with the host's
stock virsh; times are each side's own /proc/uptime around the transfer. Prints MiB/s and
the ratios domU / dom0.
Usage: bench_io.py NODE_TEST_JSON WORKDIR PKI_DIR
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, '..', '..', 'tests', 'node'),
                os.path.join(HERE, '..', '..', 'tests', 'clients', 'node')]
import node  # noqa: E402
import nodeclients  # noqa: E402
from test_virsh_linux import MARKER, BOOT_TIMEOUT, console_answers, guest_cmdline  # noqa: E402

IMAGE = '/var/lib/vireo/images/bench.raw'
DISK_MIB = 128
NET_MIB = 64
BRIDGE, DOM0_IP, GUEST_IP = 'vbrb', '10.98.0.1', '10.98.0.2'
MAC = '52:54:00:5e:00:b1'
# Prints "bench-TAG START END" from /proc/uptime around a command; the typed line holds
# "bench-TAG /", which the answer's pattern cannot match. Each measurement has its own tag:
# a console session may show earlier output again.
TIMED = ('{pre}a=$(cut -d" " -f1 /proc/uptime); {cmd}; b=$(cut -d" " -f1 /proc/uptime); '
         'echo "$a $b" | sed "s/^/bench-{tag} /"')
ANSWER = r'bench-{tag} ([\d.]+) ([\d.]+)'
TAGS = iter(range(1000))


def listening(port):
    """A shell test that port is in LISTEN in /proc/net/tcp (a probe would take the one
    connection busybox nc -l accepts)."""
    return f'grep -q ":{port:04X} 00000000:0000 0A" /proc/net/tcp'


def wait_listening(port):
    return f'for i in $(seq 100); do {listening(port)} && break; sleep 0.1; done'


def seconds(m):
    return float(m.group(2)) - float(m.group(1))


def in_dom0(s, cmd, timeout=300):
    tag = next(TAGS)
    out = s.dom0(TIMED.format(pre='', cmd=cmd, tag=tag), timeout)
    m = re.search(ANSWER.format(tag=tag), out)
    if not m:
        raise node.TestFailure(f'no timing from dom0 for: {cmd}')
    return seconds(m)


def in_domu(s, cmd, pre='', timeout=600):
    """pre: a command run first, outside the timing."""
    tag = next(TAGS)
    return seconds(console_answers(s, 'bio', TIMED.format(pre=pre, cmd=cmd, tag=tag),
                                   ANSWER.format(tag=tag), timeout))


def domu_xml(s):
    xml = nodeclients.linux_xml('bio', guest_cmdline(s))
    devices = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
               f"<source file='{IMAGE}'/><target dev='vda' bus='virtio'/></disk>"
               f"<interface type='bridge'><mac address='{MAC}'/>"
               f"<source bridge='{BRIDGE}'/><model type='virtio'/></interface>")
    return xml.replace('<devices>', '<devices>' + devices)


def measure(s):
    s.dom0(f'mkdir -p {os.path.dirname(IMAGE)} && '
           f'dd if=/dev/zero of={IMAGE} bs=1M count={DISK_MIB} 2>/dev/null && '
           f'ip link add {BRIDGE} type bridge && ip addr add {DOM0_IP}/24 dev {BRIDGE} && '
           f'ip link set {BRIDGE} up')
    s.define_xml('bio', domu_xml(s), command='create')
    s.wait_console('bio', MARKER, BOOT_TIMEOUT, 'the domU in userspace')
    console_answers(s, 'bio', f'ifconfig eth0 {GUEST_IP} netmask 255.255.255.0 up; '
                              f'ping -c 1 -W 5 {DOM0_IP} | grep -o "[0-9]* packets received"',
                    r'1 packets received')
    r = {}
    write = f'dd if=/dev/zero bs=1M count={DISK_MIB} conv=fsync,notrunc 2>/dev/null'
    read = f'dd bs=1M count={DISK_MIB} of=/dev/null 2>/dev/null'
    drop = 'sync; echo 3 > /proc/sys/vm/drop_caches'
    r['disk write, dom0'] = in_dom0(s, f'{write} of={IMAGE}')
    r['disk write, domU'] = in_domu(s, f'{write} of=/dev/vda')
    s.dom0(drop)
    r['disk read, dom0'] = in_dom0(s, f'{read} if={IMAGE}')
    s.dom0(drop)
    r['disk read, domU'] = in_domu(s, f'{read} if=/dev/vda', pre=f'{drop}; ')
    send = f'dd if=/dev/zero bs=1M count={NET_MIB} 2>/dev/null | nc {{ip}} {{port}}'
    for key, port, ip, where in (('tcp, dom0 loopback', 5002, '127.0.0.1', in_dom0),
                                 ('tcp, domU to dom0', 5001, DOM0_IP, in_domu)):
        # The listener's stdin is a pipe that stays open and silent: on dom0's console it
        # would take the shell's next commands as data to send.
        s.dom0(f'rm -f /tmp/got{port}; (sleep 600 | nc -l -p {port} | wc -c > /tmp/got{port} &); '
               f'{wait_listening(port)}')
        r[key] = where(s, send.format(ip=ip, port=port))
        got = s.dom0(f'for i in $(seq 100); do [ -s /tmp/got{port} ] && break; sleep 0.1; '
                     f'done; cat /tmp/got{port}')
        if str(NET_MIB << 20) not in got:
            raise node.TestFailure(f'{key}: the listener got {got.strip()!r} bytes, '
                                   f'not {NET_MIB << 20}')
    s.virsh('destroy', 'bio')
    return r


def report(r):
    size = {'disk': DISK_MIB, 'tcp': NET_MIB}
    print(f'{"transfer":24} {"s":>8} {"MiB/s":>8}')
    for k, t in r.items():
        kind = k.split()[0].rstrip(',')
        print(f'{k:24} {t:8.2f} {size[kind] / t:8.1f}')
    for what, ours, floor in (('disk write', 'disk write, domU', 'disk write, dom0'),
                              ('disk read', 'disk read, domU', 'disk read, dom0'),
                              ('tcp', 'tcp, domU to dom0', 'tcp, dom0 loopback')):
        print(f'{what}: domU throughput / dom0 throughput = {r[floor] / r[ours]:.3f}')


def main():
    info = node.load_image_info(sys.argv[1])
    s = nodeclients.Session(info, sys.argv[2], sys.argv[3])
    try:
        r = measure(s)
    except node.TestFailure as e:
        print(f'bench-dm-io failed: {e}\n{s.tails()}')
        sys.exit(1)
    finally:
        s.close()
    report(r)


if __name__ == '__main__':
    main()
