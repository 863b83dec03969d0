/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-bootloader's GError domain (vbl_error.h). */
#include "vbl_error.h"

G_DEFINE_QUARK(vireo - bootloader - error - quark, vbl_error)
