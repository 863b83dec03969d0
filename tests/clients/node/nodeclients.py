# SPDX-License-Identifier: GPL-2.0-only
"""Stock clients on the host against virtvireod in a real node (suite 'clients').

A Session boots node-test.iso once (tests/node/node.py: GRUB2 -> hv -> dom0 under QEMU
TCG) with a host loopback port forwarded to dom0's TLS listener, and gives the tests the
URI host clients use (vireo+tls://127.0.0.1:PORT/system?pkipath=<build's test PKI>), a
bounded virsh runner, and dom0's serial shell for what only dom0 can see (hv's own view
through vireo-ctl, the guests' console logs, the daemon's process). run() runs a script's
test functions in order on one node and prints the log tails when one fails; run_pair()
does the same on two nodes whose dom0s share a private link (live migration).
"""
import os
import pty
import re
import select
import signal
import subprocess
import sys
import termios
import time
import traceback
import uuid

import node

SKIP = 77
DOM0_TLS_PORT = 16514
GUEST_DIR = node.GUEST_DIR
# The test Linux domU's kernel, initramfs and linux.cfg in dom0 (dom0/image: domu_guest_dir).
LINUX_GUEST_DIR = '/usr/share/vireo/guests'
DAEMON_LOG = '/var/log/vireo/virtvireod.log'
# How dom0's /init starts the daemon; the restart test starts it the same way.
DAEMON_START = f'(setsid virtvireod </dev/null >>{DAEMON_LOG} 2>&1 &)'


def service_xml(name, memory_mib=16, current_mib=None, max_memory_mib=None, vcpus=1,
                current_vcpus=None, cmdline='period_ms=500', on_reboot='restart'):
    """Domain XML for the service test guest, booted by libvireoctl's ELF builder."""
    current = f"<currentMemory unit='MiB'>{current_mib}</currentMemory>" if current_mib else ''
    maximum = (f"<maxMemory slots='1' unit='MiB'>{max_memory_mib}</maxMemory>"
               if max_memory_mib else '')
    vcpu_current = f" current='{current_vcpus}'" if current_vcpus else ''
    return (f"<domain type='vireo'><name>{name}</name>{maximum}"
            f"<memory unit='MiB'>{memory_mib}</memory>{current}"
            f"<vcpu placement='static'{vcpu_current}>{vcpus}</vcpu>"
            f"<os><type arch='x86_64' machine='vireo'>hvm</type>"
            f"<kernel>{GUEST_DIR}/service.elf</kernel><cmdline>{cmdline}</cmdline></os>"
            f"<on_poweroff>destroy</on_poweroff><on_reboot>{on_reboot}</on_reboot>"
            f"<on_crash>destroy</on_crash>"
            f"<devices><console type='pty'><target type='serial' port='0'/></console>"
            f"</devices></domain>")


def linux_xml(name, cmdline, memory_mib=256, vcpus=2, kernel=f'{LINUX_GUEST_DIR}/vmlinuz',
              initrd=f'{LINUX_GUEST_DIR}/domu-initrd.img', os_type='hvm', on_poweroff='destroy',
              on_reboot='restart', on_crash='destroy'):
    """Domain XML for a Linux domU (Debian's kernel, the project's busybox initramfs) as a
    user writes it: direct kernel boot, ACPI and APIC, the serial console. The uuid follows
    the name, so defining it again updates the definition."""
    return (f"<domain type='vireo'><name>{name}</name>"
            f"<uuid>{uuid.uuid5(uuid.NAMESPACE_URL, 'vireo-test:' + name)}</uuid>"
            f"<memory unit='MiB'>{memory_mib}</memory>"
            f"<currentMemory unit='MiB'>{memory_mib}</currentMemory>"
            f"<vcpu placement='static'>{vcpus}</vcpu>"
            f"<os><type arch='x86_64' machine='vireo'>{os_type}</type>"
            f"<kernel>{kernel}</kernel><initrd>{initrd}</initrd>"
            f"<cmdline>{cmdline}</cmdline></os>"
            f"<features><acpi/><apic/></features>"
            f"<on_poweroff>{on_poweroff}</on_poweroff><on_reboot>{on_reboot}</on_reboot>"
            f"<on_crash>{on_crash}</on_crash>"
            f"<devices><console type='pty'><target type='serial' port='0'/></console>"
            f"</devices></domain>")


_LINUX_CMDLINE = {}


def linux_guest_cmdline(s):
    """The command line dom0's linux.cfg gives the test Linux domU (what vireo-ctl create
    uses), read once per node."""
    cache = _LINUX_CMDLINE
    if 'value' not in cache:
        cfg = s.dom0(f'cat {LINUX_GUEST_DIR}/linux.cfg')
        m = re.search(r'^cmdline\s*=\s*"([^"]*)"', cfg, re.M)
        if not m:
            raise node.TestFailure(f'no cmdline in linux.cfg:\n{cfg}')
        cache['value'] = m.group(1)
    return cache['value']


def fields(text, sep):
    """'key<sep> value' lines (virsh dominfo, domstats, schedinfo) as a dict."""
    pairs = (line.split(sep, 1) for line in text.splitlines() if sep in line)
    return {k.strip(): v.strip() for k, v in pairs}


def wait_for(predicate, timeout, what, interval=0.5):
    """Polls predicate() (the test's view from outside) until it returns a true value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise node.TestFailure(f'not {what} within {timeout} s')
        time.sleep(interval)


def communicate_watching(proc, timeout, what, sessions):
    """proc.communicate() for up to `timeout` s, given up at once (proc killed, TestFailure)
    when the node of one of `sessions` dies: a node lost mid-migration would otherwise
    leave virsh waiting out its own 900 s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proc.communicate(timeout=max(0.1, min(5, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            died = next((f'node {s.name or ""}: {why}' for s in sessions
                         if (why := s.n.dead())), None)
            if died is None and time.monotonic() < deadline:
                continue
            proc.kill()
            proc.communicate()
            raise node.TestFailure(f'{what}: ' + (f'a node died ({died})' if died else
                                                   f'no answer in {timeout} s'))


# What virsh console prints once the stream is open, just before it makes the terminal raw.
CONSOLE_READY = b'Escape character is'


class Console:
    """A virsh command that attaches a console (`console NAME`, `start --console NAME`) run
    on a pty, as a user at a terminal: read_until() waits for output, type() sends keys,
    leave() is Ctrl-]. Each read_until searches only what came after the last match."""

    def __init__(self, s, *args):
        self.args = args
        self.seen = b''
        self.pos = 0
        self.matched_at = None  # host monotonic time the last match was read
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp('virsh', ['virsh', '-c', s.uri] + [str(a) for a in args])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self, left):
        if not select.select([self.fd], [], [], left)[0]:
            return
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            data = b''
        if not data:
            raise node.TestFailure(f'virsh {" ".join(map(str, self.args))} ended; it showed:\n'
                                   + self.text()[-2000:])
        self.seen += data

    def read_until(self, pattern, timeout):
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.seen, self.pos)
            if m:
                self.pos = m.end()
                self.matched_at = time.monotonic()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise node.TestFailure(f'virsh {" ".join(map(str, self.args))}: no '
                                       f'{regex.pattern!r} in {timeout} s; it showed:\n'
                                       + self.text()[-2000:])
            self._read(left)

    def _raw(self):
        """virsh made the terminal raw (on Linux the master reports the slave's modes)."""
        return not termios.tcgetattr(self.fd)[3] & termios.ICANON

    def type(self, text):
        """Sends keys once virsh is connected and its terminal raw: virsh prints its banner
        first, then goes raw with TCSAFLUSH, which drops whatever was typed in between."""
        deadline = time.monotonic() + 60
        while CONSOLE_READY not in self.seen or not self._raw():
            left = deadline - time.monotonic()
            if left <= 0:
                raise node.TestFailure(f'virsh {" ".join(map(str, self.args))}: not connected '
                                       f'in 60 s; it showed:\n' + self.text()[-2000:])
            self._read(min(left, 0.05))
        os.write(self.fd, text.encode())

    def text(self):
        return self.seen.decode(errors='replace')

    def wait_exit(self, timeout):
        """The exit code once virsh ended (the session closed), reading what it still says."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
            try:
                self._read(0.2)
            except node.TestFailure:
                pass  # the pty closed: waitpid tells the rest
        raise node.TestFailure(f'virsh {" ".join(map(str, self.args))} still running after '
                               f'{timeout} s')

    def leave(self):
        """Ctrl-], as a user leaves virsh console; virsh must exit 0."""
        self.type('\x1d')
        code = self.wait_exit(15)
        if code != 0:
            raise node.TestFailure(f'virsh console exited {code} on Ctrl-]:\n{self.text()}')

    def close(self):
        if self.pid:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class Session:
    def __init__(self, info, workdir, pki_dir, link=None, name='', wait=True):
        """link: a node.LinkEnd, the node's second NIC on a private link with another node,
        given its address once dom0 is up. name: 'A' or 'B' in a pair (run_pair). wait=False
        returns once QEMU runs; wait_ready() then waits for the daemon."""
        self.port = node.free_port()
        self.uri = f'vireo+tls://127.0.0.1:{self.port}/system?pkipath={pki_dir}'
        self.pki_dir = pki_dir
        self.workdir = workdir
        self.name = name
        self.link = link
        self.tmp = os.path.join(workdir, 'files')
        self.n = node.start_node_under_hv(info, os.path.join(workdir, 'node'),
                                          forwards={self.port: DOM0_TLS_PORT}, link=link)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        """Waits for dom0, its daemon answering the host's virsh, and the link if any."""
        label = f'node {self.name}: ' if self.name else ''
        try:
            node.wait_node_booted(self.n)
        except node.TestFailure as e:
            raise node.TestFailure(f'{label}{e}') from e
        try:
            self.n.cursor = 0
            m = self.n.expect(r'vireo-dom0: virtvireod ready in ([\d.]+) s', 60,
                              'virtvireod ready in dom0')
            self.daemon_ready_uptime = float(m.group(1))
            self.n.expect(r'vireo-dom0: eth0 link up', 30, "dom0's network link up")
            os.makedirs(self.tmp, exist_ok=True)
            self.wait_daemon(60)
            if self.link:
                self.link_ifname = self.n.link_up()
        except node.TestFailure as e:
            tails = self.tails()
            self.close()
            raise node.TestFailure(f'{label}{e}\n{tails}') from e
        self.usable_after = time.monotonic() - self.n.started
        print(f'{label}node boot: daemon answering host virsh {self.usable_after:.1f} s after '
              f'QEMU started (dom0 kernel uptime at "virtvireod ready": '
              f'{self.daemon_ready_uptime:.1f} s)', flush=True)

    # --- the host's clients ----------------------------------------------------------
    def virsh(self, *args, ok=True, timeout=60, watch=()):
        """ok: True = must succeed, False = must fail, None = either. watch: other
        sessions whose node's death ends the wait too (this one's always does)."""
        cmd = ['virsh', '-c', self.uri] + [str(a) for a in args]
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL) as proc:
            out, err = communicate_watching(proc, timeout, f'virsh {" ".join(map(str, args))}',
                                            (self, *watch))
        r = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
        if ok and r.returncode != 0:
            raise node.TestFailure(f'virsh {" ".join(map(str, args))} failed ({r.returncode}):'
                                   f'\n{r.stdout}{r.stderr}')
        if ok is False and r.returncode == 0:
            raise node.TestFailure(f'virsh {" ".join(map(str, args))} succeeded:\n{r.stdout}')
        return r

    def timed_virsh(self, *args):
        start = time.monotonic()
        self.virsh(*args)
        return time.monotonic() - start

    def wait_daemon(self, timeout):
        def answers():
            try:
                return subprocess.run(['virsh', '-c', self.uri, 'version'], capture_output=True,
                                      timeout=20, stdin=subprocess.DEVNULL).returncode == 0
            except subprocess.TimeoutExpired:
                return False
        wait_for(answers, timeout, 'answering virsh version', interval=0.2)

    def define(self, name, **xml_options):
        self.define_xml(name, service_xml(name, **xml_options))

    def define_xml(self, name, xml, command='define', ok=True):
        """Writes the XML to a host file and runs `virsh define` (or create) on it."""
        path = os.path.join(self.tmp, name + '.xml')
        with open(path, 'w') as f:
            f.write(xml)
        return self.virsh(command, path, ok=ok)

    def domstate(self, name):
        return self.virsh('domstate', name).stdout.strip()

    def domid(self, name):
        out = self.virsh('domid', name).stdout.strip()
        return int(out) if out.isdigit() else None

    def dominfo(self, name):
        return fields(self.virsh('dominfo', name).stdout, ':')

    def domstats(self, name, *groups):
        return fields(self.virsh('domstats', name, *groups).stdout, '=')

    def wait_state(self, name, state, timeout=60):
        wait_for(lambda: self.domstate(name) == state, timeout, f'{name} {state}')

    # --- dom0 ------------------------------------------------------------------------
    def dom0(self, command, timeout=60, check=True):
        return self.n.run(command, timeout, check)[1]

    def free_pages(self):
        """hv's free memory in pages (vireo-ctl info in dom0)."""
        return int(node.host_info(self.n)['free_pages'])

    def hv_domain(self, name):
        """hv's own view of a running domain (vireo-ctl list -l in dom0)."""
        return node.domains(self.n).get(name)

    def wait_console(self, name, pattern, timeout=60, what=None, count=1):
        return node.wait_console(self.n, name, pattern, timeout, what, count)

    def tails(self):
        """The node's logs, then dom0's daemon and vireo-dm logs and the domUs' consoles if
        dom0 still answers."""
        text = (f'=== node {self.name} ===\n' if self.name else '') + self.n.tails()
        try:
            _, log = self.n.run(f'tail -n 30 {DAEMON_LOG}', 30, check=False)
            _, dm = self.n.run('tail -n 15 /var/log/vireo/dm/*.log 2>/dev/null', 30,
                               check=False)
            # A guest's own complaints (a lost interrupt, a hung task) are on its console.
            _, consoles = self.n.run('tail -n 20 /var/log/vireo/console/*.log 2>/dev/null', 30,
                                     check=False)
        except node.TestFailure as e:
            return text + f'--- dom0 logs: not readable ({e}) ---\n'
        return (text + f'--- {DAEMON_LOG} (dom0) last 30 lines ---\n{log}\n'
                f'--- vireo-dm logs (dom0) ---\n{dm}\n'
                f'--- domU consoles (dom0) ---\n{consoles}\n')

    def close(self):
        self.n.close()


def run(tests, nodes=1):
    """argv: node-test.json, work dir, pki dir. Boots one node, runs tests(session) in
    order; exit 0, 1 (with log tails) or 77 (skip: no node, or a test raised TestSkip and
    none failed). A node lost under the tests (node.may_retry) stops them, and they all run
    again on a fresh node, up to node.ATTEMPTS times in all. nodes=2: see run_pair."""
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    if not os.path.exists('/usr/bin/virsh'):
        print(f'SKIP {name}: virsh not installed (libvirt-clients)')
        sys.exit(SKIP)
    json_path, workdir, pki_dir = sys.argv[1:4]
    if not os.path.exists(os.path.join(pki_dir, 'clientcert.pem')):
        print(f'SKIP {name}: no test PKI in {pki_dir} (certtool missing at build time)')
        sys.exit(SKIP)
    for attempt in range(1, node.ATTEMPTS + 1):
        status, lost = run_once(name, tests, json_path, workdir, pki_dir, nodes)
        if status == 0 and attempt > 1:
            print(f'{name}: ok{node.attempt_note(attempt)}', flush=True)
        if status != 1 or not node.may_retry(attempt, lost):
            break
        node.keep_lost_attempt(workdir, attempt)
    sys.exit(status)


def run_pair(tests):
    """run() on two nodes, A and B, each test called as t(a, b) with their Sessions: both
    daemons answer the host's virsh (a.uri, b.uri), and the dom0s share a private link
    (node.Link), dom0 A at a.link.address 10.0.3.1/24 and dom0 B at 10.0.3.2/24, on which
    their daemons' TLS listeners answer too. Losing either node reruns the module on a
    fresh pair. The two boot side by side (boot_sessions)."""
    run(tests, nodes=2)


def boot_sessions(info, workdir, pki_dir, nodes):
    """One Session in workdir, or a linked pair in workdir/a and workdir/b. The pair's QEMUs
    start together and are waited for in turn: dom0 runs on one CPU, so a booting node
    keeps about one host core busy, and on 2 cores a pair was usable 22-32 s after its
    start side by side against 49-62 s one after the other (one node alone: 20-29 s)."""
    if nodes == 1:
        return [Session(info, workdir, pki_dir)]
    start = time.monotonic()
    sessions = []
    try:
        for end, label in zip(node.Link().ends, 'AB'):
            sessions.append(Session(info, os.path.join(workdir, label.lower()), pki_dir,
                                    link=end, name=label, wait=False))
        for s in sessions:
            s.wait_ready()
    except BaseException:
        for s in sessions:
            s.close()
        raise
    print(f'pair boot: both daemons answering host virsh and the link up '
          f'{time.monotonic() - start:.1f} s after the first QEMU started', flush=True)
    return sessions


def lost_node(sessions):
    """Why a node of these can no longer be trusted (node.Node.lost), or None."""
    for s in sessions:
        lost = s.n.lost()
        if lost:
            return f'node {s.name}: {lost}' if s.name else lost
    return None


def run_once(name, tests, json_path, workdir, pki_dir, nodes=1):
    """One node (or pair), the tests in order: (exit status, why a node was lost or None)."""
    sessions = []
    failed = skipped = 0
    lost = None
    why = []  # (test, its error's last line), repeated at the end where CI's log tail shows it
    try:
        sessions = boot_sessions(node.load_image_info(json_path), workdir, pki_dir, nodes)
        for t in tests:
            start = time.monotonic()
            try:
                t(*sessions)
                print(f'ok   {t.__name__} ({time.monotonic() - start:.1f} s)', flush=True)
            except node.TestSkip as e:  # a client this test drives is not installed
                skipped += 1
                print(f'SKIP {t.__name__}: {e}', flush=True)
            except Exception as e:
                failed += 1
                why.append((t.__name__, f'{type(e).__name__}: {e}'.splitlines()[0]))
                print(f'FAIL {t.__name__}', flush=True)
                traceback.print_exc()
                for s in sessions:
                    print(s.tails(), flush=True)
                lost = lost_node(sessions)
                if lost:
                    break  # what follows would only wait on a dead node
    except node.TestSkip as e:
        print(f'SKIP {name}: {e}')
        return SKIP, None
    except (node.TestFailure, OSError) as e:
        print(f'FAIL {name}: {e}')  # the boot failed: its message carries the log tails
        failed += 1
    finally:
        for s in sessions:
            s.close()
    for test, error in why:
        print(f'failed: {test}: {error}', flush=True)
    # A skipped test makes the module a skip: its clients were not all proven here.
    return (1 if failed else SKIP if skipped else 0), lost
