# SPDX-License-Identifier: GPL-2.0-only
"""A raw libvirt-protocol client and a daemon fixture for the 'protocol' test suite.

The client speaks the wire format byte by byte (no libvirt library), so the tests can send
what stock clients never would. The fixture starts virtvireod (when the build has it) or
vd-rpc-testd in a private directory, waits for its socket, and always stops it; on a
failure it prints the tail of the daemon's log.
"""
import contextlib
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import traceback

REMOTE = 0x20008086
KEEPALIVE = 0x6B656570
CALL, REPLY, MESSAGE, STREAM = 0, 1, 2, 3
OK, ERROR, CONTINUE = 0, 1, 2

# ---- XDR -------------------------------------------------------------------------------


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def i32(v):
    return struct.pack(">i", v)


def u64(v):
    return struct.pack(">Q", v)


def xstr(s):
    b = s.encode() if isinstance(s, str) else s
    return u32(len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


def opt_str(s):
    return u32(0) if s is None else u32(1) + xstr(s)


def xdom(name, uuid, dom_id=-1):
    return xstr(name) + uuid + i32(dom_id)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        b = self.data[self.pos:self.pos + n]
        if len(b) != n:
            raise ValueError("short payload")
        self.pos += n
        return b

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def str(self):
        n = self.u32()
        s = self.take(n)
        self.take((4 - n % 4) % 4)
        return s.decode()

    def opt_str(self):
        return self.str() if self.u32() else None

    def dom(self):
        return (self.str(), self.take(16), self.i32())


def parse_error(body):
    r = Reader(body)
    code, domain = r.i32(), r.i32()
    return code, domain, r.opt_str()


class CheckFailed(Exception):
    """A test's verdict: raised by check(), which, unlike a bare assert, python3 -O keeps."""


def check(condition, *what):
    """Fails the test with `what` (a message, or values to show) unless condition holds."""
    if not condition:
        raise CheckFailed(" ".join(str(w) for w in what) if what else "check failed")


class RpcError(Exception):
    def __init__(self, code, domain, message):
        super().__init__("code=%d domain=%d %s" % (code, domain, message))
        self.code, self.domain, self.message = code, domain, message


# ---- the client ----------------------------------------------------------------------------


class RawClient:
    def __init__(self, address, timeout=10):
        """address: a unix socket path, a (host, port) pair, or a connected socket (a TLS
        one, say) to speak over."""
        if isinstance(address, socket.socket):
            self.sock = address
            self.sock.settimeout(timeout)
        elif isinstance(address, tuple):
            self.sock = socket.create_connection(address, timeout=timeout)
        else:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(timeout)
            self.sock.connect(address)
        self.serial = 0
        self.pending = []  # packets read while waiting for another serial

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.sendall(data)

    def packet(self, proc, payload=b"", prog=REMOTE, typ=CALL, serial=None, status=OK, vers=1):
        if serial is None:
            serial = self.serial
            self.serial += 1
        hdr = struct.pack(">IIiiIi", prog, vers, proc, typ, serial, status)
        return struct.pack(">I", 4 + len(hdr) + len(payload)) + hdr + payload, serial

    def send(self, proc, payload=b"", **kw):
        data, serial = self.packet(proc, payload, **kw)
        self.send_raw(data)
        return serial

    def recv_packet(self):
        """(prog, vers, proc, type, serial, status, body), or None at EOF."""
        if self.pending:
            return self.pending.pop(0)
        head = self._recv_exact(4)
        if head is None:
            return None
        (length,) = struct.unpack(">I", head)
        rest = self._recv_exact(length - 4)
        if rest is None:
            return None
        return struct.unpack(">IIiiIi", rest[:24]) + (rest[24:],)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf

    def wait_reply(self, serial):
        """Body of the reply to serial; raises RpcError on an error reply. Other packets
        (events, pings, other replies) are kept for later recv_packet calls."""
        kept = []
        try:
            while True:
                p = self.recv_packet()
                if p is None:
                    raise EOFError("connection closed while waiting for serial %d" % serial)
                if p[3] == REPLY and p[4] == serial and p[0] == REMOTE:
                    if p[5] == ERROR:
                        raise RpcError(*parse_error(p[6]))
                    return p[6]
                kept.append(p)
        finally:
            self.pending = kept + self.pending

    def call(self, proc, payload=b""):
        return self.wait_reply(self.send(proc, payload))

    def open(self, name="vireo:///system", flags=0):
        self.call(66)
        self.call(1, opt_str(name) + u32(flags))

    def is_closed(self, wait=5.0):
        """True when the daemon closed this connection within wait seconds."""
        self.sock.settimeout(wait)
        try:
            while True:
                p = self.recv_packet()
                if p is None:
                    return True
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, ssl.SSLError):
            return True


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- domains ------------------------------------------------------------------------------


def domain_xml(name, uuid_hex):
    return ("<domain type='vireo'><name>%s</name><uuid>%s</uuid><memory>262144</memory>"
            "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os>"
            "</domain>" % (name, uuid_hex))


def uuid_bytes(uuid_hex):
    return bytes.fromhex(uuid_hex.replace("-", ""))


def define(client, name, uuid_hex):
    r = Reader(client.call(11, xstr(domain_xml(name, uuid_hex))))
    return r.dom()


def undefine(client, dom):
    client.call(231, xdom(*dom) + u32(0))


def list_all(client, flags=3):
    r = Reader(client.call(273, i32(1) + u32(flags)))
    doms = [r.dom() for _ in range(r.u32())]
    return doms, r.u32()


# ---- the daemon fixture -------------------------------------------------------------------


ANNOUNCED = False


class Daemon:
    """virtvireod --root ROOT when the build has it (VIRTVIREOD), else vd-rpc-testd. Both
    put their sockets at ROOT/run/libvirt/virtvireod-sock{,-ro}."""

    def __init__(self, root, keepalive=None, tcp_port=None, tcp_address=None, polkit=False,
                 rw_perms=None, env=None, max_clients=None, tls=None, timeout=None,
                 wrapper_for=None, real=None):
        """tls: a vdpki.ServerPki (its port, address and files); timeout: virtvireod's
        --timeout (real daemon only); wrapper_for(root): a command prefix such as
        systemd-socket-activate's; real: True/False forces virtvireod/vd-rpc-testd."""
        self.tmp = root
        self.log_path = os.path.join(root, "daemon.log")
        sock_dir = os.path.join(root, "run", "libvirt")
        self.sock = os.path.join(sock_dir, "virtvireod-sock")
        self.sock_ro = self.sock + "-ro"
        self.real = bool(os.environ.get("VIRTVIREOD")) and not USE_TEST_DAEMON
        if real is not None:
            self.real = real
        if self.real:
            cmd = [os.environ["VIRTVIREOD"], "--root", root]
            if timeout:
                cmd += ["--timeout", str(timeout)]
            self._write_config(root, keepalive, tcp_port, tcp_address, polkit, rw_perms,
                               max_clients, tls)
        else:
            os.makedirs(sock_dir, exist_ok=True)
            cmd = [os.environ["VD_RPC_TESTD"], "--socket-dir", sock_dir]
            if keepalive is not None:
                cmd += ["--keepalive", str(keepalive)]
            if tcp_port:
                cmd += ["--tcp-port", str(tcp_port)]
            if tcp_address:
                cmd += ["--tcp-address", tcp_address]
            if polkit:
                cmd += ["--polkit"]
            if rw_perms:
                cmd += ["--rw-perms", rw_perms]
            if max_clients:
                cmd += ["--max-clients", str(max_clients)]
            if tls:
                cmd += ["--tls-port", str(tls.port), "--tls-address", tls.address,
                        "--tls-dir", tls.dir]
                if tls.no_verify:
                    cmd += ["--tls-no-verify"]
                if tls.handshake_timeout is not None:
                    cmd += ["--tls-handshake-timeout", str(tls.handshake_timeout)]
        if wrapper_for:
            os.makedirs(sock_dir, exist_ok=True)
            cmd = list(wrapper_for(root)) + cmd
        self.cmd = cmd
        global ANNOUNCED
        if not ANNOUNCED:
            print("  daemon under test: %s" % cmd[0])
            ANNOUNCED = True
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        deadline = time.time() + 20
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("daemon did not come up:\n" + self.log_text())
            time.sleep(0.05)

    @staticmethod
    def _write_config(root, keepalive, tcp_port, tcp_address, polkit, rw_perms, max_clients,
                      tls):
        conf_dir = os.path.join(root, "etc", "vireo")
        os.makedirs(conf_dir, exist_ok=True)
        lines = ["[unix]", "rw_perms=%s" % (rw_perms or "0700"),
                 "auth_rw=%s" % ("polkit" if polkit else "none")]
        if max_clients:
            lines += ["[daemon]", "max_clients=%d" % max_clients]
        if tls:
            lines += ["[tls]", "listen=true", "port=%d" % tls.port, "address=%s" % tls.address,
                      "ca_file=%s" % tls.ca_file, "cert_file=%s" % tls.cert_file,
                      "key_file=%s" % tls.key_file,
                      "no_verify_certificate=%s" % ("true" if tls.no_verify else "false")]
            if tls.handshake_timeout is not None:
                lines += ["handshake_timeout=%d" % tls.handshake_timeout]
        if tcp_port:
            lines += ["[tcp]", "listen=true", "port=%d" % tcp_port,
                      "address=%s" % (tcp_address or "127.0.0.1")]
        if keepalive is not None:
            lines += ["[keepalive]", "interval=%d" % keepalive, "count=3"]
        with open(os.path.join(conf_dir, "virtvireod.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


@contextlib.contextmanager
def daemon(**options):
    """A daemon in a fresh private root; stopped afterwards, log tail printed on failure."""
    root = tempfile.mkdtemp(prefix="vd-rpc-test-")
    d = Daemon(root, **options)
    try:
        yield d
    except BaseException:
        d.stop()
        tail = d.log_text().splitlines()[-40:]
        sys.stderr.write("---- daemon log tail ----\n" + "\n".join(tail) + "\n")
        raise
    else:
        rc = d.stop()
        log = d.log_text()
        if rc not in (0, None) or "runtime error:" in log:  # UBSan reports and goes on
            sys.stderr.write(log)
            raise RuntimeError("daemon exited with %s" % rc)
    finally:
        shutil.rmtree(root, ignore_errors=True)


SOCKET_ACTIVATE = "/usr/bin/systemd-socket-activate"


def socket_activated(listen_for, **options):
    """daemon() started the way a systemd socket unit starts it: systemd-socket-activate
    listens on listen_for(root) (unix paths, ADDR:PORT) and execs the daemon at the first
    connection, passing those sockets as LISTEN_FDS."""
    return daemon(wrapper_for=lambda root: [SOCKET_ACTIVATE] + [
        "--listen=" + a for a in listen_for(root)] + ["--"], **options)


def sockets_under(root, *names):
    """Paths of the named sockets in a daemon root's run/libvirt."""
    return [os.path.join(root, "run", "libvirt", n) for n in names]


USE_TEST_DAEMON = False


def needs_test_daemon():
    """Tests of protocol mechanics that need vd-rpc-testd's hooks (a slow lookup, an echo
    console) run against it even when virtvireod is built."""
    global USE_TEST_DAEMON
    USE_TEST_DAEMON = True
    print("note: against vd-rpc-testd (this test uses its hooks)")


def main(tests):
    """Runs test functions in order; prints one line each; exit 1 if any failed."""
    failed = 0
    for t in tests:
        start = time.time()
        try:
            t()
            print("ok   %s (%.2fs)" % (t.__name__, time.time() - start))
        except Exception:
            failed += 1
            print("FAIL %s" % t.__name__)
            traceback.print_exc()
    sys.exit(1 if failed else 0)
