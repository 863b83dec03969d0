/* SPDX-License-Identifier: GPL-2.0-only */
/* polkit authorization of local clients, over GDBus to org.freedesktop.PolicyKit1. */
#define G_LOG_DOMAIN "vd-rpc"
#include "rpc-auth.h"

#include <string.h>
#include <unistd.h>

bool vd_rpc_auth_needs_polkit(const vd_rpc_client *c, const vd_rpc_config *cfg)
{
    if (c->transport != VD_RPC_UNIX_RW || !cfg->auth_polkit)
        return false;
    if (!c->has_creds)
        return true; /* cannot tell who it is: ask */
    return c->uid != 0 && c->uid != geteuid();
}

/* The process start time polkit wants with a pid, so a recycled pid cannot pass for the
 * caller: field 22 of /proc/PID/stat, counted after the parenthesised command name. */
static bool process_start_time(pid_t pid, guint64 *start)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) fields = NULL;
    const char *after;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return false;
    after = strrchr(text, ')');
    if (!after)
        return false;
    fields = g_strsplit(after + 2, " ", 0);
    /* after ") " comes field 3 (state); field 22 is index 19 */
    if (g_strv_length(fields) < 20)
        return false;
    *start = g_ascii_strtoull(fields[19], NULL, 10);
    return true;
}

bool vd_rpc_polkit_check(pid_t pid, uid_t uid, const char *action, vd_error **err)
{
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GDBusConnection) bus = NULL;
    g_autoptr(GVariant) reply = NULL;
    GVariantBuilder subject;
    guint64 start = 0;
    gboolean authorized = FALSE, challenge = FALSE;

    if (pid <= 0 || !process_start_time(pid, &start)) {
        vd_error_set(err, VIR_ERR_AUTH_FAILED, VIR_FROM_POLKIT,
                     "authentication failed: cannot identify the client process %d", (int)pid);
        return false;
    }
    bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &gerr);
    if (!bus) {
        vd_error_set(err, VIR_ERR_AUTH_FAILED, VIR_FROM_POLKIT,
                     "authentication failed: polkit is not reachable: %s", gerr->message);
        return false;
    }
    g_variant_builder_init(&subject, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&subject, "{sv}", "pid", g_variant_new_uint32(pid));
    g_variant_builder_add(&subject, "{sv}", "start-time", g_variant_new_uint64(start));
    g_variant_builder_add(&subject, "{sv}", "uid", g_variant_new_int32(uid));
    reply = g_dbus_connection_call_sync(
        bus, "org.freedesktop.PolicyKit1", "/org/freedesktop/PolicyKit1/Authority",
        "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization",
        g_variant_new("((sa{sv})s@a{ss}us)", "unix-process", &subject, action,
                      g_variant_new_array(G_VARIANT_TYPE("{ss}"), NULL, 0),
                      1u /* AllowUserInteraction */, ""),
        G_VARIANT_TYPE("((bba{ss}))"), G_DBUS_CALL_FLAGS_NONE, 60 * 1000, NULL, &gerr);
    if (!reply) {
        vd_error_set(err, VIR_ERR_AUTH_FAILED, VIR_FROM_POLKIT,
                     "authentication failed: polkit could not check '%s': %s", action,
                     gerr->message);
        return false;
    }
    g_variant_get(reply, "((bb@a{ss}))", &authorized, &challenge, NULL);
    if (!authorized) {
        vd_error_set(err, VIR_ERR_AUTH_FAILED, VIR_FROM_POLKIT,
                     "authentication failed: access denied by policy for '%s'%s", action,
                     challenge ? " (authentication by an agent is required)" : "");
        return false;
    }
    return true;
}
