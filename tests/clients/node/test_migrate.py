#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Live migration between two nodes (issue 10, point 2), driven by the host's stock virsh
with a connection to each daemon, the guest's data going dom0 to dom0 over the nodes'
private link: a Linux domU printing a counter every 100 ms moves from A to B and back;
its counter never restarts, its RAM filesystem comes along, the source keeps nothing;
the gap in the counter across each handover is reported as the downtime the guest saw."""
import re
import subprocess
import time

import node
import nodeclients
from test_virsh_linux import console_answers, define_linux, start_and_reach_userspace

NAME = 'mig'
MEMORY_MIB = 128
TICK = re.compile(r'^tick (\d+) ([\d.]+)$', re.M)
# A loop in the guest's shell: the tick count and the guest's uptime, every 100 ms.
TICKER = ('( i=0; while :; do echo "tick $i $(cut -d" " -f1 /proc/uptime)"; i=$((i+1)); '
          'usleep 100000; done ) & echo "ticker-$((6*7))"')


def ticks(s):
    return [(int(i), float(u)) for i, u in TICK.findall(node.console_log(s.n, NAME))]


def wait_ticks(s, more_than, what):
    nodeclients.wait_for(lambda: len(ticks(s)) > more_than, 120, what)
    return ticks(s)


def migrate(src, dst):
    """virsh migrate --live from src to dst (the data to dst's link address); returns how
    long virsh took and the ticks dst's console log held before (a guest that ran there
    earlier left its own)."""
    earlier = len(ticks(dst))
    t0 = time.monotonic()
    r = src.virsh('migrate', '--live', '--persistent', '--undefinesource', NAME, dst.uri,
                  '--migrateuri', f'tcp://{dst.link.address}', ok=None, timeout=900)
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise node.TestFailure(f'virsh migrate {src.name} -> {dst.name} failed: '
                               f'{r.stderr.strip()}')
    return took, earlier


def check_moved(src, dst, earlier):
    """The guest runs on dst only, and its counter went on from where src's stopped.
    Returns the guest's uptime across the handover and the ticks the logs missed."""
    if NAME in src.virsh('list', '--all', '--name').stdout.split():
        raise node.TestFailure(f'{NAME} is still on node {src.name} after the migration')
    state = dst.virsh('domstate', NAME, '--reason').stdout.strip()
    if state != 'running (migrated)':
        raise node.TestFailure(f'on node {dst.name} {NAME} is {state!r}')
    persistent = nodeclients.fields(dst.virsh('dominfo', NAME).stdout, ':').get('Persistent')
    if persistent != 'yes':
        raise node.TestFailure(f'--persistent: on node {dst.name} Persistent is {persistent}')
    last = ticks(src)[-1]
    first = wait_ticks(dst, earlier + 5, f'the counter on node {dst.name}')[earlier]
    if first[0] <= last[0]:
        raise node.TestFailure(f'the counter restarted: {last} on {src.name}, then {first} on '
                               f'{dst.name}')
    return first[1] - last[1], first[0] - last[0] - 1


def live_migration_there_and_back_keeps_the_counter(a, b):
    define_linux(a, NAME, memory_mib=MEMORY_MIB)
    start_and_reach_userspace(a, NAME)
    console_answers(a, NAME, 'echo kept-in-ram > /tmp/mark; echo "marked-$(cat /tmp/mark)"',
                    r'marked-kept-in-ram')
    console_answers(a, NAME, TICKER, r'ticker-42')
    wait_ticks(a, 10, 'the counter on node A')

    took, earlier = migrate(a, b)
    gap, lost = check_moved(a, b, earlier)
    console_answers(b, NAME, 'echo "still-$(cat /tmp/mark)"', r'still-kept-in-ram')
    print(f'  A -> B: virsh migrate took {took:.1f} s; the guest saw {gap:.2f} s between '
          f'ticks across the handover ({lost} ticks not in the logs)')

    took, earlier = migrate(b, a)
    gap, lost = check_moved(b, a, earlier)
    print(f'  B -> A: virsh migrate took {took:.1f} s; the guest saw {gap:.2f} s between '
          f'ticks across the handover ({lost} ticks not in the logs)')
    console_answers(a, NAME, 'echo "home-$(cat /tmp/mark)"', r'home-kept-in-ram')


def start_migration(src, dst):
    """virsh migrate --live src -> dst in the background; returns the process."""
    return subprocess.Popen(['virsh', '-c', src.uri, 'migrate', '--live', NAME, dst.uri,
                             '--migrateuri', f'tcp://{dst.link.address}'],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def jobinfo_while_running(src):
    """`virsh domjobinfo` on the source once the outgoing migration has sent something."""
    def progress():
        out = src.virsh('domjobinfo', NAME, ok=None).stdout
        info = nodeclients.fields(out, ':')
        processed = info.get('Memory processed', '0').split()[0]
        return info if processed not in ('0', '0.000') else None
    return nodeclients.wait_for(progress, 120, 'domjobinfo showing an outgoing migration')


def domjobinfo_shows_progress_and_domjobabort_keeps_the_guest_home(a, b):
    """Issue 10, point 2: while a migration runs, domjobinfo shows libvirt's memory
    statistics; domjobabort cancels it, virsh migrate says so, the guest runs on A as
    before and B holds nothing. Random data in the guest's RAM filesystem makes the first
    round long enough to watch."""
    console_answers(a, NAME, 'dd if=/dev/urandom of=/tmp/fill bs=1M count=32 2>/dev/null; '
                             'echo "filled-$((6*7))"', r'filled-42', timeout=300)
    seen = len(ticks(a))
    proc = start_migration(a, b)
    try:
        info = jobinfo_while_running(a)
        for field in ('Job type', 'Operation', 'Memory processed', 'Memory remaining',
                      'Memory total', 'Iteration'):
            if field not in info:
                raise node.TestFailure(f'domjobinfo lacks {field!r}: {info}')
        if info['Job type'] != 'Unbounded' or info['Operation'] != 'Outgoing migration':
            raise node.TestFailure(f'domjobinfo during a migration: {info}')
        print(f"  domjobinfo mid-migration: processed {info['Memory processed']}, remaining "
              f"{info['Memory remaining']}, total {info['Memory total']}, iteration "
              f"{info['Iteration']}")
        a.virsh('domjobabort', NAME)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0 or 'canceled by client' not in err:
        raise node.TestFailure(f'virsh migrate after domjobabort: exit {proc.returncode}, '
                               f'{err.strip()!r}')
    state = a.virsh('domstate', NAME).stdout.strip()
    if state != 'running':
        raise node.TestFailure(f'after domjobabort {NAME} is {state} on node A')
    if NAME in b.virsh('list', '--all', '--name').stdout.split():
        raise node.TestFailure(f'after domjobabort node B still lists {NAME}')
    wait_ticks(a, seen + 5, 'the counter going on on node A after the abort')
    console_answers(a, NAME, 'echo "aborted-$(cat /tmp/mark)"', r'aborted-kept-in-ram')


if __name__ == '__main__':
    nodeclients.run_pair([live_migration_there_and_back_keeps_the_counter,
                          domjobinfo_shows_progress_and_domjobabort_keeps_the_guest_home])
