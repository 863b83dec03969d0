# SPDX-License-Identifier: GPL-2.0-only
"""polkit on the read-write socket: a non-root client is offered polkit; one that polkit
authorizes for org.libvirt.unix.manage gets in, one it does not is refused
(VIR_ERR_AUTH_FAILED) and can make no call; root is let in without asking. Runs a private
system bus and the real polkitd in a mount namespace that gives it our action file and a
rule allowing only 'nobody'; skipped (77) when not root or either is missing."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import vdrpc
from vdrpc import RawClient
from vdrpc import check

POLKITD = "/usr/lib/polkit-1/polkitd"
NOBODY = 65534
DAEMON_USER = 1  # "daemon": another non-root user, not authorized by the rule

POLICY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1.0/policyconfig.dtd">
<policyconfig>
  <action id="org.libvirt.unix.manage">
    <description>Manage Vireo domains (test)</description>
    <message>Managing domains needs authorization</message>
    <defaults>
      <allow_any>auth_admin_keep</allow_any>
      <allow_inactive>auth_admin_keep</allow_inactive>
      <allow_active>auth_admin_keep</allow_active>
    </defaults>
  </action>
</policyconfig>
"""

RULE = """polkit.addRule(function(action, subject) {
    if (action.id == "org.libvirt.unix.manage" && subject.user == "nobody")
        return polkit.Result.YES;
});
"""

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

# Runs as a non-root user: AUTH_LIST, AUTH_POLKIT, then a call.
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
    c.open()
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


def polkit_decides_for_non_root_clients():
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
        actions = os.path.join(tmp, "actions")
        rules = os.path.join(tmp, "rules.d")
        os.makedirs(actions, mode=0o755)
        os.makedirs(rules, mode=0o755)
        with open(os.path.join(actions, "org.libvirt.unix.policy"), "w") as f:
            f.write(POLICY)
        with open(os.path.join(rules, "50-vireo-test.rules"), "w") as f:
            f.write(RULE)
        polkit_log = open(os.path.join(tmp, "polkitd.log"), "w")
        pk = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             'mount --bind "$1" /usr/share/polkit-1/actions && '
             'mount --bind "$2" /etc/polkit-1/rules.d && exec "$3" --no-debug',
             "sh", actions, rules, POLKITD],
            env=env, stdout=polkit_log, stderr=subprocess.STDOUT)
        procs.append(pk)
        with vdrpc.daemon(polkit=True, rw_perms="0777", env=env) as d:
            os.chmod(d.tmp, 0o755)
            script = os.path.join(tmp, "client.py")
            with open(script, "w") as f:
                f.write(NOBODY_CLIENT)

            def run_as(uid):
                r = subprocess.run(["/usr/bin/python3", script, d.sock], capture_output=True,
                                   text=True, timeout=60, user=uid, group=uid,
                                   env=dict(os.environ,
                                            PYTHONPATH=os.path.dirname(vdrpc.__file__)))
                return r.stdout + r.stderr

            deadline = time.time() + 20
            out = ""
            while time.time() < deadline:  # polkitd takes a moment to own its name
                out = run_as(DAEMON_USER)
                if "ServiceUnknown" not in out and "not provided by any" not in out:
                    break
                time.sleep(0.5)
            print("uid 1:", out.strip())
            check("auth [2]" in out, out)
            # refused by polkitd's verdict, not for want of reaching it
            check("polkit refused 45" in out and "denied by policy" in out, out)
            check("call refused 39" in out and "authentication required" in out, out)
            check("polkit refused org.libvirt.unix.manage" in d.log_text(), '"polkit refused org.libvirt.unix.manage" in d.log_text()')

            out = run_as(NOBODY)
            print("uid 65534:", out.strip())
            check("auth [2]" in out and "polkit allowed" in out, out)
            check("call allowed" in out, out)
            # root is not asked
            c = RawClient(d.sock)
            r = vdrpc.Reader(c.call(66))
            check(r.u32() == 1 and r.u32() == 0, 'r.u32() == 1 and r.u32() == 0')
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
vdrpc.main([polkit_decides_for_non_root_clients])
