# SPDX-License-Identifier: GPL-2.0-only
"""The device model's devices through stock virsh and python3-libvirt against virtvireod
(no hv): disks, interfaces, rng and balloon define and dumpxml round trip, domblklist,
domiflist and domblkinfo print them, and bad device XML gets libvirt's error codes."""
import subprocess

import configlib as c
from vdrpc import check

VIR_FROM_DOMAIN = 20


def table(out):
    """virsh's table output as rows of columns, without the header and the rule."""
    lines = [ln for ln in out.splitlines() if ln.strip()]
    return [ln.split() for ln in lines[2:]]


def device_xml_round_trips_through_virsh():
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "virtio-devices.xml"))
        first = c.virsh(d, "dumpxml", "devices").stdout
        c.validate(d, first, "domain.rng")
        c.virsh(d, "define", c.write(d, "again.xml", first))
        second = c.virsh(d, "dumpxml", "devices").stdout
        check(first == second, "dumpxml changed after redefine:\n%s\n---\n%s" % (first, second))
        for needle in ['<driver name="qemu" type="qcow2" cache="none" discard="unmap"/>',
                       '<host name="nbd.example.org" port="10810"/>',
                       '<host transport="unix" socket="/run/nbd/sock"/>',
                       '<disk type="file" device="cdrom">',
                       '<target dev="vde" bus="virtio"/>',  # the IDE cdrom, as virtio
                       '<serial>ROOT-1</serial>', '<shareable/>',
                       '<mac address="52:54:00:12:34:56"/>', '<model type="virtio"/>',
                       '<memballoon model="none"/>',
                       '<backend model="random">/dev/urandom</backend>']:
            check(needle in first, "dumpxml lacks %s:\n%s" % (needle, first))
        check("e1000" not in first and 'bus="ide"' not in first, first)
        check("vif3.1" not in first, "an inactive domain shows a tap name:\n" + first)


def domblklist_and_domiflist_print_the_devices():
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "virtio-devices.xml"))
        rows = table(c.virsh(d, "domblklist", "devices", "--details").stdout)
        want = [["file", "disk", "vdb", "/var/lib/vireo/images/root.qcow2"],
                ["block", "disk", "vda", "/dev/vg0/data"],
                ["network", "disk", "vdc", "export1"],
                ["file", "cdrom", "vde", "/var/lib/vireo/images/install.iso"]]
        for w in want:
            check(w in rows, "domblklist --details lacks %s: %s" % (w, rows))
        rows = table(c.virsh(d, "domiflist", "devices").stdout)
        check(["-", "bridge", "br0", "virtio", "52:54:00:12:34:56"] in rows, rows)
        check(["-", "network", "default", "virtio", "52:54:00:12:34:57"] in rows, rows)


def domblkinfo_reads_the_image_and_stats_need_a_running_domain():
    with c.daemon() as d:
        image = d.tmp + "/disk.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", image, "64M"], check=True,
                       timeout=60)
        xml = ("<domain type='vireo'><name>blk</name><memory unit='MiB'>64</memory>"
               "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
               "<disk type='file'><driver name='qemu' type='qcow2'/><source file='%s'/>"
               "<target dev='vda'/></disk>"
               "<interface type='bridge'><source bridge='br0'/></interface>"
               "</devices></domain>" % image)
        c.virsh(d, "define", c.write(d, "blk.xml", xml))
        for name in ("vda", image):
            out = c.virsh(d, "domblkinfo", "blk", name, "--human").stdout
            check("Capacity:       64.000 MiB" in out, out)
        out = c.virsh(d, "domblkinfo", "blk", "vda").stdout
        check("Capacity:       67108864" in out, out)
        r = c.virsh(d, "domblkinfo", "blk", "vdz", ok=False)
        check("has no disk with target or path 'vdz'" in r.stderr, r.stderr)
        r = c.virsh(d, "domifstat", "blk", "vif1.0", ok=False)
        check("domain is not running" in r.stderr, r.stderr)
        r = c.virsh(d, "domblkstat", "blk", "vda", ok=False)
        check("domain is not running" in r.stderr, r.stderr)


def bad_device_xml_gets_libvirts_error_codes():
    import libvirt
    head = ("<domain type='vireo'><name>bad</name><memory unit='MiB'>64</memory>"
            "<os><type>hvm</type><kernel>/k</kernel></os><devices>")

    def disk(src, dev, bus=""):
        return ("<disk type='file'><source file='%s'/><target dev='%s'%s/></disk>"
                % (src, dev, " bus='%s'" % bus if bus else ""))

    with c.daemon() as d:
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        conn = libvirt.open(c.uri(d))
        try:
            e = c.expect_error(
                lambda: conn.defineXML(head + disk("/a", "vda") + disk("/b", "vda") +
                                       "</devices></domain>"),
                libvirt.VIR_ERR_XML_ERROR, "target 'vda' duplicated for disk sources '/a' and '/b'")
            check(e.get_error_domain() == VIR_FROM_DOMAIN, e.get_error_domain())
            c.expect_error(
                lambda: conn.defineXML(head + disk("/a", "sda", "usb") + "</devices></domain>"),
                libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "disk bus 'usb' is not supported")
            nine = "".join(disk("/d%d" % i, "vd" + chr(ord("a") + i)) for i in range(9))
            c.expect_error(
                lambda: conn.defineXML(head + nine + "</devices></domain>"),
                libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                "domain 'bad' has 9 virtio devices (disks, interfaces, rng, memballoon): "
                "Vireo's device model serves at most 8")
            c.expect_error(
                lambda: conn.defineXML(head + "<rng model='virtio'><backend model='egd' "
                                       "type='tcp'/></rng></devices></domain>"),
                libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "rng backend model 'egd'")
            check(conn.listDefinedDomains() == [], conn.listDefinedDomains())
            # hdX/sdX without a bus become virtio disks with the next free vdX names.
            dom = conn.defineXML(head + disk("/a", "hda") + disk("/b", "sdb") +
                                 disk("/c", "vda") + "</devices></domain>")
            xml = dom.XMLDesc(0)
            for t in ("vda", "vdb", "vdc"):
                check('<target dev="%s" bus="virtio"/>' % t in xml, xml)
        finally:
            conn.close()


def attach_and_detach_edit_the_definition():
    """virsh attach-disk / attach-interface / detach-disk / detach-interface --config
    (virDomainAttachDeviceFlags, virDomainDetachDeviceFlags) change the definition:
    domblklist and domiflist follow; a duplicate target, a missing disk and a device other
    than a disk or interface, and a ninth device get libvirt's errors."""
    with c.daemon() as d:
        c.virsh(d, "define", c.corpus("good", "virtio-devices.xml"))  # eight devices
        r = c.virsh(d, "attach-disk", "devices", "/tmp/ninth.img", "vdz", "--config", ok=False)
        check("serves at most 8" in r.stderr, r.stderr)
        c.virsh(d, "define", c.write(d, "small.xml",
                                     "<domain type='vireo'><name>small</name>"
                                     "<memory unit='MiB'>64</memory><os><type>hvm</type>"
                                     "<kernel>/k</kernel></os><devices/></domain>"))
        before = len(table(c.virsh(d, "domblklist", "small").stdout))
        c.virsh(d, "attach-disk", "small", "/var/lib/vireo/images/new.qcow2", "vdz",
                "--driver", "qemu", "--subdriver", "qcow2", "--config")
        c.virsh(d, "attach-interface", "small", "bridge", "br7", "--mac",
                "52:54:00:0c:0f:01", "--model", "virtio", "--config")
        disks = table(c.virsh(d, "domblklist", "small").stdout)
        check(["vdz", "/var/lib/vireo/images/new.qcow2"] in disks, disks)
        check(len(disks) == before + 1, (before, disks))
        nics = table(c.virsh(d, "domiflist", "small").stdout)
        check(any("52:54:00:0c:0f:01" in row and "br7" in row for row in nics), nics)
        r = c.virsh(d, "attach-disk", "small", "/tmp/other.img", "vdz", "--config", ok=False)
        check("target 'vdz' duplicated" in r.stderr, r.stderr)
        rng = c.write(d, "rng.xml", "<rng model='virtio'><backend model='random'>"
                                    "/dev/urandom</backend></rng>")
        r = c.virsh(d, "attach-device", "small", rng, "--config", ok=False)
        check("not <rng>" in r.stderr, r.stderr)
        c.virsh(d, "detach-disk", "small", "vdz", "--config")
        c.virsh(d, "detach-interface", "small", "bridge", "--mac", "52:54:00:0c:0f:01",
                "--config")
        check(len(table(c.virsh(d, "domblklist", "small").stdout)) == before, "vdz gone")
        check("52:54:00:0c:0f:01" not in c.virsh(d, "domiflist", "small").stdout, "nic gone")
        missing = c.write(d, "missing.xml", "<disk type='file'><source file='/nowhere'/>"
                                            "<target dev='vdq'/></disk>")
        r = c.virsh(d, "detach-device", "small", missing, "--config", ok=False)
        check("device not found: no disk matching target 'vdq'" in r.stderr, r.stderr)


def domcapabilities_offer_the_virtio_devices():
    with c.daemon() as d:
        dcaps = c.virsh(d, "domcapabilities").stdout
        c.validate(d, dcaps, "domaincaps.rng")
        for needle in ['<disk supported="yes">', '<value>cdrom</value>', '<value>virtio</value>',
                       '<interface supported="yes">', '<rng supported="yes">',
                       '<value>random</value>']:
            check(needle in dcaps, "domcapabilities lack %s:\n%s" % (needle, dcaps))


if __name__ == "__main__":
    c.needs_real_daemon()
    c.require("/usr/bin/virsh", "libvirt-clients")
    c.require("/usr/bin/xmllint", "libxml2-utils")
    c.require("/usr/bin/qemu-img", "qemu-utils")
    c.main([device_xml_round_trips_through_virsh, domblklist_and_domiflist_print_the_devices,
            domblkinfo_reads_the_image_and_stats_need_a_running_domain,
            bad_device_xml_gets_libvirts_error_codes, attach_and_detach_edit_the_definition,
            domcapabilities_offer_the_virtio_devices])
