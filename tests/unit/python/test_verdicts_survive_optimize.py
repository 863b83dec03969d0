# SPDX-License-Identifier: GPL-2.0-only
"""Python test verdicts survive python3 -O (CI runs the suites that way): no bare assert
statement in tests/ or bench/, and vdrpc.check() still fails a test under -O where an
assert would pass silently."""
import ast
import os
import subprocess
import sys

ROOT = sys.argv[1]
PROTOCOL = os.path.join(ROOT, "tests", "protocol")


def bare_asserts():
    found = []
    for top in ("tests", "bench"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if not name.endswith(".py"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    tree = ast.parse(f.read(), path)
                found += ["%s:%d" % (os.path.relpath(path, ROOT), n.lineno)
                          for n in ast.walk(tree) if isinstance(n, ast.Assert)]
    return found


def run_optimized(code):
    env = dict(os.environ, PYTHONPATH=PROTOCOL, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-O", "-c", code], env=env, capture_output=True,
                          text=True, timeout=60).returncode


def main():
    print("this run: python optimize level %d" % sys.flags.optimize)
    failures = []
    found = bare_asserts()
    if found:
        failures.append("bare assert statements (python3 -O drops them; use vdrpc.check):\n  "
                        + "\n  ".join(found))
    if run_optimized("assert False") != 0:
        failures.append("python3 -O kept a bare assert: this check proves nothing here")
    if run_optimized("import vdrpc; vdrpc.check(False, 'verdict')") == 0:
        failures.append("vdrpc.check(False) passed under python3 -O")
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: no bare assert; check() fails under -O where assert would not")
    sys.exit(1 if failures else 0)


main()
