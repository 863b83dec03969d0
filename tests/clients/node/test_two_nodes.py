#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Two nodes, A and B, booted side by side with a private link between their dom0s
(nodeclients.run_pair, the ground live-migration tests stand on): dom0 A reaches dom0 B
over the link (ping, a TCP stream through busybox nc, B's daemon's TLS port), each
daemon's certificate holds for its link address, both daemons answer the host's virsh as
two hosts, and a domain defined on A is A's alone."""
import os
import re
import socket
import ssl

import node
import nodeclients
from nodeclients import wait_for

NC_PORT = 5555


def dom0s_ping_each_other_over_the_link(a, b):
    a.dom0(f'ping -c 3 -W 5 {b.link.address}', 60)
    b.dom0(f'ping -c 3 -W 5 {a.link.address}', 60)
    route = a.dom0(f'ip route get {b.link.address}')
    if f'dev {a.link_ifname}' not in route:
        raise node.TestFailure(f'dom0 A reaches {b.link.address} not through the link '
                               f'({a.link_ifname}):\n{route}')


def tcp_crosses_the_link_to_dom0_and_to_the_daemon(a, b):
    """busybox nc listens in dom0 B and dom0 A sends to it; B's TLS listener (address
    0.0.0.0) accepts a connection from dom0 A, as a peer daemon's would come."""
    # Its stdin stays open: at EOF busybox nc half-closes, and A's nc would end on that.
    b.dom0(f'rm -f /tmp/from-a; (sleep 60 | nc -l -p {NC_PORT} >/tmp/from-a 2>&1 &)')
    # The listener starts in the background: retry a refused connection for a while.
    a.dom0(f'for i in 1 2 3 4 5 6 7 8 9 10; do echo hello-from-dom0-a | '
           f'nc -w 10 {b.link.address} {NC_PORT} && break; sleep 1; done', 120)
    wait_for(lambda: 'hello-from-dom0-a' in b.dom0('cat /tmp/from-a'), 30,
             "dom0 A's line in dom0 B")
    a.dom0(f'nc -w 10 {b.link.address} {nodeclients.DOM0_TLS_PORT} </dev/null', 60)


def certificates_hold_for_the_link_addresses(a, b):
    """A peer daemon reaching a node by its link address checks the server certificate
    against that address, as libvirt's TLS clients do (tests/node/pki/mkpki.py). Checked
    from the host through each node's forwarded TLS port: the same listener, the same
    certificate."""
    for s in (a, b):
        ctx = ssl.create_default_context(cafile=os.path.join(s.pki_dir, 'cacert.pem'))
        ctx.load_cert_chain(os.path.join(s.pki_dir, 'clientcert.pem'),
                            os.path.join(s.pki_dir, 'clientkey.pem'))
        try:
            with socket.create_connection(('127.0.0.1', s.port), timeout=30) as sock:
                with ctx.wrap_socket(sock, server_hostname=s.link.address):
                    pass
        except (ssl.SSLError, OSError) as e:
            raise node.TestFailure(f'node {s.name}: TLS to its daemon as '
                                   f'{s.link.address} failed: {e}')


def host_uuid(s):
    caps = s.virsh('capabilities').stdout
    m = re.search(r'<host>\s*<uuid>([0-9a-f-]+)</uuid>', caps)
    if not m:
        raise node.TestFailure(f'node {s.name}: no host uuid in capabilities:\n{caps[:2000]}')
    return m.group(1)


def both_daemons_answer_the_host_as_two_hosts(a, b):
    """libvirt refuses to migrate a domain to a host with the source's own host UUID."""
    for s in (a, b):
        s.virsh('version')
    uuids = host_uuid(a), host_uuid(b)
    if uuids[0] == uuids[1]:
        raise node.TestFailure(f'both nodes report host uuid {uuids[0]}')


def domain_defined_on_a_is_not_on_b(a, b):
    a.define('only-on-a')
    try:
        if 'only-on-a' not in a.virsh('list', '--all', '--name').stdout.split():
            raise node.TestFailure('node A does not list the domain defined on it')
        if 'only-on-a' in b.virsh('list', '--all', '--name').stdout.split():
            raise node.TestFailure('node B lists the domain defined on node A')
        b.virsh('dominfo', 'only-on-a', ok=False)
    finally:
        a.virsh('undefine', 'only-on-a', ok=None)


if __name__ == '__main__':
    nodeclients.run_pair([dom0s_ping_each_other_over_the_link,
                          tcp_crosses_the_link_to_dom0_and_to_the_daemon,
                          certificates_hold_for_the_link_addresses,
                          both_daemons_answer_the_host_as_two_hosts,
                          domain_defined_on_a_is_not_on_b])
