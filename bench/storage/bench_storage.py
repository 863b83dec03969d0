#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Volume upload and download through virtvireod's streams against `cp` of the same file,
side by side in one run, with stock virsh (vol-upload, vol-download).

A private virtvireod serves its default dir pool under --dir. For each size: a file of
random data; upload = `virsh vol-upload` into a raw volume of that size (the daemon
writes a new file, fsyncs and renames it over the volume) against `cp` + `sync FILE` of
the same data to the same file system; download = `virsh vol-download` against `cp` of
the volume, page cache warm for both. Best of --runs each. Prints MB/s and the ratio
vireo/cp (1.0 = as fast as a local copy; the stream crosses a unix socket twice).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def best(runs, fn):
    times = []
    for _ in range(runs):
        start = time.monotonic()
        fn()
        times.append(time.monotonic() - start)
    return min(times)


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=600)


def start_daemon(binary, root):
    log = open(os.path.join(root, "daemon.log"), "w")
    proc = subprocess.Popen([binary, "--root", root], stdout=log, stderr=subprocess.STDOUT)
    sock = os.path.join(root, "run", "libvirt", "virtvireod-sock")
    deadline = time.monotonic() + 30
    while not os.path.exists(sock):  # the path appears once the daemon accepts calls
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit("virtvireod did not start; see %s/daemon.log" % root)
        time.sleep(0.05)
    return proc, "vireo+unix:///system?socket=" + sock


def measure(uri, work, pool_dir, mib, runs):
    size = mib << 20
    src = os.path.join(work, "src.bin")
    with open(src, "wb") as f:
        for _ in range(mib):
            f.write(os.urandom(1 << 20))
    vol = "bench-%d.img" % mib
    run("virsh", "-c", uri, "vol-create-as", "default", vol, str(size), "--format", "raw")
    copy = os.path.join(pool_dir, "copy.bin")
    back = os.path.join(work, "back.bin")
    up = best(runs, lambda: run("virsh", "-c", uri, "vol-upload", "--pool", "default", vol, src))
    cp_up = best(runs, lambda: (run("cp", src, copy), run("sync", copy)))
    down = best(runs, lambda: run("virsh", "-c", uri, "vol-download", "--pool", "default", vol,
                                  back))
    cp_down = best(runs, lambda: run("cp", os.path.join(pool_dir, vol), back))
    if open(back, "rb").read(1 << 20) != open(src, "rb").read(1 << 20):
        sys.exit("download does not match the upload")
    run("virsh", "-c", uri, "vol-delete", "--pool", "default", vol)
    for path in (src, copy, back):
        os.unlink(path)
    return size, up, cp_up, down, cp_down


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--virtvireod", required=True)
    ap.add_argument("--dir", help="where the daemon's root goes (default: a temporary dir)")
    ap.add_argument("--sizes", default="64,256", help="MiB, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="bench-storage-", dir=a.dir)
    root = os.path.join(work, "root")
    os.makedirs(root)
    proc, uri = start_daemon(a.virtvireod, root)
    pool_dir = os.path.join(root, "var", "lib", "libvirt", "images")
    try:
        print("%8s  %-9s %10s %10s %8s" % ("size", "direction", "vireo MB/s", "cp MB/s",
                                            "vireo/cp"))
        for mib in (int(x) for x in a.sizes.split(",")):
            size, up, cp_up, down, cp_down = measure(uri, work, pool_dir, mib, a.runs)
            for what, t, t_cp in (("upload", up, cp_up), ("download", down, cp_down)):
                print("%6dMiB  %-9s %10.0f %10.0f %8.2f" % (mib, what, size / t / 1e6,
                                                            size / t_cp / 1e6, t_cp / t))
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
