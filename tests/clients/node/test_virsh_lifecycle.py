#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stock virsh on the host drives test guests through virtvireod in a booted node, over
vireo+tls:// through QEMU's port forward: define, start, list, dominfo/domstate/domid,
console through a pty, suspend/resume (CPU time stops and goes on), setmem/setmaxmem (the
guest's balloon reaches the target; domstats balloon.current), setvcpus, schedinfo
weight/cap (read back by virsh and by hv), vcpuinfo/dommemstat/freecell, domstats, shutdown and reboot (the guest obeys;
on_reboot restarts it), destroy, `virsh event --loop` seeing all of it, and virt-install
--import of a test guest. Prints the
cost of `virsh start` and the node's boot time to a usable daemon."""
import os
import re
import signal
import subprocess
import threading
import time

import node
import nodeclients
from nodeclients import wait_for

EVENTS = {'lines': [], 'proc': None}


def event_watcher_starts(s):
    """`virsh event --loop` registers before anything happens and runs to the end."""
    proc = subprocess.Popen(['virsh', '-c', s.uri, 'event', '--loop', '--event', 'lifecycle'],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    EVENTS['proc'] = proc

    def read():
        for line in proc.stdout:
            EVENTS['lines'].append(line.strip())
    threading.Thread(target=read, daemon=True).start()
    s.define('probe')
    wait_for(lambda: any("'probe': Defined" in ln for ln in EVENTS['lines']), 30,
             'the event watcher registered')
    s.virsh('undefine', 'probe')


def define_start_and_look(s):
    s.define('svc', memory_mib=16, max_memory_mib=32, vcpus=2, current_vcpus=1,
             cmdline='period_ms=200 work_ms=40')
    if 'svc' not in s.virsh('list', '--all').stdout or s.domstate('svc') != 'shut off':
        raise node.TestFailure('defined domain not listed as shut off')
    costs = [s.timed_virsh('start', 'svc')]
    s.wait_console('svc', r'service up: d\d+', 30, 'the guest up')
    listed = s.virsh('list').stdout
    if not re.search(r'\d+\s+svc\s+running', listed):
        raise node.TestFailure(f'virsh list:\n{listed}')
    domid = s.domid('svc')
    hv = s.hv_domain('svc')
    if hv is None or hv['domid'] != domid:
        raise node.TestFailure(f'virsh domid {domid}, hv has {hv}')
    info = s.dominfo('svc')
    if info['State'] != 'running' or info['CPU(s)'] != '1' or info['Id'] != str(domid):
        raise node.TestFailure(f'dominfo: {info}')
    s.virsh('destroy', 'svc')
    costs.append(s.timed_virsh('start', 'svc'))
    connect = min(s.timed_virsh('version') for _ in range(3))
    print(f'  virsh start (16 MiB service guest): {min(costs):.2f} s wall clock, best of '
          f'{len(costs)} (a virsh connect-and-version round trip alone: {connect:.2f} s)')


def console_through_a_pty(s):
    with nodeclients.Console(s, 'console', 'svc') as con:
        con.read_until(rb'tick \d+', 30)
        con.type('typed-into-virsh\r')
        con.read_until(rb'service: got typed-into-virsh', 30)
        con.leave()
    s.wait_console('svc', r'service: got typed-into-virsh', 30, 'the input in the log')


def cpu_time(s):
    return int(s.domstats('svc', '--cpu-total')['cpu.time'])


def suspend_stops_cpu_time_and_resume_restarts_it(s):
    first = cpu_time(s)
    wait_for(lambda: cpu_time(s) > first, 10, 'using CPU time')
    s.virsh('suspend', 'svc')
    if s.domstate('svc') != 'paused' or s.hv_domain('svc')['state'] != 'paused':
        raise node.TestFailure('suspended domain not paused')
    held = cpu_time(s)
    time.sleep(3)
    if cpu_time(s) != held:
        raise node.TestFailure(f'CPU time moved while suspended: {held} -> {cpu_time(s)}')
    s.virsh('resume', 'svc')
    wait_for(lambda: cpu_time(s) > held, 10, 'using CPU time again after resume')
    if s.domstate('svc') != 'running':
        raise node.TestFailure('resumed domain not running')


def balloon_current(s):
    return int(s.domstats('svc', '--balloon')['balloon.current'])


def expect_balloon(s, mib):
    kib = mib * 1024
    wait_for(lambda: balloon_current(s) == kib, 60, f'balloon.current {kib} KiB')
    s.wait_console('svc', rf'balloon: target {kib} KiB, holding {kib} KiB', 30,
                   f'the guest holding {mib} MiB')


def setmem_and_setmaxmem_move_the_balloon(s):
    expect_balloon(s, 16)
    s.virsh('setmem', 'svc', '8M', '--live')
    expect_balloon(s, 8)
    s.virsh('setmem', 'svc', '16M')  # no flag: live, the domain runs
    expect_balloon(s, 16)
    s.virsh('setmem', 'svc', '24M', ok=False)  # above <memory>
    s.virsh('setmaxmem', 'svc', '24M', '--live')  # up to <maxMemory>
    if s.dominfo('svc')['Max memory'] != '24576 KiB' or s.hv_domain('svc')['max_pages'] != 6144:
        raise node.TestFailure(f'setmaxmem 24M: {s.dominfo("svc")}, hv {s.hv_domain("svc")}')
    s.virsh('setmem', 'svc', '24M', '--live')  # beyond the RAM it booted with
    expect_balloon(s, 24)
    r = s.virsh('setmaxmem', 'svc', '12M', '--live', ok=False)
    if 'still holds' not in r.stderr:
        raise node.TestFailure(f'setmaxmem below what the guest holds: {r.stderr}')
    s.virsh('setmem', 'svc', '10M', '--live')
    expect_balloon(s, 10)
    s.virsh('setmaxmem', 'svc', '12M', '--live')
    if s.hv_domain('svc')['max_pages'] != 3072:
        raise node.TestFailure(f'hv limit after setmaxmem 12M: {s.hv_domain("svc")}')
    s.virsh('setmem', 'svc', '12M', '--live')
    expect_balloon(s, 12)


def setvcpus_brings_a_vcpu_online(s):
    s.virsh('setvcpus', 'svc', '2', '--live')
    s.wait_console('svc', r'service: vCPU 1 online', 30, 'vCPU 1 running')
    if s.dominfo('svc')['CPU(s)'] != '2' or s.hv_domain('svc')['online_vcpus'] != 2:
        raise node.TestFailure(f'after setvcpus 2: {s.dominfo("svc")} {s.hv_domain("svc")}')
    s.virsh('setvcpus', 'svc', '3', '--live', ok=False)
    s.virsh('setvcpus', 'svc', '1', '--live')
    if s.hv_domain('svc')['online_vcpus'] != 1:
        raise node.TestFailure(f'after setvcpus 1: {s.hv_domain("svc")}')


def vcpuinfo_blocks(s):
    """virsh vcpuinfo svc as one dict per vCPU."""
    text = s.virsh('vcpuinfo', 'svc').stdout
    return [nodeclients.fields(block, ':') for block in text.strip().split('\n\n')]


def vcpuinfo_and_dommemstat_show_what_hv_knows(s):
    """Each online vCPU on a domU CPU (never dom0's CPU 0) with CPU time, the affinity
    naming every CPU but 0; dommemstat's balloon and backing memory as hv has them."""
    if s.virsh('maxvcpus').stdout.strip() != '64':
        raise node.TestFailure(f'virsh maxvcpus: {s.virsh("maxvcpus").stdout}')
    ncpus = int(s.virsh('nodeinfo').stdout.split('CPU(s):')[1].split()[0])
    s.virsh('setvcpus', 'svc', '2', '--live')
    try:
        seen = []

        def both_ran():  # vCPU 1 is on a CPU once it first runs
            seen[:] = vcpuinfo_blocks(s)
            return len(seen) == 2 and all(b.get('CPU', 'N/A').isdigit() for b in seen)
        try:
            wait_for(both_ran, 30, 'both vCPUs shown on a CPU')
        except node.TestFailure as e:
            raise node.TestFailure(f'{e}; last vcpuinfo: {seen}')
        if float(seen[0]['CPU time'].rstrip('s')) <= 0:
            raise node.TestFailure(f'vCPU 0 ran for seconds, vcpuinfo says {seen[0]}')
        for b in vcpuinfo_blocks(s):
            if b['CPU'] == '0' or b['State'] not in ('running', 'blocked') or \
                    b['CPU Affinity'] != '-' + 'y' * (ncpus - 1):
                raise node.TestFailure(f'vcpuinfo on a {ncpus}-CPU node: {b}')
    finally:  # the later steps expect one vCPU online
        s.virsh('setvcpus', 'svc', '1', '--live')
    blocks = vcpuinfo_blocks(s)
    if [b['VCPU'] for b in blocks] != ['0']:
        raise node.TestFailure(f'vcpuinfo after setvcpus 1: {blocks}')
    stats = nodeclients.fields(s.virsh('dommemstat', 'svc').stdout, ' ')
    hv = s.hv_domain('svc')
    if stats.get('actual') != '12288' or stats.get('rss') != str(hv['tot_pages'] * 4) or \
            'available' in stats:
        raise node.TestFailure(f'dommemstat {stats}, hv {hv}')
    free = int(s.virsh('freecell').stdout.split('Total:')[1].split()[0])
    total = int(nodeclients.fields(s.virsh('nodememstats').stdout, ':')['total'].split()[0])
    if not 0 < free < total:
        raise node.TestFailure(f'freecell {free} KiB, nodememstats total {total} KiB')
    print(f'  node memory for domUs: {total} KiB, {free} KiB free with svc running')


def schedinfo_weight_and_cap_reach_hv(s):
    s.virsh('schedinfo', 'svc', '--live', '--set', 'weight=512')
    s.virsh('schedinfo', 'svc', '--live', '--set', 'cap=50')
    shown = nodeclients.fields(s.virsh('schedinfo', 'svc').stdout, ':')
    if shown.get('Scheduler') != 'credit' or shown.get('weight') != '512' or \
            shown.get('cap') != '50':
        raise node.TestFailure(f'virsh schedinfo: {shown}')
    hv = s.hv_domain('svc')
    if hv['weight'] != 512 or hv['cap'] != 50:
        raise node.TestFailure(f'hv has weight {hv["weight"]} cap {hv["cap"]}')
    s.virsh('schedinfo', 'svc', '--live', '--set', 'weight=0', ok=False)


def domstats_report_the_running_guest(s):
    st = s.domstats('svc')
    want = {'state.state': '1', 'balloon.current': '12288', 'balloon.maximum': '12288',
            'vcpu.current': '1', 'vcpu.maximum': '2'}
    for key, value in want.items():
        if st.get(key) != value:
            raise node.TestFailure(f'domstats {key} = {st.get(key)}, want {value}: {st}')
    if int(st['cpu.time']) <= 0:
        raise node.TestFailure(f'domstats cpu.time {st["cpu.time"]}')
    # vCPU 0 runs (running or blocked), vCPU 1 is held offline (vcpu current 1 of 2)
    if st.get('vcpu.0.state') not in ('1', '2') or int(st.get('vcpu.0.time', 0)) <= 0 or \
            st.get('vcpu.1.state') != '0':
        raise node.TestFailure(f'domstats per-vCPU fields: {st}')


def shutdown_is_obeyed(s):
    s.virsh('shutdown', 'svc')
    s.wait_state('svc', 'shut off', 60)
    s.wait_console('svc', r'control: poweroff requested', 30, 'the request taken')
    if s.hv_domain('svc') is not None:
        raise node.TestFailure('hv still has the domain after shutdown (on_poweroff destroy)')
    s.virsh('shutdown', 'svc', ok=False)


def reboot_restarts_the_guest(s):
    s.virsh('start', 'svc')
    before = s.domid('svc')
    ups = len(s.wait_console('svc', r'service up: d\d+', 30, 'the guest up'))
    s.virsh('reboot', 'svc')
    s.wait_console('svc', r'control: reboot requested', 30, 'the request taken')
    after = wait_for(lambda: (s.domid('svc') or before) != before and s.domid('svc'), 60,
                     'running under a new id')
    s.wait_console('svc', r'service up: d\d+', 30, 'the guest up again', count=ups + 1)
    if s.domstate('svc') != 'running':
        raise node.TestFailure(f'after reboot: {s.domstate("svc")}')
    print(f'  reboot: d{before} -> d{after}')


def destroy_stops_it_at_once(s):
    s.virsh('destroy', 'svc')
    if s.domstate('svc') != 'shut off' or s.hv_domain('svc') is not None:
        raise node.TestFailure('destroyed domain still there')
    s.virsh('undefine', 'svc')


def virt_install_imports_a_test_guest(s):
    """Unmodified virt-install (--import, the guest's ELF as the kernel, no disk, no
    display) creates and starts the domain, then defines it persistent."""
    if not os.path.exists('/usr/bin/virt-install'):
        print('  virt-install not installed (virtinst): not tried')
        return
    cmd = ['virt-install', '--connect', s.uri, '--name', 'vi', '--memory', '16', '--vcpus', '1',
           '--import', '--disk', 'none', '--network', 'none', '--graphics', 'none',
           '--boot', f'kernel={nodeclients.GUEST_DIR}/service.elf,kernel_args=period_ms=500',
           '--osinfo', 'detect=on,require=off', '--noautoconsole']
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise node.TestFailure(f'virt-install failed ({r.returncode}):\n{r.stdout}{r.stderr}')
    s.wait_console('vi', r'service up: d\d+', 30, 'the imported guest up')
    if s.domstate('vi') != 'running' or s.dominfo('vi')['Persistent'] != 'yes':
        raise node.TestFailure(f'after virt-install: {s.dominfo("vi")}')
    if 'service.elf' not in s.virsh('dumpxml', 'vi').stdout:
        raise node.TestFailure('dumpxml lacks the kernel virt-install gave')
    s.virsh('destroy', 'vi')
    s.virsh('undefine', 'vi')


def event_loop_saw_the_lifecycle(s):
    proc = EVENTS['proc']
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    text = '\n'.join(ln for ln in EVENTS['lines'] if "'svc'" in ln)
    for want in ('Defined Added', 'Started Booted', 'Suspended Paused', 'Resumed Unpaused',
                 'Shutdown Finished after guest request', 'Stopped Shutdown',
                 'Stopped Destroyed', 'Undefined Removed'):
        if want not in text:
            raise node.TestFailure(f'virsh event --loop lacks {want!r}:\n{text}')


nodeclients.run([event_watcher_starts, define_start_and_look, console_through_a_pty,
                 suspend_stops_cpu_time_and_resume_restarts_it,
                 setmem_and_setmaxmem_move_the_balloon, setvcpus_brings_a_vcpu_online,
                 vcpuinfo_and_dommemstat_show_what_hv_knows, schedinfo_weight_and_cap_reach_hv,
                 domstats_report_the_running_guest,
                 shutdown_is_obeyed, reboot_restarts_the_guest, destroy_stops_it_at_once,
                 virt_install_imports_a_test_guest, event_loop_saw_the_lifecycle])
