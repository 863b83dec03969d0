#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""dom0 under hv, on one booted node (each check names what it shows):
- dom0_boots_under_hv: hv boots Debian's kernel as dom0 from the node ISO; dom0 reaches its
  shell with the command line from grub.cfg, /dev/vireo loads, it sees one CPU, and it
  lists itself as d0.
- info_matches_qemu: `vireo-ctl info` reports what QEMU was given (-smp 4 -m 4G): 4 CPUs of
  which 3 run domUs, dom0 holds dom0_mem=1024M, and hv + dom0 + free add up to the RAM of
  the multiboot2 map. dom0's own view agrees: ~1 GiB of RAM. `vireo-ctl dmesg` prints hv's
  log as its serial port carried it.
- dom0_user_space_cannot_make_hypercalls: a dom0 user-space program executing VMMCALL
  itself (CPL 3, no /dev/vireo) gets -EPERM for every number, privileged or not, and dom0
  and hv go on.
- dom0_sees_hidden_memory_as_empty_bus (last: it writes): memory hv hides from dom0 (hv's
  image, the domU pool, reserved in dom0's e820) behaves as an empty bus through /dev/mem:
  reads give all-ones, writes vanish, hv logs the access, and a domU still builds and
  runs afterwards.
Every check runs; the module fails naming those that failed."""
import re

import node

QEMU_MIB = 4096
DOM0_MIB = 1024
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


def dom0_boots_under_hv(n, info):
    _, cmdline = n.run('cat /proc/cmdline', 30)
    if info['dom0_cmdline'] not in cmdline:
        raise node.TestFailure(f'dom0 command line {cmdline!r} lacks {info["dom0_cmdline"]!r}')
    _, cpus = n.run('grep -c ^processor /proc/cpuinfo', 30)
    if cpus.strip() != '1':
        raise node.TestFailure(f'dom0 sees {cpus.strip()} CPUs, expected only CPU 0')
    _, flags = n.run('grep -m1 ^flags /proc/cpuinfo', 30)
    if ' svm' in flags:
        raise node.TestFailure('hv does not hide SVM from dom0')
    n.run('test -c /dev/vireo', 30)
    doms = node.domains(n)
    d0 = [d for d in doms.values() if d['domid'] == 0]
    if not d0:
        raise node.TestFailure(f'vireo-ctl list does not show dom0: {doms}')
    n.run('pidof vireo-consoled', 30)


def info_matches_qemu(n, _info):
    hi = node.host_info(n)
    mib = lambda key: int(hi[key].split()[0])
    if int(hi['nr_cpus']) != n.smp or int(hi['domu_cpus']) != n.smp - 1:
        raise node.TestFailure(f'CPUs: {hi["nr_cpus"]} / domU {hi["domu_cpus"]}, '
                               f'expected {n.smp} / {n.smp - 1}')
    total = mib('total_memory')
    # The multiboot2 map leaves out the BIOS areas below 1 MiB and a few firmware pages.
    if not QEMU_MIB - 16 <= total <= QEMU_MIB:
        raise node.TestFailure(f'total_memory {total} MiB, QEMU has {QEMU_MIB} MiB')
    if mib('dom0_memory') != DOM0_MIB:
        raise node.TestFailure(f'dom0_memory {mib("dom0_memory")} MiB, dom0_mem={DOM0_MIB}M')
    accounted = mib('hv_memory') + mib('dom0_memory') + mib('free_memory')
    if abs(accounted - total) > 2:
        raise node.TestFailure(f'hv {mib("hv_memory")} + dom0 {mib("dom0_memory")} + free '
                               f'{mib("free_memory")} MiB = {accounted}, total {total}')
    _, meminfo = n.run('grep MemTotal /proc/meminfo', 30)
    dom0_kib = int(meminfo.split()[1])
    if not (DOM0_MIB - 200) * 1024 <= dom0_kib <= DOM0_MIB * 1024:
        raise node.TestFailure(f'dom0 sees MemTotal {dom0_kib} KiB with dom0_mem={DOM0_MIB}M')

    _, dmesg = n.run('vireo-ctl dmesg > /tmp/dmesg; echo lines=$(wc -l < /tmp/dmesg); '
                     'head -3 /tmp/dmesg; grep "dom0 started" /tmp/dmesg', 30)
    serial = n.hv_log_text().replace('\r', '')
    _, whole = n.run('cat /tmp/dmesg', 60)
    whole = whole.replace('\r', '')
    lines = [l for l in whole.splitlines() if l.startswith('hv: ')]
    if 'hv: dom0 started' not in dmesg or len(lines) < 5 or \
            any(l not in serial for l in lines):
        raise node.TestFailure(f'vireo-ctl dmesg does not match hv\'s serial log:\n{dmesg}')


def dom0_user_space_cannot_make_hypercalls(n, _info):
    _, out = n.run('vireo-cpl3-probe; echo probe-exit=$?', 60, check=False)
    if 'all refused' not in out or 'probe-exit=0' not in out:
        raise node.TestFailure(f'hypercalls from dom0 user space were not all refused:\n{out}')
    # The calls really reached hv (the kernel path still works afterwards).
    if int(node.host_info(n)['nr_cpus']) < 2:
        raise node.TestFailure('vireo-ctl info does not answer after the probe')
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')


def dom0_sees_hidden_memory_as_empty_bus(n, _info):
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
    node.run_test(lambda info, workdir, box: node.checks_on_one_node(
        info, workdir, box, (dom0_boots_under_hv, info_matches_qemu,
                             dom0_user_space_cannot_make_hypercalls,
                             dom0_sees_hidden_memory_as_empty_bus)))
