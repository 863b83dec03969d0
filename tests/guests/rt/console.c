/* SPDX-License-Identifier: GPL-2.0-only */
/* Console output of a guest under hv: VIREO_HC_CONSOLE_WRITE. */
#include "guest.h"

void console_write(const char *s, size_t len)
{
    /* Nothing useful to do on failure: the console is the only way to say so. */
    hc_console_write(s, len);
}
