/* SPDX-License-Identifier: GPL-2.0-only */
/* Multiboot2 boot information parsing (the format GRUB2 hands hv). */
#ifndef HV_ARCH_MULTIBOOT2_H
#define HV_ARCH_MULTIBOOT2_H

#include <stdint.h>
#include "hv/boot.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/*
 * Fills `out` from the information structure at `mbi` (identity-mapped). Returns 0, or -1
 * with *err naming the problem for anything malformed: bad magic, sizes that run past
 * the structure, unterminated strings, too many regions or modules.
 */
int mb2_parse(const void *mbi, uint32_t magic, struct boot_info *out, const char **err);

#endif
