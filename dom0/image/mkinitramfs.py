#!/usr/bin/env python3
"""Builds an initramfs (gzip-compressed cpio "newc"): dom0's for the node image, and the
test Linux domUs' (dom0/image/domu/).

Puts in busybox with its applet links, the /init script, the vireo module, our binaries
and libraries, data files (configuration, certificates, kernel modules), kernel modules
from a load-order list, and every shared library the binaries need (found with ldd, so the
image carries what this build really links against). Each library is carried once, under
the system library directory the dynamic loader searches, whatever path (a build
directory's RPATH) ldd found it at. Written in Python so the archive's owners and modes do
not depend on who runs the build.
"""
import argparse
import gzip
import hashlib
import os
import stat
import subprocess
import sys


class Tree:
    """The image's files: path inside the image -> (mode, bytes) or a symlink."""

    def __init__(self):
        self.entries = {}

    def add_dir(self, path):
        parts = path.strip('/').split('/')
        for i in range(1, len(parts) + 1):
            self.entries.setdefault('/'.join(parts[:i]), ('dir', 0o755, b''))

    def add_file(self, path, data, mode=0o755):
        path = path.strip('/')
        self.add_dir(os.path.dirname(path))
        self.entries[path] = ('file', mode, data)

    def add_symlink(self, path, target):
        path = path.strip('/')
        self.add_dir(os.path.dirname(path))
        self.entries.setdefault(path, ('link', 0o777, target.encode()))

    def add_host_file(self, image_path, host_path, mode=None):
        with open(host_path, 'rb') as f:
            data = f.read()
        if mode is None:
            mode = stat.S_IMODE(os.stat(host_path).st_mode) | 0o444
        self.add_file(image_path, data, mode)


def newc_entry(ino, name, kind, mode, data):
    types = {'dir': stat.S_IFDIR, 'file': stat.S_IFREG, 'link': stat.S_IFLNK}
    nlink = 2 if kind == 'dir' else 1
    fields = [ino, types[kind] | mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0,
              len(name) + 1, 0]
    header = b'070701' + b''.join(b'%08X' % v for v in fields)
    out = header + name.encode() + b'\0'
    out += b'\0' * (-len(out) % 4)
    out += data + b'\0' * (-len(data) % 4)
    return out


def write_cpio(tree, path):
    blob = bytearray()
    for ino, name in enumerate(sorted(tree.entries), start=1):
        kind, mode, data = tree.entries[name]
        blob += newc_entry(ino, name, kind, mode, data)
    blob += newc_entry(0, 'TRAILER!!!', 'file', 0, b'')
    with open(path, 'wb') as raw, gzip.GzipFile(fileobj=raw, mode='wb', mtime=0) as f:
        f.write(bytes(blob))


def shared_libraries(binary):
    """Absolute paths of the libraries (and loader) ldd resolves for a binary."""
    result = subprocess.run(['ldd', binary], capture_output=True, text=True)
    if result.returncode != 0:
        return []  # static binaries ("not a dynamic executable")
    libs = []
    for line in result.stdout.splitlines():
        words = line.split()
        if '=>' in words:
            target = words[words.index('=>') + 1]
            if target == 'not':
                sys.exit(f'mkinitramfs: {binary}: cannot find {words[0]}')
            if target.startswith('/'):
                libs.append(target)
        elif words and words[0].startswith('/'):
            libs.append(words[0])  # the dynamic loader
    return libs


SYSTEM_LIB_DIRS = ('/lib/', '/lib64/', '/usr/lib/')
LIB_DIR = 'lib/x86_64-linux-gnu/'


def library_image_path(lib):
    """Where a library goes in the image: where ldd found it if that is a system directory,
    else (a build tree reached through RPATH, which does not exist in the image) the
    system library directory, so every binary's copy is the same file."""
    if lib.startswith(SYSTEM_LIB_DIRS):
        return lib
    return LIB_DIR + os.path.basename(lib)


def add_with_libraries(tree, image_path, host_path):
    tree.add_host_file(image_path, host_path)
    for lib in shared_libraries(host_path):
        real = os.path.realpath(lib)
        tree.add_host_file(library_image_path(lib), real, 0o755)


def check_libraries_once(tree):
    """The image carries each shared library once: two paths with the same library's
    bytes are a packing bug (each copy costs RAM on the node)."""
    seen = {}
    for path, (kind, _, data) in tree.entries.items():
        if kind != 'file' or '.so' not in os.path.basename(path):
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            sys.exit(f'mkinitramfs: the same library twice: /{seen[digest]} and /{path}')
        seen[digest] = path


def add_kernel_modules(tree, load_order):
    """The modules a list (X.txt) names, one per line, dependencies first, from the
    directory X/ beside it: lib/modules/NAME.ko and lib/modules/load-order."""
    with open(load_order) as f:
        names = f.read().split()
    base = os.path.splitext(load_order)[0]
    for name in names:
        tree.add_host_file(f'lib/modules/{name}.ko', os.path.join(base, name + '.ko'), 0o644)
    tree.add_file('lib/modules/load-order', ''.join(n + '\n' for n in names).encode(), 0o644)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--output', required=True)
    ap.add_argument('--busybox', required=True)
    ap.add_argument('--init', help='the /init program (or --symlink init=...)')
    ap.add_argument('--module', help="dom0's vireo.ko, put at /lib/vireo/vireo.ko")
    ap.add_argument('--dir', action='append', default=[], help='an empty directory')
    ap.add_argument('--symlink', action='append', default=[], metavar='IMAGE_PATH=TARGET')
    ap.add_argument('--kmods', metavar='LOAD_ORDER',
                    help='kernel modules in load order (domu-modules.txt of fetch-debian.sh)')
    ap.add_argument('--bin', action='append', default=[], metavar='IMAGE_PATH=HOST_PATH',
                    help='an executable or library, its shared libraries added too')
    ap.add_argument('--file', action='append', default=[], metavar='IMAGE_PATH=HOST_PATH',
                    help='a data file (configuration, certificate, kernel module), mode 0644;'
                         ' IMAGE_PATH=HOST_PATH:0600 sets another mode')
    ap.add_argument('--guest', action='append', default=[], metavar='HOST_PATH',
                    help='a test guest ELF, put under /usr/lib/vireo/guests')
    args = ap.parse_args()

    tree = Tree()
    for d in ['proc', 'sys', 'dev', 'run', 'tmp', 'root', 'etc'] + args.dir:
        tree.add_dir(d)
    tree.add_host_file('bin/busybox', args.busybox, 0o755)
    applets = subprocess.run([args.busybox, '--list-full'], capture_output=True, text=True,
                             check=True).stdout.split()
    for applet in applets:
        depth = applet.count('/')
        tree.add_symlink(applet, '../' * depth + 'bin/busybox' if depth else 'bin/busybox')
    if args.init:
        tree.add_host_file('init', args.init, 0o755)
    if args.module:
        tree.add_host_file('lib/vireo/vireo.ko', args.module, 0o644)
    for spec in args.symlink:
        image_path, target = spec.split('=', 1)
        tree.add_symlink(image_path, target)
    if args.kmods:
        add_kernel_modules(tree, args.kmods)
    # nobody: the user dnsmasq (a virtual network's DHCP and DNS) drops to; it refuses to
    # start when the user is unknown.
    tree.add_file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n'
                  b'nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n', 0o644)
    tree.add_file('etc/group', b'root:x:0:\nnogroup:x:65534:\n', 0o644)
    for spec in args.bin:
        image_path, host_path = spec.split('=', 1)
        add_with_libraries(tree, image_path, host_path)
    for spec in args.file:
        image_path, host_path = spec.split('=', 1)
        mode = 0o644
        if ':' in host_path:
            host_path, mode_text = host_path.rsplit(':', 1)
            mode = int(mode_text, 8)
        tree.add_host_file(image_path, host_path, mode)
    for guest in args.guest:
        tree.add_host_file('usr/lib/vireo/guests/' + os.path.basename(guest), guest, 0o644)
    check_libraries_once(tree)
    write_cpio(tree, args.output)


if __name__ == '__main__':
    main()
