#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A paused domU's CPU time stands still; unpaused, it grows again."""
import time

import node


def cpu_ns(n, name):
    return node.domains(n)[name]['cpu_time_ns']


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    node.create(n, 'spinner', 'spin', extra='cmdline="ms=3600000"')
    node.wait_domain(n, 'spinner', lambda d: d['cpu_time_ns'] > 0, 60, 'running')
    n.run('vireo-ctl pause spinner', 30)
    paused_at = cpu_ns(n, 'spinner')
    time.sleep(5)
    still = cpu_ns(n, 'spinner')
    if still != paused_at:
        raise node.TestFailure(f'paused domain ran: cpu_time_ns {paused_at} -> {still}')
    if node.domains(n)['spinner']['state'] != 'paused':
        raise node.TestFailure('vireo-ctl list does not show the domain paused')
    n.run('vireo-ctl unpause spinner', 30)
    time.sleep(5)
    resumed = cpu_ns(n, 'spinner')
    if resumed <= still:
        raise node.TestFailure(f'unpaused domain does not run: cpu_time_ns {still} -> {resumed}')
    n.run('vireo-ctl destroy spinner', 30)


if __name__ == '__main__':
    node.run_test(test)
