# SPDX-License-Identifier: GPL-2.0-only
"""polkit on the read-write socket: a non-root client is offered polkit, and without an
authorization for org.libvirt.unix.manage it is refused (VIR_ERR_AUTH_FAILED) and can
make no call; root is let in without asking. Runs a private system bus and the real
polkitd; skipped (77) when not root or either is missing."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import vdrpc
from vdrpc import RawClient

POLKITD = "/usr/lib/polkit-1/polkitd"
NOBODY = 65534

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""

# Runs as uid 65534: AUTH_LIST, AUTH_POLKIT, then a call that must be refused.
NOBODY_CLIENT = """
import sys, vdrpc
c = vdrpc.RawClient(sys.argv[1])
r = vdrpc.Reader(c.call(66))
types = [r.u32() for _ in range(r.u32())]
print("auth", types)
try:
    c.call(70)
    print("polkit allowed")
except vdrpc.RpcError as e:
    print("polkit refused", e.code, e.message)
try:
    c.call(3)
    print("call allowed")
except vdrpc.RpcError as e:
    print("call refused", e.code, e.message)
"""


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def wait_for(path, proc, what):
    deadline = time.time() + 15
    while not os.path.exists(path):
        if proc.poll() is not None or time.time() > deadline:
            raise RuntimeError(what + " did not start")
        time.sleep(0.05)


def non_root_client_without_authorization_is_refused():
    tmp = tempfile.mkdtemp(prefix="vd-polkit-")
    os.chmod(tmp, 0o755)
    procs = []
    try:
        bus_sock = os.path.join(tmp, "system_bus_socket")
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(BUS_CONFIG % bus_sock)
        bus = subprocess.Popen(["dbus-daemon", "--config-file", conf, "--nofork", "--nopidfile"],
                               stderr=subprocess.DEVNULL)
        procs.append(bus)
        wait_for(bus_sock, bus, "dbus-daemon")
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=" + bus_sock)
        polkit_log = open(os.path.join(tmp, "polkitd.log"), "w")
        pk = subprocess.Popen([POLKITD, "--no-debug"], env=env, stdout=polkit_log,
                              stderr=subprocess.STDOUT)
        procs.append(pk)
        with vdrpc.daemon(polkit=True, rw_perms="0777", env=env) as d:
            os.chmod(d.tmp, 0o755)
            deadline = time.time() + 20
            out = ""
            while time.time() < deadline:  # polkitd takes a moment to own its name
                script = os.path.join(tmp, "nobody.py")
                with open(script, "w") as f:
                    f.write(NOBODY_CLIENT)
                r = subprocess.run(["/usr/bin/python3", script, d.sock], capture_output=True,
                                   text=True, timeout=60, user=NOBODY, group=NOBODY,
                                   env=dict(os.environ,
                                            PYTHONPATH=os.path.dirname(vdrpc.__file__)))
                out = r.stdout + r.stderr
                if "ServiceUnknown" not in out and "not provided by any" not in out:
                    break
                time.sleep(0.5)
            print(out.strip())
            assert "auth [2]" in out, out
            assert "polkit refused 45" in out, out
            assert "call refused 39" in out and "authentication required" in out, out
            assert "polkit refused org.libvirt.unix.manage" in d.log_text()
            # root is not asked
            c = RawClient(d.sock)
            r = vdrpc.Reader(c.call(66))
            assert r.u32() == 1 and r.u32() == 0
            c.open()
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if os.geteuid() != 0:
    skip("needs root to run a client as another user")
if not os.path.exists(POLKITD) or not shutil.which("dbus-daemon"):
    skip("polkitd or dbus-daemon not installed")
vdrpc.main([non_root_client_without_authorization_is_refused])
