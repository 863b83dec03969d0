#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`vireo-ctl create` killed with SIGKILL at different moments never leaves a half-built
domain: afterwards the domain is either gone or listed and destroyable, and once it is
destroyed hv's free memory is back where it started. At least one kill must land inside
the build (then `vireo-ctl list` destroys the half-built domain and says so), or the test
did not exercise what it is about."""
import node

# Seconds between starting create and killing it: before, during and after the build.
KILL_DELAYS = ('0', '0.05', '0.1', '0.2', '0.3', '0.5', '0.7', '1', '2')


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    free_before = node.free_pages_at_start(n)
    reaped = 0
    for i, delay in enumerate(KILL_DELAYS):
        name = f'killed{i}'
        n.run(f'vireo-ctl create name={name} kernel={node.GUEST_DIR}/spin.elf memory=256 '
              f'cmdline="ms=3600000" -p >/dev/null 2>&1 & pid=$!; sleep {delay}; '
              f'kill -9 $pid; wait $pid', 120, check=False)
        # `list` first destroys what a dead builder left, and says so.
        _, listing = n.run('vireo-ctl list', 60)
        if 'half-built' in listing:
            reaped += 1
        doms = node.domains(n)
        print(f'killed after {delay} s: {doms[name]["state"] if name in doms else "gone"}'
              f'{" (reaped half-built)" if "half-built" in listing else ""}')
        if name in doms:
            n.run(f'vireo-ctl destroy {name}', 60)
        if name in node.domains(n):
            raise node.TestFailure(f'{name} is still listed after destroy')
    if not reaped:
        raise node.TestFailure(f'no kill (after {", ".join(KILL_DELAYS)} s) landed inside a '
                               'build: the half-built path was not exercised')
    free_after = int(node.host_info(n)['free_pages'])
    if free_after != free_before:
        raise node.TestFailure(f'free_pages {free_before} before, {free_after} after')


if __name__ == '__main__':
    node.run_test(test)
