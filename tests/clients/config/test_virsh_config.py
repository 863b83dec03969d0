# SPDX-License-Identifier: GPL-2.0-only
"""virsh's configuration commands against virtvireod: define -> dumpxml round trips,
devices presented as virtio, refusals that name the construct and the line, start
refused without hv, autostart, --config changes, capabilities that validate."""
import os
import shutil
import tempfile

import configlib as c
import vdrpc
from vdrpc import check


def define_then_dumpxml_round_trips():
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "everything.xml"))
        first = c.virsh(d, "dumpxml", "every-thing_1.0").stdout
        c.validate(d, first, "domain.rng")
        again = c.write(d, "again.xml", first)
        out = c.virsh(d, "define", again).stdout
        check("defined" in out, out)
        second = c.virsh(d, "dumpxml", "every-thing_1.0").stdout
        check(first == second, "dumpxml changed after redefine:\n%s\n---\n%s" % (first, second))
        for needle in ["<shares>512</shares>", "<quota>150000</quota>",
                       "<on_crash>preserve</on_crash>", "<app:owner>ops</app:owner>",
                       "<target dev=\"vdb\" bus=\"virtio\"/>", "<graphics type=\"none\"/>"]:
            check(needle in first, needle)


def virt_install_devices_show_as_virtio():
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "virt-install-kvm-type.xml"))
        xml = c.virsh(d, "dumpxml", "vi1").stdout
        check("<domain type=\"vireo\">" in xml, xml)
        check("<target dev=\"vda\" bus=\"virtio\"/>" in xml, xml)
        check("e1000" not in xml and "ide" not in xml, xml)


def unsupported_xml_is_refused_by_name_and_line():
    with c.daemon() as d:
        r = c.virsh(d, "define", c.corpus("refused", "virt-install-default.xml"), ok=False)
        check("unsupported configuration: graphics type 'spice'" in r.stderr, r.stderr)
        check("line 39" in r.stderr and "--graphics none" in r.stderr, r.stderr)
        bad = c.write(d, "bad.xml", "<domain type='vireo'>\n<name>x</name>\n<memory>1</mem>\n"
                                    "</domain>\n")
        r = c.virsh(d, "define", bad, ok=False)
        check("line 3" in r.stderr, r.stderr)
        listed = c.virsh(d, "list", "--all", "--name").stdout.split()
        check(listed == [], listed)


def start_without_hv_is_refused_and_nothing_runs():
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "minimal.xml"))
        r = c.virsh(d, "start", "minimal", ok=False)
        check("Vireo hypervisor not present: /dev/vireo not found" in r.stderr, r.stderr)
        r = c.virsh(d, "create", c.corpus("good", "boot-from-disk.xml"), ok=False)
        check("hypervisor not present" in r.stderr, r.stderr)
        check(c.virsh(d, "list", "--name").stdout.split() == [], 'c.virsh(d, "list", "--name").stdout.split() == []')
        check(c.virsh(d, "domstate", "minimal").stdout.strip() == "shut off", 'c.virsh(d, "domstate", "minimal").stdout.strip() == "shut off"')
        r = c.virsh(d, "shutdown", "minimal", ok=False)
        check("domain is not running" in r.stderr, r.stderr)


def config_changes_persist_in_the_definition():
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "minimal.xml"))
        c.virsh(d, "autostart", "minimal")
        check("Autostart:      enable" in c.virsh(d, "dominfo", "minimal").stdout, '"Autostart:      enable" in c.virsh(d, "dominfo", "minimal").stdout')
        c.virsh(d, "setmaxmem", "minimal", "96M", "--config")
        c.virsh(d, "setmem", "minimal", "80M", "--config")
        c.virsh(d, "setvcpus", "minimal", "4", "--config", "--maximum")
        c.virsh(d, "setvcpus", "minimal", "2", "--config")
        c.virsh(d, "schedinfo", "minimal", "--config", "weight=128", "cap=50")
        xml = c.virsh(d, "dumpxml", "--inactive", "minimal").stdout
        for needle in ["<memory unit=\"KiB\">98304</memory>",
                       "<currentMemory unit=\"KiB\">81920</currentMemory>",
                       "<vcpu placement=\"static\" current=\"2\">4</vcpu>",
                       "<shares>128</shares>", "<quota>50000</quota>"]:
            check(needle in xml, (needle, xml))
        sched = c.virsh(d, "schedinfo", "minimal").stdout
        check("weight         : 128" in sched and "cap            : 50" in sched, sched)
        r = c.virsh(d, "setmem", "minimal", "200M", "--config", ok=False)
        check("higher than max memory" in r.stderr, r.stderr)
        r = c.virsh(d, "schedinfo", "minimal", "--config", "weight=0", ok=False)
        check("weight must be 1..65535" in r.stderr, r.stderr)


def same_name_or_uuid_with_the_other_different_is_refused():
    with c.daemon() as d:
        good = open(c.corpus("good", "minimal.xml")).read()
        uuid = c.new_uuid()
        a = c.write(d, "a.xml", good.replace("<name>minimal</name>",
                                             "<name>a</name><uuid>%s</uuid>" % uuid))
        c.virsh(d, "define", a)
        b = c.write(d, "b.xml", good.replace("<name>minimal</name>",
                                             "<name>b</name><uuid>%s</uuid>" % uuid))
        r = c.virsh(d, "define", b, ok=False)
        check("domain 'a' is already defined with uuid" in r.stderr, r.stderr)
        other = good.replace("<name>minimal</name>", "<name>a</name>")
        r = c.virsh(d, "define", c.write(d, "a2.xml", other), ok=False)
        check("domain 'a' already exists with uuid" in r.stderr, r.stderr)


def domrename_keeps_uuid_autostart_and_survives_a_restart():
    root = tempfile.mkdtemp(prefix="vd-config-rename-")
    d = vdrpc.Daemon(root)
    try:
        good = open(c.corpus("good", "minimal.xml")).read()
        uuid = c.new_uuid()
        c.virsh(d, "define", c.write(d, "old.xml", good.replace(
            "<name>minimal</name>", "<name>old</name><uuid>%s</uuid>" % uuid)))
        c.virsh(d, "define", c.write(d, "taken.xml", good.replace(
            "<name>minimal</name>", "<name>taken</name>")))
        c.virsh(d, "autostart", "old")
        r = c.virsh(d, "domrename", "old", "taken", ok=False)
        check("domain with name 'taken' already exists" in r.stderr, r.stderr)
        for bad in ("../escape", "a/b", "x" * 100):
            r = c.virsh(d, "domrename", "old", bad, ok=False)
            check("error:" in r.stderr, r.stderr)
        c.virsh(d, "domrename", "old", "new")
        check(c.virsh(d, "domuuid", "new").stdout.strip() == uuid, 'c.virsh(d, "domuuid", "new").stdout.strip() == uuid')
        c.virsh(d, "dominfo", "old", ok=False)
        check("Autostart:      enable" in c.virsh(d, "dominfo", "new").stdout, '"Autostart:      enable" in c.virsh(d, "dominfo", "new").stdout')
        domains = os.path.join(root, "etc", "vireo", "domains")
        check(sorted(os.listdir(domains)) == ["new.xml", "taken.xml"], os.listdir(domains))
        d.stop()
        d = vdrpc.Daemon(root)  # started again on the same root: only the new name
        names = sorted(c.virsh(d, "list", "--all", "--name").stdout.split())
        check(names == ["new", "taken"], names)
        check("Autostart:      enable" in c.virsh(d, "dominfo", "new").stdout, '"Autostart:      enable" in c.virsh(d, "dominfo", "new").stdout')
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)


def capabilities_validate_and_advertise_vireo():
    with c.daemon() as d:
        caps = c.virsh(d, "capabilities").stdout
        c.validate(d, caps, "capabilities.rng")
        check("<domain type=\"vireo\"/>" in caps and "<os_type>hvm</os_type>" in caps, caps)
        dcaps = c.virsh(d, "domcapabilities").stdout
        c.validate(d, dcaps, "domaincaps.rng")
        dcaps = c.virsh(d, "domcapabilities", "--virttype", "vireo", "--arch", "x86_64",
                        "--machine", "vireo").stdout
        check("<domain>vireo</domain>" in dcaps, dcaps)
        r = c.virsh(d, "domcapabilities", "--arch", "aarch64", ok=False)
        check("aarch64" in r.stderr, r.stderr)
        info = c.virsh(d, "nodeinfo").stdout
        check("CPU(s):" in info, info)
        check("Vireo" in c.virsh(d, "version").stdout, '"Vireo" in c.virsh(d, "version").stdout')


if __name__ == "__main__":
    c.needs_real_daemon()
    c.require("/usr/bin/virsh", "libvirt-clients")
    c.require("/usr/bin/xmllint", "libxml2-utils")
    c.main([define_then_dumpxml_round_trips, virt_install_devices_show_as_virtio,
            unsupported_xml_is_refused_by_name_and_line,
            start_without_hv_is_refused_and_nothing_runs,
            config_changes_persist_in_the_definition,
            same_name_or_uuid_with_the_other_different_is_refused,
            domrename_keeps_uuid_autostart_and_survives_a_restart,
            capabilities_validate_and_advertise_vireo])
