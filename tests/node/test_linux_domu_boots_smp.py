#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stock Debian kernel boots as an SMP domU on hv's guest platform: vireo-ctl creates the
test Linux domU (256 MiB, 2 vCPUs, console=ttyS0) from linux.cfg; its UART output reaches
the console ring, userspace prints its marker, vCPU 1 came up by INIT/SIPI (both CPUs
online) and the clocksource is kvm-clock; a command typed on its console runs (UART
input); its platform context is read, refused when hostile and written back while it is
paused (vireo-platctx), and it still answers afterwards. Prints the time from create to
the marker."""
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
    node.wait_console(n, NAME, r'vireo-domu: acpid started', 300, 'the end of rcS')
    type_and_expect(n, 'echo typed-$((6 * 7))', 'typed-42')
    domid = node.domains(n)[NAME]['domid']
    _, out = n.run(f'vireo-platctx {domid}', 60, check=False)
    if 'platctx: ok' not in out:
        raise node.TestFailure(f'platform context round trip failed:\n{out}')
    print(out.strip().splitlines()[-1])
    type_and_expect(n, 'echo after-restore-$((7 * 6))', 'after-restore-42')
    d = node.domains(n)[NAME]
    if d['state'] not in ('running', 'blocked'):
        raise node.TestFailure(f'{NAME} is {d["state"]} (crash_reason {d.get("crash_reason")})')


def type_and_expect(n, command, answer):
    """Types a line into the domU's shell on ttyS0 (console input -> UART receiver)."""
    # stdin is a pipe, so the client stays out of raw mode; \035 is Ctrl-].
    n.run(f"(sleep 1; printf '{command}\\n'; sleep 3; printf '\\035') | "
          f"vireo-ctl console {NAME}", 60, check=False)
    node.wait_console(n, NAME, rf'^{answer}', 120, f'the answer to {command!r}')


if __name__ == '__main__':
    node.run_test(test)
