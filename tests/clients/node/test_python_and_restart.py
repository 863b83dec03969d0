#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""python3-libvirt on the host drives a test guest's lifecycle through virtvireod in a
booted node with the same vireo+tls:// URI virsh uses (events through libvirt's own event
loop); then the daemon is killed with SIGKILL while domUs run and started again: the
domains kept running, are found again with the same ids and states, no definition is
lost, and the lifecycle works on after the restart. Between the two, stock virt-manager
under Xvfb, driven by its own command-line options only, shows a Linux domU's serial
console, the domain list and the connection's details (pools, networks, CPU graphs)."""
import os
import re
import shutil
import threading
import time

import node
import nodeclients
import xsession
from nodeclients import linux_guest_cmdline, linux_xml, service_xml, wait_for

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


# What virt-manager 4.1's --debug log says (virtManager/connection.py, engine.py, host.py,
# manager.py, details/serialcon.py; --trace-libvirt names each libvirt call and its thread).
VM_DOMAIN = 'vmgr'
VM_BOOT_TIMEOUT = 300  # the Linux domU to userspace under hv under TCG
VM_WINDOW_TIMEOUT = 120
VM_STATS = re.compile(r'thread=Tick thread: virConnect\.getAllDomainStats ')
# Records (not TRACE lines) saying a call failed or is missing, or a Python traceback.
VM_TROUBLE = re.compile(r'\[[^]]*\] (?:ERROR|WARNING|CRITICAL) |Traceback |'
                        r'\[[^]]*\] DEBUG \((?!module_trace:)\w+:\d+\) '
                        r'.*(?:[Ee]rror|not support|[Ff]ailed)')


def vm_log_waiter(path):
    """wait(pattern, what, timeout, count): the log's matches once there are count of them."""
    def wait(pattern, what, timeout=VM_WINDOW_TIMEOUT, count=1):
        regex = re.compile(pattern, re.M)

        def found():
            with open(path, errors='replace') as f:
                hits = regex.findall(f.read())
            return hits if len(hits) >= count else None
        try:
            return wait_for(found, timeout, what)
        except node.TestFailure as e:
            with open(path, errors='replace') as f:
                tail = '\n'.join(line for line in f.read().splitlines()
                                 if 'TRACE' not in line and not line.startswith('  '))[-3000:]
            raise node.TestFailure(f'virt-manager: {e}; its log ({path}) ends:\n{tail}') from e
    return wait


def vm_stats_ticks(path):
    with open(path, errors='replace') as f:
        return len(VM_STATS.findall(f.read()))


def vm_screenshot(x, path, log):
    """The screen once virt-manager polled stats twice more (the graphs drew new points)."""
    ticks = vm_stats_ticks(log)
    wait_for(lambda: vm_stats_ticks(log) >= ticks + 2, 30, 'two more stats polls')
    x.screenshot(path)
    width, height, colours = xsession.png_colours(path)
    print(f'  screenshot {path}: {os.path.getsize(path)} bytes, {width}x{height}, '
          f'{colours} colours', flush=True)
    if colours < 16:
        raise node.TestFailure(f'{path} has {colours} colours: no window drawn')


def virt_manager_shows_a_domu_console_and_the_node(s):
    """Issue 9 point 5: virt-manager connects to the node's vireo+tls:// URI (the test PKI
    through ?pkipath, as virsh), lists the domain, the default pool and the default network,
    polls every domain's stats (the CPU graphs), and opens the running Linux domU's serial
    console: --show-domain-console first, then --show-host-summary and the manager window,
    each a second virt-manager handing its request to the first over the session bus.
    A screenshot after each window; all in <build>/tests/clients/node/python_and_restart/
    virt-manager/."""
    why = xsession.missing() or (None if shutil.which('virt-manager') else
                                 'virt-manager not installed (virt-manager)')
    if why:
        raise node.TestSkip(why)
    s.define_xml(VM_DOMAIN, linux_xml(VM_DOMAIN, linux_guest_cmdline(s)))
    s.virsh('start', VM_DOMAIN)
    outdir = os.path.join(s.workdir, 'virt-manager')
    shutil.rmtree(outdir, ignore_errors=True)
    log = os.path.join(outdir, 'virt-manager.log')
    x = xsession.XSession(outdir)
    try:
        def virt_manager(*show, log_name='virt-manager.log'):
            return x.spawn(['virt-manager', '--connect', s.uri, '--no-fork', '--debug',
                            '--trace-libvirt', 'all'] + list(show), log_name)
        wait = vm_log_waiter(log)
        virt_manager('--show-domain-console', VM_DOMAIN)
        uri = re.escape(s.uri)
        wait(rf'conn={uri} changed to state=Active$', 'connected')
        wait(rf'domain={VM_DOMAIN} status=Running added$', f'{VM_DOMAIN} listed running')
        wait(r'pool=default status=Active added$', 'the default pool listed')
        wait(r'network=default status=Active added$', 'the default network listed')
        wait(rf'Showing VM details: <vmmDomain name={VM_DOMAIN} ', f"{VM_DOMAIN}'s window shown")
        console = wait(r'Opening console stream for dev=(.*)$', 'its serial console opened')
        s.wait_console(VM_DOMAIN, r'vireo-domu: userspace up in [\d.]+ s', VM_BOOT_TIMEOUT,
                       'the userspace marker')
        vm_screenshot(x, os.path.join(outdir, 'console.png'), log)

        for option, window, shown in (('--show-host-summary', 'summary',
                                       r'Showing host details: '),
                                      (None, 'manager', r'Showing manager$')):
            handed = virt_manager(*([option] if option else []),
                                  log_name=f'virt-manager-{window}.log')
            wait(rf"Launching requested window '{window}'$", f'the {window} window requested')
            wait(shown, f'the {window} window shown')
            if handed.wait(60) != 0:
                raise node.TestFailure(f'the second virt-manager ({window}) exited '
                                       f'{handed.returncode}')
            vm_screenshot(x, os.path.join(outdir, f'{window}.png'), log)

        with open(log, errors='replace') as f:
            text = f.read()
        said = [line for line in text.splitlines() if VM_TROUBLE.match(line)]
        for line in said:
            print(f'  virt-manager says: {line}')
        print(f'  virt-manager: connected, {VM_DOMAIN} running, pool and network default, '
              f'console dev={console[0]}, {vm_stats_ticks(log)} getAllDomainStats polls',
              flush=True)
        if said:
            raise node.TestFailure(f'virt-manager logged {len(said)} errors (above):\n' +
                                   '\n'.join(said))
    finally:
        x.close()
        s.virsh('destroy', VM_DOMAIN, ok=None)
        s.virsh('undefine', VM_DOMAIN, ok=None)


libvirt.registerErrorHandler(silence, None)
run_event_loop()
nodeclients.run([python_libvirt_lifecycle, virt_manager_shows_a_domu_console_and_the_node,
                 daemon_sigkill_and_restart_keeps_domains])
