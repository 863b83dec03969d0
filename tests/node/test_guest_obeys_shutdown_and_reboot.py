#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`vireo-ctl shutdown` and `reboot` ask the guest: the service guest takes the request
and shuts down with the matching reason (-w waits for it and says so), while a guest that
does not listen (spin) keeps running until destroyed."""
import time

import node


def ask_and_wait(n, verb, reason):
    node.create(n, 'obedient', 'service', extra='cmdline="period_ms=500"')
    node.wait_console(n, 'obedient', r'service up', 30, 'the guest up')
    _, out = n.run(f'vireo-ctl {verb} -w obedient', 60)
    if f'shut down: {reason}' not in out:
        raise node.TestFailure(f'{verb} -w did not report the guest shut down ({reason}):\n{out}')
    node.wait_console(n, 'obedient', rf'control: {reason} requested', 30, 'the request taken')
    d = node.domains(n)['obedient']
    if d['state'] != 'shutdown' or d['shutdown_reason'] != {'poweroff': 0, 'reboot': 1}[reason]:
        raise node.TestFailure(f'after {verb}: {d}')
    n.run('vireo-ctl destroy obedient', 30)


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    ask_and_wait(n, 'shutdown', 'poweroff')
    ask_and_wait(n, 'reboot', 'reboot')

    node.create(n, 'deaf', 'spin', extra='cmdline="ms=3600000"')
    n.run('vireo-ctl shutdown deaf', 30)
    time.sleep(3)
    if node.domains(n)['deaf']['state'] not in ('running', 'blocked'):
        raise node.TestFailure(f'a guest that ignores requests stopped: {node.domains(n)["deaf"]}')
    n.run('vireo-ctl destroy deaf', 30)
    status, out = n.run('vireo-ctl shutdown nosuchdomain', 30, check=False)
    if status == 0 or 'no domain' not in out:
        raise node.TestFailure(f'shutdown of a missing domain: status {status}:\n{out}')


if __name__ == '__main__':
    node.run_test(test)
