#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Linux domU boot time (issue 7, bench/): the test domU (Debian's kernel, the project's
busybox initramfs, 256 MiB, 2 vCPUs) from the start of QEMU to the first line of its
userspace, booted directly by QEMU (-accel tcg -cpu EPYC, no hv). The fastest of ROUNDS
boots counts: load from other work on the machine only ever adds time.

The same domU started by hv (virsh start to the marker on its console) is the other half
of the ratio; it needs hv's guest platform (VIREO_DOMCFG_PLATFORM) and reuses
domu_boot.wait_userspace on the domain's console.
Usage: bench.py DOMU_IMAGE_JSON LOGDIR
"""
import os
import sys

import domu_boot

ROUNDS = 3


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
    print('domU boot under hv: not part of this benchmark yet (it comes with hv\'s guest '
          'platform, VIREO_DOMCFG_PLATFORM)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
