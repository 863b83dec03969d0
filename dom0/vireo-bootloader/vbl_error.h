/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-bootloader's errors: what kind of failure decides the exit status (vbl_main.c). */
#ifndef VBL_ERROR_H
#define VBL_ERROR_H

#include <glib.h>

#define VBL_ERROR (vbl_error_quark())
GQuark vbl_error_quark(void);

enum vbl_error_code {
    VBL_ERROR_FAILED,    /* the disk or OUTDIR could not be read or written */
    VBL_ERROR_NOT_FOUND, /* a path the filesystem does not have */
    VBL_ERROR_NO_KERNEL, /* the disk was read and holds nothing we can boot */
};

#endif /* VBL_ERROR_H */
