#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""libvireoctl's ACPI tables for Linux domUs, read by the real Debian kernel before hv can
run one: QEMU's PC happens to put its PM1 block, PM timer, SCI, reset register, COM1 and
IOAPIC where VIREO_PLAT_* puts ours, so the test domU booted directly by QEMU
(bench/domu/domu_boot.py) is handed our tables instead of the firmware's (loaded into
reserved RAM, found through acpi_rsdp=). Linux must take every table from them, bring up
both CPUs of the MADT, find COM1 in the DSDT, power off through the fixed-feature power
button and \\_S5 (QEMU is told that SLP_TYP 5 means off, as hv does), and reboot (the
FADT's reset register is Linux's first way; QEMU's keyboard-controller reset, its fallback,
would end QEMU as well, so this part does not tell them apart).
Usage: test_domu_acpi_tables_drive_linux.py DOMU_IMAGE_JSON TEST_ACPI_EXE WORKDIR"""
import os
import struct
import subprocess
import sys

import node

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'bench', 'domu'))
import domu_boot  # noqa: E402

BUILT_AT = 0xe0000    # where the builder puts the tables (VCTL_ACPI_BASE)
LOADED_AT = 0x6000000  # where this test puts them: RAM that memmap= reserves
AREA = 0x20000
NR_VCPUS = 2


def fix_checksum(buf, off, length, at):
    buf[off + at] = 0
    buf[off + at] = (-sum(buf[off:off + length])) % 256


def relocate(area):
    """Moves the table area from BUILT_AT to LOADED_AT: every pointer between the tables
    is rebased and every checksum recomputed; nothing else changes."""
    buf = bytearray(area)
    delta = LOADED_AT - BUILT_AT

    def rebase(off, fmt):
        (v,) = struct.unpack_from(fmt, buf, off)
        struct.pack_into(fmt, buf, off, v + delta if v else 0)
        return v - BUILT_AT

    rsdp = buf.find(b'RSD PTR ')
    xsdt = rebase(rsdp + 24, '<Q')
    n = (struct.unpack_from('<I', buf, xsdt + 4)[0] - 36) // 8
    for i in range(n):
        table = rebase(xsdt + 36 + 8 * i, '<Q')
        if buf[table:table + 4] == b'FACP':
            for off, fmt in ((36, '<I'), (40, '<I'), (132, '<Q'), (140, '<Q')):
                rebase(table + off, fmt)
            fix_checksum(buf, table, struct.unpack_from('<I', buf, table + 4)[0], 9)
    fix_checksum(buf, xsdt, struct.unpack_from('<I', buf, xsdt + 4)[0], 9)
    fix_checksum(buf, rsdp, 20, 8)
    fix_checksum(buf, rsdp, 36, 32)
    return bytes(buf)


def boot(info, test_acpi, workdir, box):
    os.makedirs(workdir, exist_ok=True)
    area_path = os.path.join(workdir, 'acpi-area.bin')
    subprocess.run([test_acpi, '--dump', area_path, str(NR_VCPUS)], check=True)
    with open(area_path, 'rb') as f:
        moved = relocate(f.read())
    moved_path = os.path.join(workdir, 'acpi-area-moved.bin')
    with open(moved_path, 'wb') as f:
        f.write(moved)
    info = dict(info, vcpus=NR_VCPUS,
                cmdline=info['cmdline'] + f' acpi_rsdp={LOADED_AT:#x} '
                f'memmap={AREA // 1024}K${LOADED_AT:#x} nokaslr')
    d = domu_boot.DirectDomU(os.path.join(workdir, 'qemu'), info)
    box.append(d)
    d.extra_args = ['-device', f'loader,file={moved_path},addr={LOADED_AT:#x},force-raw=on',
                    '-global', 'PIIX4_PM.s4_val=5']
    d.boot()
    d.wait_userspace(300)
    d.expect(r'vireo-domu: acpid started', 60, 'acpid')
    d.wait_shell(60)
    return d


def expect_lines(d, command, wanted):
    _, out = d.run(command, 60)
    missing = [w for w in wanted if w not in out]
    if missing:
        raise node.TestFailure(f'`{command}` lacks {missing}:\n{out}')


def test(box):
    info = domu_boot.load_info(sys.argv[1])
    test_acpi, workdir = sys.argv[2], sys.argv[3]
    d = boot(info, test_acpi, os.path.join(workdir, 'poweroff'), box)
    expect_lines(d, 'dmesg | grep -E "ACPI|IOAPIC|smpboot|ttyS0|00:0"', [
        f'ACPI: RSDP 0x{LOADED_AT:016X} 000024 (v02 VIREO )',
        'ACPI: XSDT', 'ACPI: FACP', 'ACPI: DSDT', 'ACPI: FACS', 'ACPI: APIC',
        'VIREOPLT', 'ACPI: PM-Timer IO Port: 0x608', 'IOAPIC[0]: apic_id 0',
        'ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)',
        'ACPI: PM: (supports S0 S5)', 'smpboot: Allowing 2 CPUs',
        '00:00: ttyS0 at I/O 0x3f8 (irq = 4',
    ])
    # Short: the shell wraps a command line past the terminal's 80 columns.
    status, out = d.run('dmesg|grep -iE "acpi.*(error|warn)|firmware bug"', 60, check=False)
    if status != 1:
        raise node.TestFailure(f'the kernel complains about our tables:\n{out}')
    _, out = d.run('nproc', 30)
    if out.strip() != str(NR_VCPUS):
        raise node.TestFailure(f'nproc says {out.strip()!r}, want {NR_VCPUS}')
    d.press_power_button()
    d.expect(r'vireo-domu: power button pressed, powering off', 60, 'acpid acting on the button')
    d.expect(r'reboot: Power down', 60, 'the kernel powering off')
    d.wait_exit(30)

    d = boot(info, test_acpi, os.path.join(workdir, 'reboot'), box)
    d.send('reboot\n')
    d.expect(r'reboot: Restarting system', 60, 'the kernel restarting')
    d.wait_exit(30)  # -no-reboot: the reset register's reset ends QEMU


if __name__ == '__main__':
    sys.exit(node.main(test, 'test_domu_acpi_tables_drive_linux'))
