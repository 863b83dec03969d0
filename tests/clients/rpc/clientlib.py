# SPDX-License-Identifier: GPL-2.0-only
"""Stock-client helpers for the 'clients' suite: run virsh with a bounded timeout and
report what it printed when an expectation fails."""
import os
import subprocess
import sys
import threading

import vdrpc  # noqa: F401  (tests/protocol is on PYTHONPATH)

DOM_UUID = "5a1e0c3d-9f2b-4c8e-b7a1-0123456789ab"


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def require_virsh():
    if not os.path.exists("/usr/bin/virsh"):
        skip("virsh not installed (libvirt-clients)")


free_port = vdrpc.free_port


def abort_within(st, timeout=30):
    """st.abort() (virStreamAbort, which waits for the server's answer) must return, without
    error, within timeout seconds; a thread keeps a missing answer from hanging the test."""
    import libvirt
    outcome = []

    def abort():
        try:
            st.abort()
            outcome.append("returned")
        except libvirt.libvirtError as e:
            outcome.append("error: %s" % e)

    t = threading.Thread(target=abort, daemon=True)
    t.start()
    t.join(timeout)  # an answered abort returns at once: the timeout is hang detection only
    vdrpc.check(outcome, "virStreamAbort did not return within %d s" % timeout)
    vdrpc.check(outcome == ["returned"], "virStreamAbort failed:", outcome)


def unix_uri(d):
    return "vireo+unix:///system?socket=" + d.sock


def virsh(uri, *args, ok=True, timeout=60, stdin=None):
    """ok: True = must succeed, False = must fail, None = either."""
    r = subprocess.run(["virsh", "-c", uri] + list(args), capture_output=True, text=True,
                       timeout=timeout, input=stdin)
    if ok and r.returncode != 0:
        raise AssertionError("virsh %s failed (%d):\n%s%s" % (" ".join(args), r.returncode,
                                                              r.stdout, r.stderr))
    if ok is False and r.returncode == 0:
        raise AssertionError("virsh %s succeeded:\n%s" % (" ".join(args), r.stdout))
    return r


def write_domain(tmp, name, uuid=DOM_UUID):
    path = os.path.join(tmp, name + ".xml")
    with open(path, "w") as f:
        f.write(vdrpc.domain_xml(name, uuid))
    return path
