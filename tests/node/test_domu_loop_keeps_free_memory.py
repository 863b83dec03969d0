#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""20 test domUs created, run to their end and destroyed one after another leave hv's
free memory exactly where it started; the console service logged the first one's output."""
import node

ROUNDS = 20


def run_one(n, name):
    node.create(n, name, 'hello', memory=16)
    node.wait_domain(n, name, lambda d: d['state'] in ('shutdown', 'crashed'), 120,
                     'finished')
    d = node.domains(n)[name]
    if d['state'] != 'shutdown':
        raise node.TestFailure(f'{name} ended {d["state"]}, crash_reason {d["crash_reason"]}')
    n.run(f'vireo-ctl destroy {name}', 60)


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    free_before = node.free_pages_at_start(n)
    for i in range(ROUNDS):
        run_one(n, f'loop{i}')
    if any(name.startswith('loop') for name in node.domains(n)):
        raise node.TestFailure('destroyed domains are still listed')
    free_after = int(node.host_info(n)['free_pages'])
    if free_after != free_before:
        raise node.TestFailure(f'free_pages {free_before} before, {free_after} after '
                               f'{ROUNDS} domains')
    _, log = n.run('cat /var/log/vireo/console/loop0.log', 30)
    if 'hello from d' not in log:
        raise node.TestFailure(f'the console service did not log loop0\'s output: {log!r}')


if __name__ == '__main__':
    node.run_test(test)
