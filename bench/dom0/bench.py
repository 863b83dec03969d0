#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""dom0 benchmarks, side by side in one run of the same QEMU (-accel tcg -cpu EPYC -smp 4
-m 4G):
  1. dom0 boot time: the same kernel and initramfs booted directly by QEMU and booted by
     GRUB -> hv as dom0; time from QEMU start to init's "boot complete" line, and the ratio.
  2. null hypercall from dom0 user space through /dev/vireo (vireo-hcbench), next to the
     same ioctl path without a hypercall.
The boots alternate (direct, hv, direct, hv, ...) for ROUNDS rounds and the fastest of
each kind counts, so a burst of load from other work on the machine skews neither side.
Without an hv that runs dom0 it prints the direct figures and says why the rest is
missing. Usage: bench.py NODE_IMAGE_JSON LOGDIR
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'node'))
import node  # noqa: E402

BOOT_DONE = r'vireo-dom0: boot complete in ([0-9.]+) s'
ROUNDS = 3


def boot_direct(info, logdir):
    with node.Node(logdir) as n:
        n.boot_direct(info['vmlinuz'], info['initrd'], info['dom0_cmdline'])
        m = n.expect(BOOT_DONE, 300, 'direct boot complete')
        return time.monotonic() - n.started, float(m.group(1))


def boot_hv(info, logdir):
    """Boot time under hv and the hypercall figures, or (None, reason)."""
    iso = info.get('iso')
    if not iso:
        return None, 'hv.elf is not built yet'
    if not node.hv_supports_dom0(info['hv_elf']):
        return None, 'hv.elf does not run dom0 yet'
    with node.Node(logdir) as n:
        n.boot_iso(iso)
        m = n.expect(BOOT_DONE, 1200, 'dom0 boot complete under hv')
        wall = time.monotonic() - n.started
        n.wait_shell(120)
        _, out = n.run('vireo-hcbench 2000', 600)
        fields = dict(kv.split('=', 1) for kv in out.split() if '=' in kv)
        return (wall, float(m.group(1)), fields), None


def main():
    info = node.load_image_info(sys.argv[1])
    logdir = sys.argv[2]
    direct, hv, why = [], [], None
    for r in range(ROUNDS):
        direct.append(boot_direct(info, os.path.join(logdir, f'direct{r}')))
        if why is None:
            result, why = boot_hv(info, os.path.join(logdir, f'hv{r}'))
            if result is not None:
                hv.append(result)
    direct_wall = min(d[0] for d in direct)
    direct_uptime = min(d[1] for d in direct)
    print(f'dom0 boot, direct (no hv): {direct_wall:.1f} s from QEMU start to shell '
          f'(kernel uptime {direct_uptime:.1f} s), fastest of {len(direct)}')
    if not hv:
        print(f'dom0 boot under hv: not measured: {why}')
        print('null hypercall from dom0 user space: not measured: ' + why)
        return 0
    hv_wall = min(h[0] for h in hv)
    hv_uptime = min(h[1] for h in hv)
    hc = min((h[2] for h in hv), key=lambda f: float(f['null_hypercall_ns']))
    print(f'dom0 boot under hv: {hv_wall:.1f} s from QEMU start to shell '
          f'(kernel uptime {hv_uptime:.1f} s), fastest of {len(hv)}')
    print(f'ratio hv/direct (QEMU start to shell, includes GRUB loading the ISO): '
          f'{hv_wall / direct_wall:.2f}')
    print(f'ratio hv/direct (dom0 kernel uptime at init\'s "boot complete"): '
          f'{hv_uptime / direct_uptime:.2f}')
    print(f'null hypercall from dom0 user space (VIREO_HC_ABI_VERSION via ioctl): '
          f'{hc["null_hypercall_ns"]} ns, {hc["null_hypercall_cycles"]} TSC cycles; '
          f'same ioctl path without hypercall: {hc["ioctl_only_ns"]} ns, '
          f'{hc["ioctl_only_cycles"]} cycles (over {hc["iterations"]} calls)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
