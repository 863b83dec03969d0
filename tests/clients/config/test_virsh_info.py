# SPDX-License-Identifier: GPL-2.0-only
"""virsh's informational commands against virtvireod without hv: node memory (freecell,
nodememstats), vCPU limits and affinity (maxvcpus, vcpuinfo of a shut off domain),
dommemstat's refusal, and title/description/metadata kept in the stored definition."""
import os
import re
import shutil
import tempfile

import libvirt

import configlib as c
import vdrpc
from vdrpc import check


def meminfo_kib(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s in /proc/meminfo" % key)


def define(d, name, vcpus=1):
    xml = open(c.corpus("good", "minimal.xml")).read()
    xml = xml.replace("<name>minimal</name>", "<name>%s</name>" % name)
    xml = xml.replace("<os>", "<vcpu>%d</vcpu>\n  <os>" % vcpus)
    c.virsh(d, "define", c.write(d, name + ".xml", xml))


def node_memory_without_hv_is_the_hosts():
    with c.daemon() as d:
        stats = c.virsh(d, "nodememstats").stdout
        total = int(re.search(r"total\s*:\s*(\d+) KiB", stats).group(1))
        free = int(re.search(r"free\s*:\s*(\d+) KiB", stats).group(1))
        check(total == meminfo_kib("MemTotal"), (total, stats))
        check(0 < free <= total, stats)
        out = c.virsh(d, "freecell").stdout
        whole = int(re.search(r"Total: (\d+) KiB", out).group(1))
        check(0 < whole <= total, out)
        out = c.virsh(d, "freecell", "--all").stdout
        cells = re.findall(r"^\s*(\d+):\s*(\d+) KiB", out, re.M)
        check([cell for cell, _ in cells] == ["0"], out)
        summed = int(re.search(r"Total:\s*(\d+) KiB", out).group(1))
        check(summed == int(cells[0][1]) and 0 < summed <= total, out)
        check(re.match(r"0: \d+ KiB", c.virsh(d, "freecell", "--cellno", "0").stdout.strip()), 're.match(r"0: \\d+ KiB", c.virsh(d, "freecell", "--cellno", "0").stdout.strip())')
        r = c.virsh(d, "freecell", "--cellno", "1", ok=False)
        check("cell 1 out of range" in r.stderr, r.stderr)
        r = c.virsh(d, "nodememstats", "--cell", "3", ok=False)
        check("cell 3 out of range" in r.stderr, r.stderr)


def vcpu_limits_and_shut_off_affinity():
    with c.daemon() as d:
        check(c.virsh(d, "maxvcpus").stdout.strip() == "64", 'c.virsh(d, "maxvcpus").stdout.strip() == "64"')
        define(d, "three", vcpus=3)
        out = c.virsh(d, "vcpuinfo", "three").stdout
        check(re.findall(r"^VCPU:\s+(\d+)", out, re.M) == ["0", "1", "2"], out)
        # vCPUs may run on every CPU but the first, which is dom0's under hv.
        ncpus = os.sysconf("SC_NPROCESSORS_ONLN")
        want = "-" + "y" * (ncpus - 1) if ncpus > 1 else "y"
        affinity = re.findall(r"^CPU Affinity:\s+(\S+)", out, re.M)
        check(affinity == [want] * 3, (affinity, want))
        check("State:          N/A" in out, out)
        count = c.virsh(d, "vcpucount", "three").stdout
        check(re.search(r"maximum\s+config\s+3", count), count)
        conn = libvirt.open(c.uri(d))
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        try:
            check(conn.getMaxVcpus(None) == 64 and conn.getMaxVcpus("vireo") == 64, 'conn.getMaxVcpus(None) == 64 and conn.getMaxVcpus("vireo") == 64')
            c.expect_error(lambda: conn.getMaxVcpus("kvm"), libvirt.VIR_ERR_INVALID_ARG,
                         "unknown type 'kvm'")
            dom = conn.lookupByName("three")
            c.expect_error(dom.vcpus, libvirt.VIR_ERR_OPERATION_INVALID,
                         "cannot retrieve vcpu information for inactive domain")
            c.expect_error(dom.maxVcpus, libvirt.VIR_ERR_OPERATION_INVALID,
                         "domain is not running")
            c.expect_error(lambda: dom.memoryStats(), libvirt.VIR_ERR_OPERATION_INVALID,
                         "domain is not running")
            pins = dom.vcpuPinInfo(libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            check(len(pins) == 3 and all(p == pins[0] for p in pins), pins)
            check(list(pins[0]) == [c != "-" for c in want], (pins, want))
        finally:
            conn.close()
        r = c.virsh(d, "dommemstat", "three", ok=False)
        check("domain is not running" in r.stderr, r.stderr)


def title_and_description_are_stored_and_shown():
    root = tempfile.mkdtemp(prefix="vd-config-desc-")
    d = vdrpc.Daemon(root)
    try:
        define(d, "described")
        out = c.virsh(d, "desc", "described").stdout
        check("No description for domain: described" in out, out)
        c.virsh(d, "desc", "described", "--config", "--new-desc", "web front end\nrack 4")
        c.virsh(d, "desc", "described", "--title", "--new-desc", "Front end")
        xml = c.virsh(d, "dumpxml", "described").stdout
        check("<title>Front end</title>" in xml, xml)
        check("<description>web front end\nrack 4</description>" in xml, xml)
        c.validate(d, xml, "domain.rng")
        r = c.virsh(d, "desc", "described", "--live", "--new-desc", "x", ok=False)
        check("domain is not running" in r.stderr, r.stderr)
        d.stop()
        d = vdrpc.Daemon(root)  # what a restart reads back is what was stored
        check(c.virsh(d, "desc", "described").stdout.strip() == "web front end\nrack 4", 'c.virsh(d, "desc", "described").stdout.strip() == "web front end\\nrack 4"')
        check(c.virsh(d, "desc", "described", "--title").stdout.strip() == "Front end", 'c.virsh(d, "desc", "described", "--title").stdout.strip() == "Front end"')
        c.virsh(d, "desc", "described", "--title", "--new-desc", "")
        check("<title>" not in c.virsh(d, "dumpxml", "described").stdout, '"<title>" not in c.virsh(d, "dumpxml", "described").stdout')
        out = c.virsh(d, "desc", "described", "--title").stdout
        check("No title for domain: described" in out, out)
    except BaseException:
        print("---- daemon log ----\n" + d.log_text()[-4000:])
        raise
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)


def metadata_elements_live_in_their_namespace():
    with c.daemon() as d:
        define(d, "tagged")
        uri = "http://example.org/ops/1.0"
        r = c.virsh(d, "metadata", "tagged", uri, ok=False)
        check("Requested metadata element is not present" in r.stderr, r.stderr)
        c.virsh(d, "metadata", "tagged", uri, "--key", "ops", "--set",
                "<owner team='db'>alice</owner>")
        c.virsh(d, "metadata", "tagged", "http://example.org/other", "--key", "o", "--set",
                "<x/>")
        got = c.virsh(d, "metadata", "tagged", uri).stdout.strip()
        check(got == '<ops:owner xmlns:ops="%s" team="db">alice</ops:owner>' % uri, got)
        xml = c.virsh(d, "dumpxml", "tagged").stdout
        check("<ops:owner" in xml and "<o:x" in xml, xml)
        c.validate(d, xml, "domain.rng")
        c.virsh(d, "metadata", "tagged", uri, "--remove")
        xml = c.virsh(d, "dumpxml", "tagged").stdout
        check("ops:owner" not in xml and "<o:x" in xml, xml)
        r = c.virsh(d, "metadata", "tagged", uri, "--key", "ops", "--set", "<unclosed>",
                    ok=False)
        check("line 1" in r.stderr, r.stderr)
        conn = libvirt.open(c.uri(d))
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        try:
            dom = conn.lookupByName("tagged")
            c.expect_error(lambda: dom.metadata(7, None), libvirt.VIR_ERR_INVALID_ARG,
                         "unknown metadata type '7'")
            c.expect_error(lambda: dom.metadata(libvirt.VIR_DOMAIN_METADATA_TITLE, None,
                                              libvirt.VIR_DOMAIN_AFFECT_LIVE),
                         libvirt.VIR_ERR_OPERATION_INVALID, "domain is not running")
        finally:
            conn.close()


def host_uuid_is_the_machines_in_capabilities_and_sysinfo():
    # SMBIOS's system UUID, else /etc/machine-id (never the all-zero UUID).
    with c.daemon() as d:
        caps = c.virsh(d, "capabilities").stdout
        host = re.search(r"<host>\s*<uuid>([0-9a-f-]{36})</uuid>", caps).group(1)
        sysinfo = c.virsh(d, "sysinfo").stdout
        system = re.search(r'<entry name="uuid">([0-9a-f-]{36})</entry>', sysinfo).group(1)
        vdrpc.check(host == system, "capabilities", host, "sysinfo", system)
        vdrpc.check(host.replace("-", "").strip("0"), "all-zero host UUID")
        expected = None
        for path in ["/sys/class/dmi/id/product_uuid", "/etc/machine-id"]:
            if os.path.exists(path):
                text = open(path).read().strip().lower().replace("-", "")
                if text.strip("0") and text.strip("f"):
                    expected = text
                    break
        if expected:
            vdrpc.check(host.replace("-", "") == expected, host, "is not the machine's", expected)


if __name__ == "__main__":
    c.main([host_uuid_is_the_machines_in_capabilities_and_sysinfo,
            node_memory_without_hv_is_the_hosts, vcpu_limits_and_shut_off_affinity,
            title_and_description_are_stored_and_shown,
            metadata_elements_live_in_their_namespace])
