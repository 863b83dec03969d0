#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The test Linux domU image (Debian's kernel, the project's busybox initramfs) booted by
QEMU directly, without hv, with the domU's 256 MiB and 2 vCPUs: userspace prints its marker,
both CPUs are online, the shell on ttyS0 answers typed commands, and a press of the ACPI
power button makes acpid power the guest off. This proves the image before hv runs it.
Usage: test_domu_image_boots_directly.py DOMU_IMAGE_JSON WORKDIR"""
import os
import sys

import node

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'bench', 'domu'))
import domu_boot  # noqa: E402


def test(box):
    info = domu_boot.load_info(sys.argv[1])
    d = domu_boot.DirectDomU(sys.argv[2], info)
    box.append(d)
    d.boot()
    wall, uptime = d.wait_userspace(300)
    print(f'userspace marker {wall:.1f} s after QEMU start (guest uptime {uptime:.1f} s)')
    d.expect(r'vireo-domu: acpid started \(.*event0', 60, 'acpid watching an input device')
    d.wait_shell(60)
    _, out = d.run('nproc', 30)
    if out.strip() != str(info['vcpus']):
        raise node.TestFailure(f'nproc says {out.strip()!r}, want {info["vcpus"]}')
    _, out = d.run('echo typed-$((6 * 7)); cat /proc/cmdline', 30)
    if 'typed-42' not in out or info['cmdline'] not in out:
        raise node.TestFailure(f'the shell did not run the typed command:\n{out}')
    _, out = d.run('lsmod', 30)
    for module in ('button', 'evdev'):
        if module not in out:
            raise node.TestFailure(f'{module} not loaded:\n{out}')
    d.press_power_button()
    d.expect(r'vireo-domu: power button pressed, powering off', 60, 'acpid acting on the button')
    d.expect(r'reboot: Power down', 60, 'the kernel powering off')
    d.wait_exit(30)


if __name__ == '__main__':
    sys.exit(node.main(test, 'test_domu_image_boots_directly'))
