# SPDX-License-Identifier: GPL-2.0-only
"""virsh and the daemon's client bookkeeping: an idle `virsh event --loop` keeps a daemon
started with --timeout 2 alive, which exits about 2 s after virsh leaves; over max_clients
virsh prints libvirtd's "Too many active clients" and gets in once a place is free; virsh
drives a daemon started through systemd socket activation on the rw and ro sockets."""
import os
import subprocess
import time

import clientlib
import test_virsh
import vdrpc
from clientlib import virsh
from vdrpc import check

TIMEOUT = 2


def idle_event_loop_keeps_timeout_daemon_up():
    if not os.environ.get("VIRTVIREOD"):
        print("  note: virtvireod not built; --timeout needs it")
        return
    with vdrpc.daemon(timeout=TIMEOUT, real=True) as d:
        watcher = subprocess.Popen(["virsh", "-c", clientlib.unix_uri(d), "event", "--loop",
                                    "--all"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            time.sleep(TIMEOUT + 2.5)
            check(d.alive(), "daemon exited under an idle virsh event --loop:\n" + d.log_text())
            check(watcher.poll() is None, "virsh event --loop ended by itself")
        finally:
            left = time.time()
            watcher.terminate()
            watcher.wait(10)
        try:
            d.proc.wait(TIMEOUT + 8)
        except subprocess.TimeoutExpired:
            raise AssertionError("daemon still up after virsh left:\n" + d.log_text())
        delay = time.time() - left
        check(TIMEOUT - 0.5 <= delay <= TIMEOUT + 2.5, "exited %.1f s after virsh" % delay)
        check("idle for %d s, exiting" % TIMEOUT in d.log_text(), d.log_text())


def virsh_over_max_clients_is_told_why():
    with vdrpc.daemon(max_clients=2) as d:
        uri = clientlib.unix_uri(d)
        held = [vdrpc.RawClient(d.sock), vdrpc.RawClient(d.sock_ro)]
        for c in held:
            c.open()
        err = virsh(uri, "list", "--all", ok=False, timeout=30).stderr
        check("Too many active clients (2)" in err, err)
        held.pop().close()
        deadline = time.time() + 5
        while virsh(uri, "list", "--all", ok=None, timeout=30).returncode != 0:
            check(time.time() < deadline, "a freed place was never given to virsh")
            time.sleep(0.1)


def virsh_through_socket_activation():
    if not os.path.exists(vdrpc.SOCKET_ACTIVATE):
        print("  note: systemd-socket-activate missing (package systemd)")
        return
    with vdrpc.socket_activated(lambda root: vdrpc.sockets_under(
            root, "virtvireod-sock", "virtvireod-sock-ro")) as d:
        test_virsh.everyday_commands(clientlib.unix_uri(d), d.tmp)
        ro = "vireo+unix:///system?socket=" + d.sock_ro
        check("Id" in virsh(ro, "list", "--all").stdout, '"Id" in virsh(ro, "list", "--all").stdout')
        err = virsh(ro, "define", clientlib.write_domain(d.tmp, "ro-act"), ok=False).stderr
        check("read only" in err, err)
        log = d.log_text()
        check(log.count("on the socket systemd passed") == 2, log)


clientlib.require_virsh()
vdrpc.main([idle_event_loop_keeps_timeout_daemon_up, virsh_over_max_clients_is_told_why,
            virsh_through_socket_activation])
