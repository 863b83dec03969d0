#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Live migration between two nodes (issue 10, point 2), driven by the host's stock virsh
with a connection to each daemon, the guest's data going dom0 to dom0 over the nodes'
private link: a Linux domU printing a counter every 100 ms moves from A to B and back (the
way back with --p2p: B's daemon calls A's itself, over TLS on the link) while it writes to
its disks: an NBD export dom0 A serves to both nodes (shared storage, point 4) and a
qcow2 image local to each node, which every migration here copies while the guest writes
(--copy-storage-all, point 4; the destination makes the image when it has none); its
counter never restarts, its RAM filesystem comes along, no write it saw
acknowledged is lost, the source keeps nothing; the gap in the counter across each
handover is reported as the downtime the guest saw.
domjobinfo shows the migration's progress and domjobabort cancels it, and domjobinfo
--completed the last one to end on each side (completed there, cancelled); --timeout suspends a
guest that dirties its memory too fast for pre-copy to end; the destination's
daemon or whole node dying mid-migration, or the source's daemon, leaves the guest running
on the source (point 3)."""
import re
import subprocess
import time

import node
import nodeclients
from test_virsh_linux import console_answers, start_and_reach_userspace

NAME = 'mig'
MEMORY_MIB = 128
TICK = re.compile(r'^tick (\d+) ([\d.]+)$', re.M)
ACKED = re.compile(r'^acked (\d+)$', re.M)
# The shared disk: a raw image in dom0 A, exported over NBD on the link by
# qemu-storage-daemon to the guest's vireo-dm on either node.
SHARED_IMAGE = '/var/lib/vireo-shared.raw'
SHARED_DISK = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
               "<source protocol='nbd' name='shared'><host name='10.0.3.1' port='10809'/>"
               "</source><target dev='vda' bus='virtio'/></disk>")
# The local disk: a qcow2 image in each node's dom0, copied by every migration.
LOCAL_IMAGE = '/var/lib/vireo-local.qcow2'
LOCAL_DISK = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
              f"<source file='{LOCAL_IMAGE}'/><target dev='vdb' bus='virtio'/></disk>")
COPY = '--copy-storage-all'
DISKS_PORT = 49210  # --disks-port, on the way back
# Writes record i to block i of vda and of vdb, synced (a virtio flush), then says it
# was acknowledged; a write in flight is never announced.
WRITER = ('( i=0; while :; do echo "rec $i" | dd of=/dev/vda bs=512 seek=$i conv=sync,fsync '
          '2>/dev/null && echo "rec $i" | dd of=/dev/vdb bs=512 seek=$i conv=sync,fsync '
          '2>/dev/null && echo "acked $i"; i=$((i+1)); usleep 200000; done ) & '
          'echo $! > /tmp/writer; echo "writer-$((6*7))"')
# A loop in the guest's shell: the tick count and the guest's uptime, every 100 ms.
TICKER = ('( i=0; while :; do echo "tick $i $(cut -d" " -f1 /proc/uptime)"; i=$((i+1)); '
          'usleep 100000; done ) & echo "ticker-$((6*7))"')


def ticks(s):
    return [(int(i), float(u)) for i, u in TICK.findall(node.console_log(s.n, NAME))]


def wait_ticks(s, more_than, what):
    nodeclients.wait_for(lambda: len(ticks(s)) > more_than, 120, what)
    return ticks(s)


def migrate(src, dst, *flags, p2p=False):
    """virsh migrate --live [flags] from src to dst (the data to dst's link address);
    returns how long virsh took and the ticks dst's console log held before (a guest that
    ran there earlier left its own). p2p: --p2p, src's daemon calling dst's itself over the
    link (TLS, with the client certificate in src's dom0); virsh talks to src only."""
    earlier = len(ticks(dst))
    t0 = time.monotonic()
    dest = ('--p2p', f'vireo+tls://{dst.link.address}/system') if p2p else (dst.uri,)
    r = src.virsh('migrate', '--live', '--persistent', '--undefinesource', COPY, *flags, NAME,
                  *dest, '--migrateuri', f'tcp://{dst.link.address}', ok=None, timeout=900,
                  watch=(dst,))
    took = time.monotonic() - t0
    if r.returncode != 0:
        raise node.TestFailure(f'virsh migrate {src.name} -> {dst.name} failed: '
                               f'{r.stderr.strip()}')
    # Where the time went, from the source daemon's own account of this migration.
    said = src.dom0(f"grep -E \"'{NAME}': (mirroring|pre-copy|handed over)\" "
                    f"{nodeclients.DAEMON_LOG} | tail -3", check=False)
    for line in said.splitlines():
        if f"domain '{NAME}': " in line:  # not the serial console's echo of the command
            print(f'    {src.name}: {line.split(": ", 1)[-1].strip()}')
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
    gap = first[1] - last[1]
    if gap <= 0:  # its kvmclock must go on from the source's, whatever either hv's uptime
        raise node.TestFailure(f"the guest's clock went back across the handover: uptime "
                               f"{last[1]} s on {src.name}, then {first[1]} s on {dst.name}")
    return gap, first[0] - last[0] - 1


def serve_shared_disk(a):
    """dom0 A exports a 16 MiB raw image on the link (10.0.3.1:10809, export 'shared')."""
    a.dom0(f'dd if=/dev/zero of={SHARED_IMAGE} bs=1M count=16 2>/dev/null && '
           f'qemu-storage-daemon --blockdev driver=file,filename={SHARED_IMAGE},node-name=img '
           f'--nbd-server addr.type=inet,addr.host=10.0.3.1,addr.port=10809 '
           f'--export type=nbd,id=shared,node-name=img,name=shared,writable=on '
           f'--daemonize --pidfile /run/vireo-shared.pid')


def records_in(a, image, last):
    """How many of records 0..last the raw image holds in their blocks, and how many
    blocks hold another record than theirs."""
    out = a.dom0(f"dd if={image} bs=512 count={last + 1} 2>/dev/null | tr '\\000' '\\n' "
                 f"| grep '^rec ' | awk '$2 != NR - 1 {{ bad++ }} END {{ print NR, bad + 0 }}'")
    found, misplaced = (int(x) for x in out.split()[-2:])
    return found, misplaced


def acked_writes_are_on_the_disk(a, b):
    """Stops the guest's writer (it runs on A) and reads both images in dom0 A: every
    record up to the last acknowledged on either node is in its block, on the shared disk
    and on the local one, which went to B and back with the guest. Returns how many."""
    # SIGKILL: the subshell of the console's interactive shell ignores SIGTERM.
    console_answers(a, NAME, 'kill -9 $(cat /tmp/writer); echo "stopped-$((6*7))"',
                    r'stopped-42')
    acked = [int(i) for s in (a, b) for i in ACKED.findall(node.console_log(s.n, NAME))]
    if not acked:
        raise node.TestFailure('the guest acknowledged no disk write')
    last = max(acked)
    # -U: the guest's device model holds the image; what it acknowledged was flushed.
    a.dom0(f'qemu-img convert -U -f qcow2 -O raw {LOCAL_IMAGE} /tmp/local.raw')
    for what, image in (('shared', SHARED_IMAGE), ('local', '/tmp/local.raw')):
        found, misplaced = records_in(a, image, last)
        if found != last + 1 or misplaced:
            raise node.TestFailure(f'acknowledged writes lost on the {what} disk: records '
                                   f'0..{last} acknowledged, {found} on it, {misplaced} out '
                                   f'of place')
    a.dom0('rm -f /tmp/local.raw')
    return last + 1


def live_migration_there_and_back_keeps_the_counter(a, b):
    serve_shared_disk(a)
    a.dom0(f'qemu-img create -q -f qcow2 {LOCAL_IMAGE} 16M')
    b.dom0(f'rm -f {LOCAL_IMAGE}')  # B's daemon makes it for the first migration in
    a.define_xml(NAME, nodeclients.linux_xml(NAME, nodeclients.linux_guest_cmdline(a),
                                             memory_mib=MEMORY_MIB)
                 .replace('<devices>', '<devices>' + SHARED_DISK + LOCAL_DISK))
    start_and_reach_userspace(a, NAME)
    console_answers(a, NAME, 'echo kept-in-ram > /tmp/mark; echo "marked-$(cat /tmp/mark)"',
                    r'marked-kept-in-ram')
    console_answers(a, NAME, TICKER, r'ticker-42')
    console_answers(a, NAME, WRITER, r'writer-42')
    wait_ticks(a, 10, 'the counter on node A')

    took, earlier = migrate(a, b)
    gap, lost = check_moved(a, b, earlier)
    made = b.dom0(f'qemu-img info -U {LOCAL_IMAGE} | grep -E "^(file format|virtual size)"',
                  check=False)
    if 'qcow2' not in made or '16 MiB' not in made:
        raise node.TestFailure(f'--copy-storage-all: B has no copy of the local disk: {made!r}')
    console_answers(b, NAME, 'echo "still-$(cat /tmp/mark)"', r'still-kept-in-ram')
    completed_job_is(b, 'Completed', 'Incoming migration')
    print(f'  A -> B: virsh migrate took {took:.1f} s; the guest saw {gap:.2f} s between '
          f'ticks across the handover ({lost} ticks not in the logs)')

    # A disk named that cannot be copied (the shared one) is refused before anything moves.
    r = b.virsh('migrate', '--live', COPY, '--migrate-disks', 'vda', NAME, a.uri, ok=None)
    if r.returncode == 0 or 'vda of domain' not in r.stderr:
        raise node.TestFailure(f'--migrate-disks vda (an NBD disk): {r.stderr.strip()!r}')
    # issue 10: --p2p, B's daemon calling A's; the local disk named, its port chosen.
    took, earlier = migrate(b, a, '--migrate-disks', 'vdb', '--disks-port', str(DISKS_PORT),
                            p2p=True)
    gap, lost = check_moved(b, a, earlier)
    said = a.dom0(f'grep "serving 1 disk(s)" {nodeclients.DAEMON_LOG} | tail -1', check=False)
    if f'on port {DISKS_PORT}' not in said:
        raise node.TestFailure(f'--disks-port {DISKS_PORT}: A said {said.strip()!r}')
    print(f'  B -> A (--p2p): virsh migrate took {took:.1f} s; the guest saw {gap:.2f} s '
          f'between ticks across the handover ({lost} ticks not in the logs)')
    console_answers(a, NAME, 'echo "home-$(cat /tmp/mark)"', r'home-kept-in-ram')
    print(f'  {acked_writes_are_on_the_disk(a, b)} disk writes acknowledged across both '
          f'migrations, all on the shared disk and on the local one copied there and back')


def completed_job_is(s, job_type, operation):
    """`virsh domjobinfo --completed` on s shows the last migration to end there."""
    info = nodeclients.fields(s.virsh('domjobinfo', '--completed', NAME).stdout, ':')
    if info.get('Job type') != job_type or info.get('Operation') != operation:
        raise node.TestFailure(f'domjobinfo --completed on node {s.name}: {info}, not '
                               f'{job_type} {operation}')
    print(f"  domjobinfo --completed on node {s.name}: {job_type} {operation} in "
          f"{info.get('Time elapsed')}")


def start_migration(src, dst):
    """virsh migrate --live src -> dst in the background; returns the process."""
    return subprocess.Popen(['virsh', '-c', src.uri, 'migrate', '--live', COPY, NAME, dst.uri,
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
        _, err = nodeclients.communicate_watching(proc, 300, 'virsh migrate', (a, b))
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0 or 'canceled by client' not in err:
        raise node.TestFailure(f'virsh migrate after domjobabort: exit {proc.returncode}, '
                               f'{err.strip()!r}')
    state = a.virsh('domstate', NAME).stdout.strip()
    if state != 'running':
        raise node.TestFailure(f'after domjobabort {NAME} is {state} on node A')
    completed_job_is(a, 'Cancelled', 'Outgoing migration')
    if NAME in b.virsh('list', '--all', '--name').stdout.split():
        raise node.TestFailure(f'after domjobabort node B still lists {NAME}')
    wait_ticks(a, seen + 5, 'the counter going on on node A after the abort')
    # The guest's RAM filesystem holds half its memory: room for what follows.
    console_answers(a, NAME, 'rm -f /tmp/fill; echo "aborted-$(cat /tmp/mark)"',
                    r'aborted-kept-in-ram')


def timeout_suspends_a_guest_that_dirties_too_fast(a, b):
    """virsh migrate --timeout: a guest copying 8 MiB of random data over and over keeps
    pre-copy from ending on its own; after the timeout virsh suspends it, which the daemon
    does at once mid-migration (not after the migration's job), pre-copy stops and the
    stop-and-copy moves it. It runs on at B, its counter going on; then it comes back to A
    for what follows."""
    t0 = time.monotonic()
    console_answers(a, NAME, 'dd if=/dev/urandom of=/tmp/random bs=1M count=8 2>/dev/null; '
                             '( while :; do dd if=/tmp/random of=/tmp/copy bs=1M count=8 '
                             'conv=notrunc 2>/dev/null; done ) & echo $! > /tmp/dirtier; '
                             'echo "dirtying-$((6*7))"', r'dirtying-42', timeout=120)
    earlier = len(ticks(b))
    t1 = time.monotonic()
    r = a.virsh('migrate', '--live', COPY, '--timeout', '4', NAME, b.uri, '--migrateuri',
                f'tcp://{b.link.address}', ok=None, timeout=900, watch=(b,))
    t2 = time.monotonic()
    if r.returncode != 0:
        raise node.TestFailure(f'virsh migrate --timeout failed: {r.stderr.strip()}')
    said = a.dom0(f'grep "suspended by a client mid-migration" {nodeclients.DAEMON_LOG}',
                  check=False)
    if NAME not in said:
        raise node.TestFailure("A's daemon did not suspend the guest mid-migration")
    state = b.virsh('domstate', NAME).stdout.strip()
    if state != 'running':
        raise node.TestFailure(f'after migrate --timeout {NAME} is {state} on node B')
    wait_ticks(b, earlier + 5, 'the counter going on on node B')
    console_answers(b, NAME, 'kill -9 $(cat /tmp/dirtier); rm -f /tmp/copy /tmp/random; '
                             'echo "timed-$(cat /tmp/mark)"', r'timed-kept-in-ram')
    t3 = time.monotonic()
    back, _ = migrate(b, a)
    print(f'  migrate --timeout 4: suspended mid-migration, moved in {t2 - t1:.1f} s '
          f'(dirtier started in {t1 - t0:.1f} s, checks on B {t3 - t2:.1f} s, back to A in '
          f'{back:.1f} s)')


def migration_that_fails(src, dst, break_it):
    """Starts src -> dst, calls break_it() once the source has sent something, and checks
    what issue 10 point 3 asks: virsh migrate fails, the guest runs on src as before (its
    counter going on). Returns virsh's error."""
    seen = len(ticks(src))
    proc = start_migration(src, dst)
    try:
        jobinfo_while_running(src)
        break_it()
        # Only src is watched: break_it may kill dst's node on purpose.
        _, err = nodeclients.communicate_watching(proc, 600, 'virsh migrate', (src,))
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0:
        raise node.TestFailure('virsh migrate succeeded although its destination was broken')
    state = src.virsh('domstate', NAME).stdout.strip()
    if state != 'running':
        raise node.TestFailure(f'after a failed migration ({err.strip()}) {NAME} is {state} on '
                               f'node {src.name}')
    wait_ticks(src, seen + 5, f'the counter going on on node {src.name}')
    return err.strip()


def killed_destination_daemon_leaves_the_guest_on_a(a, b):
    """The destination's daemon SIGKILLed mid-migration: the guest stays on A; B's
    daemon, started again, holds no domain, nor does B's hv (the half-built one reaped)."""
    err = migration_that_fails(a, b, lambda: b.dom0('kill -9 $(pidof virtvireod)'))
    b.dom0(nodeclients.DAEMON_START)
    b.wait_daemon(60)
    if NAME in b.virsh('list', '--all', '--name').stdout.split() or b.hv_domain(NAME):
        raise node.TestFailure(f'node B after its daemon died mid-migration: '
                               f'{b.virsh("list", "--all").stdout} hv: {b.hv_domain(NAME)}')
    console_answers(a, NAME, 'echo "survived-$(cat /tmp/mark)"', r'survived-kept-in-ram')
    print(f'  destination daemon killed: virsh migrate said {err!r}')


def killed_source_daemon_leaves_the_guest_on_a(a, b):
    """The source's daemon SIGKILLed mid-migration and started again: virsh migrate fails,
    B gives up on the broken stream and holds nothing, and A's new daemon finds the guest
    it was sending, ends the migration's dirty logging and leaves it running there."""
    def kill_and_restart():
        a.dom0('kill -9 $(pidof virtvireod)')
        a.dom0(nodeclients.DAEMON_START)
        a.wait_daemon(60)
    err = migration_that_fails(a, b, kill_and_restart)
    said = a.dom0(f'grep "outgoing migration ended with the daemon" {nodeclients.DAEMON_LOG}',
                  check=False)
    if NAME not in said:
        raise node.TestFailure("A's restarted daemon did not end the cut migration")
    nodeclients.wait_for(lambda: NAME not in b.virsh('list', '--all', '--name').stdout.split()
                         and not b.hv_domain(NAME), 60, 'node B dropping the broken stream')
    console_answers(a, NAME, 'echo "source-$(cat /tmp/mark)"', r'source-kept-in-ram')
    print(f'  source daemon killed: virsh migrate said {err!r}; the guest runs on on A')


def killed_client_leaves_one_copy_that_resume_runs(a, b):
    """virsh itself killed mid-migration. A's daemon carries its send through to the
    handover and keeps the guest paused, as libvirt does when no Confirm comes; B drops
    the copy it took in once virsh's connection to it has closed without a Finish
    (libvirt's close callbacks). `virsh resume` on A then takes the guest back: its
    vCPUs and its devices run again."""
    seen = len(ticks(a))
    proc = start_migration(a, b)
    try:
        jobinfo_while_running(a)
    finally:
        proc.kill()
        proc.wait()

    def handed_over():
        state = a.virsh('domstate', '--reason', NAME).stdout.strip()
        job = nodeclients.fields(a.virsh('domjobinfo', NAME).stdout, ':').get('Job type')
        return state if job == 'None' and state.startswith('paused') else None
    state = nodeclients.wait_for(handed_over, 300, "A's send ending with no client")
    if state != 'paused (migrating)':
        raise node.TestFailure(f'after virsh died mid-migration {NAME} is {state} on node A')
    nodeclients.wait_for(lambda: NAME not in b.virsh('list', '--all', '--name').stdout.split()
                         and not b.hv_domain(NAME), 120,
                         'node B dropping the guest no client finished')
    a.virsh('resume', NAME)
    wait_ticks(a, seen + 5, 'the counter going on on node A after resume')
    # A synced write (a virtio flush): a device left quiesced would never answer it.
    console_answers(a, NAME, 'echo resumed | dd of=/dev/vda bs=512 seek=30000 conv=sync,fsync '
                             '2>/dev/null && echo "resumed-$(cat /tmp/mark)"',
                    r'resumed-kept-in-ram')
    print(f'  virsh killed mid-migration: A kept the guest {state}, B dropped its copy, and '
          f'resume ran it on A with its disk')


def killed_destination_node_leaves_the_guest_on_a(a, b):
    """The destination node itself gone mid-migration (its QEMU killed: no reset ever
    comes back): the source gives up on the silent connection and runs the guest on.
    Last in the module: node B stays dead."""
    t0 = time.monotonic()
    err = migration_that_fails(a, b, lambda: (b.n.proc.kill(), b.n.proc.wait()))
    console_answers(a, NAME, 'echo "alone-$(cat /tmp/mark)"', r'alone-kept-in-ram')
    print(f'  destination node killed: the guest ran on on A; virsh migrate gave up after '
          f'{time.monotonic() - t0:.1f} s: {err!r}')


if __name__ == '__main__':
    nodeclients.run_pair([live_migration_there_and_back_keeps_the_counter,
                          domjobinfo_shows_progress_and_domjobabort_keeps_the_guest_home,
                          timeout_suspends_a_guest_that_dirties_too_fast,
                          killed_destination_daemon_leaves_the_guest_on_a,
                          killed_source_daemon_leaves_the_guest_on_a,
                          killed_client_leaves_one_copy_that_resume_runs,
                          killed_destination_node_leaves_the_guest_on_a])
