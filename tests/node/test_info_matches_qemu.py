#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`vireo-ctl info` reports the CPUs and memory QEMU was given (-smp 4 -m 4G): 4 CPUs of
which 3 run domUs, dom0 holds dom0_mem=1024M, and hv + dom0 + free add up to the RAM of
the multiboot2 map. dom0's own view agrees: ~1 GiB of RAM. `vireo-ctl dmesg` prints hv's
log as its serial port carried it."""
import node

QEMU_MIB = 4096
DOM0_MIB = 1024


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
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


if __name__ == '__main__':
    node.run_test(test)
