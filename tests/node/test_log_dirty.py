#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""hv's dirty-page log, on one booted node:
- tracks_a_running_domu: it follows a running domU: a guest rewriting 8 MiB shows
  thousands of dirty pages per fetch, a fetch right after a paused fetch finds none, a
  pre-copy of its RAM through the log matches its memory page for page, pages sent again
  (one of them given back first) are taken by vctl_domain_write_frames, the guest's own
  checks of its memory keep passing with logging on and off, its nested page faults stop
  once logging is disabled, and a domain destroyed while logging gives hv's memory back
  to the page.
- precopy_of_linux_domu: a pre-copy of a busy Linux domU's RAM through the log
  (vireo-logdirty) ends equal to its memory page for page: the kernel's own writes, a
  shell loop writing files in its RAM disk, and what hv writes for it (kvmclock, the
  UART's interrupts) are all logged. The domU still answers on its console afterwards,
  and destroying it while logging leaves hv's free memory as it was."""
import re

import node
from test_linux_domu_boots_smp import CFG, NAME, type_and_expect

AREA_PAGES = 8 * 256  # the dirtier's 8 MiB


def fetch(n, name):
    _, out = n.run(f'vireo-ctl log-dirty {name} fetch', 60)
    m = re.search(r'dirty=(\d+) us=(\d+)', out)
    if not m:
        raise node.TestFailure(f'log-dirty fetch printed no count:\n{out}')
    return int(m.group(1)), int(m.group(2))


def npf_over(n, command):
    """The dirtier's nested page faults while `command` runs in dom0."""
    before = node.exit_stats(n, 'dirtier')[1].get('npf', (0, None))[0]
    n.run(command, 120)
    return node.exit_stats(n, 'dirtier')[1].get('npf', (0, None))[0] - before


def passes(n, name):
    found = re.findall(r'^pass (\d+)', node.console_log(n, name), re.M)
    return int(found[-1]) if found else 0


def still_faithful(n, name, since, what):
    """The guest went on past `since` passes and never found its memory changed."""
    node.wait_console(n, name, rf'^pass {since + 2}$', 180, f'two passes {what}')
    log = node.console_log(n, name)
    if 'FAIL' in log:
        raise node.TestFailure(f'the guest saw its memory change {what}:\n{log[-2000:]}')
    state = node.domains(n)[name]['state']
    if state not in ('running', 'blocked'):
        raise node.TestFailure(f'{name} is {state} {what}')


def tracks_a_running_domu(n, _info):
    free_before = node.free_pages_at_start(n)
    node.create(n, 'dirtier', 'dirtier', memory=32, extra='cmdline="mb=8 ms=100"')
    node.wait_console(n, 'dirtier', r'^pass 2$', 180, 'two passes')

    # A pre-copy through libvireoctl: nothing the guest wrote may be missed.
    status, out = n.run('vireo-logdirty dirtier 3', 600, check=False)
    print(out)
    m = re.search(r'enable_us=(\d+) rounds=([\d,]+) fetch_us=(\d+) last=(\d+) after=(\d+) '
                  r'pages=(\d+) mismatch=(\d+)', out)
    if status != 0 or not m or 'errors ok' not in out or 'resend ok' not in out:
        raise node.TestFailure(f'vireo-logdirty exited {status}:\n{out}')
    rounds = [int(x) for x in m.group(2).split(',')]
    after, pages, mismatch = int(m.group(5)), int(m.group(6)), int(m.group(7))
    if mismatch:
        raise node.TestFailure(f'{mismatch} of {pages} pages differ from the copy the log '
                               f'kept up to date:\n{out}')
    if max(rounds) < AREA_PAGES:
        raise node.TestFailure(f'a guest rewriting {AREA_PAGES} pages showed only {rounds}')
    if after != 0:
        raise node.TestFailure(f'a fetch right after a paused domain\'s fetch found {after}')
    still_faithful(n, 'dirtier', passes(n, 'dirtier'), 'after a pre-copy')

    # By hand: enable, a busy second, a fetch, a fetch right away while paused, disable.
    n.run('vireo-ctl log-dirty dirtier enable', 60)
    n.run('sleep 2', 30)
    busy, busy_us = fetch(n, 'dirtier')
    n.run('vireo-ctl pause dirtier', 30)
    fetch(n, 'dirtier')
    quiet, _ = fetch(n, 'dirtier')
    n.run('vireo-ctl unpause dirtier', 30)
    print(f'by hand: busy={busy} ({busy_us} us) then paused {quiet}')
    if busy < AREA_PAGES or quiet != 0:
        raise node.TestFailure(f'fetches gave {busy} busy and {quiet} right after')
    # Each fetch protects the pages again, so the guest's next pass faults on each; once
    # logging is off, nothing faults any more.
    logged = npf_over(n, 'for i in 1 2 3; do vireo-ctl log-dirty dirtier fetch; sleep 1; done')
    n.run('vireo-ctl log-dirty dirtier disable', 60)
    unlogged = npf_over(n, 'sleep 3')
    print(f'nested page faults: {logged} over 3 fetches, {unlogged} in 3 s after disable')
    if logged < AREA_PAGES or unlogged > 2:
        raise node.TestFailure(f'{logged} nested page faults over 3 fetches, {unlogged} '
                               'after disable: every page should be writable again')
    status, out = n.run('vireo-ctl log-dirty dirtier fetch', 60, check=False)
    if status == 0:
        raise node.TestFailure(f'a fetch with logging off succeeded:\n{out}')
    still_faithful(n, 'dirtier', passes(n, 'dirtier'), 'with logging off again')

    # Destroyed while logging: the bitmap and the split tables go with it.
    n.run('vireo-ctl log-dirty dirtier enable', 60)
    n.run('sleep 1', 30)
    fetch(n, 'dirtier')
    n.run('vireo-ctl destroy dirtier', 60)
    free_after = int(node.host_info(n)['free_pages'])
    if free_after != free_before:
        raise node.TestFailure(f'free_pages {free_before} before, {free_after} after a domain '
                               f'destroyed while logging')
    hv_log = n.hv_log_text()
    if 'log-dirty on' not in hv_log or 'log-dirty off' not in hv_log:
        raise node.TestFailure('hv did not log logging on and off')


def precopy_of_linux_domu(n, _info):
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
    node.run_test(lambda info, workdir, box: node.checks_on_one_node(
        info, workdir, box, (tracks_a_running_domu, precopy_of_linux_domu)))
