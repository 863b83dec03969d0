/* SPDX-License-Identifier: GPL-2.0-only */
/* Helper programs run to their end, their stderr kept for the error message. */
#include "vd-command.h"
#include "vd-error.h"

#include <gio/gio.h>

/* The program's stderr as one line: tools such as lvm explain over several. */
static char *one_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
    g_autoptr(GString) out = g_string_new(NULL);
    for (char **l = lines; *l; l++) {
        if (!*g_strstrip(*l))
            continue;
        g_string_append_printf(out, "%s%s", out->len ? "; " : "", *l);
    }
    return out->len ? g_string_free(g_steal_pointer(&out), false) : g_strdup("no message");
}

static bool run(const char *const *argv, const char *input, int from, char **out, vd_error **err)
{
    g_autoptr(GError) gerr = NULL;
    GSubprocessFlags flags =
        G_SUBPROCESS_FLAGS_STDERR_PIPE |
        (out ? G_SUBPROCESS_FLAGS_STDOUT_PIPE : G_SUBPROCESS_FLAGS_STDOUT_SILENCE) |
        (input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0);
    g_autoptr(GSubprocess) p = g_subprocess_newv(argv, flags, &gerr);
    g_autofree char *stdout_text = NULL, *errout = NULL;
    if (!p ||
        !g_subprocess_communicate_utf8(p, input, NULL, out ? &stdout_text : NULL, &errout, &gerr)) {
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, from, "cannot run %s: %s", argv[0], gerr->message);
        return false;
    }
    if (!g_subprocess_get_if_exited(p) || g_subprocess_get_exit_status(p) != 0) {
        g_autofree char *why = one_line(errout);
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, from, "%s failed: %s", argv[0], why);
        return false;
    }
    if (out)
        *out = g_steal_pointer(&stdout_text);
    return true;
}

bool vd_command_run(const char *const *argv, const char *input, vd_error **err)
{
    return run(argv, input, VIR_FROM_NETWORK, NULL, err);
}

bool vd_command_output(const char *const *argv, int from, char **out, vd_error **err)
{
    return run(argv, NULL, from, out, err);
}
