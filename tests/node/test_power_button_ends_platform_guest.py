#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""`vireo-ctl shutdown` and `reboot` of a domain on the guest platform press its ACPI power
button (VIREO_HC_DOMAIN_CONTROL): the guest (platform_power mode=3) sees PWRBTN_STS,
clears it and enters S5, which hv reports as poweroff, or as reboot when the toolstack
asked for a reboot."""
import node


def press(n, verb, reason):
    node.create(n, 'pwr', 'platform_power', extra='platform=1 cmdline="mode=3"')
    node.wait_console(n, 'pwr', r'waiting for the power button', 60, 'the guest waiting')
    _, out = n.run(f'vireo-ctl {verb} -w pwr', 90)
    if f'shut down: {reason}' not in out:
        raise node.TestFailure(f'{verb} -w did not report the guest shut down ({reason}):\n{out}')
    node.wait_console(n, 'pwr', r'power button pressed, entering S5', 30, 'the button seen')
    d = node.domains(n)['pwr']
    if d['state'] != 'shutdown' or d['shutdown_reason'] != {'poweroff': 0, 'reboot': 1}[reason]:
        raise node.TestFailure(f'after {verb}: {d}')
    n.run('vireo-ctl destroy pwr', 30)


def test(info, workdir, box):
    n = node.boot_node_under_hv(info, workdir)
    box.append(n)
    press(n, 'shutdown', 'poweroff')
    press(n, 'reboot', 'reboot')


if __name__ == '__main__':
    node.run_test(test)
