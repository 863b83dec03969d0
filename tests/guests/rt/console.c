/* SPDX-License-Identifier: GPL-2.0-only */
/* Console output of a guest under hv: VIREO_HC_CONSOLE_WRITE, which may write short. */
#include "guest.h"

void console_write(const char *s, size_t len)
{
    while (len) {
        int64_t n = hc_console_write(s, len);
        /* Nothing useful to do on failure: the console is the only way to say so. */
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}
