/* SPDX-License-Identifier: GPL-2.0-only */
/* Helper programs run to their end, their stderr kept for the error message. */
#include "vd-command.h"
#include "vd-error.h"

#include <gio/gio.h>

bool vd_command_run(const char *const *argv, const char *input, vd_error **err)
{
    g_autoptr(GError) gerr = NULL;
    GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                             (input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0);
    g_autoptr(GSubprocess) p = g_subprocess_newv(argv, flags, &gerr);
    g_autofree char *errout = NULL;
    if (!p || !g_subprocess_communicate_utf8(p, input, NULL, NULL, &errout, &gerr)) {
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_NETWORK, "cannot run %s: %s", argv[0],
                gerr->message);
        return false;
    }
    if (g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0)
        return true;
    vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_NETWORK, "%s failed: %s", argv[0],
            errout && *errout ? g_strstrip(errout) : "no message");
    return false;
}
