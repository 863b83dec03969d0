# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for the configuration client tests: a virtvireod in a private root (through
tests/protocol/vdrpc.py), stock virsh with a bounded timeout, the XML corpus and schemas."""
import os
import subprocess
import sys

import clientlib  # tests/clients/rpc
import vdrpc  # tests/protocol
from vdrpc import check

CORPUS = os.environ["VIREO_XML_CORPUS"]
SCHEMAS = os.environ["VIREO_SCHEMAS"]


def skip(why):
    print("SKIP: " + why)
    sys.exit(77)


def require(path, package):
    if not os.path.exists(path):
        skip("%s not installed (%s)" % (path, package))


def uri(d):
    return "vireo+unix:///system?socket=" + d.sock


def virsh(d, *args, ok=True, timeout=60):
    """virsh against daemon d (tests/clients/rpc/clientlib.py does the checking)."""
    return clientlib.virsh(uri(d), *args, ok=ok, timeout=timeout)


def expect_error(fn, code, needle):
    """fn() must raise python3-libvirt's error with this code and needle in its message;
    returns the error."""
    import libvirt  # only the python3-libvirt tests come here
    try:
        fn()
    except libvirt.libvirtError as e:
        check(e.get_error_code() == code, (e.get_error_code(), str(e)))
        check(needle in str(e), str(e))
        return e
    raise AssertionError("no error raised, expected code %d" % code)


def corpus(kind, name):
    return os.path.join(CORPUS, kind, name)


def write(d, name, text):
    path = os.path.join(d.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def validate(d, text, schema):
    """xmllint --relaxng against one of xml-schemas/*.rng; raises with its message."""
    path = write(d, "doc.xml", text)
    r = subprocess.run(["xmllint", "--noout", "--relaxng", os.path.join(SCHEMAS, schema), path],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, r.stderr)


def needs_real_daemon():
    if not os.environ.get("VIRTVIREOD") or not os.path.exists(os.environ["VIRTVIREOD"]):
        skip("virtvireod is not built")


daemon = vdrpc.daemon
main = vdrpc.main


def new_uuid():
    import uuid
    return str(uuid.uuid4())
