/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raising libvirt errors from the daemon core: vd_fail() prefixes the message the way
 * libvirt's virerror.c does for the code, so clients print the wording they know
 * ("Domain not found: no domain with matching name 'x'").
 */
#ifndef VD_ERROR_H
#define VD_ERROR_H

#include "vd-driver.h"
#include "vd-libvirt.h"

void vd_fail(vd_error **err, int code, int domain, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* errno-based failure: "<what>: <strerror>", VIR_ERR_SYSTEM_ERROR. */
void vd_fail_errno(vd_error **err, int errnum, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* Moves a caught error to the caller's slot (or frees it when the caller passed NULL). */
void vd_error_propagate(vd_error **dest, vd_error *src);

#endif /* VD_ERROR_H */
