#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`vireo-ctl console` shows a domU's output through the console service and its input
reaches the guest: the echo guest answers a line typed into the console, Ctrl-] leaves
the client, and the per-domain log holds the whole exchange."""
import node


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    node.create(n, 'echo', 'echo')
    node.wait_domain(n, 'echo', lambda d: d['console_prod'] > 0, 60, 'printing')
    # stdin is a pipe, so the client stays out of raw mode; \035 is Ctrl-].
    status, out = n.run("(sleep 2; printf 'ping-42\\n'; sleep 4; printf '\\035') | "
                        "vireo-ctl console echo", 60, check=False)
    if status != 0:
        raise node.TestFailure(f'vireo-ctl console exited {status}:\n{out}')
    for want in ('[attached to', 'echo ready', 'echo: ping-42', '[detached]'):
        if want not in out:
            raise node.TestFailure(f'console session lacks {want!r}:\n{out}')
    _, log = n.run('cat /var/log/vireo/console/echo.log', 30)
    if 'echo: ping-42' not in log:
        raise node.TestFailure(f'the console log lacks the echoed line:\n{log}')
    status, out = n.run('vireo-ctl console nosuchdomain </dev/null', 30, check=False)
    if status == 0 or 'no domU "nosuchdomain"' not in out:
        raise node.TestFailure(f'console to a missing domain: status {status}:\n{out}')
    n.run("printf 'quit\\n' | vireo-ctl console echo", 60, check=False)
    node.wait_domain(n, 'echo', lambda d: d['state'] == 'shutdown', 60, 'shut down by quit')
    n.run('vireo-ctl destroy echo', 30)


if __name__ == '__main__':
    node.run_test(test)
