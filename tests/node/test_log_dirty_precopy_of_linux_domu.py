#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A pre-copy of a busy Linux domU's RAM through hv's dirty-page log (vireo-logdirty) ends
equal to its memory page for page: the kernel's own writes, a shell loop writing files in
its RAM disk, and what hv writes for it (kvmclock, the UART's interrupts) are all logged.
The domU still answers on its console afterwards, and destroying it while logging leaves
hv's free memory as it was."""
import re

import node
from test_linux_domu_boots_smp import CFG, NAME, type_and_expect


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    free_before = node.free_pages_at_start(n)
    n.run(f'vireo-ctl create {CFG} name={NAME}', 300)
    node.wait_console(n, NAME, r'vireo-domu: acpid started', 600, 'the end of rcS')
    type_and_expect(n, 'while :; do dd if=/dev/urandom of=/tmp/f bs=64k count=64 '
                    '2>/dev/null; done & echo writer-$((6 * 7))', 'writer-42')
    status, out = n.run('vireo-logdirty deb1 4', 900, check=False)
    print(out)
    m = re.search(r'enable_us=(\d+) rounds=([\d,]+) fetch_us=(\d+) last=(\d+) after=(\d+) '
                  r'pages=(\d+) mismatch=(\d+)', out)
    if status != 0 or not m or 'errors ok' not in out:
        raise node.TestFailure(f'vireo-logdirty exited {status}:\n{out}')
    rounds = [int(x) for x in m.group(2).split(',')]
    after, pages, mismatch = int(m.group(5)), int(m.group(6)), int(m.group(7))
    if mismatch:
        raise node.TestFailure(f'{mismatch} of {pages} pages of the Linux domU differ from '
                               f'the copy the log kept up to date')
    if min(rounds) < 100 or after != 0:
        raise node.TestFailure(f'a busy Linux domU dirtied {rounds} pages a round, and a '
                               f'fetch right after the paused one found {after}')
    type_and_expect(n, 'echo after-precopy-$((6 * 7))', 'after-precopy-42')
    n.run(f'vireo-ctl log-dirty {NAME} enable', 60)
    n.run(f'vireo-ctl log-dirty {NAME} fetch', 60)
    n.run(f'vireo-ctl destroy {NAME}', 60)
    free_after = int(node.host_info(n)['free_pages'])
    if free_after != free_before:
        raise node.TestFailure(f'free_pages {free_before} before, {free_after} after a Linux '
                               f'domU destroyed while logging')
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')


if __name__ == '__main__':
    node.run_test(test)
