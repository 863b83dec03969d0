#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Hostile domUs (wild write, triple fault, invalid opcode) are crashed alone: each ends
crashed with a reason, a well-behaved domU keeps running, dom0 answers and hv logs no
panic; the crashed domains can be destroyed."""
import time

import node

HOSTILE = ('wild_write', 'triple_fault', 'invalid_opcode')


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    node.create(n, 'bystander', 'spin', extra='cmdline="ms=3600000"')
    for guest in HOSTILE:
        node.create(n, guest.replace('_', '-'), guest)
    for guest in HOSTILE:
        d = node.wait_domain(n, guest.replace('_', '-'), lambda d: d['state'] == 'crashed',
                             120, 'crashed')
        if d['crash_reason'] == 0:
            raise node.TestFailure(f'{guest} crashed without a reason')
    before = node.domains(n)['bystander']['cpu_time_ns']
    time.sleep(3)
    bystander = node.domains(n)['bystander']
    if bystander['state'] not in ('running', 'blocked') or bystander['cpu_time_ns'] <= before:
        raise node.TestFailure(f'the well-behaved domain stopped: {bystander}')
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')
    for guest in HOSTILE:
        n.run(f'vireo-ctl destroy {guest.replace("_", "-")}', 30)
    n.run('vireo-ctl destroy bystander', 30)


if __name__ == '__main__':
    node.run_test(test)
