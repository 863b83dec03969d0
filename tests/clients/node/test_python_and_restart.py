#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""python3-libvirt on the host drives a test guest's lifecycle through virtvireod in a
booted node with the same vireo+tls:// URI virsh uses (events through libvirt's own event
loop); then the daemon is killed with SIGKILL while domUs run and started again: the
domains kept running, are found again with the same ids and states, no definition is
lost, and the lifecycle works on after the restart."""
import threading
import time

import node
import nodeclients
from nodeclients import service_xml, wait_for

try:
    import libvirt
except ImportError:
    print('SKIP: python3-libvirt not installed')
    raise SystemExit(77)

EVENT_NAMES = {libvirt.VIR_DOMAIN_EVENT_STARTED: 'started',
               libvirt.VIR_DOMAIN_EVENT_SUSPENDED: 'suspended',
               libvirt.VIR_DOMAIN_EVENT_RESUMED: 'resumed',
               libvirt.VIR_DOMAIN_EVENT_STOPPED: 'stopped',
               libvirt.VIR_DOMAIN_EVENT_SHUTDOWN: 'shutdown'}


def silence(_ctx, _err):
    pass  # errors are raised as libvirtError; do not also print them


def run_event_loop():
    libvirt.virEventRegisterDefaultImpl()

    def loop():
        while True:
            libvirt.virEventRunDefaultImpl()
    threading.Thread(target=loop, daemon=True).start()


def python_libvirt_lifecycle(s):
    conn = libvirt.open(s.uri)
    events = []
    cb = conn.domainEventRegisterAny(
        None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        lambda _c, dom, event, _detail, _o: events.append((dom.name(), EVENT_NAMES.get(event))),
        None)
    try:
        dom = conn.defineXML(service_xml('py', current_mib=12, cmdline='period_ms=200 work_ms=40'))
        dom.create()
        state, max_kib, kib, vcpus, _ = dom.info()
        if state != libvirt.VIR_DOMAIN_RUNNING or max_kib != 16384 or vcpus != 1:
            raise node.TestFailure(f'info() after create: {dom.info()}')

        def balloon():
            stats = conn.domainListGetStats([dom], libvirt.VIR_DOMAIN_STATS_BALLOON)
            return stats[0][1]['balloon.current']
        # Built with <memory>, the guest balloons to <currentMemory> as it starts.
        wait_for(lambda: balloon() == 12288, 60, 'ballooned to its currentMemory (12 MiB)')
        if dom.ID() != s.hv_domain('py')['domid'] or not dom.isActive() or \
                not dom.isPersistent():
            raise node.TestFailure(f'ID {dom.ID()} active {dom.isActive()}')
        s.wait_console('py', r'tick \d+', 30, 'ticking')
        dom.suspend()
        held = dom.info()[4]
        time.sleep(2)
        if dom.state()[0] != libvirt.VIR_DOMAIN_PAUSED or dom.info()[4] != held:
            raise node.TestFailure(f'suspended: state {dom.state()}, cpu {held} -> '
                                   f'{dom.info()[4]}')
        dom.resume()
        wait_for(lambda: dom.info()[4] > held, 10, 'running again after resume')
        dom.setMemoryFlags(8192, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        wait_for(lambda: balloon() == 8192, 60, 'ballooned to 8 MiB')
        dom.setSchedulerParametersFlags({'weight': 300}, libvirt.VIR_DOMAIN_AFFECT_LIVE)
        if dom.schedulerParameters()['weight'] != 300 or s.hv_domain('py')['weight'] != 300:
            raise node.TestFailure(f'weight: {dom.schedulerParameters()}')
        dom.shutdown()
        wait_for(lambda: ('py', 'stopped') in events, 60, 'stopped after shutdown (event)')
        if dom.isActive():
            raise node.TestFailure('still active after its STOPPED event')
        dom.undefine()
        seen = [e for n, e in events if n == 'py']
        for want in ('started', 'suspended', 'resumed', 'shutdown', 'stopped'):
            if want not in seen:
                raise node.TestFailure(f'python3-libvirt events lack {want}: {seen}')
    finally:
        conn.domainEventDeregisterAny(cb)
        conn.close()


def ticks(s, name):
    return len(node.wait_console(s.n, name, r'^tick \d+', 30, 'ticking'))


def daemon_sigkill_and_restart_keeps_domains(s):
    s.define('keep1')
    s.define('keep2')
    s.define('idle')
    s.virsh('start', 'keep1')
    s.virsh('start', 'keep2')
    s.virsh('suspend', 'keep2')
    transient = f'{s.tmp}/trans.xml'
    with open(transient, 'w') as f:
        f.write(service_xml('trans'))
    s.virsh('create', transient)
    ids = {name: s.domid(name) for name in ('keep1', 'keep2', 'trans')}

    s.dom0('kill -9 $(pidof virtvireod)')
    wait_for(lambda: not s.dom0('pidof virtvireod', check=False).strip(), 10,
             'the daemon gone')
    s.virsh('list', ok=False, timeout=30)
    before = ticks(s, 'keep1')
    node.wait_console(s.n, 'keep1', r'^tick \d+', 30, 'ticking with no daemon', before + 2)

    s.dom0(nodeclients.DAEMON_START)
    s.wait_daemon(60)
    listed = s.virsh('list', '--all').stdout
    for name, domid in ids.items():
        if s.domid(name) != domid:
            raise node.TestFailure(f'{name}: id {s.domid(name)} after restart, was {domid}:'
                                   f'\n{listed}')
    states = {name: s.domstate(name) for name in ('keep1', 'keep2', 'trans', 'idle')}
    if states != {'keep1': 'running', 'keep2': 'paused', 'trans': 'running',
                  'idle': 'shut off'}:
        raise node.TestFailure(f'states after restart: {states}\n{listed}')
    if s.dominfo('trans')['Persistent'] != 'no' or s.dominfo('keep1')['Persistent'] != 'yes':
        raise node.TestFailure('persistence changed by the restart')

    # Everything still works through the new daemon, hv's events included.
    s.virsh('shutdown', 'keep1')
    s.wait_state('keep1', 'shut off', 60)
    s.virsh('resume', 'keep2')
    s.virsh('destroy', 'keep2')
    s.virsh('destroy', 'trans')
    if 'trans' in s.virsh('list', '--all').stdout:
        raise node.TestFailure('the transient domain outlived its destroy')
    for name in ('keep1', 'keep2', 'idle'):
        s.virsh('undefine', name)


libvirt.registerErrorHandler(silence, None)
run_event_loop()
nodeclients.run([python_libvirt_lifecycle, daemon_sigkill_and_restart_keeps_domains])
