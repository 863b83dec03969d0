#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""hv boots Debian's kernel as dom0 from the node ISO: dom0 reaches its shell with the
command line from grub.cfg, /dev/vireo loads, sees one CPU, and lists itself as d0."""
import node


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    _, cmdline = n.run('cat /proc/cmdline', 30)
    if info['dom0_cmdline'] not in cmdline:
        raise node.TestFailure(f'dom0 command line {cmdline!r} lacks {info["dom0_cmdline"]!r}')
    _, cpus = n.run('grep -c ^processor /proc/cpuinfo', 30)
    if cpus.strip() != '1':
        raise node.TestFailure(f'dom0 sees {cpus.strip()} CPUs, expected only CPU 0')
    _, flags = n.run('grep -m1 ^flags /proc/cpuinfo', 30)
    if ' svm' in flags:
        raise node.TestFailure('hv does not hide SVM from dom0')
    n.run('test -c /dev/vireo', 30)
    doms = node.domains(n)
    d0 = [d for d in doms.values() if d['domid'] == 0]
    if not d0:
        raise node.TestFailure(f'vireo-ctl list does not show dom0: {doms}')
    n.run('pidof vireo-consoled', 30)


if __name__ == '__main__':
    node.run_test(test)
