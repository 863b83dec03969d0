#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hostile domUs are crashed or refused alone. Wild write, triple fault and invalid opcode
end crashed with a reason; a domU making every guest hypercall from both its vCPUs with
random arguments (hypercall_chaos) keeps running until dom0 pauses, unpauses and
destroys it. Meanwhile a ticker domU keeps ticking (its worst gap is reported), a
well-behaved domU keeps running, dom0 answers, hv logs no panic, and once every domain
is destroyed hv's free memory is exactly what it was before the first."""
import time

import node

HOSTILE = ('wild_write', 'triple_fault', 'invalid_opcode')


def cpu_ns(n, name):
    return node.domains(n)[name]['cpu_time_ns']


def grows(n, name, seconds=2):
    before = cpu_ns(n, name)
    time.sleep(seconds)  # CPU time is the quantity under test: it needs time to pass
    return cpu_ns(n, name) > before


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    free_at_start = node.free_pages_at_start(n)
    node.create(n, 'ticker', 'ticker', extra='cmdline="ticks=0 period_ms=100"')
    node.create(n, 'bystander', 'spin', extra='cmdline="ms=3600000"')
    # Short console writes: its log is read back below, and hv's own bounds on writes
    # are the hv suite's (hostile_console_flood_is_bounded).
    node.create(n, 'chaos', 'hypercall_chaos', memory=32,
                extra='vcpus=2 cmdline="count=0 write_max=8"')
    for guest in HOSTILE:
        node.create(n, guest.replace('_', '-'), guest)
    for guest in HOSTILE:
        d = node.wait_domain(n, guest.replace('_', '-'), lambda d: d['state'] == 'crashed',
                             120, 'crashed')
        if d['crash_reason'] == 0:
            raise node.TestFailure(f'{guest} crashed without a reason')

    # The chaos domain runs, and a toolstack stays in charge of it.
    started = 'grep -a -q "^hypercall chaos: 2 vCPUs" /var/log/vireo/console/chaos.log'
    n.run(f'for i in $(seq 60); do {started} && break; sleep 1; done; {started}', 90)
    if not grows(n, 'chaos'):
        raise node.TestFailure('the chaos domain does not run')
    n.run('vireo-ctl pause chaos', 30)
    if node.domains(n)['chaos']['state'] != 'paused':
        raise node.TestFailure('vireo-ctl pause left the chaos domain unpaused')
    if grows(n, 'chaos'):
        raise node.TestFailure('the paused chaos domain ran')
    n.run('vireo-ctl unpause chaos', 30)
    if not grows(n, 'chaos'):
        raise node.TestFailure('the unpaused chaos domain does not run')
    status, failed = n.run('grep -a -m1 "^FAIL" /var/log/vireo/console/chaos.log', 30,
                           check=False)
    if status == 0:
        raise node.TestFailure(f'hypercall_chaos got an answer the ABI does not allow: {failed}')
    n.run('vireo-ctl destroy chaos', 30)

    ticks, gap = node.ticker_worst_gap_us(n, 'ticker')
    print(f'ticker beside hypercall_chaos (2 vCPUs) and {len(HOSTILE)} crashed domUs: '
          f'{ticks} ticks, worst gap {gap / 1000:.1f} ms (period 100 ms)')
    if not grows(n, 'bystander', 1):
        raise node.TestFailure(f'the well-behaved domain stopped: {node.domains(n)["bystander"]}')
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')
    ours = [g.replace('_', '-') for g in HOSTILE] + ['bystander', 'ticker']
    for name in ours:
        n.run(f'vireo-ctl destroy {name}', 30)
    left = [name for name in node.domains(n) if name in ours + ['chaos']]
    if left:
        raise node.TestFailure(f'domains left after destroy: {left}')
    free_at_end = int(node.host_info(n)['free_pages'])
    if free_at_end != free_at_start:
        raise node.TestFailure(f'hv free pages {free_at_start} before the domains, '
                               f'{free_at_end} after all were destroyed')


if __name__ == '__main__':
    node.run_test(test)
