#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""hv benchmarks, in guest TSC cycles, from one invocation (meson compile bench-hv):
  - null-hypercall round trip beside the floor of every exit, an intercepted INVD that
    hv only skips (bench_hypercall guest, measured in turn in one run);
  - vCPU switch cost: two vCPUs of one domain yielding to each other on the single domU
    CPU of -smp 2 (bench_switch guest);
  - CPU-bound workload under hv / the same object run natively by the same QEMU with no
    hv (bench_workload guest vs the bench_native multiboot2 kernel), booted alternately
    --rounds times so drift in the host's load hits both sides alike.
Every boot uses the tests' harness (tests/hv/harness.py): TCG only, bounded time."""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "hv"))
from harness import Domain, HvRun, Machine, TestFailure  # noqa: E402

WORKLOAD_LINE = r"^workload: run=\d+ cycles=(\d+) result=(0x[0-9a-f]+)"


def workload_cycles(machine, log, prefix=""):
    """Minimum cycles of the three runs one boot prints (the least disturbed run)."""
    runs = [machine.expect(prefix + WORKLOAD_LINE[1:], log=log) for _ in range(3)]
    results = {m.group(2) for m in runs}
    if len(results) != 1:
        raise TestFailure(f"workload results differ between runs: {results}")
    return min(int(m.group(1)) for m in runs), results.pop()


def native_workload(args, round_no):
    logs = os.path.join(args.logs, f"native-{round_no}")
    with Machine(logs, args.native, timeout=120) as m:
        cycles, result = workload_cycles(m, "com1")
    return cycles, result


def hv_workload(args, round_no):
    logs = os.path.join(args.logs, f"hv-workload-{round_no}")
    with HvRun(logs, args.hv, args.guests, [Domain("bench_workload", cmdline="runs=3")],
               timeout=180) as run:
        cycles, result = workload_cycles(run, run.hv_log, prefix=r"^\(d\d+ bench_workload\) ")
        run.wait_all_finished()
    return cycles, result


def hv_guest_line(args, logs_name, domain, pattern, smp=2):
    with HvRun(os.path.join(args.logs, logs_name), args.hv, args.guests, [domain], smp=smp,
               timeout=180) as run:
        m = run.guest_line(domain.name, pattern)
        run.wait_all_finished()
        return m


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hv", default="", help="hv.elf; without it only the native side runs")
    p.add_argument("--guests", required=True, help="build directory of tests/guests")
    p.add_argument("--logs", default="bench-hv-logs")
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    args.native = os.path.join(args.guests, "bench_native.elf")
    have_hv = bool(args.hv) and os.path.exists(args.hv)
    machine = None
    try:
        if have_hv:
            m = hv_guest_line(args, "hypercall", Domain("bench_hypercall",
                              cmdline="count=200 batches=5"),
                              r"bench: null_hypercall_cycles=(\d+) empty_loop_cycles=(\d+) "
                              r"calls=\d+ empty_exit_cycles=(\d+)")
            call, loop, floor = (int(m.group(i)) for i in (1, 2, 3))
            print(f"null hypercall round trip: {call} guest TSC cycles "
                  f"(empty loop iteration: {loop})")
            print(f"empty exit (RDMSR of MTRRcap: hv returns 0, nothing else): {floor} guest TSC "
                  f"cycles; null hypercall / empty exit: {call / floor:.3f} (same run)")
            m = hv_guest_line(args, "switch", Domain("bench_switch", vcpus=2,
                              cmdline="count=100 batches=5"),
                              r"bench: yield_solo_cycles=(\d+) yield_switch_cycles=(\d+) "
                              r"switched=(\d+)/(\d+)")
            print(f"vCPU switch (yield to the other vCPU on one CPU): {m.group(2)} guest TSC "
                  f"cycles; yield with nobody to switch to: {m.group(1)} "
                  f"({m.group(3)}/{m.group(4)} yields switched)")
        else:
            print("hv not built: hypercall, switch and under-hv workload figures skipped")

        ratios, natives, guests = [], [], []
        for r in range(1, args.rounds + 1):
            native, native_result = native_workload(args, r)
            natives.append(native)
            if not have_hv:
                continue
            guest, guest_result = hv_workload(args, r)
            if guest_result != native_result:
                raise TestFailure(f"workload result {guest_result} under hv, "
                                  f"{native_result} natively")
            guests.append(guest)
            ratios.append(guest / native)
        print("workload native cycles per round: " + " ".join(map(str, natives)))
        if have_hv:
            print("workload under-hv cycles per round: " + " ".join(map(str, guests)))
            # Other load on the host only ever adds cycles: the fastest run of each side
            # is its least disturbed one, so min/min is the headline, the median beside it.
            print(f"workload under hv / native: {min(guests) / min(natives):.3f} (fastest "
                  f"runs); median of per-round ratios {statistics.median(ratios):.3f} "
                  f"({' '.join(f'{x:.3f}' for x in ratios)}; {len(ratios)} alternating rounds)")
    except TestFailure as e:
        print(f"bench-hv: FAILED: {e} (logs under {args.logs})")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
