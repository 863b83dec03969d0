#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stock virsh on the host drives Linux domUs (Debian's kernel and the project's busybox
initramfs, 256 MiB, 2 vCPUs) through virtvireod in one booted node (issue 7, point 5):
what capabilities say, unstartable kernels refused naming the file, ELF test guests as
before, define/dumpxml, then on the guest platform: the userspace marker on `virsh
console`, both vCPUs online, clocksource kvm-clock, `sleep 10` against host time, console
input, poweroff and reboot inside the guest, virsh shutdown/reboot (with the reboot
event), suspend/resume, save/restore/managedsave of a 128 MiB domU (issue 10: its RAM and its
clock carried over, a damaged image refused), dominfo/vcpuinfo, destroy, a SIGKILLed
daemon, and 10 domUs created and destroyed returning hv's free memory exactly.

The platform tests fail with the start's own error until hv runs VIREO_DOMCFG_PLATFORM
domains; a test whose domain could not start says so instead of waiting for it."""
import re
import signal
import subprocess
import threading
import time

import node
import nodeclients
from nodeclients import LINUX_GUEST_DIR as GUEST_DIR, Console, linux_xml, wait_for

MARKER = r'vireo-domu: userspace up in [\d.]+ s'
BOOT_TIMEOUT = 300  # Debian's kernel to userspace under hv under TCG (10-15 s when well)
SLEEP_S = 10
SLEEP_TOLERANCE = 0.05  # the acceptance point: 10 s +- 5 %
LOOP_ROUNDS = 10
# The command line linux.cfg gives the test domU (what vireo-ctl create uses).
guest_cmdline = nodeclients.linux_guest_cmdline


def define_linux(s, name, **options):
    s.define_xml(name, linux_xml(name, guest_cmdline(s), **options))


def need_running(s, name, what):
    """A test of a running domU names the cause when an earlier start failed."""
    state = s.domstate(name)
    if state != 'running':
        raise node.TestFailure(f'{name} is {state}, not running (its start failed above): '
                               f'cannot check {what}')


READY = r'vireo-domu: \d+ CPUs, clocksource'  # rcS's last line: acpid listens by then


def start_and_reach_userspace(s, name):
    """virsh start, then the marker once more on the domU's console log, and the end of
    rcS (a power button pressed before acpid listens is lost, as on any PC)."""
    log = node.console_log(s.n, name)
    ups, readies = len(re.findall(MARKER, log)), len(re.findall(READY, log))
    r = s.virsh('start', name, ok=None)
    if r.returncode != 0:
        raise node.TestFailure(f'virsh start {name} failed: {r.stderr.strip()}')
    s.wait_console(name, MARKER, BOOT_TIMEOUT, 'the userspace marker', count=ups + 1)
    s.wait_console(name, READY, 120, 'the end of rcS', count=readies + 1)


def ensure_running(s, name):
    """A domU in userspace for the next test, whatever the tests before it left."""
    if s.domstate(name) != 'running':
        start_and_reach_userspace(s, name)


def shell(con, command, answer, timeout=60):
    """Types a command at the guest's shell and waits for its answer (a pattern that the
    echoed command line itself cannot match)."""
    con.type(command + '\r')
    return con.read_until(answer, timeout)


def console_answers(s, name, command, answer, timeout=60):
    """A fresh `virsh console` session: the command typed at the guest's shell gets its
    answer within `timeout` s, and Ctrl-] leaves. Returns the answer's match. When none
    comes, the failure shows the console log and hv's view of the guest's vCPUs."""
    with Console(s, 'console', name) as con:
        try:
            m = shell(con, command, answer, timeout)
        except node.TestFailure as e:
            tail = '\n'.join(node.console_log(s.n, name).splitlines()[-12:])
            raise node.TestFailure(f'{e}\n--- its console log ends ---\n{tail}\n'
                                   f'{node.domain_diagnosis(s.n, name)}') from e
        con.leave()
    return m


# --- what works before the platform lands -------------------------------------------------

def capabilities_say_what_a_guest_gets(s):
    caps = s.virsh('capabilities').stdout
    for want in ('<os_type>hvm</os_type>', '<os_type>linux</os_type>', '<arch name="x86_64">',
                 '<acpi default="on" toggle="no"/>', '<apic default="on" toggle="no"/>'):
        if want not in caps:
            raise node.TestFailure(f'capabilities lack {want}:\n{caps}')
    dc = s.virsh('domcapabilities').stdout
    for want in ('<disk supported="yes">', '<interface supported="yes">', '<rng supported="yes">',
                 '<graphics supported="no"/>', '<loader supported="no"/>',
                 '<console supported="yes">'):
        if want not in dc:
            raise node.TestFailure(f'domcapabilities lack {want}:\n{dc}')


def unstartable_kernels_fail_naming_the_file(s):
    cases = [
        ('badk-missing', f'{GUEST_DIR}/no-such-vmlinuz', 256,
         [f'{GUEST_DIR}/no-such-vmlinuz', 'No such file or directory']),
        ('badk-format', f'{GUEST_DIR}/domu-initrd.img', 256,
         [f'{GUEST_DIR}/domu-initrd.img', 'neither an ELF test guest nor a Linux bzImage']),
        ('badk-small', f'{GUEST_DIR}/vmlinuz', 16,
         [f'{GUEST_DIR}/vmlinuz', 'the domain has 16 MiB']),
    ]
    free_before = s.free_pages()
    for name, kernel, memory, needles in cases:
        define_linux(s, name, kernel=kernel, memory_mib=memory)
        r = s.virsh('start', name, ok=False)
        for needle in needles:
            if needle not in r.stderr:
                raise node.TestFailure(f'virsh start {name}: {needle!r} not in the error:\n'
                                       f'{r.stderr}')
        print(f'  {name}: {r.stderr.strip().splitlines()[-1]}')
        if s.domstate(name) != 'shut off' or s.hv_domain(name) is not None:
            raise node.TestFailure(f'{name}: a refused start left a domain behind')
        s.virsh('undefine', name)
    if s.free_pages() != free_before:
        raise node.TestFailure('refused starts changed hv\'s free memory')


def elf_test_guest_still_starts(s):
    s.define('svc')
    s.virsh('start', 'svc')
    s.wait_console('svc', r'service up: d\d+', 60, 'the ELF guest up')
    s.virsh('destroy', 'svc')
    s.virsh('undefine', 'svc')


def linux_domu_defines_and_shows_its_xml(s):
    define_linux(s, 'lin', os_type='linux', on_crash='preserve')
    xml = s.virsh('dumpxml', 'lin').stdout
    wants = ['<type arch="x86_64" machine="vireo">hvm</type>',
             f'<kernel>{GUEST_DIR}/vmlinuz</kernel>',
             f'<initrd>{GUEST_DIR}/domu-initrd.img</initrd>',
             f'<cmdline>{guest_cmdline(s)}</cmdline>',
             '<memory unit="KiB">262144</memory>', '<vcpu placement="static">2</vcpu>',
             '<acpi/>', '<apic/>', '<on_poweroff>destroy</on_poweroff>',
             '<on_reboot>restart</on_reboot>', '<on_crash>preserve</on_crash>',
             '<target type="isa-serial" port="0">', '<model name="isa-serial"/>',
             '<target type="serial" port="0"/>']
    for want in wants:
        if want not in xml:
            raise node.TestFailure(f'dumpxml lacks {want}:\n{xml}')
    # Redefined as every later test wants it: on_crash destroy.
    define_linux(s, 'lin')


def virt_install_writes_a_linux_domu_the_daemon_takes(s):
    """Unmodified virt-install, from what capabilities and domcapabilities say, writes a
    direct-boot Linux domU (--print-xml: its start is the platform's part below) that the
    daemon defines with kernel, initrd and command line."""
    cmd = ['virt-install', '--connect', s.uri, '--name', 'vi-lin', '--memory', '256',
           '--vcpus', '2', '--import', '--disk', 'none', '--network', 'none', '--graphics',
           'none', '--osinfo', 'detect=on,require=off', '--print-xml', '--boot',
           f'kernel={GUEST_DIR}/vmlinuz,initrd={GUEST_DIR}/domu-initrd.img,'
           f'kernel_args="{guest_cmdline(s)}"']
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise node.TestFailure(f'virt-install failed ({r.returncode}):\n{r.stdout}{r.stderr}')
    s.define_xml('vi-lin', r.stdout)
    xml = s.virsh('dumpxml', 'vi-lin').stdout
    for want in (f'<initrd>{GUEST_DIR}/domu-initrd.img</initrd>',
                 f'<cmdline>{guest_cmdline(s)}</cmdline>', '<vcpu placement="static">2</vcpu>'):
        if want not in xml:
            raise node.TestFailure(f'virt-install\'s domU lacks {want}:\n{xml}')
    s.virsh('undefine', 'vi-lin')


# --- on the guest platform ---------------------------------------------------------------

def linux_domu_reaches_userspace_on_virsh_console(s):
    began = time.monotonic()
    with Console(s, 'start', '--console', 'lin') as con:
        try:
            con.read_until(MARKER, BOOT_TIMEOUT)
        except node.TestFailure as e:
            state = s.domstate('lin')
            raise node.TestFailure(f'no userspace marker on virsh start --console (lin is '
                                   f'{state}): {e}') from e
        print(f'  virsh start to the first userspace line on virsh console: '
              f'{con.matched_at - began:.1f} s')
        con.read_until(r'vireo-domu: (\d+) CPUs, clocksource (\S+)\s', 120)
        con.leave()
    live = s.virsh('dumpxml', 'lin').stdout
    for want in ('<acpi/>', '<apic/>', '<target type="isa-serial" port="0">'):
        if want not in live:
            raise node.TestFailure(f'the running domU\'s XML lacks {want}:\n{live}')


def both_vcpus_online_and_clocksource_kvm_clock(s):
    need_running(s, 'lin', 'its vCPUs and clocksource')
    found = s.wait_console('lin', r'vireo-domu: (\d+) CPUs, clocksource (\S+)\s', 60,
                           "the guest's CPU count and clocksource")
    if found[-1] != ('2', 'kvm-clock'):
        raise node.TestFailure(f'the guest reports {found[-1][0]} CPUs online and clocksource '
                               f'{found[-1][1]}, not 2 and kvm-clock')
    m = console_answers(s, 'lin', 'echo online-$(cat /sys/devices/system/cpu/online)-end',
                        r'online-(\S+)-end\r?\n')
    if m.group(1) != b'0-1':
        raise node.TestFailure(f'/sys/devices/system/cpu/online: {m.group(1)!r}')


def console_input_reaches_the_shell(s):
    need_running(s, 'lin', 'console input')
    console_answers(s, 'lin', 'echo typed-$((6*7))', r'typed-42')


def guest_sleep_takes_the_same_host_time(s):
    need_running(s, 'lin', 'the guest clock against host time')
    with Console(s, 'console', 'lin') as con:
        shell(con, f'echo sleep-$((1+1))-begin; sleep {SLEEP_S}; echo sleep-$((1+1))-end',
              r'sleep-2-begin')
        began = con.matched_at
        con.read_until(r'sleep-2-end', SLEEP_S * 3)
        host = con.matched_at - began
        con.leave()
    print(f'  guest `sleep {SLEEP_S}`: {host:.3f} s of host time '
          f'({(host / SLEEP_S - 1) * 100:+.1f} %, acceptance +-{SLEEP_TOLERANCE * 100:.0f} %)')
    if abs(host - SLEEP_S) > SLEEP_S * SLEEP_TOLERANCE:
        raise node.TestFailure(f'guest sleep {SLEEP_S} took {host:.3f} s of host time')


def dominfo_and_vcpuinfo_show_the_domu(s):
    need_running(s, 'lin', 'dominfo and vcpuinfo')
    info = s.dominfo('lin')
    want = {'State': 'running', 'CPU(s)': '2', 'Max memory': '262144 KiB', 'OS Type': 'hvm',
            'Persistent': 'yes'}
    if any(info.get(k) != v for k, v in want.items()):
        raise node.TestFailure(f'dominfo: {info}')
    vcpus = s.virsh('vcpuinfo', 'lin').stdout
    states = re.findall(r'^VCPU:\s+(\d+)\n(?:.*\n)*?State:\s+(\S+)', vcpus, re.M)
    if [v for v, _ in states] != ['0', '1'] or any(st == 'offline' for _, st in states):
        raise node.TestFailure(f'vcpuinfo: both vCPUs should be online:\n{vcpus}')


def suspend_and_resume(s):
    need_running(s, 'lin', 'suspend and resume')
    s.virsh('suspend', 'lin')
    hv = s.hv_domain('lin')
    if s.domstate('lin') != 'paused' or hv is None or hv['state'] != 'paused':
        raise node.TestFailure(f'after suspend: virsh {s.domstate("lin")}, hv {hv}')
    s.virsh('resume', 'lin')
    console_answers(s, 'lin', 'echo resumed-$((1+2))', r'resumed-3')


def poweroff_inside_the_guest_ends_it(s):
    need_running(s, 'lin', 'poweroff inside the guest')
    with Console(s, 'console', 'lin') as con:
        con.type('poweroff\r')
        con.wait_exit(120)  # the console ends with the domain
    s.wait_state('lin', 'shut off', 60)
    if s.hv_domain('lin') is not None:
        raise node.TestFailure('hv still holds the powered-off domU')


def reboot_inside_the_guest_restarts_it(s):
    need_running(s, 'lin', 'reboot inside the guest')
    first = s.domid('lin')
    ups = len(s.wait_console('lin', MARKER, 10, 'the marker'))
    with Console(s, 'console', 'lin') as con:
        con.type('\rreboot\r')
        con.wait_exit(120)  # the session ends with the old domain
    s.wait_console('lin', MARKER, BOOT_TIMEOUT, 'userspace again', count=ups + 1)
    if s.domstate('lin') != 'running' or s.domid('lin') == first:
        raise node.TestFailure(f'after reboot: {s.dominfo("lin")} (was id {first})')
    # virsh console reconnects, to the new domain
    console_answers(s, 'lin', 'echo again-$((2+2))', r'again-4')


def virsh_reboot_restarts_it_with_the_reboot_event(s):
    need_running(s, 'lin', 'virsh reboot')
    first = s.domid('lin')
    ups = len(s.wait_console('lin', MARKER, 10, 'the marker'))
    watcher = subprocess.Popen(['virsh', '-c', s.uri, 'event', '--domain', 'lin', '--all',
                                '--loop'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, stdin=subprocess.DEVNULL)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(ln.strip() for ln in watcher.stdout),
                              daemon=True)
    reader.start()
    try:
        # A suspend/resume the watcher reports proves it registered before the reboot.
        s.virsh('suspend', 'lin')
        s.virsh('resume', 'lin')
        wait_for(lambda: any('Resumed' in ln for ln in lines), 30, 'the event watcher ready')
        s.virsh('reboot', 'lin')
        s.wait_console('lin', MARKER, BOOT_TIMEOUT, 'userspace after virsh reboot',
                       count=ups + 1)
        wait_for(lambda: any("event 'reboot' for domain 'lin'" in ln for ln in lines), 30,
                 'the reboot event')
    finally:
        watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(timeout=10)
        except subprocess.TimeoutExpired:
            watcher.kill()
    if s.domid('lin') == first:
        raise node.TestFailure('virsh reboot left the same domain running')
    text = '\n'.join(lines)
    for want in ('Shutdown Finished after guest request', 'Stopped Shutdown', 'Started Booted'):
        if want not in text:
            raise node.TestFailure(f'virsh event lacks {want!r} around the reboot:\n{text}')


def virsh_shutdown_presses_the_power_button(s):
    ensure_running(s, 'lin')
    pressed = r'vireo-domu: power button pressed'
    before = len(re.findall(pressed, node.console_log(s.n, 'lin')))
    s.virsh('shutdown', 'lin')
    s.wait_console('lin', pressed, 120, 'the button pressed', count=before + 1)
    s.wait_state('lin', 'shut off', 120)


def destroy_stops_them_at_once(s):
    for name in ('lin', 'lin2'):
        need_running(s, name, 'destroy')
        s.virsh('destroy', name)
        if s.domstate(name) != 'shut off' or s.hv_domain(name) is not None:
            raise node.TestFailure(f'destroyed domU {name} still there')


def killed_daemon_leaves_two_domus_running_with_consoles(s):
    define_linux(s, 'lin2')
    for name in ('lin', 'lin2'):
        ensure_running(s, name)
    ids = {name: s.domid(name) for name in ('lin', 'lin2')}
    s.dom0('kill -9 $(pidof virtvireod)')
    wait_for(lambda: not s.dom0('pidof virtvireod', check=False).strip(), 10, 'the daemon gone')
    s.dom0(nodeclients.DAEMON_START)
    s.wait_daemon(60)
    for name, domid in ids.items():
        if s.domid(name) != domid or s.domstate(name) != 'running':
            raise node.TestFailure(f'{name} after the restart: {s.dominfo(name)}, was id {domid}')
        console_answers(s, name, f'echo {name}-$((3+4))', rf'{name}-7')


def ten_domus_created_and_destroyed_return_free_memory(s):
    free_before = s.free_pages()
    for i in range(LOOP_ROUNDS):
        name = f'loop{i}'
        r = s.define_xml(name, linux_xml(name, guest_cmdline(s)), command='create', ok=None)
        if r.returncode != 0:
            raise node.TestFailure(f'virsh create {name} failed: {r.stderr.strip()}')
        # Its first console line (loglevel=4) comes after SMP bring-up and the ACPI
        # tables: both vCPUs ran and the kernel owns its memory.
        s.wait_console(name, r'^\[\s*\d+\.\d+\] ', BOOT_TIMEOUT, 'the kernel\'s first line')
        s.virsh('destroy', name)
    free_after = s.free_pages()
    print(f'  hv free_pages: {free_before} before, {free_after} after {LOOP_ROUNDS} domUs')
    if free_after != free_before:
        raise node.TestFailure(f'free_pages {free_before} before, {free_after} after '
                               f'{LOOP_ROUNDS} Linux domUs')


def cleanup(s):
    for name in ('lin', 'lin2'):
        s.virsh('destroy', name, ok=None)
        s.virsh('undefine', name, ok=None)


NET_MAC = '52:54:00:7e:0a:01'


def domu_on_default_network_gets_a_lease_and_reaches_out_through_nat(s):
    """Issue 9: libvirt's `default` NAT network runs in the node's dom0 (active and
    autostarted at boot: bridge virbr0, dnsmasq, nftables). A domU with an interface on it
    gets a 192.168.122.x lease with udhcpc, which net-dhcp-leases shows with its MAC and
    hostname; it pings the bridge's 192.168.122.1; and it reaches a TCP listener this test
    started on the host (QEMU user-net's 10.0.2.2) through dom0's masquerade: dom0's
    conntrack entry shows the reply addressed to dom0's uplink 10.0.2.15, not the guest."""
    import socket
    nets = s.virsh('net-list', '--all').stdout
    if not re.search(r'^\s*default\s+active\s+yes\s+yes\s*$', nets, re.M):
        raise node.TestFailure(f'default is not active, autostarted and persistent:\n{nets}')
    nic = (f"<interface type='network'><mac address='{NET_MAC}'/>"
           f"<source network='default'/><model type='virtio'/></interface>")
    s.define_xml('net', linux_xml('net', guest_cmdline(s)).replace('<devices>', '<devices>' + nic))
    start = time.monotonic()
    r = s.virsh('start', 'net', ok=None)
    if r.returncode != 0:
        raise node.TestFailure(f'virsh start net failed: {r.stderr.strip()}')
    s.wait_console('net', rf'vireo-domu: net eth0 {NET_MAC}', BOOT_TIMEOUT, 'eth0 with its MAC')
    booted = time.monotonic() - start
    s.wait_console('net', READY, 120, 'the end of rcS')
    # The script's line names the lease; -q ends udhcpc once bound, -n when none came. The
    # trailing \s waits for the line's end: a match on a half-arrived line read 'router 19'.
    m = console_answers(s, 'net', 'udhcpc -i eth0 -x hostname:netguest -n -q -t 5 -T 5',
                        r'vireo-domu: lease eth0 (192\.168\.122\.\d+)/(\d+) router (\S+)\s', 90)
    ip, prefix, router = (g.decode() for g in m.groups())
    leased = time.monotonic() - start
    if (prefix, router) != ('24', '192.168.122.1'):
        raise node.TestFailure(f'lease {ip}/{prefix} router {router}: want /24 via 192.168.122.1')

    def listed():
        out = s.virsh('net-dhcp-leases', 'default', '--mac', NET_MAC).stdout
        line = next((ln for ln in out.splitlines() if NET_MAC in ln), '')
        return line if f'{ip}/24' in line and 'netguest' in line else None
    lease_line = nodeclients.wait_for(listed, 30, f'{NET_MAC} {ip} in net-dhcp-leases', 1)
    console_answers(s, 'net', 'ping -c 3 -W 5 192.168.122.1 | grep -o "[0-9]* packets received"',
                    r'[1-9] packets received')

    token = f'nat{int(time.time() * 1000) % 100000}'
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen(1)
        listener.settimeout(90)
        port = listener.getsockname()[1]
        seen = {}
        # The connection stays open until dom0's conntrack has been read: a closed one may
        # leave the table within seconds (10 s after a reset), sooner than a busy CI reads.
        checked = threading.Event()

        def serve():
            try:
                conn, peer = listener.accept()
                with conn:
                    conn.settimeout(30)
                    seen['line'] = conn.makefile('rb').readline().decode().strip()
                    seen['peer'] = peer[0]
                    conn.sendall(f'{token}-reply\n'.encode())
                    checked.wait(60)
            except OSError as e:
                seen['error'] = str(e)
        t = threading.Thread(target=serve, daemon=True)
        t.start()
        try:
            console_answers(s, 'net', f'echo hello-from-$(hostname) | nc -w 30 10.0.2.2 {port}',
                            rf'{token}-reply', 90)
            track = s.dom0(f'grep " dport={port} " /proc/net/nf_conntrack', check=False)
        finally:
            checked.set()
            t.join(30)
    if seen.get('line', '').split('-')[:2] != ['hello', 'from']:
        raise node.TestFailure(f'the host listener got {seen!r}')
    nat = re.search(rf'src={re.escape(ip)} dst=10\.0\.2\.2 sport=\d+ dport={port} '
                    rf'src=10\.0\.2\.2 dst=(\S+) sport={port}', track)
    if not nat or nat.group(1) != '10.0.2.15':
        raise node.TestFailure(f'no masqueraded connection {ip} -> 10.0.2.2:{port} in dom0\'s '
                               f'conntrack (want replies to 10.0.2.15):\n{track}')
    print(f'  net-list: default active, autostart yes; eth0 up {booted:.1f} s after virsh start,'
          f' leased {ip}/{prefix} router {router} at {leased:.1f} s')
    print(f'  net-dhcp-leases: {" ".join(lease_line.split())}')
    print(f'  NAT: guest {ip} -> host listener 10.0.2.2:{port} got {seen["line"]!r} '
          f'(peer {seen["peer"]} via QEMU user-net); dom0 conntrack: {nat.group(0)}')
    s.virsh('destroy', 'net')
    s.virsh('undefine', 'net')


SAVE_IMAGE = '/var/lib/vireo/sav.save'  # in dom0: the daemon writes where the client says


def guest_uptime(s, name):
    m = console_answers(s, name, 'echo "up-$(cut -d" " -f1 /proc/uptime)-end"',
                        r'up-([\d.]+)-end')
    return float(m.group(1))


def dom0_marker(s, command, tag):
    out = s.dom0(f'echo "{tag}=$({command})"', timeout=120, check=False)
    m = re.search(tag + r'=(\S*)', out)
    return m.group(1) if m else None


def save_restore_and_managedsave_keep_the_guest_going(s):
    """Issue 10, point 1 (guests without virtio devices): virsh save stops a Linux domU as
    "saved" into a checksummed image; save-image-dumpxml reads its XML; virsh restore
    brings it back running where it was (a file in its RAM filesystem kept, its uptime
    not gone back); a damaged image is refused and starts nothing; managedsave and the
    next start do the same through the daemon's own image; a domU with a virtio device is
    refused by name."""
    define_linux(s, 'sav', memory_mib=128)
    start_and_reach_userspace(s, 'sav')
    console_answers(s, 'sav', 'echo kept-in-ram > /tmp/mark; echo "marked-$(cat /tmp/mark)"',
                    r'marked-kept-in-ram')
    before = guest_uptime(s, 'sav')
    t0 = time.monotonic()
    s.virsh('save', 'sav', SAVE_IMAGE, timeout=600)
    saved_s = time.monotonic() - t0
    state = s.virsh('domstate', 'sav', '--reason').stdout.strip()
    if state != 'shut off (saved)':
        raise node.TestFailure(f'after virsh save: domstate says {state!r}')
    size = dom0_marker(s, f'stat -c %s {SAVE_IMAGE}', 'image-size')
    xml = s.virsh('save-image-dumpxml', SAVE_IMAGE).stdout
    if '<name>sav</name>' not in xml:
        raise node.TestFailure(f'save-image-dumpxml:\n{xml}')
    if s.hv_domain('sav'):
        raise node.TestFailure('hv still holds the saved domain')

    # A flipped byte in the middle of the memory: refused at the end, nothing left running.
    middle = int(size) // 2
    flip = (f'b=$(dd if={SAVE_IMAGE} bs=1 skip={middle} count=1 2>/dev/null | od -An -tu1); '
            f'printf "\\\\$(printf %o $(( (b + 1) % 256 )))" | '
            f'dd of={SAVE_IMAGE} bs=1 seek={middle} count=1 conv=notrunc 2>/dev/null; echo $b')
    original = dom0_marker(s, flip, 'flipped')
    r = s.virsh('restore', SAVE_IMAGE, ok=False, timeout=600)
    if 'checksum' not in r.stderr or s.domstate('sav') != 'shut off' or s.hv_domain('sav'):
        raise node.TestFailure(f'a damaged image: {r.stderr.strip()!r}, sav is '
                               f'{s.domstate("sav")}, hv: {s.hv_domain("sav")}')
    dom0_marker(s, f'printf "\\\\$(printf %o {original})" | dd of={SAVE_IMAGE} bs=1 '
                   f'seek={middle} count=1 conv=notrunc 2>/dev/null; echo ok', 'unflipped')

    t1 = time.monotonic()
    s.virsh('restore', SAVE_IMAGE, timeout=600)
    restored_s = time.monotonic() - t1
    state = s.virsh('domstate', 'sav', '--reason').stdout.strip()
    if state != 'running (restored)':
        raise node.TestFailure(f'after virsh restore: domstate says {state!r}')
    console_answers(s, 'sav', 'echo "still-$(cat /tmp/mark)"', r'still-kept-in-ram')
    after = guest_uptime(s, 'sav')
    if after < before:
        raise node.TestFailure(f'the guest\'s clock went back: uptime {before} s -> {after} s')
    print(f'  save of a 128 MiB domU: {saved_s:.1f} s, image {int(size) >> 20} MiB; restore '
          f'{restored_s:.1f} s; guest uptime {before:.1f} s before, {after:.1f} s after')

    s.virsh('managedsave', 'sav', timeout=600)
    info = nodeclients.fields(s.virsh('dominfo', 'sav').stdout, ':')
    if info.get('Managed save') != 'yes' or info.get('State') != 'shut off':
        raise node.TestFailure(f'dominfo after managedsave: {info}')
    s.virsh('start', 'sav', timeout=600)
    console_answers(s, 'sav', 'echo "again-$(cat /tmp/mark)"', r'again-kept-in-ram')
    info = nodeclients.fields(s.virsh('dominfo', 'sav').stdout, ':')
    if info.get('Managed save') != 'no':
        raise node.TestFailure(f'the managed save image outlived the start: {info}')
    s.virsh('destroy', 'sav')
    s.virsh('undefine', 'sav')
    s.dom0(f'rm -f {SAVE_IMAGE}')


if __name__ == '__main__':
    nodeclients.run([capabilities_say_what_a_guest_gets, unstartable_kernels_fail_naming_the_file,
                     elf_test_guest_still_starts, linux_domu_defines_and_shows_its_xml,
                     virt_install_writes_a_linux_domu_the_daemon_takes,
                     linux_domu_reaches_userspace_on_virsh_console,
                     both_vcpus_online_and_clocksource_kvm_clock, console_input_reaches_the_shell,
                     guest_sleep_takes_the_same_host_time, dominfo_and_vcpuinfo_show_the_domu,
                     suspend_and_resume, save_restore_and_managedsave_keep_the_guest_going,
                     virsh_reboot_restarts_it_with_the_reboot_event,
                     reboot_inside_the_guest_restarts_it, poweroff_inside_the_guest_ends_it,
                     virsh_shutdown_presses_the_power_button,
                     killed_daemon_leaves_two_domus_running_with_consoles,
                     destroy_stops_them_at_once,
                     ten_domus_created_and_destroyed_return_free_memory, cleanup,
                     domu_on_default_network_gets_a_lease_and_reaches_out_through_nat])
