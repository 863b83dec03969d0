#!/usr/bin/env python3
"""hv's backtrace symbol table comes from a first link; every function must sit at the
same address in the final hv.elf, or backtraces would name the wrong functions."""
import subprocess
import sys


def text_symbols(elf):
    out = subprocess.run(['nm', '-n', '--defined-only', elf], check=True, capture_output=True,
                         text=True).stdout
    return {p[2]: p[0] for p in (l.split() for l in out.splitlines())
            if len(p) == 3 and p[1] in 'tT'}


stage1, final = text_symbols(sys.argv[1]), text_symbols(sys.argv[2])
moved = [n for n in stage1 if final.get(n) != stage1[n]]
if moved or not stage1:
    print('functions moved between the links:', moved[:10] or 'no symbols at all')
    sys.exit(1)
print(f'{len(stage1)} functions at the same address in both links')
