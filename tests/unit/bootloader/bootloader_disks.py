# SPDX-License-Identifier: GPL-2.0-only
"""vireo-bootloader on disk images this test makes (sfdisk, mkfs.ext4 -d, qemu-img), read
through the real qemu-storage-daemon and FUSE: run as root with /dev/fuse, else skipped (77).
Usage: bootloader_disks.py VIREO_BOOTLOADER WORKDIR CASE. After every case nothing is left
mounted and no storage daemon of the case is left running."""
import os
import shutil
import signal
import subprocess
import sys
import time

SKIP = 77
MIB = 1024 * 1024
failures = []


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failures.append(what)
    return ok


def run(cmd, **kw):
    subprocess.run(cmd, check=True, timeout=60, **kw)


def skip_reason():
    if os.geteuid() != 0:
        return "not root: the FUSE export needs root"
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing (modprobe fuse)"
    for tool in ("qemu-storage-daemon", "qemu-img", "sfdisk", "mkfs.ext4"):
        if shutil.which(tool) is None and not os.path.exists("/sbin/" + tool):
            return tool + " is missing (.ci/packages/dom0.txt, dm.txt)"
    return None


def write(path, data, mode="wb"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def ext4(image, tree, size_mib, offset=0):
    """An ext4 filesystem holding tree at offset in image, returned UUID."""
    run(["mkfs.ext4", "-q", "-F", "-E", "offset=%d" % offset, "-d", tree, image,
         "%dM" % size_mib])
    out = subprocess.run(["blkid", "-p", "-o", "value", "-s", "UUID", "-O", str(offset), image],
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


def config(case_dir, target, path, fmt="raw"):
    conf = os.path.join(case_dir, "disk.conf")
    # readonly=false: the tool must open it read-only anyway.
    write(conf, "[disk0]\ntype=disk\ntarget=%s\nsource_type=file\npath=%s\nformat=%s\n"
          "readonly=false\ncache=none\n" % (target, path, fmt), "w")
    return conf


def boot(tool, conf, outdir, env=None):
    os.makedirs(outdir)
    p = subprocess.run([tool, conf, "disk0", outdir], capture_output=True, text=True,
                       timeout=120, env=env)
    print("exit %d\nstdout:\n%sstderr:\n%s" % (p.returncode, p.stdout, p.stderr))
    return p


def parse_boot(stdout):
    keys = {}
    lines = stdout.splitlines()
    if not lines or lines[0] != "[boot]":
        return keys
    for line in lines[1:]:
        if "=" in line:
            k, v = line.split("=", 1)
            keys[k] = v
    return keys


def same_bytes(path, data):
    try:
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False


def nothing_left(case_dir, outdir, expect_files):
    mounts = open("/proc/self/mountinfo").read()
    check(case_dir not in mounts, "nothing is mounted under " + case_dir)
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if outdir in cmdline:
            left.append(pid + ": " + cmdline)
    check(not left, "no process of the case is left running %s" % left)
    check(sorted(os.listdir(outdir)) == sorted(expect_files),
          "OUTDIR holds exactly %s (has %s)" % (expect_files, sorted(os.listdir(outdir))))


GRUB_CFG = """if [ "${next_entry}" ] ; then
   set default="${next_entry}"
else
   set default="Debian GNU/Linux"
fi
menuentry 'Rescue' {
	linux /boot/vmlinuz-rescue single
}
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple' {
	insmod ext2
	linux	/boot/vmlinuz-6.1.0-test root=UUID=%s ro quiet ${extra_cmdline}
	initrd	/boot/initrd.img-6.1.0-test
}
"""


def grub_cfg_on_an_mbr_qcow2_partition_boots_its_default_entry(tool, case_dir):
    tree = os.path.join(case_dir, "tree")
    kernel, initrd = os.urandom(300 * 1024), os.urandom(100 * 1024)
    write(tree + "/boot/vmlinuz-6.1.0-test", kernel)
    write(tree + "/boot/initrd.img-6.1.0-test", initrd)
    write(tree + "/boot/vmlinuz-rescue", b"rescue")
    write(tree + "/boot/grub/grub.cfg", (GRUB_CFG % "placeholder").encode())
    raw = os.path.join(case_dir, "disk.raw")
    with open(raw, "wb") as f:
        f.truncate(40 * MIB)
    run(["sfdisk", "-q", raw], input=b"start=2048, type=83\n")
    uuid = ext4(raw, tree, 32, offset=MIB)
    qcow2 = os.path.join(case_dir, "disk.qcow2")
    run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow2])
    outdir = os.path.join(case_dir, "out")
    p = boot(tool, config(case_dir, "vda", qcow2, "qcow2"), outdir)
    keys = parse_boot(p.stdout)
    check(p.returncode == 0, "exit status 0")
    check(keys.get("kernel") == outdir + "/kernel", "kernel= names OUTDIR/kernel")
    check(keys.get("initrd") == outdir + "/initrd", "initrd= names OUTDIR/initrd")
    check(keys.get("cmdline") == "root=UUID=placeholder ro quiet",
          "cmdline is the default entry's plain arguments")
    check(keys.get("partition") == "1", "partition=1")
    check(keys.get("source") == "/boot/grub/grub.cfg entry 'Debian GNU/Linux'",
          "source names the grub.cfg entry")
    check(same_bytes(outdir + "/kernel", kernel), "kernel bytes are the image's")
    check(same_bytes(outdir + "/initrd", initrd), "initrd bytes are the image's")
    check(bool(uuid), "blkid read the filesystem's UUID")
    nothing_left(case_dir, outdir, ["initrd", "kernel"])
    p = subprocess.run(["qemu-img", "check", qcow2], capture_output=True, timeout=60)
    check(p.returncode == 0, "the image is untouched and consistent")


def vmlinuz_links_on_an_unpartitioned_disk_boot_with_root_uuid(tool, case_dir):
    tree = os.path.join(case_dir, "tree")
    kernel, initrd = os.urandom(200 * 1024), os.urandom(10 * 1024)
    write(tree + "/boot/vmlinuz-6.1.0-test", kernel)
    write(tree + "/boot/initrd.img-6.1.0-test", initrd)
    os.symlink("boot/vmlinuz-6.1.0-test", tree + "/vmlinuz")        # Debian's: relative
    os.symlink("/boot/initrd.img-6.1.0-test", tree + "/initrd.img")  # absolute, in the fs
    raw = os.path.join(case_dir, "disk.raw")
    uuid = ext4(raw, tree, 16)
    outdir = os.path.join(case_dir, "out")
    p = boot(tool, config(case_dir, "vdb", raw), outdir)
    keys = parse_boot(p.stdout)
    check(p.returncode == 0, "exit status 0")
    check(keys.get("cmdline") == "root=UUID=%s ro" % uuid, "cmdline is root=UUID=<fs uuid> ro")
    check(keys.get("partition") == "0", "partition=0 (unpartitioned)")
    check(keys.get("source") == "/vmlinuz", "source is /vmlinuz")
    check(same_bytes(outdir + "/kernel", kernel), "kernel bytes are the link target's")
    check(same_bytes(outdir + "/initrd", initrd), "initrd bytes are the link target's")
    nothing_left(case_dir, outdir, ["initrd", "kernel"])


def disk_without_kernel_exits_2_naming_the_target_and_each_partition(tool, case_dir):
    tree = os.path.join(case_dir, "tree")
    write(tree + "/etc/hostname", b"no kernel here\n")
    raw = os.path.join(case_dir, "disk.raw")
    with open(raw, "wb") as f:
        f.truncate(32 * MIB)
    run(["sfdisk", "-q", raw], input=b"start=2048, size=20480, type=83\nstart=22528, type=82\n")
    ext4(raw, tree, 10, offset=MIB)
    swap = os.path.join(case_dir, "swap.img")
    with open(swap, "wb") as f:
        f.truncate(4 * MIB)
    run(["mkswap", "-q", swap], stdout=subprocess.DEVNULL)
    with open(raw, "r+b") as f, open(swap, "rb") as s:
        f.seek(22528 * 512)
        f.write(s.read())
    outdir = os.path.join(case_dir, "out")
    p = boot(tool, config(case_dir, "vdc", raw), outdir)
    err = p.stderr.strip()
    check(p.returncode == 2, "exit status 2")
    check(p.stdout == "", "nothing on stdout")
    check(len(err.splitlines()) == 1 and err.startswith("vdc: no bootable kernel: "),
          "one line naming the target")
    check("partition 1 (ext4) has no /boot/grub/grub.cfg" in err, "partition 1's reason")
    check("partition 2 is swap, which vireo-bootloader does not read" in err,
          "partition 2's reason")
    nothing_left(case_dir, outdir, [])


def oversized_kernel_is_refused(tool, case_dir):
    tree = os.path.join(case_dir, "tree")
    write(tree + "/boot/initrd.img", b"x")
    with open(tree + "/vmlinuz", "wb") as f:  # sparse: 65 MiB of size, little of disk
        f.truncate(65 * MIB)
    raw = os.path.join(case_dir, "disk.raw")
    ext4(raw, tree, 16)
    outdir = os.path.join(case_dir, "out")
    p = boot(tool, config(case_dir, "vdd", raw), outdir)
    check(p.returncode == 2, "exit status 2")
    check("vdd: no bootable kernel: the disk (ext4) /vmlinuz is 65 MiB, more than the 64 MiB"
          in p.stderr, "the reason gives the size and the limit")
    nothing_left(case_dir, outdir, [])


def garbage_image_fails_with_a_clear_error(tool, case_dir):
    garbage = os.path.join(case_dir, "garbage.img")
    write(garbage, os.urandom(MIB))
    outdir = os.path.join(case_dir, "out-qcow2")
    p = boot(tool, config(case_dir, "vde", garbage, "qcow2"), outdir)
    check(p.returncode == 1, "as qcow2: exit status 1")
    check(p.stderr.startswith("vde: qemu-storage-daemon: ") and
          "Image is not in qcow2 format" in p.stderr, "as qcow2: QEMU's own words")
    nothing_left(case_dir, outdir, [])
    outdir = os.path.join(case_dir, "out-raw")
    p = boot(tool, config(case_dir, "vde", garbage, "raw"), outdir)
    check(p.returncode == 2, "as raw: exit status 2 (read, nothing bootable)")
    check(p.stderr.strip() == "vde: no bootable kernel: the disk has no filesystem libblkid "
          "knows", "as raw: says there is no filesystem")
    nothing_left(case_dir, outdir, [])
    outdir = os.path.join(case_dir, "out-missing")
    p = boot(tool, config(case_dir, "vde", garbage + ".missing", "raw"), outdir)
    check(p.returncode == 1 and "vde: qemu-storage-daemon: " in p.stderr and
          "No such file or directory" in p.stderr, "a missing image: exit 1 with QEMU's words")
    nothing_left(case_dir, outdir, [])


def sigterm_while_starting_stops_the_storage_daemon(tool, case_dir):
    # A storage daemon that never gets ready, standing in for a slow image.
    fake = os.path.join(case_dir, "slow-qsd")
    write(fake, "#!/bin/sh\nexec sleep 60\n", "w")
    os.chmod(fake, 0o755)
    raw = os.path.join(case_dir, "disk.raw")
    write(raw, b"\0" * MIB)
    outdir = os.path.join(case_dir, "out")
    os.makedirs(outdir)
    env = dict(os.environ, VDM_QSD=fake)
    p = subprocess.Popen([tool, config(case_dir, "vdf", raw), "disk0", outdir], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    started = time.monotonic()
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    print("exit %d\nstdout:\n%sstderr:\n%s" % (p.returncode, out, err))
    check(time.monotonic() - started < 5, "stopped within 5 s of SIGTERM")
    check(p.returncode == 1, "exit status 1")
    check(err.startswith("vdf: stopped by signal 15"), "says it was stopped")
    nothing_left(case_dir, outdir, [])


CASES = {f.__name__: f for f in (
    grub_cfg_on_an_mbr_qcow2_partition_boots_its_default_entry,
    vmlinuz_links_on_an_unpartitioned_disk_boot_with_root_uuid,
    disk_without_kernel_exits_2_naming_the_target_and_each_partition,
    oversized_kernel_is_refused,
    garbage_image_fails_with_a_clear_error,
    sigterm_while_starting_stops_the_storage_daemon,
)}


def main():
    tool, workdir, case = sys.argv[1:4]
    reason = skip_reason()
    if reason is not None:
        print("skipped: " + reason)
        return SKIP
    case_dir = os.path.join(os.path.abspath(workdir), case)
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    os.environ["PATH"] += ":/sbin:/usr/sbin"
    CASES[case](tool, case_dir)
    if failures:
        print("%d check(s) failed: %s" % (len(failures), "; ".join(failures)))
        return 1
    shutil.rmtree(case_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
