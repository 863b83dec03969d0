#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Save and restore of a 256 MiB Linux domU (issue 10, bench/): `virsh save` and `virsh
restore` of the test domU (Debian's kernel, the project's initramfs, 2 vCPUs, no virtio
devices) on a node under hv, timed from the host, against the floor: dd writing and
reading the same number of bytes on the same file system in dom0 (its RAM filesystem,
where the image goes), timed in dom0. Side by side in one run, ROUNDS of each, the best
kept (load from other work only adds time); prints the ratios.
Usage: bench_save.py NODE_TEST_JSON PKI_DIR LOGDIR
"""
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, '..', '..', 'tests', 'node'),
                os.path.join(HERE, '..', '..', 'tests', 'clients', 'node')]
import node  # noqa: E402
import nodeclients  # noqa: E402

ROUNDS = 3
NAME = 'bench-save'
MEMORY_MIB = 256
IMAGE = '/var/lib/vireo/bench-save.save'
FLOOR = '/var/lib/vireo/bench-floor'
MARKER = r'vireo-domu: \d+ CPUs, clocksource'


def dom0_seconds(s, command):
    """Wall time of command in dom0, from its own clock (/proc/uptime)."""
    out = s.dom0(f'a=$(cut -d" " -f1 /proc/uptime); {command}; b=$(cut -d" " -f1 /proc/uptime);'
                 f' echo "took=$a:$b"', timeout=600)
    m = re.search(r'took=([\d.]+):([\d.]+)', out)
    if not m:
        raise node.TestFailure(f'no timing from dom0: {out!r}')
    return float(m.group(2)) - float(m.group(1))


def timed_virsh(s, *args):
    began = time.monotonic()
    s.virsh(*args, timeout=600)
    return time.monotonic() - began


def main():
    node_json, pki_dir, logdir = sys.argv[1:4]
    os.makedirs(logdir, exist_ok=True)
    s = nodeclients.Session(node.load_image_info(node_json), os.path.join(logdir, 'node'),
                            pki_dir)
    try:
        cmdline = nodeclients.linux_guest_cmdline(s)
        s.define_xml(NAME, nodeclients.linux_xml(NAME, cmdline, memory_mib=MEMORY_MIB))
        s.virsh('start', NAME)
        s.wait_console(NAME, MARKER, 300, 'the domU at its shell')
        saves, restores, writes, reads = [], [], [], []
        for _ in range(ROUNDS):
            saves.append(timed_virsh(s, 'save', NAME, IMAGE))
            size = int(s.dom0(f'echo "size=$(stat -c %s {IMAGE})"', timeout=60)
                       .split('size=')[-1].split()[0])
            restores.append(timed_virsh(s, 'restore', IMAGE))
            s.dom0(f'rm -f {IMAGE}')
            mib = (size + (1 << 20) - 1) >> 20
            writes.append(dom0_seconds(s, f'dd if=/dev/zero of={FLOOR} bs=1M count={mib} '
                                          f'conv=fsync 2>/dev/null'))
            reads.append(dom0_seconds(s, f'dd if={FLOOR} of=/dev/null bs=1M 2>/dev/null'))
            s.dom0(f'rm -f {FLOOR}')
        save, restore, write, read = min(saves), min(restores), min(writes), min(reads)
        print(f'bench-save: {MEMORY_MIB} MiB Linux domU, 2 vCPUs, image {size >> 20} MiB in '
              f"dom0's RAM filesystem; best of {ROUNDS}")
        print(f'  virsh save     {save:7.2f} s   dd write of {mib} MiB {write:6.2f} s   '
              f'ratio {save / write:6.1f}x the floor')
        print(f'  virsh restore  {restore:7.2f} s   dd read  of {mib} MiB {read:6.2f} s   '
              f'ratio {restore / read:6.1f}x the floor')
        print(f'  (all rounds: save {saves}, restore {restores}, write {writes}, read {reads})')
    finally:
        s.close()


if __name__ == '__main__':
    main()
