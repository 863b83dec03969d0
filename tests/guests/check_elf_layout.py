#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks that test-guest images are what hv's ELF loader accepts (public/vireo.h):
static x86-64 executables whose PT_LOAD segments sit at or above 1 MiB, identity-mapped,
with the entry point inside executable code. Images after --multiboot2 must also carry
a valid multiboot2 header in their first 32 KiB (GRUB boots them without hv)."""
import struct
import sys

ELF_MIN_PADDR = 0x100000
IMAGE_MAX_END = 8 << 20  # leaves the top of a 16 MiB guest to the builder's area
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PF_X = 1
MB2_MAGIC = 0xE85250D6


def check_elf(path, data):
    errors = []
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return [f"{path}: not a little-endian ELF64 file"]
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    e_entry, e_phoff = struct.unpack_from("<QQ", data, 24)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    if e_type != 2:
        errors.append(f"{path}: e_type {e_type}, want ET_EXEC (2): built as PIE?")
    if e_machine != 62:
        errors.append(f"{path}: e_machine {e_machine}, want x86-64 (62)")
    loads = []
    for i in range(e_phnum):
        p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz = struct.unpack_from(
            "<IIQQQQQ", data, e_phoff + i * e_phentsize)
        if p_type in (PT_DYNAMIC, PT_INTERP):
            errors.append(f"{path}: has a PT_DYNAMIC/PT_INTERP segment: not static")
        if p_type != PT_LOAD:
            continue
        loads.append((p_paddr, p_memsz, p_flags))
        if p_paddr < ELF_MIN_PADDR or p_paddr + p_memsz > IMAGE_MAX_END:
            errors.append(f"{path}: PT_LOAD [{p_paddr:#x}, {p_paddr + p_memsz:#x}) "
                          f"outside [{ELF_MIN_PADDR:#x}, {IMAGE_MAX_END:#x})")
        if p_vaddr != p_paddr:
            errors.append(f"{path}: PT_LOAD vaddr {p_vaddr:#x} != paddr {p_paddr:#x}")
        if p_filesz > p_memsz:
            errors.append(f"{path}: PT_LOAD filesz > memsz")
    if not loads:
        errors.append(f"{path}: no PT_LOAD segment")
    if not any(start <= e_entry < start + size and flags & PF_X for start, size, flags in loads):
        errors.append(f"{path}: entry {e_entry:#x} is not in an executable PT_LOAD segment")
    return errors


def check_multiboot2(path, data):
    for off in range(0, min(len(data), 32768) - 16, 8):
        magic, arch, length, checksum = struct.unpack_from("<IIII", data, off)
        if magic == MB2_MAGIC:
            if (magic + arch + length + checksum) & 0xFFFFFFFF:
                return [f"{path}: multiboot2 header at {off:#x} has a bad checksum"]
            return []
    return [f"{path}: no multiboot2 header in the first 32 KiB"]


def main(args):
    errors, multiboot2, checked = [], False, 0
    for arg in args:
        if arg == "--multiboot2":
            multiboot2 = True
            continue
        with open(arg, "rb") as f:
            data = f.read()
        errors += check_elf(arg, data)
        if multiboot2:
            errors += check_multiboot2(arg, data)
        checked += 1
    for e in errors:
        print(e)
    print(f"{checked} images checked, {len(errors)} problems")
    return 1 if errors or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
