# SPDX-License-Identifier: GPL-2.0-only
"""Certificates for the TLS tests, made at test time with GnuTLS's certtool in a temp dir.

ServerPki: a CA, and a server certificate for 127.0.0.1 signed by it, in the files the
daemon is configured with (cacert.pem, servercert.pem, serverkey.pem).
client_pki(): a directory in the layout libvirt's clients read through the URI's
?pkipath=DIR: DIR/cacert.pem, DIR/clientcert.pem, DIR/clientkey.pem (libvirt 9.0 looks for
the key directly in DIR when pkipath is given, not in DIR/private/).
"""
import os
import shutil
import subprocess
import sys

CERTTOOL = "/usr/bin/certtool"


def skip_without_certtool():
    if not os.path.exists(CERTTOOL):
        print("SKIP: certtool not installed (gnutls-bin)")
        sys.exit(77)


def _certtool(*args):
    r = subprocess.run([CERTTOOL] + list(args), capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("certtool %s failed:\n%s%s" % (" ".join(args), r.stdout, r.stderr))


def _template(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines + ["expiration_days = 2"]) + "\n")


class Authority:
    """A self-signed CA that signs leaf certificates."""

    def __init__(self, work, name):
        self.work = work
        os.makedirs(work, exist_ok=True)
        self.key = os.path.join(work, name + "-key.pem")
        self.cert = os.path.join(work, name + "-cert.pem")
        tmpl = os.path.join(work, name + ".tmpl")
        _template(tmpl, ["cn = %s" % name, "ca", "cert_signing_key"])
        _certtool("--generate-privkey", "--bits", "2048", "--outfile", self.key)
        _certtool("--generate-self-signed", "--load-privkey", self.key, "--template", tmpl,
                  "--outfile", self.cert)

    def issue(self, name, server):
        """(cert path, key path) of a new leaf: a TLS server for 127.0.0.1 or a client.
        libvirt insists on both key usages, as its own certificate how-to says."""
        key = os.path.join(self.work, name + "-key.pem")
        cert = os.path.join(self.work, name + "-cert.pem")
        tmpl = os.path.join(self.work, name + ".tmpl")
        lines = ["organization = Vireo tests", "cn = %s" % name, "encryption_key",
                 "signing_key"]
        if server:
            lines += ["ip_address = 127.0.0.1", "dns_name = localhost", "tls_www_server"]
        else:
            lines += ["tls_www_client"]
        _template(tmpl, lines)
        _certtool("--generate-privkey", "--bits", "2048", "--outfile", key)
        _certtool("--generate-certificate", "--load-privkey", key, "--load-ca-certificate",
                  self.cert, "--load-ca-privkey", self.key, "--template", tmpl,
                  "--outfile", cert)
        return cert, key


class ServerPki:
    """The daemon's side: CA + server certificate, and where the daemon should listen."""

    def __init__(self, work, port, address="127.0.0.1", no_verify=False):
        self.work, self.port, self.address, self.no_verify = work, port, address, no_verify
        self.handshake_timeout = None  # seconds; None: the daemon's default
        self.ca = Authority(work, "vireo-test-ca")
        self.dir = os.path.join(work, "server")
        os.makedirs(self.dir)
        cert, key = self.ca.issue("127.0.0.1", server=True)
        self.ca_file = os.path.join(self.dir, "cacert.pem")
        self.cert_file = os.path.join(self.dir, "servercert.pem")
        self.key_file = os.path.join(self.dir, "serverkey.pem")
        shutil.copy(self.ca.cert, self.ca_file)
        shutil.copy(cert, self.cert_file)
        shutil.copy(key, self.key_file)

    def client_pki(self, name, signer=None):
        """A ?pkipath= directory for a client whose certificate `signer` (default: our CA)
        issued. Its cacert.pem trusts our CA (to accept the server) and the signer (so the
        client's own start-up check of its certificate passes and the server decides)."""
        signer = signer or self.ca
        d = os.path.join(self.work, name)
        os.makedirs(d)
        cert, key = signer.issue(name, server=False)
        with open(os.path.join(d, "cacert.pem"), "w") as out:
            for ca in {self.ca.cert, signer.cert}:
                with open(ca) as f:
                    out.write(f.read())
        shutil.copy(cert, os.path.join(d, "clientcert.pem"))
        shutil.copy(key, os.path.join(d, "clientkey.pem"))
        return d
