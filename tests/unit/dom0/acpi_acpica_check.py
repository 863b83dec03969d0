#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""ACPICA's verdict on libvireoctl's ACPI tables for Linux domUs: the table area of a
2-vCPU domU is found from the RSDP as a guest finds it (independently of the C test), every
table is disassembled by `iasl -d` without a warning, and `acpiexec` (ACPICA's AML
interpreter, the code Linux runs) loads them and evaluates the DSDT: COM1's resources and
\\_S5 must be the VIREO_PLAT_* values of hv/include/public/vireo.h; of the eight virtio-mmio
devices VD00..VD07 exactly those of the dumped slot mask are present (_STA), each with
_HID LNRO0005, _UID n, its slot's MMIO registers and its level, active-high GSI.

Usage: acpi_acpica_check.py TEST_ACPI_EXE VIREO_H WORKDIR
"""
import os
import re
import shutil
import struct
import subprocess
import sys

AREA_BASE = 0xe0000
NR_VCPUS = 2
DM_SLOTS = 0x85  # slots 0, 2 and 7 served by the device model
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
    return ok


def platform_constants(vireo_h):
    with open(vireo_h) as f:
        text = f.read()
    return {m.group(1): int(m.group(2), 0)
            for m in re.finditer(r'#define VIREO_PLAT_(\w+)\s+(0x[0-9a-fA-F]+|\d+)u?', text)}


def table_at(area, gpa):
    off = gpa - AREA_BASE
    if not check(0 <= off < len(area) - 36, f'table address {gpa:#x} outside the area'):
        return None
    length = struct.unpack_from('<I', area, off + 4)[0]
    data = area[off:off + length]
    check(sum(data) % 256 == 0, f'{data[:4]!r} checksum')
    return data


def find_tables(area):
    """RSDP by the BIOS-area scan, then XSDT -> FADT, MADT; FADT -> DSDT, FACS."""
    for off in range(0, len(area) - 36, 16):
        if area[off:off + 8] == b'RSD PTR ' and sum(area[off:off + 20]) % 256 == 0:
            rsdp = area[off:off + 36]
            break
    else:
        check(False, 'no RSDP found by scanning the BIOS area')
        return {}
    check(rsdp[15] == 2, 'RSDP revision 2')
    check(sum(rsdp) % 256 == 0, 'RSDP extended checksum')
    xsdt = table_at(area, struct.unpack_from('<Q', rsdp, 24)[0])
    if xsdt is None or not check(xsdt[:4] == b'XSDT', 'RSDP points at an XSDT'):
        return {}
    tables = {'XSDT': xsdt}
    for i in range((len(xsdt) - 36) // 8):
        t = table_at(area, struct.unpack_from('<Q', xsdt, 36 + 8 * i)[0])
        if t is not None:
            tables[t[:4].decode()] = t
    fadt = tables.get('FACP')
    if check(fadt is not None, 'XSDT lists a FADT'):
        tables['DSDT'] = table_at(area, struct.unpack_from('<Q', fadt, 140)[0])
        facs_off = struct.unpack_from('<Q', fadt, 132)[0] - AREA_BASE
        tables['FACS'] = area[facs_off:facs_off + 64]
    check('APIC' in tables, 'XSDT lists a MADT')
    return tables


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def disassemble(tables, workdir):
    """iasl -d on each table; returns the .dsl texts by signature."""
    texts = {}
    for sig, data in tables.items():
        path = os.path.join(workdir, sig.lower() + '.dat')
        with open(path, 'wb') as f:
            f.write(data)
        rc, out = run(['iasl', '-d', path], workdir)
        if not check(rc == 0, f'iasl -d {sig}: exit {rc}:\n{out}'):
            continue
        with open(path[:-4] + '.dsl') as f:
            texts[sig] = f.read()
        bad = [line for line in (out + texts[sig]).splitlines()
               if re.search(r'\b(warning|error|invalid|incorrect)\b', line, re.I)]
        check(not bad, f'iasl -d {sig} complains: {bad}')
    return texts


def field(text, name):
    m = re.search(r'^\[[0-9A-F]+h [0-9]+ +[0-9]+\] +' + re.escape(name) + r' : ([0-9A-F]+)',
                  text, re.M)
    return int(m.group(1), 16) if m else None


def check_disassembly(texts, plat):
    fadt = texts.get('FACP', '')
    for name, want in [('SCI Interrupt', plat['SCI_GSI']),
                       ('PM1A Event Block Address', plat['PM1A_EVT_PORT']),
                       ('PM1A Control Block Address', plat['PM1A_CNT_PORT']),
                       ('PM Timer Block Address', plat['PM_TMR_PORT']),
                       ('SMI Command Port', 0),
                       ('Value to cause reset', plat['RESET_VALUE'])]:
        got = field(fadt, name)
        check(got == want, f'FADT {name}: iasl reads {got}, want {want}')
    for flag, want in [('Control Method Power Button (V1)', 0),
                       ('Control Method Sleep Button (V1)', 1),
                       ('Reset Register Supported (V2)', 1),
                       ('8042 Present on ports 60/64 (V2)', 0),
                       ('VGA Not Present (V4)', 1),
                       ('CMOS RTC Not Present (V5)', 1),
                       ('Hardware Reduced (V5)', 0)]:
        m = re.search(re.escape(flag) + r' : (\d)', fadt)
        check(m and int(m.group(1)) == want, f'FADT flag {flag!r}: want {want}')
    check(re.search(r'Address : 0000000000000CF9', fadt) is not None, 'FADT reset register')
    madt = texts.get('APIC', '')
    lapics = re.findall(r'Local Apic ID : ([0-9A-F]+)', madt)
    check([int(x, 16) for x in lapics] == list(range(NR_VCPUS)),
          f'MADT local APIC IDs {lapics}, want 0..{NR_VCPUS - 1}')
    check(field(madt, 'Address') == plat['IOAPIC_BASE'], 'MADT IOAPIC address')
    iso = re.search(r'Interrupt Source Override\].*?Bus : 00.*?Source : ([0-9A-F]+).*?'
                    r'Interrupt : ([0-9A-F]+).*?Polarity : (\d).*?Trigger Mode : (\d)', madt, re.S)
    want = (plat['SCI_GSI'], plat['SCI_GSI'], 1, 3)  # active high, level
    got = iso and (int(iso.group(1), 16), int(iso.group(2), 16), int(iso.group(3)),
                   int(iso.group(4)))
    check(got == want, f'MADT override for the SCI: {got}, want {want}')


def crs_bytes(out):
    m = re.search(r'Evaluating \\_SB.COM1._CRS.*?\[Buffer\] Length [0-9A-F]+ = +0000: ((?:[0-9A-F]{2} )+)',
                  out, re.S)
    return bytes(int(b, 16) for b in m.group(1).split()) if m else b''


def buffer_bytes(out, path):
    """The bytes of a Buffer acpiexec printed for `path` (hex lines `0000: 86 09 ...`)."""
    m = re.search(r'Evaluating ' + re.escape(path) + r'\n.*\n +\[Buffer\] Length [0-9A-F]+ = *\n'
                  r'((?: +[0-9A-F]{4}: (?:[0-9A-F]{2} )+.*\n)+)', out)
    if not m:
        return b''
    data = b''
    for line in m.group(1).splitlines():
        hexpart = line.split(':', 1)[1].split('//')[0]
        data += bytes(int(b, 16) for b in hexpart.split())
    return data


def evaluated(out, path, kind):
    m = re.search(r'Evaluating ' + re.escape(path) + r'\n.*?\n +\[' + kind + r'\] (.*)', out)
    return m.group(1) if m else None


def check_dm_devices(out, plat):
    for n in range(8):
        dev = rf'\_SB.VD0{n}'
        sta = evaluated(out, dev + '._STA', 'Integer')
        want = 0x0F if DM_SLOTS & (1 << n) else 0
        if not check(sta is not None and int(sta.split('=')[1], 16) == want,
                     f'{dev}._STA = {sta}, want {want:#x} for slot mask {DM_SLOTS:#x}') or not want:
            continue
        hid = evaluated(out, dev + '._HID', 'String')
        check(hid is not None and hid.endswith('"LNRO0005"'), f'{dev}._HID {hid}')
        uid = evaluated(out, dev + '._UID', 'Integer')
        check(uid is not None and int(uid.split('=')[1], 16) == n, f'{dev}._UID {uid}')
        crs = buffer_bytes(out, dev + '._CRS')
        # Memory32Fixed (0x86, 9 bytes, read-write), Extended Interrupt (0x89), end tag.
        if not check(len(crs) >= 21 and crs[0] == 0x86 and crs[12] == 0x89,
                     f'{dev}._CRS: {crs.hex()}'):
            continue
        rw, base, length = struct.unpack_from('<BII', crs, 3)
        want_base = plat['DM_BASE'] + n * plat['DM_SLOT_SIZE']
        check(rw == 1 and base == want_base and length == 0x200,
              f'{dev} MMIO rw={rw} {base:#x}+{length:#x}, want {want_base:#x}+0x200')
        flags, count, gsi = struct.unpack_from('<BBI', crs, 15)
        # Flags: consumer (bit 0), level (bit 1 clear), active high (bit 2 clear), exclusive.
        check(flags == 0x01 and count == 1 and gsi == plat['DM_GSI_FIRST'] + n,
              f'{dev} interrupt flags {flags:#x} GSI {gsi}, want 0x1 {plat["DM_GSI_FIRST"] + n}')


def check_aml(tables, workdir, plat):
    files = []
    for sig in ('FACP', 'DSDT', 'APIC', 'FACS'):
        files.append(sig.lower() + '.dat')
    dm = ''.join(rf'; evaluate \_SB.VD0{n}.{m}' for n in range(8)
                 for m in ('_STA', '_HID', '_UID', '_CRS'))
    rc, out = run(['acpiexec', '-b', r'evaluate \_S5; evaluate \_SB.COM1._CRS; '
                   r'evaluate \_SB.COM1._HID' + dm] + files, workdir)
    with open(os.path.join(workdir, 'acpiexec.log'), 'w') as f:
        f.write(out)
    if not check(rc == 0, f'acpiexec exit {rc}'):
        return
    check('1 ACPI AML tables successfully acquired and loaded' in out, 'acpiexec loads the DSDT')
    s5 = re.search(r'Evaluating \\_S5.*?Contains 4 Elements:\s*\[Integer\] = ([0-9A-F]+)', out,
                   re.S)
    check(s5 and int(s5.group(1), 16) == plat['SLP_TYP_S5'],
          f'\\_S5 SLP_TYPa: {s5 and s5.group(1)}, want {plat["SLP_TYP_S5"]}')
    check(re.search(r'Evaluating \\_SB.COM1._HID.*?\[Integer\] = 000000000105D041', out, re.S)
          is not None, 'COM1 _HID is EISAID PNP0501')
    crs = crs_bytes(out)
    # Small resources: IO port descriptor (0x47) then IRQ descriptor (0x22), end tag.
    io = crs[:8]
    if check(len(io) == 8 and io[0] == 0x47, f'COM1 _CRS starts with an IO descriptor: {crs.hex()}'):
        lo, hi, _, length = struct.unpack_from('<HHBB', io, 2)
        check(lo == hi == plat['UART_PORT'] and length == 8, f'COM1 ports {lo:#x} x {length}')
    irq = crs[8:11]
    if check(len(irq) == 3 and irq[0] == 0x22, f'COM1 _CRS has an IRQ descriptor: {crs.hex()}'):
        mask = struct.unpack_from('<H', irq, 1)[0]
        check(mask == 1 << plat['UART_GSI'], f'COM1 IRQ mask {mask:#x}')
    check_dm_devices(out, plat)


def main():
    exe, vireo_h, workdir = sys.argv[1:4]
    for tool in ('iasl', 'acpiexec'):
        if shutil.which(tool) is None:
            print(f'FAIL: {tool} not found (Debian package acpica-tools)')
            return 1
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    area_path = os.path.join(workdir, 'area.bin')
    subprocess.run([exe, '--dump', area_path, str(NR_VCPUS), hex(DM_SLOTS)], check=True)
    with open(area_path, 'rb') as f:
        area = f.read()
    plat = platform_constants(vireo_h)
    tables = find_tables(area)
    if tables:
        texts = disassemble(tables, workdir)
        check_disassembly(texts, plat)
        check_aml(tables, workdir, plat)
    for what in failures:
        print('FAIL:', what)
    print('acpi tables under ACPICA:', 'FAILED' if failures else 'ok',
          f'({len(tables)} tables, logs in {workdir})')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
