/* SPDX-License-Identifier: GPL-2.0-only */
/* Running the host's helper programs (nft, dnsmasq, lvm) with their failures as libvirt errors. */
#ifndef VD_COMMAND_H
#define VD_COMMAND_H

#include "vd-driver.h"

/* Runs argv to its end with `input` (may be NULL) on its standard input. A program that
 * cannot run or exits non-zero fails with VIR_ERR_INTERNAL_ERROR and its stderr. */
bool vd_command_run(const char *const *argv, const char *input, vd_error **err);
/* The same with no input, its standard output in *out (free it), and the error in libvirt's
 * `from` domain (VIR_FROM_STORAGE, ...); a multi-line stderr becomes one line. */
bool vd_command_output(const char *const *argv, int from, char **out, vd_error **err);

#endif /* VD_COMMAND_H */
