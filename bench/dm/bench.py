#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Device-model benchmark: the round trip of one I/O request from a domU vCPU to a dom0
device model and back, in guest TSC cycles, side by side in one run with what the guest
pays for RAM, for MMIO hv answers itself (the IOAPIC) and for a doorbell write (no round
trip). The device model is vireo-dmprobe serving through libvireoctl's vctl_ioreq_dispatch,
the path vireo-dm takes. Boots the node test image once (-accel tcg -cpu EPYC).
Usage: bench.py NODE_TEST_JSON LOGDIR
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'tests', 'node'))
import node  # noqa: E402


def main():
    info = node.load_image_info(sys.argv[1])
    with node.boot_node_under_hv(info, sys.argv[2]) as n:
        node.create(n, 'bdm', 'bench_dm', extra='platform=1 -p cmdline="count=200 batches=7"')
        n.run('vireo-dmprobe bdm serve >/tmp/bdm.log 2>&1 </dev/null & true', 30)
        n.run('for i in $(seq 50); do grep -q attached /tmp/bdm.log && break; sleep 0.2; done',
              30)
        n.run('vireo-ctl unpause bdm', 30)
        found = node.wait_console(n, 'bdm', r'^bench: .*$', 600, 'the bench line')
        fields = dict(kv.split('=') for kv in re.findall(r'\w+=\d+', found[0]))
    c = {k.replace('_cycles', ''): int(v) for k, v in fields.items() if k.endswith('_cycles')}
    print('guest TSC cycles per access (median of 7 batches of 200):')
    for k in ('ram_read', 'hv_mmio_read', 'dm_read', 'dm_write', 'doorbell_write'):
        print(f'  {k:16} {c[k]:>10}')
    print(f"device-model read round trip / hv-emulated MMIO read: "
          f"{c['dm_read'] / c['hv_mmio_read']:.1f}x")
    print(f"doorbell write / device-model write round trip: "
          f"{c['doorbell_write'] / c['dm_write']:.2f}")


if __name__ == '__main__':
    main()
