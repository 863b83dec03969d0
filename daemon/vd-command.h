/* SPDX-License-Identifier: GPL-2.0-only */
/* Running the host's helper programs (nft, dnsmasq) with their failures as libvirt errors. */
#ifndef VD_COMMAND_H
#define VD_COMMAND_H

#include "vd-driver.h"

/* Runs argv to its end with `input` (may be NULL) on its standard input. A program that
 * cannot run or exits non-zero fails with VIR_ERR_INTERNAL_ERROR and its stderr. */
bool vd_command_run(const char *const *argv, const char *input, vd_error **err);

#endif /* VD_COMMAND_H */
