# SPDX-License-Identifier: GPL-2.0-only
"""TCP: served on loopback, reported not secure; refused on any other address."""
import os
import subprocess
import tempfile

import vdrpc
from vdrpc import RawClient
from vdrpc import check


def loopback_tcp_serves_calls():
    port = vdrpc.free_port()
    with vdrpc.daemon(tcp_port=port):
        c = RawClient(("127.0.0.1", port))
        check(vdrpc.Reader(c.call(66)).u32() == 1, 'vdrpc.Reader(c.call(66)).u32() == 1')
        c.open()
        check(vdrpc.Reader(c.call(149)).i32() == 0, 'vdrpc.Reader(c.call(149)).i32() == 0')  # not secure
        check(vdrpc.Reader(c.call(3)).str(), 'vdrpc.Reader(c.call(3)).str()')


def non_loopback_tcp_is_refused_with_a_clear_message():
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([os.environ["VD_RPC_TESTD"], "--socket-dir", tmp, "--tcp-port",
                            str(vdrpc.free_port()), "--tcp-address", "0.0.0.0"],
                           capture_output=True, text=True, timeout=20)
        check(r.returncode != 0, r)
        check("non-loopback" in r.stderr and "TLS" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(tmp, "sock")), "socket left behind")


vdrpc.main([loopback_tcp_serves_calls, non_loopback_tcp_is_refused_with_a_clear_message])
