#!/usr/bin/env bash
# Builds a GRUB2 (BIOS) ISO that boots hv with dom0's kernel and initramfs as multiboot2
# modules. hv takes the first module without "vireo.domain" as dom0's kernel (its string
# is dom0's command line) and the next as dom0's initramfs.
# Usage: mkiso.sh OUT.iso WORKDIR HV_ELF VMLINUZ INITRD HV_ARGS DOM0_CMDLINE
set -euo pipefail
out=$1 work=$2 hv=$3 kernel=$4 initrd=$5 hv_args=$6 dom0_cmdline=$7

rm -rf "$work" && mkdir -p "$work/iso/boot/grub"
cp "$hv" "$work/iso/boot/hv.elf"
cp "$kernel" "$work/iso/boot/vmlinuz"
cp "$initrd" "$work/iso/boot/initrd.img"
cat > "$work/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "Vireo node" {
    multiboot2 /boot/hv.elf $hv_args
    module2 /boot/vmlinuz $dom0_cmdline
    module2 --nounzip /boot/initrd.img
}
CFG
grub-mkrescue -o "$out.tmp" "$work/iso" >"$work/grub-mkrescue.log" 2>&1 ||
    { cat "$work/grub-mkrescue.log" >&2; exit 1; }
mv "$out.tmp" "$out"
