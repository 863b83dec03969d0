# SPDX-License-Identifier: GPL-2.0-only
"""TCP: served on loopback, reported not secure; refused on any other address."""
import os
import socket
import subprocess
import tempfile

import vdrpc
from vdrpc import RawClient


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def loopback_tcp_serves_calls():
    port = free_port()
    with vdrpc.daemon(tcp_port=port):
        c = RawClient(("127.0.0.1", port))
        assert vdrpc.Reader(c.call(66)).u32() == 1
        c.open()
        assert vdrpc.Reader(c.call(149)).i32() == 0  # not secure
        assert vdrpc.Reader(c.call(3)).str()


def non_loopback_tcp_is_refused_with_a_clear_message():
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([os.environ["VD_RPC_TESTD"], "--socket-dir", tmp, "--tcp-port",
                            str(free_port()), "--tcp-address", "0.0.0.0"],
                           capture_output=True, text=True, timeout=20)
        assert r.returncode != 0, r
        assert "non-loopback" in r.stderr and "TLS or SASL" in r.stderr, r.stderr
        assert not os.path.exists(os.path.join(tmp, "sock")), "socket left behind"


vdrpc.main([loopback_tcp_serves_calls, non_loopback_tcp_is_refused_with_a_clear_message])
