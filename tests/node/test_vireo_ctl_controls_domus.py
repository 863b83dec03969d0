#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""vireo-ctl's control of running domUs, on one booted node:
- console_input_reaches_the_guest: `vireo-ctl console` shows a domU's output through the
  console service and its input reaches the guest: the echo guest answers a line typed
  into the console, Ctrl-] leaves the client, and the per-domain log holds the whole
  exchange.
- pause_stops_cpu_time: a paused domU's CPU time stands still; unpaused, it grows again.
- guest_obeys_shutdown_and_reboot: `vireo-ctl shutdown` and `reboot` ask the guest: the
  service guest takes the request and shuts down with the matching reason (-w waits for
  it and says so), while a guest that does not listen (spin) keeps running until
  destroyed.
- power_button_ends_platform_guest: on the guest platform they press its ACPI power button
  (VIREO_HC_DOMAIN_CONTROL): the guest (platform_power mode=3) sees PWRBTN_STS, clears it
  and enters S5, which hv reports as poweroff, or as reboot when the toolstack asked for a
  reboot.
Each check destroys what it created; every check runs, and the module fails naming those
that failed."""
import time

import node


def console_input_reaches_the_guest(n, _info):
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


def cpu_ns(n, name):
    return node.domains(n)[name]['cpu_time_ns']


def pause_stops_cpu_time(n, _info):
    node.create(n, 'spinner', 'spin', extra='cmdline="ms=3600000"')
    node.wait_domain(n, 'spinner', lambda d: d['cpu_time_ns'] > 0, 60, 'running')
    n.run('vireo-ctl pause spinner', 30)
    paused_at = cpu_ns(n, 'spinner')
    time.sleep(5)
    still = cpu_ns(n, 'spinner')
    if still != paused_at:
        raise node.TestFailure(f'paused domain ran: cpu_time_ns {paused_at} -> {still}')
    if node.domains(n)['spinner']['state'] != 'paused':
        raise node.TestFailure('vireo-ctl list does not show the domain paused')
    n.run('vireo-ctl unpause spinner', 30)
    time.sleep(5)
    resumed = cpu_ns(n, 'spinner')
    if resumed <= still:
        raise node.TestFailure(f'unpaused domain does not run: cpu_time_ns {still} -> {resumed}')
    n.run('vireo-ctl destroy spinner', 30)


def ask_and_wait(n, name, verb, reason, taken, timeout):
    """vireo-ctl VERB -w NAME: it reports the guest shut down for REASON, the guest's
    console shows TAKEN (it saw the request), hv lists it shut down with that reason."""
    _, out = n.run(f'vireo-ctl {verb} -w {name}', timeout)
    if f'shut down: {reason}' not in out:
        raise node.TestFailure(f'{verb} -w did not report {name} shut down ({reason}):\n{out}')
    node.wait_console(n, name, taken, 30, 'the request taken')
    d = node.domains(n)[name]
    if d['state'] != 'shutdown' or d['shutdown_reason'] != {'poweroff': 0, 'reboot': 1}[reason]:
        raise node.TestFailure(f'after {verb}: {d}')
    n.run(f'vireo-ctl destroy {name}', 30)


def guest_obeys_shutdown_and_reboot(n, _info):
    for verb, reason in (('shutdown', 'poweroff'), ('reboot', 'reboot')):
        node.create(n, 'obedient', 'service', extra='cmdline="period_ms=500"')
        node.wait_console(n, 'obedient', r'service up', 30, 'the guest up')
        ask_and_wait(n, 'obedient', verb, reason, rf'control: {reason} requested', 60)

    node.create(n, 'deaf', 'spin', extra='cmdline="ms=3600000"')
    n.run('vireo-ctl shutdown deaf', 30)
    time.sleep(3)
    if node.domains(n)['deaf']['state'] not in ('running', 'blocked'):
        raise node.TestFailure(f'a guest that ignores requests stopped: {node.domains(n)["deaf"]}')
    n.run('vireo-ctl destroy deaf', 30)
    status, out = n.run('vireo-ctl shutdown nosuchdomain', 30, check=False)
    if status == 0 or 'no domain' not in out:
        raise node.TestFailure(f'shutdown of a missing domain: status {status}:\n{out}')


def power_button_ends_platform_guest(n, _info):
    for verb, reason in (('shutdown', 'poweroff'), ('reboot', 'reboot')):
        node.create(n, 'pwr', 'platform_power', extra='platform=1 cmdline="mode=3"')
        node.wait_console(n, 'pwr', r'waiting for the power button', 60, 'the guest waiting')
        ask_and_wait(n, 'pwr', verb, reason, r'power button pressed, entering S5', 90)


if __name__ == '__main__':
    node.run_test(lambda info, workdir, box: node.checks_on_one_node(
        info, workdir, box, (console_input_reaches_the_guest, pause_stops_cpu_time,
                             guest_obeys_shutdown_and_reboot,
                             power_button_ends_platform_guest)))
