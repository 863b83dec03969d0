# SPDX-License-Identifier: GPL-2.0-only
"""`virsh -c vireo:///system` with no socket parameter finds the daemon at libvirt's
derived path /run/libvirt/virtvireod-sock (and -ro with -r). Runs in a private mount
namespace with a temporary directory bound over /run/libvirt, so a real daemon on this
host is never touched; skipped (77) without root or unshare."""
import os
import shutil
import subprocess
import sys

import clientlib



def default_uri_reaches_the_derived_socket():
    import vdrpc
    root = vdrpc.tempfile.mkdtemp(prefix="vd-rpc-uri-")
    try:
        os.makedirs(os.path.join(root, "run", "libvirt"))
        script = os.path.join(root, "inner.py")
        with open(script, "w") as f:
            f.write(INNER_PY)
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            'mkdir -p /run/libvirt && mount --bind "$1/run/libvirt" '
                            '/run/libvirt && exec "$2" "$3" "$1"',
                            "sh", root, sys.executable, script],
                           capture_output=True, text=True, timeout=120)
        print(r.stdout.strip())
        check(r.returncode == 0, r.stdout + r.stderr)
        check("default-uri-ok" in r.stdout, r.stdout)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# Runs inside the namespace: a daemon whose root's run/libvirt is now /run/libvirt.
INNER_PY = r'''
import os, re, subprocess, sys
import vdrpc, clientlib
root = sys.argv[1]
d = vdrpc.Daemon(root)
try:
    vdrpc.check(os.path.exists("/run/libvirt/virtvireod-sock"), os.listdir("/run/libvirt"))
    out = clientlib.virsh("vireo:///system", "uri").stdout.strip()
    vdrpc.check(out == "vireo:///system", out)
    out = clientlib.virsh("vireo:///system", "version").stdout
    vdrpc.check("Using API: Vireo" in out, out)
    xml = clientlib.write_domain(root, "uri1")
    clientlib.virsh("vireo:///system", "define", xml)
    r = subprocess.run(["virsh", "-r", "-c", "vireo:///system", "list", "--all"],
                       capture_output=True, text=True, timeout=60)
    vdrpc.check(r.returncode == 0 and "uri1" in r.stdout, r.stdout + r.stderr)
    print("default-uri-ok")
finally:
    d.stop()
'''

if os.geteuid() != 0:
    clientlib.skip("needs root for a private mount namespace")
if not shutil.which("unshare") or not shutil.which("mount"):
    clientlib.skip("unshare/mount not available")
clientlib.require_virsh()
import vdrpc  # noqa: E402
from vdrpc import check  # noqa: E402
vdrpc.main([default_uri_reaches_the_derived_socket])
