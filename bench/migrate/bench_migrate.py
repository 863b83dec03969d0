#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Live migration of a 256 MiB Linux domU (issue 10 point 6, bench/): `virsh migrate --live`
between two nodes under hv linked dom0 to dom0 (tests/clients/node/test_migrate.py's pair,
guest and ticker), timed from the host, for the domU idle and then rewriting an 8 MiB file
in its RAM filesystem from /dev/urandom without pause. Per migration: virsh's wall time,
the downtime (the guest paused on the source to running on the destination, from the two
daemons' lifecycle events on the host's clock), the gap in the guest's 100 ms counter
across the handover, the pre-copy rounds the source's daemon logged, and the bytes the
source's link NIC sent. Floor, in
the same run on the same link: dd writing 256 MiB into a TCP connection dom0 to dom0
(busybox nc -e), timed in the receiving dom0. Prints the ratios of migration time to that
floor, side by side.
Usage: bench_migrate.py NODE_TEST_JSON PKI_DIR LOGDIR
"""
import datetime
import os
import re
import signal
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, '..', '..', 'tests', 'node'),
                os.path.join(HERE, '..', '..', 'tests', 'clients', 'node')]
import node  # noqa: E402
import nodeclients  # noqa: E402
from test_migrate import NAME, TICKER, check_moved, migrate, wait_ticks  # noqa: E402
from test_virsh_linux import console_answers, define_linux, start_and_reach_userspace  # noqa: E402

# There-and-back migrations per case: a dirtying guest's migration runs into the round
# limit and takes minutes under TCG, so it goes once each way.
ROUNDS = {'idle': 2, 'dirtying': 1, 'auto-converge': 1}
# virsh migrate's flags per case: the same dirtying guest, throttled until pre-copy
# converges (daemon/vd-domain-migrate.c, throttle_guest).
FLAGS = {'auto-converge': ('--auto-converge',)}
MEMORY_MIB = 256
FLOOR_MIB = 256
FLOOR_PORT = 5001   # below the daemon's migration ports (49152-49215)
# A migration moves 2-9 MiB/s under TCG and urandom fills ~5 MiB/s in the guest: with a
# 64 MiB file rewritten a round took 10 s, and 30 rounds 5 minutes; with 16 MiB, 2-5
# minutes. 8 MiB is still all dirty again each round, in rounds of a few seconds.
DIRTY_MIB = 8
# Rewrites /tmp/dirty (RAM) from /dev/urandom without pause: random bytes, so no frame is
# sent as HV_ZERO; returns once the file has its full size, so the first migration of the
# case already sees a guest dirtying all of it.
DIRTIER = (f'( while :; do dd if=/dev/urandom of=/tmp/dirty bs=1M count={DIRTY_MIB} '
           f'conv=notrunc 2>/dev/null; done ) & '
           f'while [ "$(stat -c %s /tmp/dirty 2>/dev/null || echo 0)" -lt {DIRTY_MIB << 20} ]; '
           f'do usleep 200000; done; echo "dirtying-$((6*7))"')
PRECOPY_DONE = re.compile(r"domain '[^']*': pre-copy done after (\d+) rounds, (\d+) frames left")
HANDED_OVER = re.compile(r"domain '[^']*': handed over to .* in ([\d.]+) s")
MAX_ROUNDS = 30     # daemon/vd-domain-migrate.c: past it, stop-and-copy takes the rest
# virsh event --timestamp: when virsh got the lifecycle event, on the host's clock.
EVENT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\S*: event 'lifecycle' "
                   r"for domain '([^']*)': (\w+) (\w+)")

# Printed under the table: where each column comes from.
NOTES = """\
  paused: from the source's Suspended Migrated event to the destination's Resumed Migrated,
    on the host's clock (the downtime)
  guest gap: the guest's uptime from its last tick on the source to its first on the
    destination, plus up to a tick: its kvmclock goes on across the handover and counts
    the time it stood still by the hosts' wall clock (hv ABI 0.10), so this is the
    downtime as the guest saw it
  pre-copy rounds: the full pass included, from the source daemon's log; left frames:
    dirty at the stop-and-copy (logged only when pre-copy converged)
  link MiB: what the source dom0's link NIC sent: the frames not all zero (zero frames go
    as HV_ZERO records, hence an idle guest's ratio near or under 1) plus TCP/IP
"""


class Events:
    """`virsh event --all --loop --timestamp` on one node for the whole run: the host's
    clock stamps the source's Suspended Migrated (the pause before the stop-and-copy) and
    the destination's Resumed Migrated (Finish running it), a measure of the downtime that
    does not rest on the guest's own clock."""

    def __init__(self, s):
        self.lines = []
        self.proc = subprocess.Popen(['virsh', '-c', s.uri, 'event', '--all', '--loop',
                                      '--timestamp'], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True,
                                     stdin=subprocess.DEVNULL)
        threading.Thread(target=lambda: self.lines.extend(ln.strip() for ln in self.proc.stdout),
                         daemon=True).start()
        # An event the watcher reports proves it registered before the migrations.
        s.define('probe')
        s.virsh('undefine', 'probe')
        nodeclients.wait_for(lambda: self.find('probe', 'Undefined', 0), 30,
                             f'the event watcher on node {s.name} registered')

    def find(self, name, event, since, detail=None):
        """The host time (s since the epoch) of the first such event at or after line
        `since`, or None."""
        for line in self.lines[since:]:
            m = EVENT.match(line)
            if m and m.group(2) == name and m.group(3) == event and detail in (None, m.group(4)):
                stamp = datetime.datetime.strptime(m.group(1), '%Y-%m-%d %H:%M:%S.%f')
                return stamp.timestamp()
        return None

    def close(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def dom0_number(s, command):
    """The integer a dom0 shell command prints (after 'n=')."""
    out = s.dom0(f'echo "n=$({command})"', timeout=60)
    m = re.search(r'n=(\d+)', out)
    if not m:
        raise node.TestFailure(f'node {s.name}: no number from `{command}`: {out!r}')
    return int(m.group(1))


def link_tx_bytes(s):
    return dom0_number(s, f'cat /sys/class/net/{s.link_ifname}/statistics/tx_bytes')


def daemon_log_lines(s):
    return dom0_number(s, f'wc -l < {nodeclients.DAEMON_LOG}')


def link_floor(src, dst):
    """Seconds FLOOR_MIB take from src's dom0 to dst's over the link: dd writing 1 MiB
    blocks straight into the TCP socket (busybox nc -e; nc's own 4 KiB copy loop ran at a
    fifth of a migration's rate), timed in dst's dom0 from the connection to the end of
    the stream, its dd counting the blocks so a short transfer is caught."""
    dst.dom0('rm -f /tmp/floor.took /tmp/floor.err')
    dst.dom0(f"(nc -l -p {FLOOR_PORT} -e sh -c 'read a x < /proc/uptime; "
             f"dd of=/dev/null bs=1M iflag=fullblock 2>/tmp/floor.err; "
             f"read b x < /proc/uptime; echo took=$a:$b > /tmp/floor.took' "
             f"</dev/null >/dev/null 2>&1 &)")
    dst.dom0(f'while ! netstat -ltn | grep -q ":{FLOOR_PORT} "; do usleep 100000; done',
             timeout=30)
    src.dom0(f'nc {dst.link.address} {FLOOR_PORT} -e dd if=/dev/zero bs=1M count={FLOOR_MIB} '
             f'2>/dev/null', timeout=600)
    out = dst.dom0('while [ ! -s /tmp/floor.took ]; do usleep 100000; done; '
                   'cat /tmp/floor.took /tmp/floor.err', timeout=60)
    m = re.search(r'took=([\d.]+):([\d.]+)', out)
    if not m or f'{FLOOR_MIB}+0 records in' not in out:
        raise node.TestFailure(f'the floor: node {dst.name} received not {FLOOR_MIB} MiB: '
                               f'{out!r}')
    return float(m.group(2)) - float(m.group(1))


def precopy_rounds(src, log_from):
    """(rounds, frames left for the stop-and-copy, daemon's own handover seconds) from the
    source daemon's log lines after log_from. The daemon logs the rounds only when pre-copy
    converged; a handover without that line ran into its round limit."""
    text = src.dom0(f'tail -n +{log_from + 1} {nodeclients.DAEMON_LOG}', timeout=60)
    handed = HANDED_OVER.findall(text)
    if not handed:
        raise node.TestFailure(f'node {src.name}: no handover in the daemon log:\n{text}')
    done = PRECOPY_DONE.findall(text)
    if not done:
        return f'{MAX_ROUNDS} (limit)', None, float(handed[-1])
    return done[-1][0], int(done[-1][1]), float(handed[-1])


def paused_for(src, dst, events, since):
    """Host seconds from the source pausing the guest to the destination running it."""
    paused = events[src.name].find(NAME, 'Suspended', since[src.name], 'Migrated')
    resumed = nodeclients.wait_for(
        lambda: events[dst.name].find(NAME, 'Resumed', since[dst.name], 'Migrated'), 30,
        f'the Resumed Migrated event on node {dst.name}')
    if paused is None:
        raise node.TestFailure(f'node {src.name} sent no Suspended Migrated event:\n'
                               + '\n'.join(events[src.name].lines[since[src.name]:]))
    return resumed - paused


def measured_migration(src, dst, events, flags):
    """One live migration src -> dst, checked as test_migrate checks it; returns what the
    table shows."""
    log_from, tx_from = daemon_log_lines(src), link_tx_bytes(src)
    since = {k: len(e.lines) for k, e in events.items()}
    took, earlier = migrate(src, dst, *flags)
    tx = link_tx_bytes(src) - tx_from
    gap, _ = check_moved(src, dst, earlier)
    rounds, left, handover = precopy_rounds(src, log_from)
    paused = paused_for(src, dst, events, since)
    return {'dir': f'{src.name}->{dst.name}', 'took': took, 'paused': paused, 'gap': gap,
            'rounds': rounds, 'left': left, 'handover': handover, 'mib': tx / (1 << 20)}


def print_row(case, r, floors):
    left = '-' if r['left'] is None else str(r['left'])
    print(f"  {case:13}  {r['dir']:4}  {r['took']:6.2f} s  {r['handover']:5.1f} s  "
          f"{r['paused']:5.2f} s  {r['gap']:5.2f} s  {r['rounds']:>10}  {left:>5}  "
          f"{r['mib']:6.1f}  {r['mib'] / r['took']:5.2f}  {r['took'] / floors[r['dir']]:5.2f}x",
          flush=True)


def there_and_back(case, a, b, floors, events):
    """ROUNDS migrations A -> B and back, each printed as it ends (a run takes minutes)."""
    runs = []
    for _ in range(ROUNDS[case]):
        for src, dst in ((a, b), (b, a)):
            runs.append(measured_migration(src, dst, events, FLAGS.get(case, ())))
            print_row(case, runs[-1], floors)
    return runs


def print_floors(floors):
    print(f'bench-migrate: {MEMORY_MIB} MiB Linux domU, 2 vCPUs, virsh migrate --live between '
          f"two nodes under hv over their dom0s' private link; there and back "
          f"{ROUNDS['idle']}x idle, {ROUNDS['dirtying']}x rewriting {DIRTY_MIB} MiB of its RAM "
          f"from /dev/urandom without pause, {ROUNDS['auto-converge']}x the same with "
          f'--auto-converge')
    for d, t in floors.items():
        print(f'  floor {d}: {FLOOR_MIB} MiB dom0 to dom0 over TCP (dd into busybox nc) '
              f'{t:6.2f} s ({FLOOR_MIB / t:5.2f} MiB/s)')
    print('  case           dir   virsh      daemon   paused   guest    pre-copy    left   link   '
          'link   virsh/')
    print('                       migrate    handover (host)  gap      rounds      frames MiB    '
          'MiB/s  floor', flush=True)


def print_summary(floors, cases):
    for case, runs in cases.items():
        best = min(runs, key=lambda r: r['took'] / floors[r['dir']])
        ratios = ', '.join(f"{r['took'] / floors[r['dir']]:.2f}x" for r in runs)
        print(f"  {case}: virsh migrate / {FLOOR_MIB} MiB floor {ratios}; best ratio "
              f"{best['took']:.2f} s ({best['dir']}); downtime (host) "
              f"{min(r['paused'] for r in runs):.2f}-{max(r['paused'] for r in runs):.2f} s; "
              f"guest gap averaged there and back "
              f"{sum(r['gap'] for r in runs) / len(runs):.2f} s")
    print(NOTES, end='')


def run(a, b, events):
    floors = {'A->B': link_floor(a, b), 'B->A': link_floor(b, a)}
    print_floors(floors)
    define_linux(a, NAME, memory_mib=MEMORY_MIB, vcpus=2)
    start_and_reach_userspace(a, NAME)
    console_answers(a, NAME, TICKER, r'ticker-42')
    wait_ticks(a, 10, 'the counter on node A')
    cases = {'idle': there_and_back('idle', a, b, floors, events)}
    console_answers(a, NAME, DIRTIER, r'dirtying-42', timeout=300)
    cases['dirtying'] = there_and_back('dirtying', a, b, floors, events)
    cases['auto-converge'] = there_and_back('auto-converge', a, b, floors, events)
    print_summary(floors, cases)


def main():
    node_json, pki_dir, logdir = sys.argv[1:4]
    os.makedirs(logdir, exist_ok=True)
    sessions = nodeclients.boot_sessions(node.load_image_info(node_json), logdir, pki_dir, 2)
    events = {}
    try:
        for s in sessions:
            events[s.name] = Events(s)
        run(*sessions, events)
    except Exception:
        for s in sessions:
            print(s.tails(), flush=True)
        raise
    finally:
        for e in events.values():
            e.close()
        for s in sessions:
            s.close()


if __name__ == '__main__':
    main()
