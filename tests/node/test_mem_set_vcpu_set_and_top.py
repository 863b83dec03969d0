#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""mem-set moves a domain's memory within maxmem and refuses beyond it; vcpu-set changes
the online vCPUs within the vCPUs created; top lists the domains with their CPU use."""
import node


def expect_pages(n, name, pages):
    got = node.domains(n)[name]['tot_pages']
    if got != pages:
        raise node.TestFailure(f'{name}: tot_pages {got}, expected {pages}')


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    node.create(n, 'elastic', 'hello', extra='maxmem=32 vcpus=2 -p')
    expect_pages(n, 'elastic', 16 * 256)
    n.run('vireo-ctl mem-set elastic 32', 30)
    expect_pages(n, 'elastic', 32 * 256)
    status, out = n.run('vireo-ctl mem-set elastic 64', 30, check=False)
    if status == 0 or 'maxmem' not in out:
        raise node.TestFailure(f'mem-set above maxmem: status {status}:\n{out}')
    expect_pages(n, 'elastic', 32 * 256)
    n.run('vireo-ctl mem-set elastic 24', 30)
    expect_pages(n, 'elastic', 24 * 256)

    n.run('vireo-ctl vcpu-set elastic 1', 30)
    if node.domains(n)['elastic']['online_vcpus'] != 1:
        raise node.TestFailure('vcpu-set 1 did not take effect')
    status, out = n.run('vireo-ctl vcpu-set elastic 3', 30, check=False)
    if status == 0:
        raise node.TestFailure(f'vcpu-set beyond the created vCPUs succeeded:\n{out}')

    _, out = n.run('vireo-ctl top -b -n 2 -d 1', 60)
    if out.count('elastic') != 2 or 'CPU(%)' not in out:
        raise node.TestFailure(f'top -b -n 2 did not list the domain twice:\n{out}')
    n.run('vireo-ctl destroy elastic', 30)


if __name__ == '__main__':
    node.run_test(test)
