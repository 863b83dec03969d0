#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Memory hv hides from dom0 (the domU pool, reserved in dom0's e820) behaves as an empty
bus when dom0 root touches it through /dev/mem: reads give all-ones, writes vanish, hv
logs the access, and dom0 and hv go on (a domU still builds and runs afterwards)."""
import re

import node


HV_LOAD_ADDRESS = 0x200000  # hv.elf's link address (docs/hv.md)


def reserved_ranges(iomem):
    """Top-level "Reserved" ranges of dom0's /proc/iomem, as (start, end) pairs."""
    found = []
    for line in iomem.splitlines():
        m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) : Reserved\s*$', line)
        if m:
            found.append((int(m.group(1), 16), int(m.group(2), 16)))
    return found


def hidden_addresses(iomem):
    """hv's own image, and the middle of the domU pool's largest stretch below 4 GiB."""
    ranges = reserved_ranges(iomem)
    hv = [r for r in ranges if r[0] <= HV_LOAD_ADDRESS <= r[1]]
    low = [r for r in ranges if r[1] < 1 << 32]
    pool = max(low, key=lambda r: r[1] - r[0], default=None)
    if not hv or pool is None or pool[1] - pool[0] < 64 << 20:
        raise node.TestFailure(f'dom0 is not shown hv or the domU pool as reserved:\n{iomem}')
    return {'hv': HV_LOAD_ADDRESS, 'domU pool': (pool[0] + pool[1]) // 2 & ~0xfff}


def devmem_read(n, addr, width):
    """The value busybox devmem prints: its last line (the serial console may repeat the
    command line above it)."""
    _, out = n.run(f'devmem {addr:#x} {width}', 60)
    lines = out.strip().splitlines()
    return lines[-1].strip().lower() if lines else ''


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    _, iomem = n.run('cat /proc/iomem', 30)
    for what, addr in hidden_addresses(iomem).items():
        value = devmem_read(n, addr, 32)
        if value != '0xffffffff':
            raise node.TestFailure(f'reading {what} at {addr:#x} gave {value!r}, '
                                   'not all-ones')
        n.run(f'devmem {addr:#x} 32 0x5a5a5a5a', 60)
        value = devmem_read(n, addr, 64)
        if value != '0xffffffffffffffff':
            raise node.TestFailure(f'after a write, {what} at {addr:#x} reads {value!r}')
        n.expect_hv(rf'd0: write of hidden memory at gpa {addr:#x}: empty bus', 30,
                    f'the write to {what} logged')
    # hv and dom0 carry on: a domU builds and runs from the pool dom0 just poked at.
    node.create(n, 'after', 'spin', extra='cmdline="ms=3600000"')
    node.wait_domain(n, 'after', lambda d: d['cpu_time_ns'] > 0, 60, 'running')
    n.run('vireo-ctl destroy after', 30)
    log = n.hv_log_text()
    if 'PANIC' in log or re.search(r'd0 \(\S+\) crashed', log):
        raise node.TestFailure('hv panicked or crashed dom0')


if __name__ == '__main__':
    node.run_test(test)
