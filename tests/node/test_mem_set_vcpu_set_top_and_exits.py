#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""mem-set gives the guest a new balloon target within maxmem and refuses beyond it: the
service guest gives frames back and takes them again (also above the RAM it booted with)
until hv's count of its frames is the target; vcpu-set changes the online vCPUs within the
vCPUs created (a vCPU brought online runs) and vcpu-list shows each vCPU's state, its CPU
(never dom0's CPU 0) and CPU time; top lists the domains with their CPU use; exits shows
hv's count of a domain's VM exits by kind: at least the hypercalls, CPUIDs and port writes
the exit_counts guest made (and fewer than twice as many), the total their sum, rates over
an interval counting only that interval, dom0's own exits, and a domain id hv does not
have refused by hv."""
import node

EXIT_COUNT = 5000  # of each kind the exit_counts guest makes


def expect_balloon(n, name, mib):
    pages = mib * 256
    node.wait_domain(n, name, lambda d: d['tot_pages'] == pages and d['target_pages'] == pages,
                     60, f'holding {mib} MiB')
    node.wait_console(n, name, rf'balloon: target {mib * 1024} KiB, holding {mib * 1024} KiB',
                      30, f'the guest reporting {mib} MiB')


def vcpu_list(n, name):
    """`vireo-ctl vcpu-list` as {vcpu: (cpu, state, seconds)}."""
    _, out = n.run(f'vireo-ctl vcpu-list {name}', 30)
    rows = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) == 6 and f[0] == name:
            rows[int(f[2])] = (f[3], f[4], float(f[5]))
    return rows


def check_exit_counters(n):
    node.create(n, 'exits', 'exit_counts', extra=f'cmdline="count={EXIT_COUNT}"')
    node.wait_console(n, 'exits', r'exit_counts: made', 120, 'its exits made')
    head, rows = node.exit_stats(n, 'exits')
    print(f'{head}: ' + ', '.join(f'{k} {v[0]}' for k, v in rows.items()))
    for kind in ('hypercall', 'cpuid', 'io'):
        # Its start-up and printing add a few; twice as many would be counting wrong.
        if not EXIT_COUNT <= rows[kind][0] < 2 * EXIT_COUNT:
            raise node.TestFailure(f'{kind} exits {rows[kind][0]}, want {EXIT_COUNT} and '
                                   f'fewer than {2 * EXIT_COUNT}')
    if rows['total'][0] != sum(v[0] for k, v in rows.items() if k != 'total'):
        raise node.TestFailure(f'total is not the sum of the kinds: {rows}')
    head, rates = node.exit_stats(n, 'exits', interval=2)
    print(f'{head}: ' + ', '.join(f'{k} {v[1]}/s' for k, v in rates.items()))
    if rates['io'][0] != 0 or rates['total'][1] is None or 'sampled over' not in head:
        raise node.TestFailure(f'over 2 s of the guest waiting: {head} {rates}')
    _, dom0 = node.exit_stats(n, '0')
    if dom0['total'][0] == 0:
        raise node.TestFailure(f'no exits counted for dom0: {dom0}')
    for bad in (4096, 0x7ff0, 0xffffffff):  # free, just past VIREO_DOMID_MAX, far out
        status, out = n.run(f'vireo-ctl exits {bad}', 30, check=False)
        if status != 1 or f'no domain "{bad}"' not in out:
            raise node.TestFailure(f'exits of domain id {bad}: status {status}:\n{out}')
    n.run('vireo-ctl destroy exits', 30)


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    node.create(n, 'elastic', 'service', extra='maxmem=32 vcpus=2 cmdline="period_ms=500"')
    expect_balloon(n, 'elastic', 16)
    n.run('vireo-ctl mem-set elastic 8', 30)
    expect_balloon(n, 'elastic', 8)
    n.run('vireo-ctl mem-set elastic 24', 30)   # beyond the 16 MiB it booted with
    expect_balloon(n, 'elastic', 24)
    status, out = n.run('vireo-ctl mem-set elastic 64', 30, check=False)
    if status == 0 or 'maxmem' not in out:
        raise node.TestFailure(f'mem-set above maxmem: status {status}:\n{out}')
    n.run('vireo-ctl mem-set elastic 16', 30)
    expect_balloon(n, 'elastic', 16)
    ticks = len(node.wait_console(n, 'elastic', r'^tick \d+', 30, 'a tick'))
    node.wait_console(n, 'elastic', r'^tick \d+', 30, 'ticking after ballooning', ticks + 2)

    node.wait_console(n, 'elastic', r'service: vCPU 1 online', 30, 'vCPU 1 running')
    vcpus = vcpu_list(n, 'elastic')
    ran_off_cpu0 = all(state != 'offline' and cpu not in ('0', '-')
                       for cpu, state, _ in vcpus.values())
    if sorted(vcpus) != [0, 1] or vcpus[0][2] <= 0 or not ran_off_cpu0:
        raise node.TestFailure(f'vcpu-list with both vCPUs online: {vcpus}')
    n.run('vireo-ctl vcpu-set elastic 1', 30)
    if node.domains(n)['elastic']['online_vcpus'] != 1:
        raise node.TestFailure('vcpu-set 1 did not take effect')
    vcpus = vcpu_list(n, 'elastic')
    if vcpus.get(1, ('', ''))[1] != 'offline' or vcpus[0][1] == 'offline':
        raise node.TestFailure(f'vcpu-list after vcpu-set 1: {vcpus}')
    status, out = n.run('vireo-ctl vcpu-set elastic 3', 30, check=False)
    if status == 0:
        raise node.TestFailure(f'vcpu-set beyond the created vCPUs succeeded:\n{out}')

    _, out = n.run('vireo-ctl top -b -n 2 -d 1', 60)
    if out.count('elastic') != 2 or 'CPU(%)' not in out:
        raise node.TestFailure(f'top -b -n 2 did not list the domain twice:\n{out}')
    n.run('vireo-ctl destroy elastic', 30)
    check_exit_counters(n)


if __name__ == '__main__':
    node.run_test(test)
