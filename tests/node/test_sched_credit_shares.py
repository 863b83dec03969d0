#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Two spinning domUs share hv's one domU CPU (-smp 2): with equal weights they get about
equal CPU time; after `vireo-ctl sched-credit -w` gives one three times the weight, it
gets about three times the share."""
import time

import node

WINDOW_S = 20


def shares(n):
    before = node.domains(n)
    time.sleep(WINDOW_S)
    after = node.domains(n)
    return [after[x]['cpu_time_ns'] - before[x]['cpu_time_ns'] for x in ('heavy', 'light')]


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir, smp=2)
    box.append(n)
    for name in ('heavy', 'light'):
        node.create(n, name, 'spin', extra='weight=256 cmdline="ms=3600000" -p')
    n.run('vireo-ctl unpause heavy && vireo-ctl unpause light', 30)
    heavy, light = shares(n)
    print(f'equal weights: heavy {heavy} ns, light {light} ns')
    if not (light > 0 and 0.6 <= heavy / light <= 1.6):
        raise node.TestFailure(f'equal weights: cpu ns heavy {heavy}, light {light}')
    n.run('vireo-ctl sched-credit -d heavy -w 768', 30)
    _, out = n.run('vireo-ctl sched-credit', 30)
    if 'heavy' not in out or '768' not in out:
        raise node.TestFailure(f'sched-credit does not show the new weight:\n{out}')
    heavy, light = shares(n)
    ratio = heavy / light if light else float('inf')
    print(f'weights 768:256: heavy {heavy} ns, light {light} ns, ratio {ratio:.2f}')
    if not 2.0 <= ratio <= 4.5:
        raise node.TestFailure(f'weights 768:256 gave cpu ns {heavy}:{light} '
                               f'(ratio {ratio:.2f}, expected about 3)')


if __name__ == '__main__':
    node.run_test(test)
