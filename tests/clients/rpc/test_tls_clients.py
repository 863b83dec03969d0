# SPDX-License-Identifier: GPL-2.0-only
"""Stock virsh and python3-libvirt over vireo+tls://127.0.0.1:PORT/system, with a CA and
certificates made by certtool at test time and handed to the client as ?pkipath=DIR:
the everyday commands work and the connection reports itself secure and encrypted. A client
certificate from another CA, and a plain vireo+tcp:// client on the TLS port, are refused
while a TLS client already connected carries on."""
import os
import shutil
import tempfile

import clientlib
import test_python_libvirt
import test_virsh
import vdpki
import vdrpc
from clientlib import virsh
from vdrpc import check

try:
    import libvirt
except ImportError:
    clientlib.skip("python3-libvirt not installed")

PKI = None


def tls_uri(pkipath):
    return "vireo+tls://127.0.0.1:%d/system?pkipath=%s" % (PKI.port, pkipath)


def fresh_port():
    PKI.port = vdrpc.free_port()


def virsh_over_tls():
    fresh_port()
    with vdrpc.daemon(tls=PKI) as d:
        test_virsh.everyday_commands(tls_uri(PKI.client_pki("virsh-client")), d.tmp)


def python_over_tls():
    fresh_port()
    with vdrpc.daemon(tls=PKI):
        uri = tls_uri(PKI.client_pki("python-client"))
        test_python_libvirt.connection_and_domain_calls(uri)
        c = libvirt.open(uri)
        try:
            check(c.isSecure() == 1 and c.isEncrypted() == 1, (c.isSecure(), c.isEncrypted()))
        finally:
            c.close()


def foreign_certificate_and_plain_tcp_are_refused():
    fresh_port()
    other = vdpki.Authority(os.path.join(PKI.work, "other"), "other-ca")
    with vdrpc.daemon(tls=PKI) as d:
        steady = libvirt.open(tls_uri(PKI.client_pki("steady-client")))
        try:
            r = virsh(tls_uri(PKI.client_pki("foreign-client", signer=other)), "list",
                      ok=False, timeout=30)
            print("  foreign certificate: " + " ".join(r.stderr.split()))
            check("error: failed to connect" in r.stderr, r.stderr)
            r = virsh("vireo+tcp://127.0.0.1:%d/system" % PKI.port, "list", ok=False,
                      timeout=30)
            print("  plain tcp on the TLS port: " + " ".join(r.stderr.split()))
            check("error: failed to connect" in r.stderr, r.stderr)
            check(steady.getType() == "Vireo" and steady.listAllDomains() == [], 'steady.getType() == "Vireo" and steady.listAllDomains() == []')
            log = d.log_text()
            check("TLS handshake failed" in log, log)  # the plain client
            check(log.count("tls 127.0.0.1") >= 2, log)  # ... and the foreign one
        finally:
            steady.close()


def p2p_migration_over_tls():
    """virsh migrate --p2p to a vireo+tls:// destination: the source daemon is the TLS
    client, with the certificate its URI's ?pkipath names. One from another CA is refused
    with the destination's verdict, and nothing moves."""
    fresh_port()
    other = vdpki.Authority(os.path.join(PKI.work, "other-p2p"), "other-p2p-ca")
    with vdrpc.daemon(tls=PKI) as dst, vdrpc.daemon() as src:
        src_uri, dst_uri = clientlib.unix_uri(src), clientlib.unix_uri(dst)

        def names(uri):
            return virsh(uri, "list", "--all", "--name").stdout.split()
        virsh(src_uri, "define", clientlib.write_domain(src.tmp, "mover"))
        virsh(src_uri, "migrate", "--p2p", "--offline", "--persistent", "--undefinesource",
              "mover", tls_uri(PKI.client_pki("p2p-source")))
        check(names(src_uri) == [] and names(dst_uri) == ["mover"], names(src_uri),
              names(dst_uri))
        virsh(src_uri, "define", clientlib.write_domain(src.tmp, "stays"))
        foreign = tls_uri(PKI.client_pki("p2p-foreign", signer=other))
        err = virsh(src_uri, "migrate", "--p2p", "--offline", "--persistent", "stays", foreign,
                    ok=False).stderr
        print("  foreign certificate: " + err.strip())
        check("did not accept this host's client certificate" in err, err)
        check(names(src_uri) == ["stays"], names(src_uri))


clientlib.require_virsh()
vdpki.skip_without_certtool()
libvirt.registerErrorHandler(test_python_libvirt.silence, None)
work = tempfile.mkdtemp(prefix="vd-tls-clients-")
try:
    PKI = vdpki.ServerPki(work, 0)
    vdrpc.main([virsh_over_tls, python_over_tls, foreign_certificate_and_plain_tcp_are_refused,
                p2p_migration_over_tls])
finally:
    shutil.rmtree(work, ignore_errors=True)
