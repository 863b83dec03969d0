# SPDX-License-Identifier: GPL-2.0-only
"""virtvireod killed with SIGKILL and started again on the same root: no definition,
autostart mark or --config change is lost, and no temporary file is left behind."""
import os
import shutil
import signal
import subprocess
import tempfile

import configlib as c
import vdrpc
from vdrpc import check


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
        # The killed daemon's sockets stay behind; remove them so the fixture waits for
        # the new daemon's (it replaces stale paths itself either way).
        for path in (d.sock, d.sock_ro):
            if os.path.exists(path):
                os.unlink(path)

        d = vdrpc.Daemon(root)
        listed = sorted(c.virsh(d, "list", "--all", "--name").stdout.split())
        check(listed == names, listed)
        for n in names:
            after = c.virsh(d, "dumpxml", n).stdout
            check(after == before[n], (n, before[n], after))
        check("Autostart:      enable" in c.virsh(d, "dominfo", "r1").stdout, '"Autostart:      enable" in c.virsh(d, "dominfo", "r1").stdout')
        check("Autostart:      disable" in c.virsh(d, "dominfo", "r0").stdout, '"Autostart:      disable" in c.virsh(d, "dominfo", "r0").stdout')
        leftovers = [f for f in os.listdir(os.path.join(root, "etc", "vireo", "domains"))
                     if f.startswith(".")]
        check(leftovers == [], leftovers)
        c.virsh(d, "undefine", "r3")
    except BaseException:
        print("---- daemon log ----\n" + d.log_text()[-4000:])
        raise
    finally:
        d.stop()
    d = vdrpc.Daemon(root)
    try:
        listed = sorted(c.virsh(d, "list", "--all", "--name").stdout.split())
        check(listed == ["r0", "r1", "r2", "r4"], listed)
    finally:
        d.stop()
        shutil.rmtree(root, ignore_errors=True)


def full_disk_loses_nothing():
    """Definitions on a file system that fills up (a small tmpfs at ROOT/etc/vireo): the
    define that does not fit fails with libvirt's error naming the cause, the definition
    it would have replaced is intact (live and after a restart), no temporary file is
    left holding the space, and a define that fits works again."""
    root = tempfile.mkdtemp(prefix="vd-config-full-")
    conf = os.path.join(root, "etc", "vireo")
    os.makedirs(conf)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "vireo-full", conf],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print("  cannot mount a tmpfs (%s): not tried" % r.stderr.strip())
        shutil.rmtree(root, ignore_errors=True)
        return
    d = None
    try:
        d = vdrpc.Daemon(root)
        base = open(c.corpus("good", "minimal.xml")).read()
        c.virsh(d, "define", c.write(d, "keep.xml", base.replace("<name>minimal</name>",
                                                                  "<name>keep</name>")))
        before = c.virsh(d, "dumpxml", "keep").stdout
        big = before.replace("<memory", "<description>%s</description><memory" % ("x" * 400000),
                             1)
        r = c.virsh(d, "define", c.write(d, "big.xml", big), ok=False)
        check("No space left on device" in r.stderr, r.stderr)
        check("error:" in r.stderr, r.stderr)
        check(c.virsh(d, "dumpxml", "keep").stdout == before, 'c.virsh(d, "dumpxml", "keep").stdout == before')
        domains = os.path.join(conf, "domains")
        check([f for f in os.listdir(domains) if f.startswith(".")] == [], os.listdir(domains))
        c.virsh(d, "define", c.write(d, "next.xml", base.replace("<name>minimal</name>",
                                                                  "<name>next</name>")))
        d.stop()
        d = vdrpc.Daemon(root)
        listed = sorted(c.virsh(d, "list", "--all", "--name").stdout.split())
        check(listed == ["keep", "next"], listed)
        check(c.virsh(d, "dumpxml", "keep").stdout == before, 'c.virsh(d, "dumpxml", "keep").stdout == before')
    except BaseException:
        if d:
            print("---- daemon log ----\n" + d.log_text()[-4000:])
        raise
    finally:
        if d:
            d.stop()
        subprocess.run(["umount", conf])
        shutil.rmtree(root, ignore_errors=True)


def timeout_exits_when_idle():
    """--timeout SECS (what libvirt's auto-spawn passes): with no client and no running
    domain the daemon exits by itself, cleanly, and removes its sockets."""
    root = tempfile.mkdtemp(prefix="vd-config-timeout-")
    log_path = os.path.join(root, "daemon.log")
    try:
        with open(log_path, "w") as log:
            p = subprocess.Popen([os.environ["VIRTVIREOD"], "--root", root, "--timeout", "1"],
                                 stdout=log, stderr=subprocess.STDOUT)
            try:
                rc = p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                raise AssertionError("still running after 15 s:\n" + open(log_path).read())
        text = open(log_path).read()
        check(rc == 0, (rc, text))
        check("idle for 1 s, exiting" in text, text)
        check(not os.path.exists(os.path.join(root, "run", "libvirt", "virtvireod-sock")), text)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def help_and_version_describe_the_daemon():
    out = subprocess.run([os.environ["VIRTVIREOD"], "--help"], capture_output=True, text=True,
                         timeout=10)
    check(out.returncode == 0, out.stderr)
    for option in ["--root", "--config", "--listen-tcp", "--timeout", "--version"]:
        check(option in out.stdout, out.stdout)
    out = subprocess.run([os.environ["VIRTVIREOD"], "--version"], capture_output=True,
                         text=True, timeout=10)
    check(out.returncode == 0 and out.stdout.startswith("virtvireod "), out.stdout)
    out = subprocess.run([os.environ["VIRTVIREOD"], "--listen-tcp", "nonsense"],
                         capture_output=True, text=True, timeout=10)
    check(out.returncode == 2 and "ADDR:PORT" in out.stderr, out.stderr)


if __name__ == "__main__":
    c.needs_real_daemon()
    c.require("/usr/bin/virsh", "libvirt-clients")
    c.main([definitions_survive_sigkill, full_disk_loses_nothing, timeout_exits_when_idle,
            help_and_version_describe_the_daemon])
