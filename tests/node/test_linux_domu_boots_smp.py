#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stock Debian kernel boots as an SMP domU on hv's guest platform: vireo-ctl creates the
test Linux domU (256 MiB, 2 vCPUs, console=ttyS0) from linux.cfg; its UART output reaches
the console ring, userspace prints its marker, vCPU 1 came up by INIT/SIPI (both CPUs
online) and the clocksource is kvm-clock. Prints the time from create to the marker."""
import time

import node

CFG = '/usr/share/vireo/guests/linux.cfg'
NAME = 'deb1'


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    start = time.monotonic()
    n.run(f'vireo-ctl create {CFG} name={NAME}', 300)
    node.wait_console(n, NAME, r'vireo-domu: userspace up', 1200, 'the userspace marker')
    print(f'create to userspace marker: {time.monotonic() - start:.1f} s')
    online = node.wait_console(n, NAME, r'vireo-domu: CPUs online (\S+)', 120, 'online CPUs')
    if online[0] != '0-1':
        raise node.TestFailure(f'/sys/devices/system/cpu/online is {online[0]!r}, want 0-1')
    clock = node.wait_console(n, NAME, r'clocksource (\S+)', 300, 'the clocksource line')
    if clock[0] != 'kvm-clock':
        raise node.TestFailure(f'clocksource is {clock[0]!r}, want kvm-clock')
    d = node.domains(n)[NAME]
    if d['state'] not in ('running', 'blocked'):
        raise node.TestFailure(f'{NAME} is {d["state"]} after booting (crash_reason '
                               f'{d.get("crash_reason")})')


if __name__ == '__main__':
    node.run_test(test)
