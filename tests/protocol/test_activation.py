# SPDX-License-Identifier: GPL-2.0-only
"""systemd socket activation: started by systemd-socket-activate, the daemon serves the
sockets it was passed (matched by address: rw, ro, TCP), binds the configured ones it was
not passed, closes passed ones nobody configured, ignores LISTEN_* meant for another
process, and leaves the passed socket files to their owner."""
import os
import socket

import vdrpc
from vdrpc import RawClient, Reader
from vdrpc import check

activated = vdrpc.socket_activated
sockets = vdrpc.sockets_under


def passed_rw_ro_and_tcp_sockets_are_served():
    port = vdrpc.free_port()
    with activated(lambda r: sockets(r, "virtvireod-sock", "virtvireod-sock-ro") +
                   ["127.0.0.1:%d" % port], tcp_port=port) as d:
        rw = RawClient(d.sock)
        rw.open()
        dom = vdrpc.define(rw, "act1", "3f1d2c4b-5a69-4788-9aab-0123456789ab")
        ro = RawClient(d.sock_ro)
        ro.open()
        try:
            vdrpc.undefine(ro, dom)
            raise AssertionError("the passed read-only socket accepted a change")
        except vdrpc.RpcError as e:
            check(e.code == 29, e)  # OPERATION_DENIED: it is the read-only listener
        tcp = RawClient(("127.0.0.1", port))
        tcp.open()
        check(Reader(tcp.call(149)).i32() == 0, 'Reader(tcp.call(149)).i32() == 0')  # plain TCP, not secure
        vdrpc.undefine(rw, dom)
        log = d.log_text()
        for what in (d.sock, d.sock_ro, "127.0.0.1:%d" % port):
            check("serving %s" % what in log or "serving tcp on %s" % what in log, log)
        # the unit owns the socket files: the daemon must not remove them
        check(d.stop() == 0, d.log_text())
        check(os.path.exists(d.sock) and os.path.exists(d.sock_ro), "passed sockets unlinked")


def configured_sockets_not_passed_are_bound_and_strays_closed():
    with activated(lambda r: sockets(r, "virtvireod-sock", "stray-sock")) as d:
        rw = RawClient(d.sock)
        rw.open()
        ro = RawClient(d.sock_ro)  # bound by the daemon itself
        ro.open()
        log = d.log_text()
        check("no listener is configured there" in log and "stray-sock" in log, log)
        stray = socket.socket(socket.AF_UNIX)
        stray.settimeout(5)
        try:
            stray.connect(sockets(d.tmp, "stray-sock")[0])
            connected = True
        except OSError:
            connected = False
        check(not connected, "the stray socket still accepts connections")


def listen_variables_for_another_process_are_ignored():
    env = dict(os.environ, LISTEN_PID="1", LISTEN_FDS="1")
    with vdrpc.daemon(env=env) as d:
        c = RawClient(d.sock)
        c.open()
        check("socket activation" not in d.log_text(), d.log_text())


if not os.path.exists(vdrpc.SOCKET_ACTIVATE):
    print("SKIP: systemd-socket-activate not installed (systemd)")
    raise SystemExit(77)
vdrpc.main([passed_rw_ro_and_tcp_sockets_are_served,
            configured_sockets_not_passed_are_bound_and_strays_closed,
            listen_variables_for_another_process_are_ignored])
