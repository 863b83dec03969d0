#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A dom0 process serves a platform domain's device window through hv's I/O requests
(VIREO_HC_IOREQ_*, libvireoctl's vctl_ioreq_*): vireo-dmprobe answers device_model's
registers at every width, read-modify-write and exchange included, takes 100 doorbell
writes without a request each, and keeps the domain to itself (a second attach is
refused, another handle may not map its memory). platform_mmio's every instruction form
then runs against the probe as against the empty bus. A hostile probe scribbles over the
shared page and exits: hv crashes that domain alone ("device model gone") while a ticker
goes on."""
import re

import node


def start_probe(n, name, mode):
    """Starts vireo-dmprobe on the paused domain `name`; returns its log path."""
    log = f'/tmp/dmprobe-{name}.log'
    n.run(f'vireo-dmprobe {name} {mode} >{log} 2>&1 </dev/null & true', 30)
    out = ''
    for _ in range(30):
        _, out = n.run(f'cat {log}', 30, check=False)
        if 'dmprobe: attached' in out:
            return log
        if 'dmprobe:' in out or 'usage' in out:
            break
        n.run('sleep 1', 10)
    raise node.TestFailure(f'vireo-dmprobe did not attach to {name}:\n{out}')


def probe_output(n, log, want, timeout=60):
    for _ in range(timeout):
        _, out = n.run(f'cat {log}', 30, check=False)
        if re.search(want, out):
            return out
        n.run('sleep 1', 10)
    raise node.TestFailure(f'vireo-dmprobe never printed {want!r}:\n{out}')


def serves_registers(n):
    node.create(n, 'dmg', 'device_model', extra='platform=1 -p')
    log = start_probe(n, 'dmg', 'serve')
    n.run('vireo-ctl unpause dmg', 30)
    node.wait_console(n, 'dmg', r'device model: \d+ checks passed', 120, 'the checks passing')
    out = probe_output(n, log, r'dmprobe: served (\d+) requests')
    served = int(re.search(r'served (\d+) requests', out).group(1))
    took = re.search(r'hv took (\d+) requests, (\d+) doorbell writes', out)
    if not took or int(took.group(2)) != 100 or int(took.group(1)) != served:
        raise node.TestFailure(f'the probe and hv disagree on what was served:\n{out}')
    print(f'device_model: {served} requests served, 100 doorbell writes without one')
    n.run('vireo-ctl destroy dmg', 30)


def every_form_through_the_probe(n):
    node.create(n, 'dmm', 'platform_mmio', memory=32, extra='platform=1 -p cmdline="dm=1"')
    log = start_probe(n, 'dmm', 'ones')
    n.run('vireo-ctl unpause dmm', 30)
    found = node.wait_console(n, 'dmm', r'platform mmio: (\d+) checks behave as on RAM', 180,
                              'every form behaving as on RAM')
    out = probe_output(n, log, r'dmprobe: served (\d+) requests')
    print(f'platform_mmio dm=1: {found[0]} checks; {out.strip().splitlines()[-1]}')
    n.run('vireo-ctl destroy dmm', 30)


def hostile_probe_crashes_its_domain_alone(n):
    node.create(n, 'tick', 'ticker', extra='cmdline="ticks=0 period_ms=100"')
    node.wait_console(n, 'tick', r'^tick \d+ worst gap', 60, 'a first tick')
    node.create(n, 'dmh', 'device_model', extra='platform=1 -p cmdline="hammer=1"')
    log = start_probe(n, 'dmh', 'hostile')
    n.run('vireo-ctl unpause dmh', 30)
    probe_output(n, log, r'dmprobe: hostile exit')
    d = node.wait_domain(n, 'dmh', lambda d: d['state'] == 'crashed', 60, 'crashed')
    if d['crash_reason'] != 6:  # VIREO_CRASH_DEVICE_MODEL
        raise node.TestFailure(f'dmh crashed for another reason: {d}')
    if 'its device model went away' not in n.hv_log_text():
        raise node.TestFailure('hv did not log why it crashed the domain')
    before, _ = node.ticker_worst_gap_us(n, 'tick')
    n.run('sleep 2', 10)
    after, gap = node.ticker_worst_gap_us(n, 'tick')
    if after <= before:
        raise node.TestFailure(f'the ticker stopped ({before} -> {after} ticks)')
    print(f'hostile device model: {d["name"]} crashed alone; ticker worst gap {gap} us')
    n.run('vireo-ctl destroy dmh; vireo-ctl destroy tick', 30)


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    serves_registers(n)
    every_form_through_the_probe(n)
    hostile_probe_crashes_its_domain_alone(n)


if __name__ == '__main__':
    node.run_test(test)
