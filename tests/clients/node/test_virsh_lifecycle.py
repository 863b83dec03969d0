#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stock virsh on the host drives test guests through virtvireod in a booted node, over
vireo+tls:// through QEMU's port forward: define, start, list, dominfo/domstate/domid,
console through a pty, suspend/resume (CPU time stops and goes on), create and start
--autodestroy (the guests end with the virsh that started them), setmem/setmaxmem (the
guest's balloon reaches the target; domstats balloon.current), setvcpus, schedinfo
weight/cap (read back by virsh and by hv), vcpuinfo/dommemstat/freecell, domstats, shutdown and reboot (the guest obeys;
on_reboot restarts it), destroy, `virsh event --loop` seeing all of it, virt-install
--import of a test guest, and the lifecycles of a logical (LVM) pool and of a netfs pool on
an NFS export dom0 serves. Prints the
cost of `virsh start` and the node's boot time to a usable daemon."""
import hashlib
import os
import re
import signal
import subprocess
import tempfile
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


def autodestroy_ends_with_the_virsh_that_started_it(s):
    """`virsh create --autodestroy` (as libguestfs starts its appliance) and `virsh start
    --autodestroy`: the guests run while that virsh's connection lasts, while other
    connections come and go, and are destroyed when it closes: the transient one is gone,
    the defined one shut off."""
    path = os.path.join(s.tmp, 'appliance.xml')
    with open(path, 'w') as f:
        f.write(nodeclients.service_xml('appliance', cmdline='period_ms=500'))
    s.define('owned', cmdline='period_ms=500')
    shell = subprocess.Popen(['virsh', '-c', s.uri], stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        shell.stdin.write(f'create --autodestroy {path}\nstart --autodestroy owned\n')
        shell.stdin.flush()
        s.wait_console('appliance', r'service up: d\d+', 30, 'the autodestroy guest up')
        s.wait_console('owned', r'service up: d\d+', 30, 'the defined autodestroy guest up')
        if s.domstate('appliance') != 'running' or s.domstate('owned') != 'running':
            raise node.TestFailure('autodestroy guests not running while their virsh is')
    finally:
        _, err = shell.communicate(timeout=60)  # closes its stdin: virsh quits
    if shell.returncode != 0:
        raise node.TestFailure(f'virsh shell: {err.strip()}')
    wait_for(lambda: 'appliance' not in s.virsh('list', '--all', '--name').stdout.split()
             and s.hv_domain('appliance') is None, 30, 'the transient guest destroyed')
    wait_for(lambda: s.domstate('owned') == 'shut off' and s.hv_domain('owned') is None, 30,
             'the defined guest destroyed')
    s.virsh('undefine', 'owned')


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


def upload_then_download(s, pool, vol, data):
    """vol-upload of data into the volume, then what vol-download of it gives."""
    with tempfile.TemporaryDirectory() as tmp:
        up, down = os.path.join(tmp, 'up'), os.path.join(tmp, 'down')
        with open(up, 'wb') as f:
            f.write(data)
        s.virsh('vol-upload', '--pool', pool, vol, up, timeout=300)
        s.virsh('vol-download', '--pool', pool, vol, down, timeout=300)
        with open(down, 'rb') as f:
            return f.read()


def logical_pool_lifecycle_through_virsh(s):
    """Issue 9, point 1: a `logical` pool on a loop device in dom0, driven by stock virsh
    from pool-define-as to pool-undefine: LVs made, sized to whole extents, uploaded and
    downloaded byte for byte, resized, wiped, cloned and deleted, and a qcow2 volume
    refused, with lvm's own view of the VG checked between steps."""
    t0 = time.monotonic()
    s.dom0('truncate -s 64M /tmp/lvpool.img && losetup /dev/loop1 /tmp/lvpool.img', timeout=60)
    s.virsh('pool-define-as', 'lvpool', 'logical', '--source-dev', '/dev/loop1',
            '--source-name', 'vvpool', '--target', '/dev/vvpool')
    s.virsh('pool-build', 'lvpool', timeout=120)
    s.virsh('pool-build', 'lvpool', '--no-overwrite', ok=False)  # the device holds a PV now
    s.virsh('pool-start', 'lvpool', timeout=120)
    info = nodeclients.fields(s.virsh('pool-info', 'lvpool', '--bytes').stdout, ':')
    if info.get('State') != 'running' or not 50 << 20 < int(info['Capacity'].split()[0]) <= 64 << 20:
        raise node.TestFailure(f'pool-info of the logical pool: {info}')
    print(f'logical pool defined, built and started in {time.monotonic() - t0:.1f} s', flush=True)

    t1 = time.monotonic()
    s.virsh('vol-create-as', 'lvpool', 'lv1', '5M', timeout=120)  # 5 MiB: two 4 MiB extents
    vinfo = nodeclients.fields(s.virsh('vol-info', '--pool', 'lvpool', 'lv1', '--bytes').stdout, ':')
    if vinfo.get('Type') != 'block' or vinfo['Capacity'].split()[0] != str(8 << 20):
        raise node.TestFailure(f'vol-info of a 5M LV (two 4 MiB extents): {vinfo}')
    if '/dev/vvpool/lv1' not in s.virsh('vol-list', 'lvpool').stdout:
        raise node.TestFailure(f'vol-list lacks lv1: {s.virsh("vol-list", "lvpool").stdout}')
    r = s.virsh('vol-create-as', 'lvpool', 'q', '4M', '--format', 'qcow2', ok=False)
    if 'raw' not in r.stderr:
        raise node.TestFailure(f'a qcow2 LV was refused without the reason: {r.stderr}')

    data = os.urandom(3 << 20) + b'\0' * (1 << 20) + os.urandom(12345)
    got = upload_then_download(s, 'lvpool', 'lv1', data)
    if len(got) != 8 << 20 or got[:len(data)] != data or got[len(data):].strip(b'\0'):
        raise node.TestFailure(f'vol-download gave {len(got)} bytes, not the upload')
    print(f'LV created, 4 MiB uploaded and 8 MiB downloaded in {time.monotonic() - t1:.1f} s',
          flush=True)

    s.virsh('vol-clone', '--pool', 'lvpool', 'lv1', 'lv2', timeout=300)
    # Markers read back as NAME=VALUE: the serial console may echo the command wrapped.
    clone = s.dom0('cmp /dev/vvpool/lv1 /dev/vvpool/lv2; echo "cmp-rc=$?"', timeout=120,
                   check=False)
    if 'cmp-rc=0' not in clone:
        raise node.TestFailure(f'vol-clone did not copy the data: {clone!r}')
    s.virsh('vol-resize', '--pool', 'lvpool', 'lv1', '12M', timeout=120)
    s.virsh('vol-resize', '--pool', 'lvpool', 'lv1', '4M', ok=False)  # a shrink needs --shrink
    s.virsh('vol-resize', '--pool', 'lvpool', 'lv1', '4M', '--shrink', timeout=120)
    size = s.dom0('echo "lv-size=$(lvm lvs --noheadings --units b --nosuffix -o lv_size '
                  "--config 'devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 }' "
                  'vvpool/lv1 | tr -d " ")"', timeout=60)
    if f'lv-size={4 << 20}' not in size:
        raise node.TestFailure(f'after vol-resize 12M then 4M --shrink, lvs says {size!r}')
    s.virsh('vol-wipe', '--pool', 'lvpool', 'lv1', timeout=120)
    zero = s.dom0('cmp -n 4194304 /dev/vvpool/lv1 /dev/zero; echo "wipe-rc=$?"', check=False)
    if 'wipe-rc=0' not in zero:
        raise node.TestFailure(f'vol-wipe left data on the LV: {zero!r}')
    s.virsh('vol-delete', '--pool', 'lvpool', 'lv2', timeout=120)
    s.dom0('lvm lvcreate -q -y -L 4M -n outside '
           "--config 'devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 } "
           "activation { udev_sync = 0 udev_rules = 0 }' vvpool", timeout=120)
    s.virsh('pool-refresh', 'lvpool', timeout=120)
    listed = s.virsh('vol-list', 'lvpool').stdout
    if 'outside' not in listed or 'lv2' in listed:
        raise node.TestFailure(f'vol-list after lvcreate in dom0 and pool-refresh: {listed}')

    t2 = time.monotonic()
    s.virsh('pool-destroy', 'lvpool', timeout=120)
    s.virsh('vol-list', 'lvpool', ok=False)  # volume calls need an active pool
    s.virsh('pool-delete', 'lvpool', timeout=120)
    s.virsh('pool-undefine', 'lvpool')
    left = s.dom0('echo "pvs-left=$(lvm pvs --noheadings -o pv_name '
                  "--config 'devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 }' "
                  '| grep -c loop1)"; losetup -d /dev/loop1; rm -f /tmp/lvpool.img', timeout=60,
                  check=False)
    if 'pvs-left=0' not in left:
        raise node.TestFailure(f'pool-delete left the PV: {left!r}')
    print(f'logical pool destroyed, deleted and undefined in {time.monotonic() - t2:.1f} s; '
          f'whole lifecycle {time.monotonic() - t0:.1f} s', flush=True)

# dom0 serves an NFS v4 export itself (kernel nfsd, nfs-utils' mountd and nfsd): the netfs
# pool mounts it over loopback exactly as it would a remote server's. The export is a tmpfs,
# which NFS exports only with an explicit fsid; no grace period, since no client held state.
NFS_SERVER_START = ('mkdir -p /srv/nfs /var/lib/nfs/v4recovery /proc/fs/nfsd && '
                    'mount -t nfsd nfsd /proc/fs/nfsd && mount -t tmpfs nfsexport /srv/nfs && '
                    'touch /etc/exports /var/lib/nfs/etab && '
                    'exportfs -o rw,no_root_squash,no_subtree_check,fsid=1 127.0.0.1:/srv/nfs && '
                    'rpc.mountd -N 3 --no-udp && rpc.nfsd -N 3 --no-udp --port 2049 4 && '
                    'echo Y > /proc/fs/nfsd/v4_end_grace && echo "nfs-server=up"')
NFS_SERVER_STOP = ('rpc.nfsd 0; killall rpc.mountd; exportfs -ua; umount /srv/nfs; '
                   'umount /proc/fs/nfsd; echo "nfs-server=down"')
NFS_TARGET = '/var/lib/vireo/nfs'


def nfs_mounted(s):
    out = s.dom0(f'echo "nfs-mounts=$(grep -c " {NFS_TARGET} nfs4 " /proc/mounts)"',
                 check=False)
    m = re.search(r'nfs-mounts=(\d+)', out)
    if not m:
        raise node.TestFailure(f'cannot read /proc/mounts in dom0: {out!r}')
    return int(m.group(1))


def server_side(s, command, tag):
    """Runs command in dom0 against the export's own directory; returns what follows tag=."""
    out = s.dom0(f'echo "{tag}=$({command})"', timeout=60, check=False)
    m = re.search(tag + r'=(.*)', out)
    return m.group(1).strip() if m else None


def netfs_pool_lifecycle_over_nfs(s):
    """Issue 9, point 1: a `netfs` pool on an NFS export, driven by stock virsh: pool-start
    mounts it (NFS v4), volumes made through the pool are files in the server's export
    (qcow2 and an upload checked there byte for byte), a file the server adds shows after
    pool-refresh, pool-destroy unmounts and leaves the files, a second start finds them,
    and pool-delete and pool-undefine leave nothing behind."""
    t0 = time.monotonic()
    if 'nfs-server=up' not in s.dom0(NFS_SERVER_START, timeout=60, check=False):
        raise node.TestFailure('dom0 did not start its NFS server (see COM1)')
    try:
        s.virsh('pool-define-as', 'nfs', 'netfs', '--source-host', '127.0.0.1',
                '--source-path', '/srv/nfs', '--source-format', 'nfs', '--target', NFS_TARGET)
        s.virsh('pool-build', 'nfs')
        s.virsh('pool-start', 'nfs', timeout=120)
        if nfs_mounted(s) != 1:
            raise node.TestFailure('pool-start did not mount the export with NFS v4')
        info = nodeclients.fields(s.virsh('pool-info', 'nfs', '--bytes').stdout, ':')
        if info.get('State') != 'running' or int(info['Capacity'].split()[0]) <= 0:
            raise node.TestFailure(f'pool-info of the netfs pool: {info}')
        print(f'NFS export served, netfs pool defined, built and mounted in '
              f'{time.monotonic() - t0:.1f} s', flush=True)

        t1 = time.monotonic()
        s.virsh('vol-create-as', 'nfs', 'disk.qcow2', '16M', '--format', 'qcow2', timeout=120)
        fmt = server_side(s, "qemu-img info --output=json /srv/nfs/disk.qcow2 | "
                             "grep '\"format\"' | tr -d ' \",'", 'server-format')
        if fmt != 'format:qcow2':
            raise node.TestFailure(f'the server holds no qcow2 disk.qcow2: {fmt!r}')
        s.virsh('vol-create-as', 'nfs', 'data.raw', '2M', timeout=120)
        data = os.urandom(2 << 20)
        if upload_then_download(s, 'nfs', 'data.raw', data) != data:
            raise node.TestFailure('vol-download of the NFS volume is not the upload')
        digest = server_side(s, 'sha256sum /srv/nfs/data.raw | cut -d" " -f1', 'server-sha')
        if digest != hashlib.sha256(data).hexdigest():
            raise node.TestFailure(f'the server\'s copy of the upload differs: {digest!r}')
        server_side(s, 'qemu-img create -q -f raw /srv/nfs/from-server.img 1M && echo made',
                    'server-made')
        s.virsh('pool-refresh', 'nfs')
        vols = s.virsh('vol-list', 'nfs').stdout
        if f'{NFS_TARGET}/from-server.img' not in vols:
            raise node.TestFailure(f'pool-refresh did not find the server\'s file: {vols}')
        print(f'qcow2 and raw volumes made, 2 MiB uploaded and downloaded, server file found '
              f'in {time.monotonic() - t1:.1f} s', flush=True)

        t2 = time.monotonic()
        s.virsh('pool-destroy', 'nfs', timeout=120)
        if nfs_mounted(s) != 0:
            raise node.TestFailure('pool-destroy left the export mounted')
        left = server_side(s, 'ls /srv/nfs | tr "\\n" " "', 'server-files')
        if left != 'data.raw disk.qcow2 from-server.img':
            raise node.TestFailure(f'the export after pool-destroy holds {left!r}')
        s.virsh('pool-start', 'nfs', timeout=120)
        names = [line.split()[0] for line in s.virsh('vol-list', 'nfs').stdout.splitlines()
                 if NFS_TARGET in line]
        if sorted(names) != ['data.raw', 'disk.qcow2', 'from-server.img']:
            raise node.TestFailure(f'vol-list after a second start: {names}')
        s.virsh('vol-delete', '--pool', 'nfs', 'disk.qcow2', timeout=120)
        if server_side(s, 'ls /srv/nfs | grep -c qcow2', 'server-qcow2') != '0':
            raise node.TestFailure('vol-delete left disk.qcow2 on the server')
        s.virsh('pool-destroy', 'nfs', timeout=120)
        s.virsh('pool-delete', 'nfs')
        gone = server_side(s, f'test -e {NFS_TARGET} && echo there || echo gone', 'target')
        if gone != 'gone' or nfs_mounted(s) != 0:
            raise node.TestFailure(f'pool-delete left the mount point ({gone!r})')
        s.virsh('pool-undefine', 'nfs')
        print(f'netfs pool unmounted, restarted, deleted and undefined in '
              f'{time.monotonic() - t2:.1f} s; whole lifecycle {time.monotonic() - t0:.1f} s',
              flush=True)
    finally:
        s.dom0(NFS_SERVER_STOP, timeout=60, check=False)


nodeclients.run([event_watcher_starts, define_start_and_look, console_through_a_pty,
                 suspend_stops_cpu_time_and_resume_restarts_it,
                 setmem_and_setmaxmem_move_the_balloon, setvcpus_brings_a_vcpu_online,
                 vcpuinfo_and_dommemstat_show_what_hv_knows, schedinfo_weight_and_cap_reach_hv,
                 domstats_report_the_running_guest,
                 shutdown_is_obeyed, reboot_restarts_the_guest, destroy_stops_it_at_once,
                 virt_install_imports_a_test_guest,
                 autodestroy_ends_with_the_virsh_that_started_it, event_loop_saw_the_lifecycle,
                 logical_pool_lifecycle_through_virsh, netfs_pool_lifecycle_over_nfs])
