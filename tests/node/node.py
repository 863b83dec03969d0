# SPDX-License-Identifier: GPL-2.0-only
"""Drives a Vireo node (or dom0's kernel booted directly) in QEMU through dom0's shell.

Python standard library only. A Node is one QEMU run (TCG, never KVM): COM1 is a pipe to
dom0's serial shell, COM2 (hv's log) goes to a file. Commands run in the shell with a
numbered exit-status marker, every wait is bounded, and QEMU is killed whatever happens.
Test scripts exit 0 (pass), 1 (fail, with the logs' tails) or 77 (skip, with a reason).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

QEMU = 'qemu-system-x86_64'
PROMPT = 'dom0# '
TAIL_LINES = 40
SKIP = 77


class TestFailure(Exception):
    """An expected behaviour did not happen; the message says which."""


class TestSkip(Exception):
    """The test cannot run here yet; the message says why."""


def _sigterm(signum, frame):
    # meson's timeout sends SIGTERM: unwind so the finally blocks kill QEMU.
    raise TestFailure(f'killed by signal {signum} (test timeout)')


signal.signal(signal.SIGTERM, _sigterm)


def load_image_info(path):
    with open(path) as f:
        return json.load(f)


def hv_supports_dom0(hv_elf):
    """hv logs 'hv: dom0 started' once it runs dom0; an hv without that string cannot."""
    try:
        with open(hv_elf, 'rb') as f:
            return b'dom0 started' in f.read()
    except OSError:
        return False


def free_port(kind=socket.SOCK_STREAM):
    """A loopback port nothing holds now: TCP, or UDP with kind=socket.SOCK_DGRAM."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class Link:
    """A private Ethernet segment between two nodes' dom0s (live migration, issue 10): each
    node's second e1000 sends its frames as UDP datagrams from its own loopback port to the
    other end's (QEMU's -netdev socket,udp=). Not -netdev socket's TCP listen/connect: the
    connecting QEMU fails unless the listening one is up already, an order and a wait at
    every start. Not mcast: it needs a multicast route on the host's loopback, and another
    run on the same group would share the segment. Here either QEMU may start first, and a
    frame sent before the other one runs is lost as on an unplugged cable (dom0's TCP
    retransmits). dom0 gets the address from the harness (Node.link_up): the node ISO and
    its kernel command line are shared by every test."""

    def __init__(self):
        ports = [free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)]
        # End i: 10.0.3.<i+1>/24 (QEMU's user-mode network is 10.0.2.0/24, virbr0
        # 192.168.122.0/24), MAC 52:54:00:00:03:0<i+1>.
        self.ends = [LinkEnd(i + 1, ports[i], ports[1 - i]) for i in (0, 1)]


class LinkEnd:
    """One node's side of a Link: its address, its MAC, its and its peer's UDP ports."""

    def __init__(self, host, port, peer_port):
        self.address = f'10.0.3.{host}'
        self.prefix = 24
        self.mac = f'52:54:00:00:03:{host:02x}'
        self.port = port
        self.peer_port = peer_port

    def qemu_args(self):
        return ['-netdev', f'socket,id=link,udp=127.0.0.1:{self.peer_port},'
                           f'localaddr=127.0.0.1:{self.port}',
                '-device', f'e1000,netdev=link,mac={self.mac}']


class Node:
    def __init__(self, workdir, smp=4, mem='4G', forwards=None, link=None):
        """forwards: {host loopback port: dom0 TCP port} through QEMU's user-mode network
        (an e1000 NIC, which dom0 drives with the image's e1000.ko). link: a LinkEnd, a
        second e1000 on a private segment with another node (link_up() configures it)."""
        self.workdir = workdir
        self.smp = smp
        self.mem = mem
        self.forwards = forwards or {}
        self.link = link
        self.proc = None
        self.output = ''          # everything COM1 printed, CRs removed
        self.cursor = 0           # expectations match after this offset
        self.lock = threading.Lock()
        self.hv_log = os.path.join(workdir, 'hv.log')
        self.com1_log = os.path.join(workdir, 'com1.log')
        self.marker = 0
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)

    # --- starting and stopping -------------------------------------------------------
    def _qemu(self, boot_args):
        cmd = [QEMU, '-accel', 'tcg', '-cpu', 'EPYC', '-smp', str(self.smp), '-m', self.mem,
               '-display', 'none', '-monitor', 'none', '-no-reboot',
               '-serial', 'stdio', '-serial', 'file:' + self.hv_log] + self._net() + boot_args
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=self.workdir)
        threading.Thread(target=self._reader, daemon=True).start()

    def _net(self):
        args = []
        if self.forwards:
            fwd = ''.join(f',hostfwd=tcp:127.0.0.1:{h}-:{g}' for h, g in self.forwards.items())
            args += ['-netdev', 'user,id=net0' + fwd, '-device', 'e1000,netdev=net0']
        return args + (self.link.qemu_args() if self.link else [])

    def boot_direct(self, vmlinuz, initrd, cmdline):
        """dom0's kernel and initramfs without hv (the baseline, and no-hv tests)."""
        self._qemu(['-kernel', vmlinuz, '-initrd', initrd, '-append', cmdline])

    def boot_iso(self, iso):
        self._qemu(['-cdrom', iso, '-boot', 'd'])

    def _reader(self):
        with open(self.com1_log, 'wb') as log:
            while True:
                data = self.proc.stdout.read1(4096)
                if not data:
                    return
                log.write(data)
                log.flush()
                with self.lock:
                    self.output += data.decode('utf-8', 'replace').replace('\r', '')

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- reading and writing -----------------------------------------------------------
    def expect(self, pattern, timeout, what=None):
        """Waits for a regex in COM1 output after the cursor; returns the match."""
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                m = regex.search(self.output, self.cursor)
            if m:
                self.cursor = m.end()
                return m
            if self.proc.poll() is not None:
                raise TestFailure(f'QEMU exited ({self.proc.returncode}) waiting for '
                                  f'{what or pattern!r}')
            if time.monotonic() > deadline:
                raise TestFailure(f'no {what or pattern!r} within {timeout} s')
            time.sleep(0.1)

    def hv_log_text(self):
        try:
            with open(self.hv_log, 'rb') as f:
                return f.read().decode('utf-8', 'replace').replace('\r', '')
        except FileNotFoundError:
            return ''

    def expect_hv(self, pattern, timeout, what=None):
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.hv_log_text())
            if m:
                return m
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise TestFailure(f'hv log: no {what or pattern!r} within {timeout} s')
            time.sleep(0.2)

    def send(self, text):
        try:
            self.proc.stdin.write(text.encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            # QEMU is gone: a failure like any other, so the tails and lost() still run.
            raise TestFailure(f'QEMU exited ({self.proc.wait()}): nothing reads COM1') from None

    def wait_shell(self, timeout):
        self.expect(re.escape(PROMPT), timeout, 'the dom0 shell prompt')

    def run(self, command, timeout=60, check=True):
        """Runs a shell command in dom0; returns (status, output)."""
        self.marker += 1
        tag = f'__RC{self.marker}'
        start = len(self.output)
        self.cursor = start
        # The marker is split in the echoed command line so only the real one matches.
        self.send(f'{command}; echo "{tag}""=$?__"\n')
        m = self.expect(tag + r'=(\d+)__', timeout, f'end of `{command}`')
        with self.lock:
            text = self.output[start:m.start()]
        # Drop the echoed command line (the first line) from the output.
        text = text.split('\n', 1)[1] if '\n' in text else ''
        status = int(m.group(1))
        if check and status != 0:
            raise TestFailure(f'`{command}` exited {status}:\n{text}')
        return status, text

    def link_up(self, timeout=30):
        """Gives the link's NIC its address in dom0 and waits for its carrier; returns the
        interface's name. The NIC is found by its MAC: the e1000 driver names the NICs in
        its probe order, which nothing here pins."""
        end = self.link
        _, out = self.run(f'grep -il {end.mac} /sys/class/net/*/address', 30, check=False)
        m = re.search(r'/sys/class/net/([\w.-]+)/address', out)
        if not m:
            _, ifaces = self.run('ip -o link', 30, check=False)
            raise TestFailure(f'dom0 has no NIC with the link\'s MAC {end.mac}:\n{ifaces}')
        ifname = m.group(1)
        self.run(f'ip addr add {end.address}/{end.prefix} dev {ifname} && '
                 f'ip link set {ifname} up', 30)
        carrier = f'/sys/class/net/{ifname}/carrier'
        status, _ = self.run(f'tries=0; while [ "$(cat {carrier})" != 1 ] && '
                             f'[ $tries -lt {timeout * 10} ]; do usleep 100000; '
                             f'tries=$((tries + 1)); done; [ "$(cat {carrier})" = 1 ]',
                             timeout + 30, check=False)
        if status != 0:
            raise TestFailure(f'dom0 {ifname} ({end.address}): no carrier within {timeout} s')
        return ifname

    def dead(self):
        """Why this node will answer nothing more, or None. Cheaper than lost() (no shell
        round trip) and without its doubt about the emulator fault, after which dom0 may
        still run: for long waits that would otherwise sit out their whole timeout."""
        if self.proc.poll() is not None:
            return f'QEMU exited ({self.proc.returncode})'
        end = re.search(r'^.*(?:hv: PANIC|d0 \(\S*\) crashed).*$', self.hv_log_text(), re.M)
        if end:
            return f'hv logged: {end.group(0).strip()}'
        with self.lock:
            panic = re.search(r'Kernel panic - not syncing.*', self.output)
        return f'dom0 printed: {panic.group(0).strip()}' if panic else None

    def lost(self, timeout=30):
        """Why this node can no longer be trusted, or None: QEMU gone, dom0's shell silent,
        or hv logging the emulator fault (issue 7), after which dom0 may run on damaged."""
        if self.proc.poll() is not None:
            return f'QEMU exited ({self.proc.returncode})'
        fault = re.search(r'^.*(?:an emulator fault|hv: PANIC).*$', self.hv_log_text(), re.M)
        if fault:
            return f'hv logged: {fault.group(0).strip()}'
        try:
            self.run('true', timeout, check=False)
        except TestFailure:
            return f"dom0's shell did not answer in {timeout} s"
        return None

    def tails(self):
        with self.lock:
            com1 = '\n'.join(self.output.splitlines()[-TAIL_LINES:])
        hv = '\n'.join(self.hv_log_text().splitlines()[-TAIL_LINES:])
        return (f'--- COM1 (dom0) last {TAIL_LINES} lines ---\n{com1}\n'
                f'--- COM2 (hv) last {TAIL_LINES} lines ---\n{hv}\n')


def boot_node_under_hv(info, workdir, timeout=900, smp=4, forwards=None, link=None):
    """Boots the node ISO to dom0's shell; skips when hv cannot run dom0 yet."""
    return wait_node_booted(start_node_under_hv(info, workdir, smp, forwards, link), timeout)


def start_node_under_hv(info, workdir, smp=4, forwards=None, link=None):
    """Starts QEMU on the node ISO and returns at once: a caller that starts two nodes and
    then waits for each (wait_node_booted) boots them side by side."""
    iso = info.get('iso')
    if not iso:
        raise TestSkip('hv.elf is not built yet (no hv_elf in this tree), so no node ISO')
    if not hv_supports_dom0(info['hv_elf']):
        raise TestSkip('hv.elf does not yet support dom0 (it never logs "hv: dom0 started")')
    node = Node(workdir, smp=smp, forwards=forwards, link=link)
    node.boot_iso(iso)
    return node


def wait_node_booted(node, timeout=900):
    """Waits for hv, /dev/vireo and dom0's shell; on failure stops QEMU and raises with
    the logs' tails."""
    try:
        node.expect_hv(r'hv: dom0 started', timeout, 'hv: dom0 started')
        node.expect(r'vireo-dom0: /dev/vireo ready', timeout, '/dev/vireo loaded in dom0')
        node.wait_shell(timeout)
    except TestFailure as e:
        # The caller never gets the node: show its logs and stop QEMU here.
        tails = node.tails()
        node.close()
        raise TestFailure(f'{e}\n{tails}') from e
    return node


def checks_on_one_node(info, workdir, box, checks):
    """A module of several checks that share one booted node: each check(n, info) runs in order,
    a failed one does not stop the rest, and the module fails naming all that failed."""
    n = boot_node_under_hv(info, workdir)
    box.append(n)
    failed = []
    for check in checks:
        start = time.monotonic()
        try:
            check(n, info)
            print(f'ok   {check.__name__} ({time.monotonic() - start:.1f} s)', flush=True)
        except TestFailure as e:
            print(f'FAIL {check.__name__}: {e}', flush=True)
            failed.append(check.__name__)
            if n.lost():
                break  # the rest would only wait on a dead node
    if failed:
        raise TestFailure(f'failed: {", ".join(failed)}')


# A module whose node is lost under it runs again on a fresh node, up to this many times
# in all: QEMU 7.2's emulated SVM at times leaves dom0 dead (issue 7, docs/hv.md), and a
# CI run showed one module lose two nodes in a row to it.
ATTEMPTS = 3


def keep_lost_attempt(workdir, attempt):
    """Moves a lost attempt's logs aside (a new Node wipes its work dir)."""
    kept = f'{workdir}.attempt{attempt}'
    shutil.rmtree(kept, ignore_errors=True)
    if os.path.exists(workdir):
        os.rename(workdir, kept)
    return kept


def may_retry(attempt, lost):
    """Whether a module runs once more on a fresh node after this attempt, saying so: only
    when a node was lost under it (lost(): QEMU gone, dom0 silent, hv's emulator-fault
    line), and not after the last attempt. A failure on a node that still answers stands."""
    if not lost:
        return False
    again = attempt < ATTEMPTS
    print(f'NODE LOST: {lost}' + ('; the module runs once more on a fresh node' if again
                                 else '; no more attempts'), flush=True)
    return again


def attempt_note(attempt):
    return '' if attempt == 1 else f' (attempt {attempt} of {ATTEMPTS})'


def main(test, name, workdir=None):
    """Runs test(box) and maps its outcome to meson's exit codes."""
    for attempt in range(1, ATTEMPTS + 1):
        node_box = []
        lost = None
        try:
            test(node_box)
            print(f'{name}: ok{attempt_note(attempt)}')
            return 0
        except TestSkip as e:
            print(f'SKIP {name}: {e}')
            return SKIP
        except (TestFailure, OSError) as e:
            print(f'FAIL {name}: {e}')
            for node in node_box:
                print(node.tails())
                lost = lost or node.lost()
        finally:
            for node in node_box:
                node.close()
        if not (workdir and may_retry(attempt, lost)):
            return 1
        keep_lost_attempt(workdir, attempt)
    return 1


def run_test(test):
    """Entry point for a test file: argv = node-image.json, work dir."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    sys.exit(main(lambda box: test(load_image_info(sys.argv[1]), sys.argv[2], box), name,
                  sys.argv[2]))


# --- dom0 tool helpers ---------------------------------------------------------------------
GUEST_DIR = '/usr/lib/vireo/guests'


def host_info(n):
    """`vireo-ctl info` as a dict of strings ("free_pages" -> "12345")."""
    _, out = n.run('vireo-ctl info', 60)
    info = {}
    for line in out.splitlines():
        if ' : ' in line:
            key, value = line.split(' : ', 1)
            info[key.strip()] = value.strip()
    return info


def domains(n):
    """`vireo-ctl list -l` as {name: {key: value}}, numbers as ints."""
    _, out = n.run('vireo-ctl list -l', 60)
    result = {}
    for line in out.splitlines():
        if not line.startswith('domid='):
            continue
        fields = dict(kv.split('=', 1) for kv in line.split())
        for k, v in fields.items():
            if v.isdigit():
                fields[k] = int(v)
        result[fields['name']] = fields
    return result


def exit_stats(n, dom, interval=0):
    """`vireo-ctl exits [-i interval] DOM`: (its first line, {kind: (exits, per second)}),
    'total' included; per second is None without an interval."""
    option = f'-i {interval} ' if interval else ''
    _, out = n.run(f'vireo-ctl exits {option}{dom}', 60 + interval)
    lines = out.strip().splitlines()
    rows = {}
    for line in lines[2:]:
        f = line.split()
        if len(f) in (2, 3) and f[1].isdigit():
            rows[f[0]] = (int(f[1]), float(f[2]) if len(f) == 3 else None)
    if not lines or 'total' not in rows:
        raise TestFailure(f'`vireo-ctl exits {option}{dom}` printed no table:\n{out}')
    return lines[0], rows


def wait_domain(n, name, predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        d = domains(n).get(name)
        if d is not None and predicate(d):
            return d
        if time.monotonic() > deadline:
            raise TestFailure(f'{name}: not {what} within {timeout} s (last: {d})')
        time.sleep(1)


def console_log(n, name):
    """What vireo-consoled logged of a domU's console."""
    _, out = n.run(f'cat /var/log/vireo/console/{name}.log 2>/dev/null', 30, check=False)
    return out


def domain_diagnosis(n, name):
    """What hv says of a domain that stopped making progress: its vCPUs (state, CPU time)
    and its exits over 2 s, so a hang shows whether the guest still runs, and where."""
    _, vcpus = n.run(f'vireo-ctl vcpu-list {name}', 30, check=False)
    _, exits = n.run(f'vireo-ctl exits -i 2 {name}', 60, check=False)
    return f'--- vireo-ctl vcpu-list {name} ---\n{vcpus}\n--- exits over 2 s ---\n{exits}'


def wait_console(n, name, pattern, timeout, what=None, count=1):
    """Waits until the domU's console log matches `pattern` (at least `count` times)."""
    regex = re.compile(pattern, re.M)
    deadline = time.monotonic() + timeout
    while True:
        text = console_log(n, name)
        found = regex.findall(text)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            tail = '\n'.join(text.splitlines()[-15:])
            raise TestFailure(f'{name}: console shows no {what or pattern!r} within {timeout} s;'
                              f' its log ends:\n{tail}\n{domain_diagnosis(n, name)}')
        time.sleep(1)


def create(n, name, guest, memory=16, extra='', timeout=120):
    n.run(f'vireo-ctl create name={name} kernel={GUEST_DIR}/{guest}.elf memory={memory} '
          f'{extra}', timeout)


def ticker_worst_gap_us(n, name):
    """(ticks so far, the worst gap between two ticks in us) of a ticker guest's console."""
    ticks = re.findall(r'^tick (\d+) worst gap (\d+) us', console_log(n, name), re.M)
    if not ticks:
        raise TestFailure(f'the ticker {name} printed no tick')
    return int(ticks[-1][0]), int(ticks[-1][1])


def free_pages_at_start(n):
    """hv's free pages before any domain exists: hv frees its nested page-table pages when
    their last mapping goes, so every domain must leave memory exactly as it found it."""
    return int(host_info(n)['free_pages'])
