#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Linux domU boot time (issue 7, bench/): the test domU (Debian's kernel, the project's
busybox initramfs, 256 MiB, 2 vCPUs) to the first line of its userspace, booted directly
by QEMU (-accel tcg -cpu EPYC, no hv; from the start of QEMU), and started by stock virsh
through virtvireod on a node under hv (`virsh start --console` on the host to the marker on
that console), side by side in one run, as a ratio. The direct figure is the fastest of
ROUNDS boots (load from other work only ever adds time); the hv figure is one run.

Then, on that domU once rcS has finished and it sits at its shell, its VM exits per
second by kind and in total, from hv's own counters (`vireo-ctl exits -i` in dom0) over
IDLE_SAMPLE_S seconds after IDLE_SETTLE_S seconds of quiet, measured in this run.
Usage: bench.py DOMU_IMAGE_JSON LOGDIR [NODE_TEST_JSON PKI_DIR]
"""
import os
import sys
import time

import domu_boot

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'clients',
                                'node'))
import nodeclients  # noqa: E402

ROUNDS = 3
NAME = 'bench-domu'
IDLE_SETTLE_S = 5   # after rcS's last line, before the sample
IDLE_SAMPLE_S = 10
RCS_DONE = r'vireo-domu: \d+ CPUs, clocksource'


def idle_exits(s, con):
    """hv's exit counts of the domU over IDLE_SAMPLE_S seconds once it is idle at its shell:
    (vireo-ctl's first line, {kind: (exits, per second)})."""
    con.read_until(RCS_DONE, 300)
    time.sleep(IDLE_SETTLE_S)
    return domu_boot.node.exit_stats(s.n, s.domid(NAME), interval=IDLE_SAMPLE_S)


def measure_under_hv(info, node_json, pki_dir, workdir, timeout=900):
    """(seconds from `virsh start --console` to the marker on it, guest uptime there, its
    idle exits as idle_exits() gives them), or raises with virsh's own error when the domU
    cannot start."""
    s = nodeclients.Session(domu_boot.node.load_image_info(node_json), workdir, pki_dir)
    try:
        s.define_xml(NAME, nodeclients.linux_xml(NAME, info['cmdline'],
                                                 memory_mib=info['memory_mib'],
                                                 vcpus=info['vcpus']))
        began = time.monotonic()
        with nodeclients.Console(s, 'start', '--console', NAME) as con:
            try:
                m = con.read_until(domu_boot.MARKER, timeout)
            except domu_boot.node.TestFailure as e:
                start = s.virsh('domstate', NAME, ok=None).stdout.strip()
                raise domu_boot.node.TestFailure(f'{NAME} is {start}: {e}') from e
            booted = con.matched_at - began, float(m.group(1))
            return booted + (idle_exits(s, con),)
    finally:
        s.close()


def main():
    info = domu_boot.load_info(sys.argv[1])
    logdir = sys.argv[2]
    runs = [domu_boot.measure_direct(info, os.path.join(logdir, f'direct{r}'))
            for r in range(ROUNDS)]
    wall = min(r[0] for r in runs)
    uptime = min(r[1] for r in runs)
    print(f'domU boot, direct (no hv, {info["memory_mib"]} MiB, {info["vcpus"]} vCPUs): '
          f'{wall:.1f} s from QEMU start to the userspace marker (guest uptime {uptime:.1f} s),'
          f' fastest of {ROUNDS}: ' + ', '.join(f'{r[0]:.1f}' for r in runs))
    if len(sys.argv) < 5:
        print('domU boot under hv: no node-test image or test PKI in this build: not measured')
        print('idle domU exits per second by kind: needs the node: not measured')
        return 0
    try:
        hv_wall, hv_uptime, (head, exits) = measure_under_hv(info, sys.argv[3], sys.argv[4],
                                                             os.path.join(logdir, 'hv'))
    except (domu_boot.node.TestFailure, OSError) as e:
        print(f'domU boot under hv: FAILED, so no ratio: {e}')
        return 1
    print(f'domU boot under hv: {hv_wall:.1f} s from `virsh start --console` to the marker on '
          f'that console (guest uptime {hv_uptime:.1f} s), one run; ratio to direct '
          f'{hv_wall / wall:.2f}x (guest uptime ratio {hv_uptime / uptime:.2f}x)')
    print_idle_exits(head, exits)
    return 0


def print_idle_exits(head, exits):
    """Every kind that exited at all, most frequent first; the others named as none."""
    busy = sorted((k for k in exits if k != 'total' and exits[k][0]),
                  key=lambda k: -exits[k][0])
    quiet = [k for k in exits if k != 'total' and not exits[k][0]]
    print(f'idle domU exits per second by kind (hv\'s counters, `vireo-ctl exits -i '
          f'{IDLE_SAMPLE_S}` once rcS finished and {IDLE_SETTLE_S} s passed; {head}): '
          f'total {exits["total"][1]:.1f}/s ({exits["total"][0]} exits)')
    for k in busy:
        print(f'  {k:<10} {exits[k][1]:10.1f}/s {exits[k][0]:10d} exits')
    print(f'  none of: {", ".join(quiet)}')


if __name__ == '__main__':
    sys.exit(main())
