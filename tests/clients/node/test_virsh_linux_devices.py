#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Stock virsh on the host gives a Linux domU virtio devices served by vireo-dm in dom0
(issue 8), in one booted node: a raw disk, a read-only qcow2 disk and a writable qcow2
disk through QEMU's block layer, a vif on a bridge in dom0, and virtio-rng. The guest
finds them at boot; reads the pattern dom0 wrote on its disk; a write it flushed is in
dom0's image file; the read-only disk refuses a write; a file on an ext2 filesystem on the
qcow2 disk survives a virsh reboot; it pings dom0 over the bridge; virsh save and
restore (issue 10) keep its disk, NIC, rng and balloon working; a second domU on
the same bridge receives 64 MiB over TCP from it with the same checksum; its hardware RNG
is virtio's; a second domain that would write its disk is refused; virsh setmem shrinks
and grows it through the virtio balloon (MemTotal in the guest, rss in hv); virtvireod
SIGKILLed and restarted while the guest writes and pings loses no acknowledged write; a
logical volume (LVM in dom0) serves as a block disk; a guest driving its rng's registers
itself with hostile values leaves vireo-dm and dom0 unharmed; an installed qcow2 disk
uploaded into the default pool boots with no <kernel> in the XML (vireo-bootloader), and
a blank one is refused with the reason. domblklist/domiflist/
domblkinfo/domifstat show them, and domblkstat counts the guest's reads and writes of vda. A SIGKILLed vireo-dm
crashes its domain (on_crash destroy applies, the vif is gone); destroy leaves no
vireo-dm, qemu-storage-daemon or vif behind."""
import itertools
import os
import re
import subprocess

import node
import nodeclients
from nodeclients import LINUX_GUEST_DIR as GUEST_DIR, Console
from test_virsh_linux import (MARKER, BOOT_TIMEOUT, console_answers, guest_cmdline, shell,
                              need_running)

IMAGES = '/var/lib/vireo/images'
PATTERN = 'VIREO-DISK-PATTERN-0123456789'
WRITTEN = 'GUEST-WROTE-THIS'
MAC = '52:54:00:5e:00:42'
BRIDGE = 'vbr0'
MAC2 = '52:54:00:5e:00:43'
DOM0_IP, GUEST_IP, GUEST2_IP = '10.99.0.1', '10.99.0.2', '10.99.0.3'
BLOB_MIB = 64


def nic_xml(mac):
    return (f"<interface type='bridge'><mac address='{mac}'/>"
            f"<source bridge='{BRIDGE}'/><model type='virtio'/></interface>")


def devices_xml(name, cmdline):
    """linux_xml with the devices: vda raw rw, vdb qcow2 read-only, vdc qcow2 rw, a bridged
    NIC, rng, a balloon."""
    base = nodeclients.linux_xml(name, cmdline, on_crash='destroy')
    devices = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
               f"<source file='{IMAGES}/data.raw'/><target dev='vda' bus='virtio'/></disk>"
               f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
               f"<source file='{IMAGES}/ro.qcow2'/><target dev='vdb' bus='virtio'/>"
               f"<readonly/></disk>"
               f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
               f"<source file='{IMAGES}/fs.qcow2'/><target dev='vdc' bus='virtio'/></disk>"
               + nic_xml(MAC) +
               f"<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
               f"<memballoon model='virtio'/>")
    return base.replace('<devices>', '<devices>' + devices)


def dom0_prepares_images_and_bridge(s):
    s.dom0(f'mkdir -p {IMAGES} && rm -f {IMAGES}/*')
    s.dom0(f'dd if=/dev/zero of={IMAGES}/data.raw bs=1M count=64 2>/dev/null && '
           f'printf {PATTERN} | dd of={IMAGES}/data.raw conv=notrunc 2>/dev/null')
    s.dom0(f'qemu-img create -f qcow2 {IMAGES}/ro.qcow2 32M >/dev/null && '
           f'qemu-img create -f qcow2 {IMAGES}/fs.qcow2 64M >/dev/null')
    s.dom0(f'ip link add {BRIDGE} type bridge && ip addr add {DOM0_IP}/24 dev {BRIDGE} && '
           f'ip link set {BRIDGE} up')


def domu_with_devices_boots_and_finds_them(s):
    s.define_xml('dev', devices_xml('dev', guest_cmdline(s)))
    r = s.virsh('start', 'dev', ok=None)
    if r.returncode != 0:
        raise node.TestFailure(f'virsh start dev failed: {r.stderr.strip()}')
    s.wait_console('dev', MARKER, BOOT_TIMEOUT, 'the userspace marker')
    for pattern, what in ((r'vireo-domu: disk vda 67108864', 'vda, 64 MiB'),
                          (r'vireo-domu: disk vdb 33554432', 'vdb, 32 MiB'),
                          (r'vireo-domu: disk vdc 67108864', 'vdc, 64 MiB'),
                          (rf'vireo-domu: net eth0 {MAC}', 'eth0 with its MAC'),
                          (r'vireo-domu: rng virtio_rng', 'the virtio rng'),
                          (r'vireo-domu: balloon virtio', 'the virtio balloon')):
        s.wait_console('dev', pattern, 60, what)


def disk_reads_dom0s_pattern_and_keeps_a_flushed_write(s):
    need_running(s, 'dev', 'the disk')
    with Console(s, 'console', 'dev') as con:
        shell(con, f'dd if=/dev/vda bs={len(PATTERN)} count=1 2>/dev/null; echo',
              rf'{PATTERN}', 60)
        shell(con, f'printf {WRITTEN} | dd of=/dev/vda bs=512 seek=1 conv=fsync 2>/dev/null; '
                   f'echo wrote-$?', r'wrote-0', 60)
        # The write may land in the page cache: the read-only disk refuses it at the flush.
        shell(con, 'echo x | dd of=/dev/vdb conv=fsync 2>/dev/null; echo ro-write-$?',
              r'ro-write-[1-9]', 60)
        con.leave()
    out = s.dom0(f'dd if={IMAGES}/data.raw bs=512 skip=1 count=1 2>/dev/null | head -c 16')
    if WRITTEN not in out:
        raise node.TestFailure(f'the guest\'s flushed write is not in dom0\'s image: {out!r}')


def domblkstat_counts_the_guests_reads_and_writes(s):
    """Right after the guest read and wrote vda: virsh domblkstat shows vireo-dm's counters
    (its blk-stats file, read by virtvireod)."""
    need_running(s, 'dev', 'the disk')
    out = s.virsh('domblkstat', 'dev', 'vda').stdout
    counts = dict(re.findall(r'^\s*vda\s+(\w+)\s+(-?\d+)\s*$', out, re.M))
    print(f'domblkstat dev vda: {counts}')
    for name in ('rd_req', 'rd_bytes', 'wr_req', 'wr_bytes'):
        if int(counts.get(name, 0)) <= 0:
            raise node.TestFailure(f'domblkstat vda: {name} is not above 0 after the guest '
                                   f'read and wrote vda:\n{out}')
    if int(counts['rd_bytes']) < 512 * int(counts['rd_req']):
        raise node.TestFailure(f'domblkstat vda: reads of less than a sector each:\n{out}')
    # virsh asks virDomainBlockStatsFlags first: the guest's fsync'd write was flushed.
    if int(counts.get('flush_operations', 0)) <= 0:
        raise node.TestFailure(f'domblkstat vda: no flush_operations after a fsync\'d write:'
                               f'\n{out}')
    r = s.virsh('domblkstat', 'dev', 'vdz', ok=False)
    if "has no disk with target or path 'vdz'" not in r.stderr:
        raise node.TestFailure(f'domblkstat of a disk the domain lacks: {r.stderr.strip()}')


def guest_pings_dom0_over_the_bridge(s):
    need_running(s, 'dev', 'the network')
    console_answers(s, 'dev', f'ifconfig eth0 {GUEST_IP} netmask 255.255.255.0 up; '
                              f'ping -c 3 -W 5 {DOM0_IP} | grep -o "[0-9]* packets received"',
                    r'[1-9] packets received')
    out = s.dom0(f'ping -c 2 -W 5 {GUEST_IP} | grep -o "[0-9]* packets received"')
    if not re.search(r'[1-9] packets received', out):
        raise node.TestFailure(f'dom0 cannot ping the guest: {out}')


def qcow2_filesystem_keeps_a_file_across_reboot(s):
    need_running(s, 'dev', 'the qcow2 disk')
    console_answers(s, 'dev', 'mke2fs -q /dev/vdc && mkdir -p /mnt && mount /dev/vdc /mnt && '
                              'echo persisted-$((6*7)) > /mnt/file && umount /mnt && '
                              'echo fs-made-$?', r'fs-made-0', 120)
    ups = len(re.findall(MARKER, node.console_log(s.n, 'dev')))
    s.virsh('reboot', 'dev')
    s.wait_console('dev', MARKER, BOOT_TIMEOUT, 'the marker after the reboot', count=ups + 1)
    with Console(s, 'console', 'dev') as con:
        shell(con, 'mkdir -p /mnt && mount /dev/vdc /mnt && cat /mnt/file',
              r'persisted-42', 60)
        shell(con, 'umount /mnt; echo umount-$?', r'umount-0', 60)
        con.leave()



def save_and_restore_keep_the_devices_working(s):
    """Issue 10, point 1 with virtio devices: virsh save of the domU with three disks, a
    bridged NIC, rng and balloon quiesces vireo-dm (its I/O finished) and puts its device
    state in the image; virsh restore starts a new vireo-dm with it and a new tap on the
    bridge. The guest then reads what it wrote before the save, writes and flushes a new
    sector that dom0 finds in the image, pings dom0 from the address it had, and reads its
    rng; dommemstat still reaches its balloon."""
    need_running(s, 'dev', 'save and restore')
    image = '/var/lib/vireo/dev.save'
    console_answers(s, 'dev', 'printf BEFORE-SAVE | dd of=/dev/vda bs=512 seek=2 conv=fsync '
                              '2>/dev/null; echo "before-$?-done"', r'before-0-done')
    s.virsh('save', 'dev', image, timeout=600)
    state = s.virsh('domstate', 'dev', '--reason').stdout.strip()
    if state != 'shut off (saved)':
        raise node.TestFailure(f'after virsh save: domstate says {state!r}')
    s.virsh('restore', image, timeout=600)
    state = s.virsh('domstate', 'dev', '--reason').stdout.strip()
    if state != 'running (restored)':
        raise node.TestFailure(f'after virsh restore: domstate says {state!r}')
    console_answers(s, 'dev', 'dd if=/dev/vda bs=512 skip=2 count=1 2>/dev/null | head -c 11; '
                              'echo "-read"', r'BEFORE-SAVE-read', 120)
    console_answers(s, 'dev', 'printf AFTER-RESTORE | dd of=/dev/vda bs=512 seek=3 conv=fsync '
                              '2>/dev/null; echo "after-$?-done"', r'after-0-done', 120)
    out = s.dom0(f'dd if={IMAGES}/data.raw bs=512 skip=3 count=1 2>/dev/null | head -c 13')
    if 'AFTER-RESTORE' not in out:
        raise node.TestFailure(f'the restored guest\'s flushed write is not in dom0\'s image: '
                               f'{out!r}')
    console_answers(s, 'dev', f'ping -c 3 -W 5 {DOM0_IP} | grep -o "[0-9]* packets received"',
                    r'[1-9] packets received', 120)
    console_answers(s, 'dev', 'head -c 8 /dev/hwrng | od -An -tx1 | wc -w | sed "s/^/rng-/"',
                    r'rng-8', 120)
    stats = s.virsh('dommemstat', 'dev').stdout
    if 'actual' not in stats:
        raise node.TestFailure(f'dommemstat after the restore: {stats}')
    s.dom0(f'rm -f {image}')
    print('  dev saved and restored: vda read and written, eth0 pings dom0, rng reads, '
          'balloon answers')

def second_writer_of_a_disk_is_refused(s):
    """dev writes data.raw without <shareable/>: another domain that would write it too is
    refused before anything is built (libvirt's resource-busy error), and dev runs on."""
    need_running(s, 'dev', 'disk sharing')
    xml = nodeclients.linux_xml('dev3', guest_cmdline(s), on_crash='destroy')
    disk = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
            f"<source file='{IMAGES}/data.raw'/><target dev='vda' bus='virtio'/>"
            f"<shareable/></disk>")
    r = s.define_xml('dev3', xml.replace('<devices>', '<devices>' + disk), command='create',
                     ok=False)
    if "in use for writing by domain 'dev' as 'vda'" not in r.stderr:
        raise node.TestFailure(f'a second writer of data.raw: {r.stderr.strip()}')
    need_running(s, 'dev', 'the first writer after the refusal')


def two_domus_and_dom0_share_the_bridge(s):
    """dev2 on the same bridge: everyone pings everyone, then dev sends BLOB_MIB MiB of
    random bytes to dev2 over TCP (busybox nc) and both ends have the same md5sum."""
    need_running(s, 'dev', 'the network')
    xml = nodeclients.linux_xml('dev2', guest_cmdline(s), on_crash='destroy')
    s.define_xml('dev2', xml.replace('<devices>', '<devices>' + nic_xml(MAC2)), command='create')
    s.wait_console('dev2', MARKER, BOOT_TIMEOUT, 'dev2 in userspace')
    with Console(s, 'console', 'dev2') as con:
        shell(con, f'ifconfig eth0 {GUEST2_IP} netmask 255.255.255.0 up; '
                   f'ping -c 2 -W 5 {GUEST_IP} | grep -o "[0-9]* packets received"',
              r'[1-9] packets received', 60)
        shell(con, '(nc -l -p 5000 > /tmp/got; md5sum /tmp/got > /tmp/sum) & echo listen-$((1+1))',
              r'listen-2', 30)
        con.leave()
    with Console(s, 'console', 'dev') as con:
        sent = shell(con, f'ifconfig eth0 {GUEST_IP} netmask 255.255.255.0 up; '
                          f'dd if=/dev/urandom of=/tmp/blob bs=1M count={BLOB_MIB} 2>/dev/null; '
                          f'md5sum /tmp/blob', r'([0-9a-f]{32})  /tmp/blob', 120).group(1).decode()
        shell(con, f'nc {GUEST2_IP} 5000 < /tmp/blob; echo sent-$?', r'sent-0', 600)
        con.leave()
    out = s.dom0(f'ping -c 2 -W 5 {GUEST2_IP} | grep -o "[0-9]* packets received"')
    if not re.search(r'[1-9] packets received', out):
        raise node.TestFailure(f'dom0 cannot ping dev2: {out}')
    got = console_answers(s, 'dev2', 'for i in $(seq 60); do [ -s /tmp/sum ] && break; sleep 1; '
                                     'done; cat /tmp/sum', r'([0-9a-f]{32})  /tmp/got',
                          120).group(1).decode()
    if got != sent:
        raise node.TestFailure(f'{BLOB_MIB} MiB over TCP: md5 {sent} sent, {got} received')
    print(f'  {BLOB_MIB} MiB dev -> dev2 over TCP on {BRIDGE}: md5 {got} on both ends')
    s.virsh('destroy', 'dev2')


def rng_is_virtio(s):
    need_running(s, 'dev', 'the rng')
    console_answers(s, 'dev', 'cat /sys/class/misc/hw_random/rng_current; '
                              'dd if=/dev/hwrng bs=16 count=1 2>/dev/null | wc -c',
                    r'virtio_rng[.\d]*\s+16')


RNG_SLOT_BASE = 0xd0004000  # slot 4: three disks, the NIC, then the rng (device-model.md)


def hostile_driver_leaves_vireo_dm_and_dom0_unharmed(s):
    """The guest unbinds its rng from virtio-mmio and drives the slot's registers itself
    (busybox devmem): every register written with all ones, then a queue set up far
    outside its RAM and made ready and notified. vireo-dm flags the device
    DEVICE_NEEDS_RESET and serves on; the guest's disk still answers, vireo-dm still
    runs, and once the driver is bound again the rng works."""
    need_running(s, 'dev', 'the rng')
    dms = s.dom0('pidof vireo-dm | wc -w').strip()
    b = RNG_SLOT_BASE
    m = console_answers(
        s, 'dev',
        'p=$(basename $(readlink -f /sys/bus/virtio/drivers/virtio_rng/virtio*/..)); '
        'echo $p > /sys/bus/platform/drivers/virtio-mmio/unbind; '
        f'o=0; while [ $o -lt 256 ]; do devmem $(({b}+o)) 32 0xffffffff; o=$((o+4)); done; '
        f'devmem {b + 0x70:#x} 32 0; devmem {b + 0x70:#x} 32 3; '
        f'devmem {b + 0x24:#x} 32 1; devmem {b + 0x20:#x} 32 1; devmem {b + 0x70:#x} 32 11; '
        f'devmem {b + 0x30:#x} 32 0; devmem {b + 0x38:#x} 32 64; '
        f'devmem {b + 0x80:#x} 32 0xfffff000; devmem {b + 0x84:#x} 32 0x7fff; '
        f'devmem {b + 0x44:#x} 32 1; devmem {b + 0x70:#x} 32 15; devmem {b + 0x50:#x} 32 0; '
        f'echo hostile-$(devmem {b + 0x70:#x} 32)-end',
        r'hostile-(0x[0-9A-Fa-f]+)-end', 120)
    status = int(m.group(1), 16)
    if not status & 0x40:
        raise node.TestFailure(f'a queue outside RAM did not set DEVICE_NEEDS_RESET: '
                               f'status {status:#x}')
    if s.dom0('pidof vireo-dm | wc -w').strip() != dms:
        raise node.TestFailure('vireo-dm did not survive a hostile driver')
    console_answers(s, 'dev', f'dd if=/dev/vda bs={len(PATTERN)} count=1 2>/dev/null; echo; '
                              'echo $p > /sys/bus/platform/drivers/virtio-mmio/bind; '
                              'cat /sys/class/misc/hw_random/rng_current; '
                              'dd if=/dev/hwrng bs=16 count=1 2>/dev/null | wc -c',
                    rf'{PATTERN}\s+virtio_rng[.\d]*\s+16')
    print(f'  hostile driver: rng status {status:#x} (NEEDS_RESET), disk and vireo-dm fine, '
          f'rng back after rebinding')


def guest_memtotal_kib(s, tag):
    """The guest's MemTotal in KiB (tag: unique, a console session may replay old answers)."""
    m = console_answers(s, 'dev', f'set -- $(grep MemTotal /proc/meminfo); echo {tag}-$2-kib',
                        rf'{tag}-(\d+)-kib')
    return int(m.group(1))


def dommemstat(s):
    out = s.virsh('dommemstat', 'dev').stdout
    return {k: int(v) for k, v in re.findall(r'^(\w+)\s+(\d+)\s*$', out, re.M)}


def setmem_shrinks_and_grows_the_guest(s):
    """virsh setmem moves the virtio balloon: the guest's MemTotal and the memory hv backs
    it with (dommemstat rss) fall by what the balloon took and come back when it deflates;
    dommemstat shows the guest's own figures (unused, available) from its stats queue."""
    need_running(s, 'dev', 'the balloon')
    # The guest holds ~205 MiB of its 256 (kernel, initramfs): a 96 MiB balloon leaves it
    # room once the TCP test's files are gone.
    full, shrink = 256 * 1024, 96 * 1024
    console_answers(s, 'dev', 'rm -f /tmp/blob /tmp/got /tmp/sum; echo rm-$((4+4))', r'rm-8')
    total0, rss0 = guest_memtotal_kib(s, 'mt0'), dommemstat(s)['rss']
    s.virsh('setmem', 'dev', str(full - shrink), '--live')
    nodeclients.wait_for(lambda: dommemstat(s).get('actual', full) <= full - shrink, 180,
                         f'the balloon reached {full - shrink} KiB (dommemstat actual)')
    total1, stats = guest_memtotal_kib(s, 'mt1'), dommemstat(s)
    print(f'setmem {full - shrink} KiB: guest MemTotal {total0} -> {total1} KiB, '
          f'hv rss {rss0} -> {stats["rss"]} KiB')
    if total0 - total1 < shrink * 9 // 10:
        raise node.TestFailure(f'the guest lost only {total0 - total1} KiB of MemTotal')
    if rss0 - stats['rss'] < shrink * 9 // 10:
        raise node.TestFailure(f'hv gave back only {rss0 - stats["rss"]} KiB: {stats}')
    nodeclients.wait_for(lambda: {'unused', 'available', 'usable'} <= dommemstat(s).keys(),
                         60, "dommemstat shows the guest's own unused/available/usable")
    s.virsh('setmem', 'dev', str(full), '--live')
    nodeclients.wait_for(lambda: dommemstat(s).get('actual', 0) >= full, 180,
                         'the balloon gave the guest its 256 MiB back')
    total2, rss2 = guest_memtotal_kib(s, 'mt2'), dommemstat(s)['rss']
    print(f'setmem 256 MiB: guest MemTotal {total2} KiB, hv rss {rss2} KiB')
    if total2 < total0 or rss2 < rss0:
        raise node.TestFailure(f'after deflating: MemTotal {total2} (was {total0}), '
                               f'rss {rss2} (was {rss0})')
    # The frames it got back hold what the guest writes: 64 MiB in its RAM-backed /tmp (a
    # tmpfs of half the boot RAM), read back whole (the md5 of 64 MiB of zeros), then freed.
    m = console_answers(s, 'dev', 'dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>/dev/null; '
                                  'echo fill-$?; md5sum /tmp/fill; rm /tmp/fill',
                        r'fill-(\d+)\s+([0-9a-f]{32})')
    if m.group(1) != b'0' or m.group(2).decode() != '7f614da9329cd3aebf59b91aadc30bf0':
        raise node.TestFailure(f'64 MiB of zeros written after the deflate: dd status '
                               f'{m.group(1).decode()}, md5 {m.group(2).decode()}')


def dommemstat_period_reaches_the_balloon(s):
    """virsh dommemstat --period (virDomainSetMemoryStatsPeriod): live, vireo-dm's balloon
    takes the new period over its control socket (its log says so) and the guest's
    last_update moves on; --config lands in the definition; a domain without a balloon is
    refused with libvirt's error (lvm_volume_is_a_block_disk asks)."""
    need_running(s, 'dev', 'the balloon')
    s.virsh('dommemstat', 'dev', '--period', '1', '--live')
    s.virsh('dommemstat', 'dev', '--period', '7', '--config')
    log = s.dom0('grep -h "statistics every" /var/log/vireo/dm/*.log | tail -n 1', check=False)
    taken = re.search(r'device\.\d+: statistics every \d+ s', log)
    if not taken or not taken.group(0).endswith(' 1 s'):
        raise node.TestFailure(f'vireo-dm did not take the period: {log!r}')
    if "<stats period='1'/>" not in s.virsh('dumpxml', 'dev').stdout.replace('"', "'"):
        raise node.TestFailure('the live XML does not show the new period')
    if "<stats period='7'/>" not in s.virsh('dumpxml', '--inactive', 'dev').stdout.replace(
            '"', "'"):
        raise node.TestFailure('the definition does not show the --config period')
    first = dommemstat(s).get('last_update', 0)
    nodeclients.wait_for(lambda: dommemstat(s).get('last_update', 0) > first, 60,
                         "the guest's statistics updated after the new period", interval=1)
    print(f'  dommemstat --period 1: vireo-dm says "{taken.group(0)}"; last_update {first} -> '
          f'{dommemstat(s).get("last_update")}')


def virsh_lists_and_reports_the_devices(s):
    blk = s.virsh('domblklist', 'dev').stdout
    for want in (rf'vda\s+{IMAGES}/data.raw', rf'vdb\s+{IMAGES}/ro.qcow2'):
        if not re.search(want, blk):
            raise node.TestFailure(f'domblklist lacks {want}:\n{blk}')
    ifl = s.virsh('domiflist', 'dev').stdout
    vif = f'vif{s.domid("dev")}.0'
    if not re.search(rf'{vif}\s+bridge\s+{BRIDGE}\s+virtio\s+{MAC}', ifl):
        raise node.TestFailure(f'domiflist does not show {vif} on {BRIDGE}:\n{ifl}')
    info = s.virsh('domblkinfo', 'dev', 'vda').stdout
    if not re.search(r'Capacity:\s+67108864', info):
        raise node.TestFailure(f'domblkinfo vda:\n{info}')
    stat = s.virsh('domifstat', 'dev', vif).stdout
    if not re.search(r'rx_packets\s+[1-9]', stat) or not re.search(r'tx_packets\s+[1-9]', stat):
        raise node.TestFailure(f'domifstat {vif} counted no packets:\n{stat}')


WRITE_BASE = 4096  # the guest's numbered blocks start 16 MiB into vda (4 KiB blocks)


ACK_TAGS = itertools.count()


def guest_acked(s):
    """The last block number the guest's writer saw completed (its fsync returned). Each
    question has its own tag: a console session may show an earlier answer again. The
    writer replaces /tmp/acked by rename, so it is never read half-written."""
    tag = f'ack{next(ACK_TAGS)}'
    m = console_answers(s, 'dev', f'echo {tag}-$(cat /tmp/acked 2>/dev/null || echo none)-end',
                        rf'{tag}-(\d+|none)-end')
    return None if m.group(1) == b'none' else int(m.group(1))


def killed_daemon_loses_no_acknowledged_write(s):
    """While the guest writes numbered 4 KiB blocks to vda, each with an fsync, and pings
    dom0: virtvireod is SIGKILLed and started again. vireo-dm serves on alone, the writes
    and pings go on, and every block the guest saw completed is in dom0's image."""
    need_running(s, 'dev', 'the disk')
    console_answers(s, 'dev',
                    'touch /tmp/go; rm -f /tmp/acked; '
                    '(i=0; while [ -e /tmp/go ]; do printf "BLK-%08d" $i | '
                    f'dd of=/dev/vda bs=4096 seek=$(({WRITE_BASE}+i)) conv=fsync 2>/dev/null '
                    '&& echo $i > /tmp/acked.new && mv /tmp/acked.new /tmp/acked; '
                    'i=$((i+1)); done) </dev/null >/dev/null 2>&1 & '
                    f'ping -i 0.2 {DOM0_IP} </dev/null >/tmp/ping.log 2>&1 & echo writer-$((2+5))',
                    r'writer-7')
    nodeclients.wait_for(lambda: (guest_acked(s) or 0) >= 5, 60,
                         'the guest writer past block 5', interval=2)
    during = guest_acked(s) or 0  # the console goes through the daemon: asked before
    s.dom0('kill -9 $(pidof virtvireod)')
    nodeclients.wait_for(lambda: not s.dom0('pidof virtvireod', check=False).strip(), 10,
                         'the daemon gone')
    s.dom0(nodeclients.DAEMON_START)
    s.wait_daemon(60)
    if s.domstate('dev') != 'running':
        raise node.TestFailure(f'dev after the daemon restart: {s.dominfo("dev")}')
    nodeclients.wait_for(lambda: (guest_acked(s) or 0) >= during + 5, 60,
                         'the guest writer 5 blocks further after the restart', interval=2)
    m = console_answers(s, 'dev', 'rm /tmp/go; sleep 1; '
                                  'pkill ping; echo ping-$(grep -c "bytes from" /tmp/ping.log)'
                                  '-$(cat /tmp/acked)-end', r'ping-(\d+)-(\d+)-end')
    replies, last = int(m.group(1)), int(m.group(2))
    image = s.dom0(f'dd if={IMAGES}/data.raw bs=4096 skip={WRITE_BASE} count={last + 1} '
                   f'2>/dev/null | tr -d "\\000"', timeout=120)
    want = ''.join(f'BLK-{i:08d}' for i in range(last + 1))
    print(f'  {last + 1} blocks acknowledged ({during + 1} before the restart), '
          f'{replies} ping replies')
    if want not in image.replace('\n', '').replace('\r', ''):
        raise node.TestFailure(f'dom0\'s image lacks acknowledged blocks: wanted '
                               f'{want[:40]}…{want[-24:]}, got {image[:40]!r}…{image[-24:]!r}')
    if replies < 10:
        raise node.TestFailure(f'only {replies} ping replies while the daemon restarted')


def killed_vireo_dm_crashes_its_domain(s):
    need_running(s, 'dev', 'vireo-dm')
    vif = f'vif{s.domid("dev")}.0'
    s.dom0('kill -KILL $(pidof vireo-dm)')
    nodeclients.wait_for(lambda: s.domstate('dev') == 'shut off', 60,
                         'dev shut off (on_crash destroy) after vireo-dm died')
    leftovers = s.dom0(f'ls /sys/class/net | grep -c {vif}; pidof qemu-storage-daemon | wc -w',
                       check=False)
    if re.search(r'^[1-9]', leftovers, re.M):
        raise node.TestFailure(f'the crashed domain left its vif or disks behind: {leftovers}')


def destroy_leaves_nothing_behind(s):
    r = s.virsh('start', 'dev', ok=None)
    if r.returncode != 0:
        raise node.TestFailure(f'virsh start dev (again) failed: {r.stderr.strip()}')
    s.wait_console('dev', MARKER, BOOT_TIMEOUT, 'the userspace marker', count=2)
    s.virsh('destroy', 'dev')
    left = s.dom0('pidof vireo-dm qemu-storage-daemon | wc -w; ls /sys/class/net | grep -c vif',
                  check=False)
    if re.search(r'^[1-9]', left, re.M):
        raise node.TestFailure(f'destroy left processes or vifs behind: {left}')
    s.virsh('undefine', 'dev')


LVM_CONFIG = ("--config 'devices { obtain_device_list_from_udev = 0 use_devicesfile = 0 } "
              "activation { udev_sync = 0 udev_rules = 0 }'")  # dom0 runs no udev
LV = '/dev/vvg/disk'
LV_PATTERN, LV_WRITTEN = 'VIREO-LV-PATTERN-42', 'GUEST-WROTE-THE-LV'


def lvm_volume_is_a_block_disk(s):
    """A logical volume (LVM on a loop device in dom0) as <disk type='block'>: the guest
    reads what dom0 put on it, and its flushed write is on the volume after destroy."""
    s.dom0(f'truncate -s 48M {IMAGES}/pv.img && losetup /dev/loop0 {IMAGES}/pv.img && '
           f'lvm pvcreate -q {LVM_CONFIG} /dev/loop0 && '
           f'lvm vgcreate -q {LVM_CONFIG} vvg /dev/loop0 && '
           f'lvm lvcreate -q -y {LVM_CONFIG} -L 32M -n disk vvg && '
           f'printf {LV_PATTERN} | dd of={LV} conv=notrunc,fsync 2>/dev/null', timeout=120)
    base = nodeclients.linux_xml('lvm', guest_cmdline(s))
    disk = (f"<disk type='block' device='disk'><driver name='qemu' type='raw'/>"
            f"<source dev='{LV}'/><target dev='vda' bus='virtio'/></disk>")
    s.define_xml('lvm', base.replace('<devices>', '<devices>' + disk), command='create')
    s.wait_console('lvm', r'vireo-domu: disk vda 33554432', BOOT_TIMEOUT, 'vda, the 32 MiB LV')
    r = s.virsh('dommemstat', 'lvm', '--period', '2', '--live', ok=False)
    if 'has no virtio memory balloon' not in r.stderr:
        raise node.TestFailure(f'dommemstat --period of a domain without a balloon: '
                               f'{r.stderr.strip()}')
    console_answers(s, 'lvm', f'dd if=/dev/vda bs={len(LV_PATTERN)} count=1 2>/dev/null; '
                              f'echo; printf {LV_WRITTEN} | dd of=/dev/vda bs=512 seek=1 '
                              f'conv=fsync 2>/dev/null; echo lvwrote-$?',
                    rf'{LV_PATTERN}\s+lvwrote-0')
    s.virsh('destroy', 'lvm')
    out = s.dom0(f'dd if={LV} bs=512 skip=1 count=1 2>/dev/null | head -c 18; echo; '
                 f'lvm vgremove -q -f {LVM_CONFIG} vvg >/dev/null; losetup -d /dev/loop0; '
                 f'rm -f {IMAGES}/pv.img', timeout=120)
    if LV_WRITTEN not in out:
        raise node.TestFailure(f'the guest\'s flushed write is not on the LV: {out!r}')


def no_kernel_xml(name, disk):
    """linux_xml without <kernel>, <initrd> and <cmdline>, with `disk` as its devices' first."""
    xml = re.sub(r'<kernel>.*?</kernel><initrd>.*?</initrd><cmdline>.*?</cmdline>', '',
                 nodeclients.linux_xml(name, ''))
    return xml.replace('<devices>', '<devices>' + disk)


def qcow2_disk(path):
    return (f"<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
            f"<source file='{path}'/><target dev='vda' bus='virtio'/></disk>")


def nothing_left_of_the_bootloader(s, after):
    out = s.dom0('echo left-$(ls /run/vireo/boot 2>/dev/null | wc -l)-'
                 '$(pidof qemu-storage-daemon | wc -w)-'
                 "$(awk '$3 ~ /^fuse($|[.])/' /proc/mounts | wc -l)-end", check=False)
    m = re.search(r'left-(\d+)-(\d+)-(\d+)-end', out)
    if not m or m.groups() != ('0', '0', '0'):
        raise node.TestFailure(f'after {after}: boot directories, qemu-storage-daemons and '
                               f'FUSE mounts left (in that order): {out!r}')


def installed_disk_boots_without_a_kernel(s):
    """Issue 9, point 4: a qcow2 volume holding a small Debian root filesystem with its own
    kernel and initrd (mkbootdisk.py, from Debian's packages), uploaded into the default pool
    with virsh vol-upload, boots a domain whose XML has no <kernel>: vireo-bootloader reads
    grub.cfg's default entry through QEMU's block layer. The guest runs with that entry's
    command line (not the recovery entry's) and finds its root filesystem on vda1; dumpxml
    still shows no kernel. A blank disk is refused with the reason, and neither leaves a
    scratch directory, a qemu-storage-daemon or a FUSE mount behind."""
    import mkbootdisk
    bootdisk = os.environ.get('VIREO_BOOTDISK', '')
    if not os.path.isfile(bootdisk):
        raise node.TestFailure(f'the installed disk image is missing: {bootdisk!r}')
    s.virsh('vol-create-as', 'default', 'installed.qcow2', '1M', '--format', 'qcow2')
    s.virsh('vol-upload', '--pool', 'default', 'installed.qcow2', bootdisk, timeout=600)
    path = s.virsh('vol-path', '--pool', 'default', 'installed.qcow2').stdout.strip()
    s.define_xml('installed', no_kernel_xml('installed', qcow2_disk(path)))
    r = s.virsh('start', 'installed', ok=None)
    if r.returncode != 0:
        raise node.TestFailure(f'virsh start installed failed: {r.stderr.strip()}')
    s.wait_console('installed', MARKER, BOOT_TIMEOUT, 'the installed disk\'s initramfs')
    m = console_answers(s, 'installed',
                        'mkdir -p /mnt && mount -o ro /dev/vda1 /mnt && '
                        f'echo root-$(cat /mnt/{mkbootdisk.MARKER_FILE})-end; '
                        'echo cmdline-$(cat /proc/cmdline)-end',
                        r'root-(\S*)-end\s+cmdline-(.*?)-end', 120)
    root, cmdline = m.group(1).decode(), m.group(2).decode()
    print(f'  booted from {path}: /proc/cmdline {cmdline!r}; vda1 holds {root!r}')
    if root != mkbootdisk.MARKER_TEXT:
        raise node.TestFailure(f'the guest does not find its root filesystem on vda1: {root!r}')
    if (mkbootdisk.DEFAULT_TOKEN not in cmdline or mkbootdisk.RECOVERY_TOKEN in cmdline
            or f'root=UUID={mkbootdisk.FS_UUID}' not in cmdline):
        raise node.TestFailure(f'not the default grub.cfg entry\'s command line: {cmdline!r}')
    if '<kernel>' in s.virsh('dumpxml', 'installed').stdout:
        raise node.TestFailure('dumpxml of the running domain shows a <kernel>')
    s.virsh('destroy', 'installed')
    s.virsh('undefine', 'installed')
    nothing_left_of_the_bootloader(s, 'booting the installed disk')

    s.dom0(f'qemu-img create -f qcow2 {IMAGES}/blank.qcow2 16M >/dev/null')
    s.define_xml('blank', no_kernel_xml('blank', qcow2_disk(f'{IMAGES}/blank.qcow2')))
    r = s.virsh('start', 'blank', ok=False)
    print(f'  a blank disk: {r.stderr.strip()}')
    for want in ("domain 'blank' cannot boot from disk vda", 'no bootable kernel'):
        if want not in r.stderr:
            raise node.TestFailure(f'starting from a blank disk: {want!r} not in '
                                   f'{r.stderr.strip()!r}')
    if s.domstate('blank') != 'shut off':
        raise node.TestFailure(f'blank after the refused start: {s.dominfo("blank")}')
    s.virsh('undefine', 'blank')
    nothing_left_of_the_bootloader(s, 'refusing a blank disk')


def virt_install(s, name, *args):
    """Unmodified virt-install: a Linux domU with 256 MiB, 2 vCPUs, a NIC on the default
    network and only a serial console, imported and started; args add its disk and boot."""
    if not os.path.exists('/usr/bin/virt-install'):
        raise node.TestFailure('virt-install (virtinst) is not installed')
    cmd = ['virt-install', '--connect', s.uri, '--import', '--name', name, '--memory', '256',
           '--vcpus', '2', '--network', 'network=default', '--graphics', 'none',
           '--console', 'pty', '--osinfo', 'detect=on,require=off', '--noautoconsole', *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise node.TestFailure(f'virt-install {name} failed ({r.returncode}):\n'
                               f'{r.stdout}{r.stderr}')
    s.wait_console(name, MARKER, BOOT_TIMEOUT, f'{name} in userspace')
    if s.dominfo(name).get('Persistent') != 'yes':
        raise node.TestFailure(f'after virt-install: {s.dominfo(name)}')


def virt_install_makes_a_domu_on_a_new_volume_and_the_default_network(s):
    """Issue 9, point 5: virt-install --disk size=2,format=qcow2 makes a new volume in the
    default pool, --network network=default a NIC on the default network, --boot kernel=
    the direct boot; virsh console reaches the guest's shell, which sees its 2 GiB vda and
    its NIC; the volume is in the pool. virt-install writes no <driver type> for a
    hypervisor other than QEMU or Xen: the disk is opened as the pool's qcow2 volume."""
    # The node's default pool is dom0's RAM filesystem (~300 MiB free): virt-install's own
    # check would refuse 2 GiB, which a fresh qcow2 does not take.
    virt_install(s, 'vinst', '--disk', 'size=2,format=qcow2', '--check', 'disk_size=off',
                 '--boot', f'kernel={GUEST_DIR}/vmlinuz,initrd={GUEST_DIR}/domu-initrd.img,'
                           f'kernel_args={guest_cmdline(s)}')
    s.wait_console('vinst', r'vireo-domu: disk vda 2147483648', 60, 'vda, the 2 GiB volume')
    console_answers(s, 'vinst', 'echo vinst-$(ls /sys/class/net | grep -c eth)-nics',
                    r'vinst-1-nics')
    xml = s.virsh('dumpxml', 'vinst').stdout
    m = re.search(r"<source file=['\"]([^'\"]+)['\"]", xml)
    if not m or "network='default'" not in xml.replace('"', "'"):
        raise node.TestFailure(f'vinst lacks its volume or its network:\n{xml}')
    vols = s.virsh('vol-list', '--pool', 'default').stdout
    if os.path.basename(m.group(1)) not in vols:
        raise node.TestFailure(f'{m.group(1)} is not a volume of the default pool:\n{vols}')
    print(f'  virt-install vinst: {m.group(1)} (2 GiB qcow2) in pool default, NIC on default')
    s.virsh('destroy', 'vinst')
    s.virsh('undefine', 'vinst', '--remove-all-storage')


def virt_install_boots_an_existing_disk(s):
    """virt-install --disk path=EXISTING.qcow2 with no --boot: the installed disk boots its
    own kernel (vireo-bootloader), reachable with virsh console."""
    path = s.virsh('vol-path', '--pool', 'default', 'installed.qcow2').stdout.strip()
    virt_install(s, 'vdisk', '--disk', f'path={path},format=qcow2')
    import mkbootdisk
    console_answers(s, 'vdisk', 'echo vdisk-$(cat /proc/cmdline)-end',
                    rf'vdisk-.*{re.escape(mkbootdisk.DEFAULT_TOKEN)}.*-end')
    print(f'  virt-install vdisk: booted {path} from its grub.cfg')
    s.virsh('destroy', 'vdisk')
    s.virsh('undefine', 'vdisk')


nodeclients.run([dom0_prepares_images_and_bridge, domu_with_devices_boots_and_finds_them,
                 disk_reads_dom0s_pattern_and_keeps_a_flushed_write,
                 domblkstat_counts_the_guests_reads_and_writes,
                 qcow2_filesystem_keeps_a_file_across_reboot,
                 guest_pings_dom0_over_the_bridge, save_and_restore_keep_the_devices_working,
                 second_writer_of_a_disk_is_refused,
                 two_domus_and_dom0_share_the_bridge,
                 rng_is_virtio, hostile_driver_leaves_vireo_dm_and_dom0_unharmed,
                 setmem_shrinks_and_grows_the_guest, dommemstat_period_reaches_the_balloon,
                 virsh_lists_and_reports_the_devices, killed_daemon_loses_no_acknowledged_write,
                 killed_vireo_dm_crashes_its_domain,
                 destroy_leaves_nothing_behind, lvm_volume_is_a_block_disk,
                 installed_disk_boots_without_a_kernel,
                 virt_install_makes_a_domu_on_a_new_volume_and_the_default_network,
                 virt_install_boots_an_existing_disk])
