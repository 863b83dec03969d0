# SPDX-License-Identifier: GPL-2.0-only
"""virtvireod killed with SIGKILL and started again on the same root: no definition,
autostart mark or --config change is lost, and no temporary file is left behind."""
import os
import shutil
import signal
import tempfile

import configlib as c
import vdrpc


def definitions_survive_sigkill():
    root = tempfile.mkdtemp(prefix="vd-config-restart-")
    d = vdrpc.Daemon(root)
    try:
        names = ["r%d" % i for i in range(5)]
        base = open(c.corpus("good", "minimal.xml")).read()
        for n in names:
            c.virsh(d, "define", c.write(d, n + ".xml",
                                         base.replace("<name>minimal</name>",
                                                      "<name>%s</name>" % n)))
        c.virsh(d, "autostart", "r1")
        c.virsh(d, "setvcpus", "r2", "3", "--config", "--maximum")
        before = {n: c.virsh(d, "dumpxml", n).stdout for n in names}
        d.proc.send_signal(signal.SIGKILL)
        d.proc.wait(10)
        d.log.close()

        d = vdrpc.Daemon(root)
        listed = sorted(c.virsh(d, "list", "--all", "--name").stdout.split())
        assert listed == names, listed
        for n in names:
            after = c.virsh(d, "dumpxml", n).stdout
            assert after == before[n], (n, before[n], after)
        assert "Autostart:      enable" in c.virsh(d, "dominfo", "r1").stdout
        assert "Autostart:      disable" in c.virsh(d, "dominfo", "r0").stdout
        leftovers = [f for f in os.listdir(os.path.join(root, "etc", "vireo", "domains"))
                     if f.startswith(".")]
        assert leftovers == [], leftovers
        c.virsh(d, "undefine", "r3")
    except BaseException:
        print("---- daemon log ----\n" + d.log_text()[-4000:])
        raise
    finally:
        d.stop()
    d = vdrpc.Daemon(root)
    try:
        listed = sorted(c.virsh(d, "list", "--all", "--name").stdout.split())
        assert listed == ["r0", "r1", "r2", "r4"], listed
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    c.needs_real_daemon()
    c.require("/usr/bin/virsh", "libvirt-clients")
    c.main([definitions_survive_sigkill])
