# SPDX-License-Identifier: GPL-2.0-only
"""Unmodified virt-install against virtvireod on a host without hv: it reads Vireo's
capabilities (domain type vireo, machine vireo, the device model as emulator), its
default display is refused by name, and with --graphics none the install stops at the
clear "hypervisor not present" error; nothing is left defined or running."""
import os
import subprocess

import configlib as c
from vdrpc import check


def virt_install(d, name, *extra):
    kernel = c.write(d, "vmlinuz", "not a real kernel\n")
    cmd = ["virt-install", "--connect", c.uri(d), "--name", name, "--memory", "256",
           "--vcpus", "1", "--import", "--boot", "kernel=%s,kernel_args=console=ttyS0" % kernel,
           "--network", "bridge=br0", "--noautoconsole",
           "--osinfo", "generic"] + ([] if "--disk" in extra else ["--disk", "none"]) + list(extra)
    env = dict(os.environ, HOME=d.tmp)  # virt-install keeps a log under ~/.cache
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)


def print_xml_uses_vireo_capabilities():
    with c.daemon() as d:
        r = virt_install(d, "vi1", "--graphics", "none", "--print-xml")
        check(r.returncode == 0, r.stdout + r.stderr)
        xml = r.stdout
        check("<domain type=\"vireo\">" in xml, xml)
        check("machine=\"vireo\"" in xml, xml)
        check("<emulator>/usr/libexec/vireo/vireo-dm</emulator>" in xml, xml)
        # What it sends is accepted as it stands.
        c.virsh(d, "define", c.write(d, "vi1.xml", xml))
        dumped = c.virsh(d, "dumpxml", "vi1").stdout
        check("<model type=\"virtio\"/>" in dumped, dumped)


def disks_nic_and_rng_become_virtio():
    """virt-install puts a generic OS's disks on IDE and its NIC on e1000: accepted, and
    shown as the virtio devices the guest gets (vdX in document order, model virtio)."""
    with c.daemon() as d:
        img = os.path.join(d.tmp, "disk.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", img, "16M"], check=True,
                       timeout=60)
        r = virt_install(d, "vi4", "--graphics", "none", "--print-xml",
                         "--disk", "path=%s,format=qcow2" % img,
                         "--disk", "path=%s,device=cdrom" % img, "--rng", "/dev/urandom")
        check(r.returncode == 0, r.stdout + r.stderr)
        c.virsh(d, "define", c.write(d, "vi4.xml", r.stdout))
        dumped = c.virsh(d, "dumpxml", "vi4").stdout
        for needle in ['<target dev="vda" bus="virtio"/>', '<target dev="vdb" bus="virtio"/>',
                       '<disk type="file" device="cdrom">', '<model type="virtio"/>',
                       '<backend model="random">/dev/urandom</backend>']:
            check(needle in dumped, "dumpxml lacks %s:\n%s" % (needle, dumped))
        check('bus="ide"' not in dumped and "e1000" not in dumped, dumped)


def default_display_is_refused_by_name():
    with c.daemon() as d:
        r = virt_install(d, "vi2")
        check(r.returncode != 0, r.stdout)
        out = r.stdout + r.stderr
        check("graphics type 'vnc' is not supported by Vireo" in out, out)
        check("--graphics none" in out, out)


def install_without_hv_stops_at_the_clear_error():
    with c.daemon() as d:
        r = virt_install(d, "vi3", "--graphics", "none")
        out = r.stdout + r.stderr
        check("Vireo hypervisor not present: /dev/vireo not found" in out, out)
        check(c.virsh(d, "list", "--all", "--name").stdout.split() == [], 'c.virsh(d, "list", "--all", "--name").stdout.split() == []')


if __name__ == "__main__":
    c.needs_real_daemon()
    c.require("/usr/bin/virt-install", "virtinst")
    c.require("/usr/bin/virsh", "libvirt-clients")
    c.main([print_xml_uses_vireo_capabilities, disks_nic_and_rng_become_virtio,
            default_display_is_refused_by_name,
            install_without_hv_stops_at_the_clear_error])
