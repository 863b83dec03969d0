# SPDX-License-Identifier: GPL-2.0-only
"""QEMU boot harness for hv tests and benchmarks (Python 3 standard library only).

A Machine is one QEMU run (always TCG, never KVM) of a GRUB2 ISO built for it with
grub-mkrescue. Its serial ports go to files in a per-run log directory (com1.log, and
com2.log where hv logs by default); a test waits for regular expressions in them with a
bounded time, and QEMU is killed whatever happens. HvRun adds hv's log conventions:
boot-time domains as module2 lines, guest output lines "(d<id> <name>) text", and the
end-of-domain lines with cpu_time_ns.
"""
import os
import re
import shutil
import signal
import struct
import subprocess
import time
from dataclasses import dataclass, field

QEMU = "qemu-system-x86_64"
TAIL_LINES = 40


class TestFailure(Exception):
    """A behaviour the test checks did not happen; the message says what was expected."""


def _sigterm_to_exit(signum, frame):
    # meson sends SIGTERM on timeout: unwind so QEMU is killed by the finally blocks.
    raise TestFailure(f"killed by signal {signum} (test timeout)")


signal.signal(signal.SIGTERM, _sigterm_to_exit)


@dataclass
class Module:
    path: str       # file on the host
    iso_path: str   # where GRUB finds it, e.g. /guests/hello.elf
    args: str = ""  # the rest of the module2 line


class SerialLog:
    """A growing log file read incrementally; `cursor` makes expectations ordered."""

    def __init__(self, path):
        self.path = path
        self.cursor = 0

    def text(self):
        try:
            with open(self.path, "rb") as f:
                return f.read().decode("utf-8", "replace").replace("\r", "")
        except FileNotFoundError:
            return ""

    def tail(self, n=TAIL_LINES):
        lines = self.text().splitlines()
        return "\n".join(lines[-n:])


class Machine:
    """One QEMU run of a multiboot2 kernel plus modules, booted by GRUB from an ISO."""

    def __init__(self, log_dir, kernel, kernel_args="", modules=(), cpu="EPYC", smp=2,
                 memory="2G", timeout=60, abort_patterns=()):
        self.log_dir = log_dir
        self.kernel = kernel
        self.kernel_args = kernel_args
        self.modules = list(modules)
        self.cpu, self.smp, self.memory = cpu, smp, memory
        self.deadline = None
        self.timeout = timeout
        self.abort_patterns = [re.compile(p, re.M) for p in abort_patterns]
        self.proc = None
        self.logs = {"com1": SerialLog(os.path.join(log_dir, "com1.log")),
                     "com2": SerialLog(os.path.join(log_dir, "com2.log"))}

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop()
        return False

    def grub_cfg(self):
        lines = ["set timeout=0", "set default=0", "",
                 'menuentry "vireo test" {',
                 f"    multiboot2 /boot/kernel.elf {self.kernel_args}".rstrip()]
        lines += [f"    module2 {m.iso_path} {m.args}".rstrip() for m in self.modules]
        lines += ["}", ""]
        return "\n".join(lines)

    def build_iso(self):
        iso_root = os.path.join(self.log_dir, "iso")
        shutil.rmtree(iso_root, ignore_errors=True)
        os.makedirs(os.path.join(iso_root, "boot", "grub"))
        shutil.copy(self.kernel, os.path.join(iso_root, "boot", "kernel.elf"))
        for m in self.modules:
            dest = os.path.join(iso_root, m.iso_path.lstrip("/"))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(m.path, dest)
        cfg = self.grub_cfg()
        with open(os.path.join(iso_root, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(cfg)
        with open(os.path.join(self.log_dir, "grub.cfg"), "w") as f:
            f.write(cfg)  # kept beside the logs to read or reproduce a failure
        iso = os.path.join(self.log_dir, "test.iso")
        r = subprocess.run(["grub-mkrescue", "-o", iso, iso_root], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        shutil.rmtree(iso_root, ignore_errors=True)
        if r.returncode != 0:
            raise TestFailure("grub-mkrescue failed:\n" + r.stdout.decode(errors="replace"))
        return iso

    def qemu_command(self, iso):
        # The contract with hv: TCG only, COM1 then COM2 to files, CD-ROM boot.
        return [QEMU, "-accel", "tcg", "-cpu", self.cpu, "-smp", str(self.smp),
                "-m", self.memory, "-display", "none", "-no-reboot", "-monitor", "none",
                "-serial", "file:" + self.logs["com1"].path,
                "-serial", "file:" + self.logs["com2"].path,
                "-cdrom", iso, "-boot", "d"]

    def start(self):
        os.makedirs(self.log_dir, exist_ok=True)
        for log in self.logs.values():
            if os.path.exists(log.path):
                os.unlink(log.path)
        iso = self.build_iso()
        cmd = self.qemu_command(iso)
        with open(os.path.join(self.log_dir, "qemu.cmd"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        self.qemu_stderr = open(os.path.join(self.log_dir, "qemu.stderr"), "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                     stdout=self.qemu_stderr, stderr=self.qemu_stderr,
                                     start_new_session=True)
        self.started = time.monotonic()
        self.deadline = self.started + self.timeout

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc:
            self.qemu_stderr.close()
        iso = os.path.join(self.log_dir, "test.iso")
        if os.path.exists(iso):
            os.unlink(iso)  # the logs, grub.cfg and qemu.cmd are what a reader needs

    def elapsed(self):
        return time.monotonic() - self.started

    # -- expectations ----------------------------------------------------------------

    def expect(self, pattern, log="com2", timeout=None, from_start=False):
        """Waits for `pattern` after the previous match in this log; returns the match.

        Fails at once when an abort pattern shows up first (hv panic, guest FAIL line) or
        QEMU exits, and after `timeout` seconds (capped by the run's own deadline)."""
        serial = self.logs[log]
        regex = re.compile(pattern, re.M)
        limit = self.deadline if timeout is None else min(self.deadline,
                                                          time.monotonic() + timeout)
        while True:
            exited = self.proc.poll() is not None
            text = serial.text()
            start = 0 if from_start else serial.cursor
            m = regex.search(text, start)
            self._check_aborts(text, start, regex, m.start() if m else len(text))
            if m:
                serial.cursor = m.end()
                return m
            if exited:
                raise TestFailure(f"QEMU exited (status {self.proc.returncode}) before "
                                  f"/{pattern}/ appeared in {log}")
            if time.monotonic() >= limit:
                raise TestFailure(f"timed out after {self.elapsed():.0f} s waiting for "
                                  f"/{pattern}/ in {log}")
            time.sleep(0.1)

    def _check_aborts(self, text, start, wanted, before):
        """Fails if an abort pattern occurs between `start` and `before`."""
        for abort in self.abort_patterns:
            m = abort.search(text, start, before)
            if m:
                line_end = text.find("\n", m.start())
                line = text[m.start():line_end if line_end >= 0 else len(text)]
                raise TestFailure(f"gave up waiting for /{wanted.pattern}/: saw '{line}'")

    def absent(self, pattern, log="com2"):
        """Fails if `pattern` occurs anywhere in the log so far."""
        m = re.search(pattern, self.logs[log].text(), re.M)
        if m:
            raise TestFailure(f"unexpected /{pattern}/ in {log}: '{m.group(0)}'")

    def print_tails(self):
        print(f"--- logs kept in {self.log_dir} (qemu.cmd reproduces the run) ---")
        for name, serial in self.logs.items():
            print(f"--- last {TAIL_LINES} lines of {name}.log ---")
            print(serial.tail() or "(empty)")
        try:
            with open(os.path.join(self.log_dir, "qemu.stderr"), errors="replace") as f:
                # TCG's warnings about EPYC features it lacks are noise on every run.
                err = "\n".join(line for line in f.read().splitlines()
                                if "TCG doesn't support requested feature" not in line)
            if err:
                print("--- qemu stderr ---\n" + err[-2000:])
        except FileNotFoundError:
            pass


# -- hv conventions --------------------------------------------------------------------

@dataclass
class Domain:
    """A boot-time domain: one module2 line."""
    name: str
    guest: str = ""        # test guest image name (tests/guests/<guest>.elf); default name
    memory: str = "16M"
    vcpus: int = 1
    weight: int = 256
    cap: int = 0
    cmdline: str = ""
    platform: bool = False  # VIREO_DOMCFG_PLATFORM: vLAPICs, IOAPIC, UART, kvmclock

    def module(self, guest_dir):
        guest = self.guest or self.name
        args = (f"vireo.domain name={self.name} memory={self.memory} vcpus={self.vcpus} "
                f"weight={self.weight} cap={self.cap}")
        if self.platform:
            args += " platform=1"
        if self.cmdline:
            args += " -- " + self.cmdline
        return Module(os.path.join(guest_dir, guest + ".elf"), f"/guests/{self.name}.elf",
                      args)


@dataclass
class DomainEnd:
    """How hv reported a boot-time domain's end."""
    domid: int
    name: str
    kind: str          # poweroff, reboot, crash (shut down) or crashed (by hv)
    reason: str        # crash reason text for "crashed", else the shutdown kind
    cpu_time_ns: int
    line: str


GUEST_FAIL = r"^\(d\d+ \S+\) FAIL: .*"
HV_STOPPED = r"^hv: (PANIC|FATAL): .*"
END_RE = re.compile(r"^hv: d(\d+) \((\S+)\) (?:shut down: (\w+)|crashed: (.*?)) "
                    r"cpu_time_ns=(\d+)", re.M)


class HvRun(Machine):
    """hv with boot-time domains; hv logs on com2 unless console= says otherwise."""

    def __init__(self, log_dir, hv_elf, guest_dir, domains=(), hv_options="",
                 abort_patterns=(GUEST_FAIL, HV_STOPPED), **kw):
        self.domains = list(domains)
        modules = [d.module(guest_dir) for d in self.domains]
        super().__init__(log_dir, hv_elf, hv_options, modules, abort_patterns=abort_patterns,
                         **kw)
        self.hv_log = "com1" if "console=com1" in hv_options else "com2"

    def expect(self, pattern, log=None, **kw):
        return super().expect(pattern, log or self.hv_log, **kw)

    def guest_line(self, name, pattern, **kw):
        """Waits for a console line of domain `name` (hv prefixes it with "(d<id> name)")."""
        return self.expect(rf"^\(d\d+ {re.escape(name)}\) {pattern}", **kw)

    def wait_all_finished(self, **kw):
        """Waits until hv says every boot domain ended; returns {name: DomainEnd}."""
        self.expect(r"^hv: all boot domains finished", **kw)
        ends = {}
        for m in END_RE.finditer(self.logs[self.hv_log].text()):
            domid, name, shut, crashed, cpu = m.groups()
            kind = shut if shut else "crashed"
            ends[name] = DomainEnd(int(domid), name, kind, crashed or shut, int(cpu),
                                   m.group(0))
        missing = [d.name for d in self.domains if d.name not in ends]
        if missing:
            raise TestFailure(f"hv said all boot domains finished, but no end line for "
                              f"{', '.join(missing)}")
        return ends


def elf_exec_ranges(path):
    """[(start, end)] of an ELF64 file's executable PT_LOAD segments (by vaddr)."""
    with open(path, "rb") as f:
        data = f.read()
    e_phoff, = struct.unpack_from("<Q", data, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    ranges = []
    for i in range(e_phnum):
        p_type, p_flags, _, p_vaddr, _, _, p_memsz = struct.unpack_from(
            "<IIQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == 1 and p_flags & 1:
            ranges.append((p_vaddr, p_vaddr + p_memsz))
    return ranges
