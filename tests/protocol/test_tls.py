# SPDX-License-Identifier: GPL-2.0-only
"""TLS on the wire (Python's ssl module as the client, certificates made with certtool):
handshake, the server's one-byte confirmation, then RPC; clients without a certificate from
the configured CA are refused; a plain TCP client on the TLS port is dropped and nobody
else notices; bad server credentials stop the daemon with a message naming the file."""
import os
import shutil
import socket
import ssl
import tempfile

import vdpki
import vdrpc
from vdrpc import RawClient, Reader, domain_xml, u32, xdom, xstr
from vdrpc import check

WORK = None
PKI = None


def server_pki(**kw):
    """The module's CA and server certificate, on a fresh port."""
    global PKI
    if PKI is None:
        PKI = vdpki.ServerPki(os.path.join(WORK, "pki"), 0)
    PKI.port = vdrpc.free_port()
    PKI.address = kw.get("address", "127.0.0.1")
    PKI.no_verify = kw.get("no_verify", False)
    PKI.handshake_timeout = kw.get("handshake_timeout")
    return PKI


def tls_connect(pki, client_dir=None):
    """A TLS socket to the daemon, our certificate from client_dir (None: no certificate);
    None when the server ended the handshake."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca_file)
    if client_dir:
        ctx.load_cert_chain(os.path.join(client_dir, "clientcert.pem"),
                            os.path.join(client_dir, "clientkey.pem"))
    raw = socket.create_connection(("127.0.0.1", pki.port), timeout=10)
    try:
        return ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    except (ssl.SSLError, ConnectionResetError):
        raw.close()
        return None


def confirmation(s):
    """The byte libvirt's server sends once it accepted our certificate, or None when it
    hung up instead."""
    if s is None:
        return None
    try:
        return s.recv(1) or None
    except (ssl.SSLError, ConnectionResetError, socket.timeout):
        return None


def certified_client(pki, name):
    s = tls_connect(pki, pki.client_pki(name))
    check(confirmation(s) == b"\x01", "no confirmation byte after the handshake")
    c = RawClient(s)
    check(Reader(c.call(66)).u32() == 1, 'Reader(c.call(66)).u32() == 1')  # [NONE]: the certificate was the authentication
    c.open()
    return c


def certified_client_gets_confirmation_then_rpc():
    # TLS authenticates its clients, so it may listen on every address
    pki = server_pki(address="0.0.0.0")
    with vdrpc.daemon(tls=pki):
        c = certified_client(pki, "alice")
        check(Reader(c.call(149)).i32() == 1, 'Reader(c.call(149)).i32() == 1')  # CONNECT_IS_SECURE
        check(Reader(c.call(3)).str(), 'Reader(c.call(3)).str()')
        # a reply spanning many TLS records, and 300 calls written in one go: records
        # GnuTLS decrypts ahead of the socket's readiness must still be served
        big = domain_xml("tlsbig", "6b1c1a4e-31f7-4d2e-9a0a-0123456789ab").replace(
            "<memory>", "<description>%s</description><memory>" % ("x" * 300000))
        dom = Reader(c.call(11, xstr(big))).dom()
        xml = Reader(c.call(14, xdom(*dom) + u32(0))).str()
        check("x" * 300000 in xml, len(xml))
        serials = []
        batch = b""
        for _ in range(300):
            pkt, serial = c.packet(3)
            batch += pkt
            serials.append(serial)
        c.send_raw(batch)
        for serial in serials:
            check(Reader(c.wait_reply(serial)).str(), 'Reader(c.wait_reply(serial)).str()')
        c.call(231, xdom(*dom) + u32(0))


def client_from_another_ca_is_refused():
    pki = server_pki()
    other = vdpki.Authority(os.path.join(WORK, "pki"), "other-ca")
    with vdrpc.daemon(tls=pki) as d:
        s = tls_connect(pki, pki.client_pki("mallory", signer=other))
        check(confirmation(s) is None, "a certificate from another CA was accepted")
        check("rejected" in d.log_text(), d.log_text())
        certified_client(pki, "bob")  # and the next good client is served


def client_without_certificate_is_refused():
    pki = server_pki()
    with vdrpc.daemon(tls=pki) as d:
        check(confirmation(tls_connect(pki)) is None, "a client without certificate passed")
        check("tls 127.0.0.1" in d.log_text(), d.log_text())


def plain_tcp_on_the_tls_port_is_refused_without_disturbing_others():
    pki = server_pki()
    with vdrpc.daemon(tls=pki) as d:
        good = certified_client(pki, "carol")
        plain = RawClient(("127.0.0.1", pki.port))
        plain.send(66)  # what a vireo+tcp:// client sends first
        check(plain.is_closed(), "plain TCP client left connected on the TLS port")
        check("TLS handshake failed" in d.log_text(), d.log_text())
        check(Reader(good.call(3)).str(), 'Reader(good.call(3)).str()')
        certified_client(pki, "dave")


def clients_that_never_finish_the_handshake_are_dropped():
    pki = server_pki(handshake_timeout=2)
    with vdrpc.daemon(tls=pki) as d:
        silent = [socket.create_connection(("127.0.0.1", pki.port)) for _ in range(5)]
        # half a ClientHello, then nothing
        stalled = socket.create_connection(("127.0.0.1", pki.port))
        stalled.sendall(b"\x16\x03\x01\x02\x00\x01")
        good = certified_client(pki, "erin")
        for s in silent + [stalled]:
            check(RawClient(s).is_closed(wait=15), "a silent TLS client was never dropped")
        check(d.log_text().count("TLS handshake not finished in time") == 6, d.log_text())
        # the deadline went with the handshake: the client that finished it is served
        check(Reader(good.call(3)).str(), 'Reader(good.call(3)).str()')
        certified_client(pki, "frank")


def no_verify_certificate_lets_clients_without_one_in():
    pki = server_pki(no_verify=True)
    with vdrpc.daemon(tls=pki):
        s = tls_connect(pki)
        check(confirmation(s) == b"\x01", 'confirmation(s) == b"\\x01"')
        RawClient(s).open()


def bad_server_credentials_stop_the_daemon_with_a_clear_message():
    pki = server_pki()
    stranger = vdpki.Authority(os.path.join(WORK, "pki"), "stranger-ca")
    cert, key = stranger.issue("127.0.0.1-stranger", server=True)
    saved = os.path.join(WORK, "saved")
    shutil.copytree(pki.dir, saved)
    try:
        shutil.copy(cert, pki.cert_file)
        shutil.copy(key, pki.key_file)
        expect_refusal(pki, "does not verify against the CA")
        os.unlink(pki.key_file)
        expect_refusal(pki, "cannot read the server key")
    finally:
        shutil.rmtree(pki.dir)
        shutil.copytree(saved, pki.dir)
        shutil.rmtree(saved)


def expect_refusal(pki, words):
    try:
        with vdrpc.daemon(tls=pki):
            pass
    except RuntimeError as e:
        check(words in str(e), str(e))
        return
    raise AssertionError("daemon started with bad TLS credentials")


vdpki.skip_without_certtool()
WORK = tempfile.mkdtemp(prefix="vd-tls-test-")
try:
    vdrpc.main([certified_client_gets_confirmation_then_rpc,
                client_from_another_ca_is_refused,
                client_without_certificate_is_refused,
                plain_tcp_on_the_tls_port_is_refused_without_disturbing_others,
                clients_that_never_finish_the_handshake_are_dropped,
                no_verify_certificate_lets_clients_without_one_in,
                bad_server_credentials_stop_the_daemon_with_a_clear_message])
finally:
    shutil.rmtree(WORK, ignore_errors=True)
