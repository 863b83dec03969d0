# SPDX-License-Identifier: GPL-2.0-only
"""Stock virsh over vireo+unix:// and vireo+tcp:// drives the everyday commands: version,
nodeinfo, capabilities, domcapabilities, define, list --all, dumpxml, dominfo, domstate,
domuuid, domname, autostart, start (refused: no hypervisor here), undefine; errors show
libvirt's message."""
import os
import re

import clientlib
import vdrpc
from clientlib import DOM_UUID, virsh
from vdrpc import check


def everyday_commands(uri, tmp):
    out = virsh(uri, "version").stdout
    check(re.search(r"Using API: Vireo", out) and "Running hypervisor: Vireo" in out, out)
    out = virsh(uri, "nodeinfo").stdout
    check(re.search(r"CPU\(s\):\s+\d+", out) and "Memory size:" in out, out)
    check("<capabilities>" in virsh(uri, "capabilities").stdout, '"<capabilities>" in virsh(uri, "capabilities").stdout')
    check("<domainCapabilities" in virsh(uri, "domcapabilities").stdout, '"<domainCapabilities" in virsh(uri, "domcapabilities").stdout')

    xml = clientlib.write_domain(tmp, "cli1")
    check("Domain 'cli1' defined" in virsh(uri, "define", xml).stdout, '"Domain \'cli1\' defined" in virsh(uri, "define", xml).stdout')
    out = virsh(uri, "list", "--all").stdout
    check(re.search(r"-\s+cli1\s+shut off", out), out)
    check("<name>cli1</name>" in virsh(uri, "dumpxml", "cli1").stdout, '"<name>cli1</name>" in virsh(uri, "dumpxml", "cli1").stdout')
    out = virsh(uri, "dominfo", "cli1").stdout
    check(re.search(r"State:\s+shut off", out) and re.search(r"UUID:\s+" + DOM_UUID, out), out)
    check(re.search(r"Autostart:\s+disable", out), out)
    check(virsh(uri, "domstate", "cli1").stdout.strip() == "shut off", 'virsh(uri, "domstate", "cli1").stdout.strip() == "shut off"')
    check(virsh(uri, "domuuid", "cli1").stdout.strip() == DOM_UUID, 'virsh(uri, "domuuid", "cli1").stdout.strip() == DOM_UUID')
    check(virsh(uri, "domname", DOM_UUID).stdout.strip() == "cli1", 'virsh(uri, "domname", DOM_UUID).stdout.strip() == "cli1"')
    virsh(uri, "autostart", "cli1")
    check(re.search(r"Autostart:\s+enable", virsh(uri, "dominfo", "cli1").stdout), 're.search(r"Autostart:\\s+enable", virsh(uri, "dominfo", "cli1").stdout)')
    virsh(uri, "autostart", "--disable", "cli1")
    check(re.search(r"Autostart:\s+disable", virsh(uri, "dominfo", "cli1").stdout), 're.search(r"Autostart:\\s+disable", virsh(uri, "dominfo", "cli1").stdout)')

    # schedinfo: the client adds VIR_TYPED_PARAM_STRING_OKAY to the getter's flags
    out = virsh(uri, "schedinfo", "cli1", "--set", "weight=512", "--config").stdout
    check(re.search(r"weight\s+:\s+512", out), out)
    check(re.search(r"weight\s+:\s+512", virsh(uri, "schedinfo", "cli1", "--config").stdout), 're.search(r"weight\\s+:\\s+512", virsh(uri, "schedinfo", "cli1", "--config").stdout)')

    err = virsh(uri, "start", "cli1", ok=False).stderr
    check(re.search(r"hypervisor.*not present", err, re.I), err)
    check(virsh(uri, "domstate", "cli1").stdout.strip() == "shut off", 'virsh(uri, "domstate", "cli1").stdout.strip() == "shut off"')

    # virsh words a failed lookup itself; the daemon's own message shows on other errors
    err = virsh(uri, "dominfo", "no-such-vm", ok=False).stderr
    check("failed to get domain 'no-such-vm'" in err, err)
    bad = os.path.join(tmp, "bad.xml")
    with open(bad, "w") as f:
        f.write("<domain type='vireo'><memory>1024</memory></domain>")
    err = virsh(uri, "define", bad, ok=False).stderr
    check(re.search(r"error: .*(name|XML)", err), err)

    check("Domain 'cli1' has been undefined" in virsh(uri, "undefine", "cli1").stdout, '"Domain \'cli1\' has been undefined" in virsh(uri, "undefine", "cli1").stdout')
    out = virsh(uri, "list", "--all").stdout
    check("cli1" not in out, out)


def virsh_over_unix_socket():
    with vdrpc.daemon() as d:
        everyday_commands(clientlib.unix_uri(d), d.tmp)
        # the read-only mode: reads work, changes are refused by the daemon's verdict
        ro = "vireo+unix:///system?socket=" + d.sock_ro
        check("Id" in virsh(ro, "list", "--all").stdout, '"Id" in virsh(ro, "list", "--all").stdout')
        xml = clientlib.write_domain(d.tmp, "ro1")
        err = virsh(ro, "define", xml, ok=False).stderr
        check("read only" in err, err)


def virsh_over_tcp():
    port = clientlib.free_port()
    with vdrpc.daemon(tcp_port=port) as d:
        everyday_commands("vireo+tcp://127.0.0.1:%d/system" % port, d.tmp)


if __name__ == "__main__":
    clientlib.require_virsh()
    vdrpc.main([virsh_over_unix_socket, virsh_over_tcp])
