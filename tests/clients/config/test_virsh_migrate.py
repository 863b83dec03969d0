# SPDX-License-Identifier: GPL-2.0-only
"""virsh migrate between two virtvireods on this host (neither has hv, so only a
definition can move): offline migration with --persistent and --undefinesource, driven by
virsh or (--p2p) by the source's daemon, the refusals that leave both sides as they were,
and a destination that cannot take the domain. Live migration of running guests is tested
between two nodes (tests/clients/node); --p2p over TLS in tests/clients/rpc/test_tls_clients."""
import os

import configlib as c
from vdrpc import check


def names(d, *flags):
    return c.virsh(d, "list", "--all", "--name", *flags).stdout.split()


def offline_migration_moves_the_definition():
    with c.daemon() as a, c.daemon() as b:
        c.virsh(a, "define", c.corpus("good", "virtio-devices.xml"))
        name = names(a)[0]
        before = c.virsh(a, "dumpxml", "--inactive", name).stdout
        c.virsh(a, "migrate", "--offline", "--persistent", "--undefinesource", name, c.uri(b))
        check(names(a) == [], "still on the source: %s" % names(a))
        check(names(b) == [name], names(b))
        info = c.virsh(b, "dominfo", name).stdout
        check("shut off" in info and "Persistent:     yes" in info, info)
        after = c.virsh(b, "dumpxml", "--inactive", name).stdout
        check(after == before, "the definition changed on the way:\n%s\n---\n%s" % (before, after))


def offline_migration_keeps_the_source_without_undefinesource():
    with c.daemon() as a, c.daemon() as b:
        c.virsh(a, "define", c.corpus("good", "minimal.xml"))
        c.virsh(a, "migrate", "--offline", "--persistent", "minimal", c.uri(b))
        check(names(a) == ["minimal"], names(a))
        check(names(b) == ["minimal"], names(b))


def refused_migrations_leave_both_sides_alone():
    with c.daemon() as a, c.daemon() as b:
        c.virsh(a, "define", c.corpus("good", "minimal.xml"))
        # Live migration of a guest that does not run.
        r = c.virsh(a, "migrate", "--live", "minimal", c.uri(b), ok=False)
        check("not running" in r.stderr, r.stderr)
        # Peer to peer: a destination nobody listens on, and one that is not Vireo's.
        gone = "vireo+unix:///system?socket=" + os.path.join(a.tmp, "nobody-listens")
        r = c.virsh(a, "migrate", "--p2p", "--offline", "--persistent", "minimal", gone,
                    ok=False)
        check("unable to connect to the peer" in r.stderr, r.stderr)
        r = c.virsh(a, "migrate", "--p2p", "--offline", "--persistent", "minimal",
                    "qemu+tcp://192.0.2.1/system", ok=False)
        check("not a Vireo URI" in r.stderr, r.stderr)
        # Only a running guest's disks can be copied; incremental copies are not offered.
        r = c.virsh(a, "migrate", "--offline", "--persistent", "--copy-storage-all",
                    "minimal", c.uri(b), ok=False)
        check("offline migration cannot copy storage" in r.stderr, r.stderr)
        r = c.virsh(a, "migrate", "--live", "--copy-storage-inc", "minimal", c.uri(b),
                    ok=False)
        check("unsupported flags" in r.stderr, r.stderr)
        r = c.virsh(a, "migrate", "--live", "--migrate-disks", "vda", "minimal", c.uri(b),
                    ok=False)
        check("needs --copy-storage-all" in r.stderr, r.stderr)
        # Peer to peer, a guest that does not run: the source refuses (Begin), B holds nothing.
        r = c.virsh(a, "migrate", "--p2p", "--live", "minimal", c.uri(b), ok=False)
        check("not running" in r.stderr, r.stderr)
        check(names(a) == ["minimal"], names(a))
        check(names(b) == [], names(b))


def p2p_offline_migration_moves_the_definition():
    """--p2p: virsh talks to the source only; its daemon calls the destination's."""
    with c.daemon() as a, c.daemon() as b:
        c.virsh(a, "define", c.corpus("good", "virtio-devices.xml"))
        name = names(a)[0]
        before = c.virsh(a, "dumpxml", "--inactive", name).stdout
        c.virsh(a, "migrate", "--p2p", "--offline", "--persistent", "--undefinesource", name,
                c.uri(b))
        check(names(a) == [], "still on the source: %s" % names(a))
        check(names(b) == [name], names(b))
        after = c.virsh(b, "dumpxml", "--inactive", name).stdout
        check(after == before, "the definition changed on the way:\n%s\n---\n%s" % (before, after))


def a_name_taken_on_the_destination_keeps_the_domain_on_the_source():
    with c.daemon() as a, c.daemon() as b:
        c.virsh(a, "define", c.corpus("good", "minimal.xml"))
        # Same name, another uuid: the destination refuses at Finish.
        xml = c.virsh(a, "dumpxml", "minimal").stdout
        other = c.write(b, "other.xml", xml.replace(
            xml[xml.index("<uuid>"):xml.index("</uuid>") + 7],
            "<uuid>%s</uuid>" % c.new_uuid()))
        c.virsh(b, "define", other)
        uuid_b = c.virsh(b, "domuuid", "minimal").stdout.strip()
        for p2p in ([], ["--p2p"]):  # the client's steps, then the source daemon's
            r = c.virsh(a, "migrate", *p2p, "--offline", "--persistent", "--undefinesource",
                        "minimal", c.uri(b), ok=False)
            print("  %s: %s" % (" ".join(p2p) or "client-driven", r.stderr.strip()))
            check("already" in r.stderr or "uuid" in r.stderr, p2p, r.stderr)
            check(names(a) == ["minimal"], "the source lost it: %s" % names(a))
            check(c.virsh(b, "domuuid", "minimal").stdout.strip() == uuid_b, "B's domain changed")


def migration_limits_are_kept_with_the_domain():
    """migrate-setmaxdowntime / migrate-getmaxdowntime and migrate-setspeed /
    migrate-getspeed, as a running migration reads them; libvirt's errors for the rest."""
    with c.daemon() as a:
        c.virsh(a, "define", c.corpus("good", "minimal.xml"))
        got = c.virsh(a, "migrate-getmaxdowntime", "minimal").stdout.strip()
        check(got == "300", "default downtime %r, not libvirt's 300 ms" % got)
        c.virsh(a, "migrate-setmaxdowntime", "minimal", "750")
        got = c.virsh(a, "migrate-getmaxdowntime", "minimal").stdout.strip()
        check(got == "750", got)
        got = c.virsh(a, "migrate-getspeed", "minimal").stdout.strip()
        check(got == "0", "unlimited speed shown as %r" % got)
        c.virsh(a, "migrate-setspeed", "minimal", "12")
        got = c.virsh(a, "migrate-getspeed", "minimal").stdout.strip()
        check(got == "12", got)
        r = c.virsh(a, "migrate-setspeed", "minimal", "--bandwidth", "5", "--postcopy", ok=False)
        check("unsupported flags" in r.stderr, r.stderr)
        r = c.virsh(a, "migrate-setspeed", "minimal", str(1 << 62), ok=False)
        check("bandwidth must be at most" in r.stderr, r.stderr)
        r = c.virsh(a, "migrate-getspeed", "nosuch", ok=False)
        check("nosuch" in r.stderr, r.stderr)


c.main([offline_migration_moves_the_definition,
        offline_migration_keeps_the_source_without_undefinesource,
        p2p_offline_migration_moves_the_definition,
        refused_migrations_leave_both_sides_alone,
        a_name_taken_on_the_destination_keeps_the_domain_on_the_source,
        migration_limits_are_kept_with_the_domain])
