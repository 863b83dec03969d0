#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A stock Debian kernel boots as an SMP domU on hv's guest platform: vireo-ctl creates the
test Linux domU (256 MiB, 2 vCPUs, console=ttyS0) from linux.cfg; its UART output reaches
the console ring, userspace prints its marker, vCPU 1 came up by INIT/SIPI (both CPUs
online) and the clocksource is kvm-clock; a command typed on its console runs (UART
input); its platform context is read, refused when hostile and written back while it is
paused (vireo-platctx), and it still answers afterwards. Then a ticker and a hostile test
guest (wild_write) run beside it: the hostile one is crashed alone, the Linux domU still
answers and the ticker keeps ticking (its worst gap is printed). Prints the time from
create to the marker."""
import time

import node

CFG = '/usr/share/vireo/guests/linux.cfg'
NAME = 'deb1'


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    start = time.monotonic()
    n.run(f'vireo-ctl create {CFG} name={NAME}', 300)
    node.wait_console(n, NAME, r'vireo-domu: userspace up', 300, 'the userspace marker')
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
    side_by_side_with_a_hostile_guest(n)
    d = node.domains(n)[NAME]
    if d['state'] not in ('running', 'blocked'):
        raise node.TestFailure(f'{NAME} is {d["state"]} (crash_reason {d.get("crash_reason")})')


def side_by_side_with_a_hostile_guest(n):
    node.create(n, 'ticker', 'ticker', extra='cmdline="ticks=0 period_ms=100"')
    node.wait_console(n, 'ticker', r'^tick \d+ worst gap', 60, 'a first tick')
    node.create(n, 'wild', 'wild_write')
    d = node.wait_domain(n, 'wild', lambda d: d['state'] == 'crashed', 120, 'crashed')
    if d['crash_reason'] == 0:
        raise node.TestFailure(f'wild_write crashed without a reason: {d}')
    type_and_expect(n, 'echo beside-a-crash-$((6 * 7))', 'beside-a-crash-42')
    ticks, _ = node.ticker_worst_gap_us(n, 'ticker')
    node.wait_console(n, 'ticker', r'^tick \d+ worst gap', 60, 'ticks after the crash',
                      count=ticks + 10)
    ticks, gap = node.ticker_worst_gap_us(n, 'ticker')
    print(f'ticker beside a Linux domU and a crashed wild_write: {ticks} ticks, '
          f'worst gap {gap / 1000:.1f} ms (period 100 ms)')
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')
    for name in ('ticker', 'wild'):
        n.run(f'vireo-ctl destroy {name}', 30)


def type_and_expect(n, command, answer):
    """Types a line into the domU's shell on ttyS0 (console input -> UART receiver)."""
    # stdin is a pipe, so the client stays out of raw mode; \035 is Ctrl-].
    n.run(f"(sleep 1; printf '{command}\\n'; sleep 3; printf '\\035') | "
          f"vireo-ctl console {NAME}", 60, check=False)
    node.wait_console(n, NAME, rf'^{answer}', 120, f'the answer to {command!r}')


if __name__ == '__main__':
    node.run_test(test)
