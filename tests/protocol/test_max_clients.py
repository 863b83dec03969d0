# SPDX-License-Identifier: GPL-2.0-only
"""max_clients: the limit holds, the next client is told why on its first call (libvirtd's
"Too many active clients" error) and disconnected, and a place freed is a place taken."""
import time

import vdrpc
from vdrpc import RawClient
from vdrpc import check

LIMIT = 3


def refused(c):
    """The RpcError the daemon answered c's first call with; its socket then closes."""
    try:
        c.call(66)
    except vdrpc.RpcError as e:
        check(c.is_closed(), "refused client left connected")
        return e
    raise AssertionError("a client over max_clients was served")


def limit_holds_and_the_next_client_is_refused_cleanly():
    with vdrpc.daemon(max_clients=LIMIT) as d:
        admitted = [RawClient(d.sock if i % 2 else d.sock_ro) for i in range(LIMIT)]
        for c in admitted:
            c.open()
        for path in (d.sock, d.sock_ro):
            e = refused(RawClient(path))
            check((e.code, e.domain) == (39, 7), e)  # VIR_ERR_RPC, VIR_FROM_RPC
            check("Too many active clients (%d)" % LIMIT in e.message, e.message)
        # the admitted clients never noticed
        for c in admitted:
            check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')
        check("max_clients" in d.log_text(), d.log_text())


def refused_clients_do_not_hold_places():
    with vdrpc.daemon(max_clients=LIMIT) as d:
        admitted = [RawClient(d.sock) for _ in range(LIMIT)]
        for c in admitted:
            c.open()
        for _ in range(5):
            refused(RawClient(d.sock))
        admitted.pop().close()
        # the daemon sees the EOF asynchronously: the freed place appears within a moment
        deadline = time.time() + 5
        while True:
            c = RawClient(d.sock)
            try:
                c.open()
                break
            except vdrpc.RpcError as e:
                check("Too many active clients" in e.message, e)
                check(time.time() < deadline, "freed place never became available")
                time.sleep(0.1)
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')
        e = refused(RawClient(d.sock))
        check("Too many active clients" in e.message, '"Too many active clients" in e.message')


def running_out_of_descriptors_pauses_accepting():
    """With max_clients off, clients beyond the process's descriptor limit wait in the
    listen queue: the daemon stops accepting for a moment instead of spinning on EMFILE,
    and serves the queued clients once others leave."""
    limit = ["prlimit", "--nofile=64:64", "--"]
    with vdrpc.daemon(wrapper_for=lambda root: limit) as d:
        clients = [RawClient(d.sock) for _ in range(100)]
        deadline = time.time() + 20
        while "not accepting" not in d.log_text():
            check(time.time() < deadline, "100 clients never exhausted 64 descriptors")
            time.sleep(0.1)
        time.sleep(2)  # the listener stays readable all this time
        failures = d.log_text().count("accept failed")
        # ~10 pauses in 2 s; an accept loop spinning on EMFILE logs thousands of lines
        check(failures < 200, "%d failed accepts logged" % failures)
        for c in clients[:60]:
            c.close()
        for c in clients[60:]:
            c.open()
        check(vdrpc.Reader(clients[-1].call(3)).str(), 'vdrpc.Reader(clients[-1].call(3)).str()')


vdrpc.main([limit_holds_and_the_next_client_is_refused_cleanly,
            refused_clients_do_not_hold_places,
            running_out_of_descriptors_pauses_accepting])
