#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""dom0's kernel and initramfs, booted by QEMU without hv, reach the busybox shell; the
module refuses to load with a message naming the missing hypervisor; our tools run from
the initramfs (their shared libraries are there) and fail cleanly without /dev/vireo."""
import node


def test(info, workdir, box):
    n = node.Node(workdir)
    box.append(n)
    n.boot_direct(info['vmlinuz'], info['initrd'], info['dom0_cmdline'])
    n.expect(r'vireo: hv not present \(CPUID 0x40000000 signature "[^"]*", '
             r'want "VireoVireoVi"\)', 180, "the module's refusal message")
    n.expect(r'vireo-dom0: vireo.ko not loaded', 60, 'init reporting the module refusal')
    n.wait_shell(120)
    _, out = n.run('lsmod', 30)
    if 'vireo' in out:
        raise node.TestFailure(f'vireo is loaded without hv:\n{out}')
    if n.run('test -e /dev/vireo', 30, check=False)[0] == 0:
        raise node.TestFailure('/dev/vireo exists without hv')
    _, out = n.run('vireo-ctl help', 30)
    if 'sched-credit' not in out:
        raise node.TestFailure(f'vireo-ctl help does not list its commands:\n{out}')
    status, out = n.run('vireo-ctl info', 30, check=False)
    if status != 1 or 'cannot open /dev/vireo' not in out:
        raise node.TestFailure(f'vireo-ctl info without hv: status {status}:\n{out}')
    status, out = n.run('vireo-consoled', 30, check=False)
    if status != 1 or 'cannot open /dev/vireo' not in out:
        raise node.TestFailure(f'vireo-consoled without hv: status {status}:\n{out}')


if __name__ == '__main__':
    node.run_test(test)
