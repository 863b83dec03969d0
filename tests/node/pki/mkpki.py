#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Makes the test node's PKI at build time: a CA, the daemon's server certificate for
127.0.0.1 (the address host clients use through QEMU's port forward) and for the link
addresses of a node pair (node.Link: 10.0.3.1 and 10.0.3.2, where one node's daemon will
reach the other's), and one client certificate, with tests/protocol/vdpki.py (GnuTLS's
certtool).

OUTDIR receives cacert.pem, servercert.pem, serverkey.pem and clientcert.pem, clientkey.pem.
All five go into node-test.iso's /etc/pki (libvirt's default paths: the client pair is what a
node's daemon presents to the other's in peer-to-peer migration), and OUTDIR is the
`?pkipath=` directory of host clients. Nothing of it goes into the production node.iso.
"""
import os
import re
import shutil
import sys
import tempfile

import vdpki

# vdpki's certificates live two days, enough for the tests that make them on the spot;
# these are made once per build directory and must outlive it.
_short_lived = vdpki._template
LINK_ADDRESSES = ('10.0.3.1', '10.0.3.2')


def _long_lived(path, lines):
    if 'tls_www_server' in lines:
        lines = lines + [f'ip_address = {a}' for a in LINK_ADDRESSES]
    _short_lived(path, lines)
    with open(path) as f:
        text = re.sub(r'expiration_days = \d+', 'expiration_days = 3650', f.read())
    with open(path, 'w') as f:
        f.write(text)


vdpki._template = _long_lived


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix='vireo-node-pki-')
    try:
        pki = vdpki.ServerPki(work, 16514)
        client = pki.client_pki('host-client')
        for src, name in ((pki.ca_file, 'cacert.pem'), (pki.cert_file, 'servercert.pem'),
                          (pki.key_file, 'serverkey.pem'),
                          (os.path.join(client, 'clientcert.pem'), 'clientcert.pem'),
                          (os.path.join(client, 'clientkey.pem'), 'clientkey.pem')):
            shutil.copy(src, os.path.join(out, name))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
