#!/usr/bin/env bash
# Fetches the pieces of the node image that come from Debian's archive, at build time:
# the kernel the linux-image-amd64 meta package depends on (its vmlinuz) and the static
# busybox, and the e1000 NIC driver module dom0 needs to reach the network (QEMU's
# default NIC; the host reaches the daemon through it). Checks that the installed linux-headers package is the same kernel at the same
# version, since the module must be built against exactly that kernel.
# The same kernel boots the test Linux domUs: their initramfs gets the kernel modules listed
# in DOMU_MODULES and what those depend on (read from each module's .modinfo), loaded in
# the order of domu-modules.txt (dependencies first; the files are domu-modules/NAME.ko).
# dom0's own modules beyond e1000 (DOM0_MODULES: the vifs' taps and bridges, the virtual
# networks' nftables) come the same way as dom0-modules.txt and dom0-modules/.
# Usage: fetch-debian.sh OUTDIR
#   -> OUTDIR/{vmlinuz,busybox,kernel-abi,e1000.ko,domu-modules.txt,domu-modules/*.ko,
#              dom0-modules.txt,dom0-modules/*.ko}
set -euo pipefail
out=$(realpath "$1")
work="$out/debs"
mkdir -p "$work"

die() { echo "fetch-debian: $*" >&2; exit 1; }

# "linux-image-amd64 Depends: linux-image-6.1.0-56-amd64" -> the versioned package.
image_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$image_pkg" ] ||
    die "cannot resolve linux-image-amd64 (run 'apt-get update' and 'bash tools/install-deps')"
abi=${image_pkg#linux-image-}
image_ver=$(apt-cache policy "$image_pkg" | awk '/Candidate:/ {print $2}')
headers_pkg="linux-headers-$abi"
headers_ver=$(dpkg-query -W -f='${Version}' "$headers_pkg" 2>/dev/null || true)
if [ "$headers_ver" != "$image_ver" ]; then
    die "dom0 kernel is $image_pkg $image_ver but $headers_pkg is ${headers_ver:-not installed}; the module must be built against the same kernel: run 'apt-get update && apt-get install linux-headers-amd64'"
fi
[ -d "/usr/src/$headers_pkg" ] || die "/usr/src/$headers_pkg missing although $headers_pkg is installed"

# apt-get download writes into the current directory; keep one copy per version.
fetch() {
    local pkg=$1 ver=$2 deb
    deb=$(ls "$work/${pkg}_"*.deb 2>/dev/null | grep -F "_${ver//:/%3a}_" | head -n1 || true)
    if [ -z "$deb" ]; then
        (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
            die "apt-get download $pkg=$ver failed"
        deb=$(ls "$work/${pkg}_"*.deb | grep -F "_${ver//:/%3a}_" | head -n1)
    fi
    echo "$deb"
}

image_deb=$(fetch "$image_pkg" "$image_ver")
busybox_ver=$(apt-cache policy busybox-static | awk '/Candidate:/ {print $2}')
[ -n "$busybox_ver" ] && [ "$busybox_ver" != "(none)" ] || die "busybox-static not in the archive"
busybox_deb=$(fetch busybox-static "$busybox_ver")

rm -rf "$work/x" && mkdir "$work/x"
dpkg-deb -x "$image_deb" "$work/x"
dpkg-deb -x "$busybox_deb" "$work/x"
cp "$work/x/boot/vmlinuz-$abi" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
cp "$work/x/bin/busybox" "$out/busybox.tmp" && mv "$out/busybox.tmp" "$out/busybox"
e1000=$(find "$work/x/lib/modules/$abi" -name e1000.ko | head -n1)
[ -n "$e1000" ] || die "$image_pkg has no e1000.ko (uncompressed) under /lib/modules/$abi"
cp "$e1000" "$out/e1000.ko.tmp" && mv "$out/e1000.ko.tmp" "$out/e1000.ko"

# The domU's modules. button: the ACPI power button (acpid powers off on it); evdev: how
# acpid hears it. virtio_mmio finds the device model's devices in the DSDT (LNRO0005);
# the drivers of its four device types follow (virtio, virtio_ring come as dependencies);
# ext4 (which mounts ext2 too) lets tests keep files on a virtio disk, crc32c_generic first
# since ext4 only names it as a soft dependency.
DOMU_MODULES="button evdev virtio_mmio virtio_blk virtio_net virtio-rng virtio_balloon
              crc32c_generic ext4"
# dom0's: tun for the vifs' taps, bridge (with stp and llc) for the bridges they join,
# loop and dm_mod for LVM volumes (block disks) made on a file; fuse for /dev/fuse, where
# vireo-bootloader's qemu-storage-daemon exports a disk as a file. Then what a virtual
# network's nftables table uses (vd-network-nft.c): nf_tables, the conntrack match of
# `ct state`, the inet NAT chain, masquerade and reject; conntrack and NAT come as their
# dependencies. nf_tables needs libcrc32c, which names its crc32c only as a soft
# dependency (an alias, not a file): crc32c_generic goes first. Last, NFS: the version 4
# client (nfs and sunrpc come as dependencies), which mounts netfs pools, and the server.
DOM0_MODULES="tun bridge loop dm_mod fuse
              crc32c_generic nf_tables nft_ct nft_chain_nat nft_masq nft_reject_inet
              nfsv4 nfsd"
moddir="$work/x/lib/modules/$abi"
module_file() {
    local pattern=${1//[_-]/[_-]} # module names say '_' where file names may say '-'
    find "$moddir" -name "$pattern.ko" | head -n1
}
# add_module DIR NAME: NAME.ko into DIR after what it depends on, its name in DIR/load-order.
add_module() {
    local dir=$1 name=$2 file dep
    name=${name//-/_} # modinfo's depends= uses '_'; one spelling per module
    grep -qx "$name" "$dir/load-order" 2>/dev/null && return 0
    file=$(module_file "$name")
    [ -n "$file" ] || die "$image_pkg has no module $name (uncompressed .ko) under /lib/modules/$abi"
    for dep in $(tr '\0' '\n' < "$file" | sed -n 's/^depends=//p' | tr ',' ' '); do
        add_module "$dir" "$dep"
    done
    cp "$file" "$dir/$name.ko"
    echo "$name" >> "$dir/load-order"
}
# module_set PREFIX MODULES...: OUTDIR/PREFIX-modules/*.ko and OUTDIR/PREFIX-modules.txt.
module_set() {
    local prefix=$1 m
    shift
    rm -rf "$out/$prefix-modules.tmp" && mkdir "$out/$prefix-modules.tmp"
    for m in "$@"; do
        add_module "$out/$prefix-modules.tmp" "$m"
    done
    mv "$out/$prefix-modules.tmp/load-order" "$out/$prefix-modules.txt.tmp"
    rm -rf "$out/$prefix-modules" && mv "$out/$prefix-modules.tmp" "$out/$prefix-modules"
    mv "$out/$prefix-modules.txt.tmp" "$out/$prefix-modules.txt"
}
# shellcheck disable=SC2086 # the lists are words
module_set domu $DOMU_MODULES
# shellcheck disable=SC2086
module_set dom0 $DOM0_MODULES

rm -rf "$work/x"
echo "$abi" > "$out/kernel-abi"
echo "fetch-debian: $image_pkg $image_ver, busybox-static $busybox_ver" >&2
