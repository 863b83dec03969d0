#!/usr/bin/env bash
# Builds vireo.ko out of tree against the Debian headers of the dom0 kernel.
# Kbuild writes next to its sources, so they are copied into a private directory first.
# Usage: build-module.sh KERNEL_ABI_FILE WORKDIR OUT_KO SRC_DIR PUBLIC_INC DEV_INC
set -euo pipefail
abi=$(cat "$1")
work=$2 out=$3 src=$4 public_inc=$5 dev_inc=$6
kdir=/usr/src/linux-headers-$abi
[ -d "$kdir" ] || { echo "build-module: $kdir missing (install linux-headers-$abi)" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work/include/public"
work=$(realpath "$work")   # Kbuild needs M= absolute
cp "$src"/Kbuild "$src"/*.c "$src"/*.h "$work/"
cp "$public_inc/public/vireo.h" "$work/include/public/"
cp "$dev_inc/vireo-dev.h" "$work/include/"
make -s -C "$kdir" M="$work" modules >&2
cp "$work/vireo.ko" "$out"
