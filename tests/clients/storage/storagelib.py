# SPDX-License-Identifier: GPL-2.0-only
"""Helpers for the storage client tests: a virtvireod whose private root (and so its
default pool) lives under the build directory, stock virsh, python3-libvirt, checksums."""
import contextlib
import hashlib
import os
import signal
import tempfile

import clientlib  # tests/clients/rpc
import vdrpc  # tests/protocol
from vdrpc import check

# Every root a test makes sits under the build directory and is removed afterwards.
os.makedirs(os.environ["VD_STORAGE_TEST_TMP"], exist_ok=True)
tempfile.tempdir = os.environ["VD_STORAGE_TEST_TMP"]

daemon = vdrpc.daemon
main = vdrpc.main
abort_within = clientlib.abort_within

VIR_FROM_STORAGE = 18


def uri(d):
    return "vireo+unix:///system?socket=" + d.sock


def virsh(d, *args, ok=True, timeout=60):
    return clientlib.virsh(uri(d), *args, ok=ok, timeout=timeout)


def virsh_error(d, *args):
    """virsh must fail; returns its error text."""
    return virsh(d, *args, ok=False).stderr


def conn(d):
    import libvirt
    libvirt.registerErrorHandler(lambda ctx, err: None, None)
    return libvirt.open(uri(d))


def expect_error(fn, code, needle=""):
    """fn() must raise libvirt's error with this code (and needle in its message)."""
    import libvirt
    try:
        fn()
    except libvirt.libvirtError as e:
        check(e.get_error_code() == code, (e.get_error_code(), code, str(e)))
        check(needle in str(e), (needle, str(e)))
        return e
    raise vdrpc.CheckFailed("no error raised, expected code %d" % code)


def wait_until_free(c, start, timeout=10):
    """start(stream) on a new stream of c, retried while the volume is busy with a transfer
    the daemon has not dropped yet (a connection closing is seen asynchronously)."""
    import time
    import libvirt
    deadline = time.monotonic() + timeout
    while True:
        st = c.newStream(0)
        try:
            start(st)
            return st
        except libvirt.libvirtError as e:
            if "is busy" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def random_file(path, size):
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    return path


def kill_and_restart(d):
    """SIGKILL the daemon and start another on the same root (its stale sockets go)."""
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(10)
    d.log.close()
    for path in (d.sock, d.sock_ro):
        if os.path.exists(path):
            os.unlink(path)
    return vdrpc.Daemon(d.tmp)


@contextlib.contextmanager
def restartable_daemon():
    """A daemon in a fresh root that the test may kill and replace: yields a holder whose
    .d is the current daemon; the last one is stopped and the root removed at the end."""
    import shutil

    class Holder:
        pass
    h = Holder()
    root = tempfile.mkdtemp(prefix="vd-storage-")
    h.d = vdrpc.Daemon(root)
    try:
        yield h
    except BaseException:
        print("---- daemon log ----\n" + h.d.log_text()[-4000:])
        raise
    finally:
        h.d.stop()
        shutil.rmtree(root, ignore_errors=True)
