#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""hv refuses hypercalls that do not come from dom0's kernel: a dom0 user-space program
executing VMMCALL itself (CPL 3, no /dev/vireo) gets -EPERM for every number, privileged
or not, and dom0 and hv go on."""
import node


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    _, out = n.run('vireo-cpl3-probe; echo probe-exit=$?', 60, check=False)
    if 'all refused' not in out or 'probe-exit=0' not in out:
        raise node.TestFailure(f'hypercalls from dom0 user space were not all refused:\n{out}')
    # The calls really reached hv (the kernel path still works afterwards).
    if int(node.host_info(n)['nr_cpus']) < 2:
        raise node.TestFailure('vireo-ctl info does not answer after the probe')
    if 'PANIC' in n.hv_log_text():
        raise node.TestFailure('hv panicked')


if __name__ == '__main__':
    node.run_test(test)
