# SPDX-License-Identifier: GPL-2.0-only
"""virsh migrate between two virtvireods on this host (neither has hv, so only a
definition can move): offline migration with --persistent and --undefinesource, the
refusals that leave both sides as they were, and a destination that cannot take the
domain. Live migration of running guests is tested between two nodes (tests/clients/node)."""
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
        # Peer to peer is not offered.
        r = c.virsh(a, "migrate", "--p2p", "--offline", "--persistent", "minimal", c.uri(b),
                    ok=False)
        check(r.stderr.strip(), r.stderr)
        check(names(a) == ["minimal"], names(a))
        check(names(b) == [], names(b))


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
        r = c.virsh(a, "migrate", "--offline", "--persistent", "--undefinesource", "minimal",
                    c.uri(b), ok=False)
        check("already" in r.stderr or "uuid" in r.stderr, r.stderr)
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
        refused_migrations_leave_both_sides_alone,
        a_name_taken_on_the_destination_keeps_the_domain_on_the_source,
        migration_limits_are_kept_with_the_domain])
