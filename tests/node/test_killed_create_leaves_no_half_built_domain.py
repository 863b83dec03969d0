#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`vireo-ctl create` killed with SIGKILL at different moments never leaves a half-built
domain: afterwards the domain is either gone or listed and destroyable, and once it is
destroyed hv's free memory is back where it started."""
import node

# Seconds between starting create and killing it: before, during and after the build.
KILL_DELAYS = ('0', '0.05', '0.2', '0.5', '1', '2')


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    free_before = int(node.host_info(n)['free_pages'])
    for i, delay in enumerate(KILL_DELAYS):
        name = f'killed{i}'
        n.run(f'vireo-ctl create name={name} kernel={node.GUEST_DIR}/spin.elf memory=256 '
              f'cmdline="ms=3600000" -p >/dev/null 2>&1 & pid=$!; sleep {delay}; '
              f'kill -9 $pid; wait $pid', 120, check=False)
        doms = node.domains(n)  # `list` first destroys what a dead builder left
        if name in doms:
            n.run(f'vireo-ctl destroy {name}', 60)
        if name in node.domains(n):
            raise node.TestFailure(f'{name} is still listed after destroy')
    free_after = int(node.host_info(n)['free_pages'])
    if free_after != free_before:
        raise node.TestFailure(f'free_pages {free_before} before, {free_after} after')


if __name__ == '__main__':
    node.run_test(test)
