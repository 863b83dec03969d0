#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Random privileged hypercalls from dom0 (a toolstack gone wrong): vireo-privfuzz makes
thousands through /dev/vireo with hostile numbers, domain ids, sizes, vCPU contexts and
domain configurations, aimed at two running victims and at the domains it creates. hv
answers every call and keeps running; afterwards every domain can be destroyed, hv's free
memory is back where it started, and a new domU builds and runs."""
import time

import node

SEEDS = (1, 2, 3)  # fixed, so a failure can be replayed
CALLS = 6000


def destroy_all(n):
    for name, d in node.domains(n).items():
        if d['domid'] != 0:
            n.run(f'vireo-ctl destroy {d["domid"]}', 60)


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    free_before = node.free_pages_at_start(n)
    node.create(n, 'victim-a', 'service', extra='vcpus=2')
    node.create(n, 'victim-b', 'spin', extra='cmdline="ms=3600000"')
    for seed in SEEDS:
        ids = ' '.join(str(d['domid']) for d in node.domains(n).values() if d['domid'])
        _, out = n.run(f'vireo-privfuzz {seed} {CALLS} {ids}', 900, check=False)
        print(f'seed {seed}:\n{out}')
        if 'fuzz done' not in out:
            raise node.TestFailure(f'the fuzz (seed {seed}) did not finish:\n{out}')
        if 'PANIC' in n.hv_log_text():
            raise node.TestFailure(f'hv panicked (seed {seed})')
    destroy_all(n)
    deadline = time.monotonic() + 120
    while True:
        left = {k: v for k, v in node.domains(n).items() if v['domid'] != 0}
        free_after = int(node.host_info(n)['free_pages'])
        if not left and free_after == free_before:
            break
        if time.monotonic() > deadline:
            raise node.TestFailure(f'after destroying everything: {left}, free_pages '
                                   f'{free_before} before, {free_after} after')
        destroy_all(n)
        time.sleep(2)
    node.create(n, 'after', 'spin', extra='cmdline="ms=3600000"')
    node.wait_domain(n, 'after', lambda d: d['cpu_time_ns'] > 0, 60, 'running')
    n.run('vireo-ctl destroy after', 30)
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')


if __name__ == '__main__':
    node.run_test(test)
