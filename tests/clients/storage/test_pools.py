# SPDX-License-Identifier: GPL-2.0-only
"""Storage pools through stock virsh and python3-libvirt against virtvireod: every pool
command, libvirt's error codes for missing pools and forbidden state changes, the
default pool of a fresh node, and definitions that survive a SIGKILL."""
import os

import libvirt

import storagelib as s
from vdrpc import check


def fresh_daemon_has_an_autostarted_default_pool():
    with s.daemon() as d:
        out = s.virsh(d, "pool-list", "--all").stdout
        check("default" in out and "active" in out and "yes" in out, out)
        xml = s.virsh(d, "pool-dumpxml", "default").stdout
        target = os.path.join(d.tmp, "var", "lib", "libvirt", "images")
        check("<path>%s</path>" % target in xml, xml)
        check(os.path.isdir(target), target)
        info = s.virsh(d, "pool-info", "default").stdout
        check("State:          running" in info and "Autostart:      yes" in info, info)


def dir_pool_lifecycle_with_every_command():
    with s.daemon() as d:
        target = os.path.join(d.tmp, "pool-a")
        s.virsh(d, "pool-define-as", "a", "dir", "--target", target)
        check("a" in s.virsh(d, "pool-list", "--inactive", "--name").stdout.split(),
              "pool a listed inactive")
        s.virsh(d, "pool-build", "a")
        check(os.path.isdir(target), target)
        s.virsh(d, "pool-start", "a")
        s.virsh(d, "pool-autostart", "a")
        s.virsh(d, "pool-refresh", "a")
        info = s.virsh(d, "pool-info", "a").stdout
        for want in ("State:          running", "Persistent:     yes", "Autostart:      yes",
                     "Capacity:", "Available:"):
            check(want in info, want, info)
        xml = s.virsh(d, "pool-dumpxml", "a").stdout
        check("<capacity unit=\"bytes\">" in xml and "<available" in xml, xml)
        c = s.conn(d)
        try:
            check(c.storagePoolLookupByTargetPath(target + "/").name() == "a", "by target")
            s.expect_error(lambda: c.storagePoolLookupByTargetPath("/nowhere"),
                           libvirt.VIR_ERR_NO_STORAGE_POOL, "matching target path")
        finally:
            c.close()
        uuid = s.virsh(d, "pool-uuid", "a").stdout.strip()
        check(s.virsh(d, "pool-name", uuid).stdout.strip() == "a", uuid)
        active = s.virsh(d, "pool-list", "--name").stdout.split()
        check(sorted(active) == ["a", "default"], active)
        s.virsh(d, "pool-destroy", "a")
        check("a" not in s.virsh(d, "pool-list", "--name").stdout.split(), "a stopped")
        s.virsh(d, "pool-delete", "a")
        check(not os.path.exists(target), target)
        s.virsh(d, "pool-undefine", "a")
        check("a" not in s.virsh(d, "pool-list", "--all", "--name").stdout.split(),
              "a undefined")


def errors_carry_libvirt_codes():
    with s.daemon() as d:
        c = s.conn(d)
        try:
            e = s.expect_error(lambda: c.storagePoolLookupByName("nope"),
                               libvirt.VIR_ERR_NO_STORAGE_POOL,
                               "no storage pool with matching name 'nope'")
            check(e.get_error_domain() == s.VIR_FROM_STORAGE, e.get_error_domain())
            s.expect_error(lambda: c.storagePoolLookupByUUIDString(
                "8f2c7c56-0d4e-4c6b-9d7a-2a6a3a8d9f01"), libvirt.VIR_ERR_NO_STORAGE_POOL)
            target = os.path.join(d.tmp, "pool-b")
            xml = "<pool type='dir'><name>b</name><target><path>%s</path></target></pool>" % target
            p = c.storagePoolDefineXML(xml, 0)
            s.expect_error(p.destroy, libvirt.VIR_ERR_OPERATION_INVALID, "is not active")
            s.expect_error(lambda: p.storageVolLookupByName("x"),
                           libvirt.VIR_ERR_OPERATION_INVALID, "is not active")
            s.expect_error(p.create, libvirt.VIR_ERR_OPERATION_INVALID, "cannot open directory")
            p.build(0)
            p.create(0)
            s.expect_error(p.create, libvirt.VIR_ERR_OPERATION_INVALID, "already active")
            s.expect_error(p.undefine, libvirt.VIR_ERR_OPERATION_INVALID, "still active")
            s.expect_error(lambda: p.delete(0), libvirt.VIR_ERR_OPERATION_INVALID, "still active")
            s.expect_error(lambda: p.storageVolLookupByName("x"), libvirt.VIR_ERR_NO_STORAGE_VOL,
                           "no storage vol with matching name 'x'")
            # Same name, other uuid; same target, other name: both refused, nothing lost.
            s.expect_error(lambda: c.storagePoolDefineXML(xml.replace(
                "<name>b</name>", "<name>b</name><uuid>8f2c7c56-0d4e-4c6b-9d7a-2a6a3a8d9f01</uuid>"
            ), 0), libvirt.VIR_ERR_OPERATION_FAILED, "already exists with uuid")
            s.expect_error(lambda: c.storagePoolDefineXML(xml.replace("<name>b</name>",
                                                                      "<name>c</name>"), 0),
                           libvirt.VIR_ERR_OPERATION_FAILED, "Storage source conflict")
            s.expect_error(lambda: c.storagePoolDefineXML(
                "<pool type='iscsi'><name>disk</name></pool>", 0),
                libvirt.VIR_ERR_CONFIG_UNSUPPORTED, "'iscsi' is not supported")
            s.expect_error(lambda: c.storagePoolDefineXML("<pool type='dir'><name>x", 0),
                           libvirt.VIR_ERR_XML_DETAIL)
            check(sorted(x.name() for x in c.listAllStoragePools(0)) == ["b", "default"],
                  [x.name() for x in c.listAllStoragePools(0)])
        finally:
            c.close()


def transient_pool_ends_when_destroyed():
    with s.daemon() as d:
        c = s.conn(d)
        try:
            target = os.path.join(d.tmp, "pool-t")
            xml = "<pool type='dir'><name>t</name><target><path>%s</path></target></pool>" % target
            p = c.storagePoolCreateXML(xml, libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
            check(p.isActive() == 1 and p.isPersistent() == 0, "transient and active")
            s.expect_error(lambda: p.setAutostart(1), libvirt.VIR_ERR_INTERNAL_ERROR,
                           "transient pool")
            flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT
            check([x.name() for x in c.listAllStoragePools(flags)] == ["t"], "listed transient")
            p.destroy()
            s.expect_error(lambda: c.storagePoolLookupByName("t"), libvirt.VIR_ERR_NO_STORAGE_POOL)
            # The old list calls agree with ListAll.
            check(c.numOfStoragePools() == 1 and c.listStoragePools() == ["default"],
                  c.listStoragePools())
            check(c.numOfDefinedStoragePools() == 0, c.listDefinedStoragePools())
        finally:
            c.close()


def definitions_and_state_survive_sigkill():
    with s.restartable_daemon() as h:
        d = h.d
        for name in ("p1", "p2", "p3"):
            s.virsh(d, "pool-define-as", name, "dir", "--target", os.path.join(d.tmp, name))
            s.virsh(d, "pool-build", name)
        s.virsh(d, "pool-start", "p1")
        s.virsh(d, "pool-autostart", "p2")
        s.virsh(d, "pool-undefine", "p3")
        s.virsh(d, "pool-autostart", "default", "--disable")
        before = {n: s.virsh(d, "pool-dumpxml", "--inactive", n).stdout
                  for n in ("default", "p1", "p2")}
        h.d = d = s.kill_and_restart(d)
        listed = sorted(s.virsh(d, "pool-list", "--all", "--name").stdout.split())
        check(listed == ["default", "p1", "p2"], listed)
        for n, xml in before.items():
            after = s.virsh(d, "pool-dumpxml", "--inactive", n).stdout
            check(after == xml, n, xml, after)
        # p1 was running, p2 autostarts; default was running (still is), no longer autostarts.
        active = sorted(s.virsh(d, "pool-list", "--name").stdout.split())
        check(active == ["default", "p1", "p2"], active)
        check("Autostart:      no" in s.virsh(d, "pool-info", "default").stdout, "no autostart")
        leftovers = [f for f in os.listdir(os.path.join(d.tmp, "etc", "vireo", "storage"))
                     if f.startswith(".")]
        check(leftovers == [], leftovers)


def unsupported_objects_answer_empty_lists():
    libvirt.virEventRegisterDefaultImpl()  # event registrations need a client event loop
    with s.daemon() as d:
        c = s.conn(d)
        try:
            check(c.listAllDevices(0) == [] and c.listDevices(None, 0) == [], "no node devices")
            check(c.listAllInterfaces(0) == [], "no interfaces")
            check(c.listAllNWFilters(0) == [] and c.listAllSecrets(0) == [], "no nwfilters")
            s.expect_error(lambda: c.nodeDeviceLookupByName("pci_0000_00_00_0"),
                           libvirt.VIR_ERR_NO_SUPPORT)
            # virt-manager registers for node device events: taken, never fired.
            cb = c.nodeDeviceEventRegisterAny(
                None, libvirt.VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE, lambda *a: None, None)
            check(cb >= 0, "node device events registered: %r" % cb)
            c.nodeDeviceEventDeregisterAny(cb)
            s.expect_error(lambda: c.nodeDeviceEventDeregisterAny(cb),
                           libvirt.VIR_ERR_INVALID_ARG, "not registered")
            check(c.getType() == "Vireo", "connection still works")
        finally:
            c.close()


def netfs_pool_that_cannot_mount_fails_clearly_and_stays_inactive():
    """On the host nothing serves NFS (and CI's kernel has no NFS client): pool-start must
    fail at once with mount.nfs's reason, leave the pool inactive and its target empty.
    Mounting for real is the node's netfs_pool_lifecycle_over_nfs."""
    with s.daemon() as d:
        target = os.path.join(d.tmp, "nfs-mnt")
        s.virsh(d, "pool-define-as", "nfs", "netfs", "--source-host", "127.0.0.1",
                "--source-path", "/export", "--source-format", "nfs", "--target", target)
        xml = s.virsh(d, "pool-dumpxml", "nfs").stdout
        for want in ('<pool type="netfs">', '<host name="127.0.0.1"/>', '<dir path="/export"/>',
                     '<format type="nfs"/>', "<path>%s</path>" % target):
            check(want in xml, want, xml)
        s.virsh(d, "pool-build", "nfs")
        check(os.path.isdir(target), target)
        c = s.conn(d)
        try:
            p = c.storagePoolLookupByName("nfs")
            s.expect_error(lambda: p.create(0), libvirt.VIR_ERR_INTERNAL_ERROR,
                           "cannot mount 127.0.0.1:/export for pool 'nfs'")
            check(p.isActive() == 0, "pool left inactive")
            flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_NETFS
            check([x.name() for x in c.listAllStoragePools(flags)] == ["nfs"], "netfs listed")
            flags = libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_DIR
            check([x.name() for x in c.listAllStoragePools(flags)] == ["default"], "dir listed")
        finally:
            c.close()
        check(os.listdir(target) == [], os.listdir(target))
        s.virsh(d, "pool-delete", "nfs")
        check(not os.path.exists(target), target)
        s.virsh(d, "pool-undefine", "nfs")


if __name__ == "__main__":
    s.main([fresh_daemon_has_an_autostarted_default_pool, dir_pool_lifecycle_with_every_command,
            errors_carry_libvirt_codes, transient_pool_ends_when_destroyed,
            definitions_and_state_survive_sigkill, unsupported_objects_answer_empty_lists,
            netfs_pool_that_cannot_mount_fails_clearly_and_stays_inactive])
