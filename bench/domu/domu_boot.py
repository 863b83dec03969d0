# SPDX-License-Identifier: GPL-2.0-only
"""The test Linux domU (dom0/image/domu/, described by build/dom0/image/domu-image.json)
and how to time its boot: the pieces the direct-boot check, bench/domu and the runs under
hv share.

A boot is timed from the start of whatever starts the guest to the first line its
userspace prints, MARKER (rcS prints the guest's uptime in it too). Booted directly, the
domU is the same kernel and initramfs started by QEMU (-accel tcg -cpu EPYC, no hv) with
the domU's memory and vCPUs: the baseline of issue 7's benchmark. Python standard library
only; a DirectDomU is a tests/node Node (serial console as a pipe, bounded waits, QEMU
killed whatever happens) with a monitor socket to press the ACPI power button.
"""
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'node'))
import node  # noqa: E402

MARKER = r'vireo-domu: userspace up in ([0-9.]+) s'
PROMPT = 'domu# '


def load_info(path):
    """domu-image.json: vmlinuz, initrd, cmdline, memory_mib, vcpus, guest_dir."""
    with open(path) as f:
        return json.load(f)


def wait_userspace(expect, started, timeout):
    """Waits with expect(pattern, timeout, what) -> match for MARKER; returns (seconds
    from `started` (time.monotonic()) to the marker, the guest's uptime at it)."""
    m = expect(MARKER, timeout, 'the domU userspace marker')
    return time.monotonic() - started, float(m.group(1))


class DirectDomU(node.Node):
    """The domU's kernel and initramfs booted by QEMU itself, without hv."""

    def __init__(self, workdir, info):
        super().__init__(workdir, smp=info['vcpus'], mem=f'{info["memory_mib"]}M')
        self.info = info
        self.monitor_path = os.path.join(workdir, 'monitor.sock')
        self.extra_args = []  # more QEMU options (devices, -global), set before boot()

    def boot(self):
        self._qemu(['-monitor', f'unix:{self.monitor_path},server=on,wait=off',
                    '-kernel', self.info['vmlinuz'], '-initrd', self.info['initrd'],
                    '-append', self.info['cmdline']] + self.extra_args)

    def wait_userspace(self, timeout):
        return wait_userspace(self.expect, self.started, timeout)

    def wait_shell(self, timeout):
        self.expect(re.escape(PROMPT), timeout, 'the domU shell prompt')

    def press_power_button(self):
        """QEMU's system_powerdown: the ACPI power button, as hv presses it for
        VIREO_HC_DOMAIN_CONTROL(POWEROFF)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.monitor_path)
            s.sendall(b'system_powerdown\n')
            time.sleep(0.5)

    def wait_exit(self, timeout):
        """Waits for QEMU to end (the guest powered off; -no-reboot ends a reboot too)."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise node.TestFailure(f'QEMU still running {timeout} s later')
            time.sleep(0.2)
        return self.proc.returncode


def measure_direct(info, workdir, timeout=300):
    """One direct boot to the marker: (seconds from QEMU start, guest uptime)."""
    with DirectDomU(workdir, info) as d:
        d.boot()
        return d.wait_userspace(timeout)
