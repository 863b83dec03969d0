/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The netfs backend: a pool is an NFS export mounted on its target directory; once mounted
 * its volumes are files there, handled exactly as a dir pool's. Starting mounts it with
 * nfs-utils' mount.nfs (name resolution, version negotiation and the kernel's option
 * syntax stay its business), destroying unmounts it. As libvirt does, an export already
 * mounted on the target is taken as it is, and the mount is nodev, nosuid and noexec: the
 * files are disk images, never programs or devices. It is a hard mount (a guest's writes
 * wait out a server outage rather than fail), but mount.nfs tries only once (retry=0), so a
 * pool-start on an unreachable server fails at once instead of retrying for two minutes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "vd-command.h"
#include "vd-error.h"
#include "vd-storage-private.h"

/* "HOST:/DIR", an IPv6 address in brackets as mount.nfs wants it. */
static char *export_spec(const vd_pool_def *def)
{
    bool v6 = strchr(def->host, ':') != NULL;
    return g_strdup_printf("%s%s%s:%s", v6 ? "[" : "", def->host, v6 ? "]" : "", def->source_dir);
}

/* mountinfo escapes space, tab, newline and backslash as octal. */
static char *mountinfo_unescape(const char *field)
{
    GString *out = g_string_new(NULL);
    for (const char *c = field; *c; c++) {
        if (c[0] == '\\' && c[1] >= '0' && c[1] <= '3' && c[2] >= '0' && c[2] <= '7' &&
            c[3] >= '0' && c[3] <= '7') {
            g_string_append_c(out, (char)((c[1] - '0') * 64 + (c[2] - '0') * 8 + (c[3] - '0')));
            c += 3;
        } else {
            g_string_append_c(out, *c);
        }
    }
    return g_string_free(out, false);
}

/* What is mounted on `target` (the last mount there wins): its filesystem type and
 * source, or false when nothing is. */
static bool mounted_on(const char *target, char **fstype, char **source)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/proc/self/mountinfo", &text, NULL, NULL))
        return false;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    bool found = false;
    for (char **l = lines; *l; l++) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
        g_auto(GStrv) f = g_strsplit(*l, " ", -1);
        if (g_strv_length(f) < 10)
            continue;
        g_autofree char *point = mountinfo_unescape(f[4]);
        if (strcmp(point, target) != 0)
            continue;
        unsigned sep = 6;
        while (f[sep] && strcmp(f[sep], "-") != 0)
            sep++;
        if (!f[sep] || !f[sep + 1] || !f[sep + 2])
            continue;
        g_free(*fstype);
        g_free(*source);
        *fstype = g_strdup(f[sep + 1]);
        *source = mountinfo_unescape(f[sep + 2]);
        found = true;
    }
    return found;
}

/* True when the export is mounted on the target already; an error when something else is. */
static bool check_mounted(const vd_pool_def *def, bool *mounted, vd_error **err)
{
    g_autofree char *fstype = NULL, *source = NULL, *spec = export_spec(def);
    *mounted = mounted_on(def->target, &fstype, &source);
    if (!*mounted)
        return true;
    if (g_str_has_prefix(fstype, "nfs") && strcmp(source, spec) == 0)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE,
            "target '%s' of pool '%s' already has %s (%s) mounted on it, not '%s'", def->target,
            def->name, source, fstype, spec);
    return false;
}

bool vd_netfs_start(const vd_pool_def *def, vd_error **err)
{
    bool mounted;
    if (!check_mounted(def, &mounted, err))
        return false;
    if (mounted)
        return true;
    if (!g_file_test(def->target, G_FILE_TEST_IS_DIR)) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE,
                "cannot mount pool '%s': its target '%s' is not a directory (build the pool)",
                def->name, def->target);
        return false;
    }
    g_autoptr(GString) options = g_string_new("nodev,nosuid,noexec,retry=0");
    if (def->nfs_version)
        g_string_append_printf(options, ",vers=%u", def->nfs_version);
    if (def->port)
        g_string_append_printf(options, ",port=%u", def->port);
    g_autofree char *spec = export_spec(def);
    const char *argv[] = {"mount.nfs", spec, def->target, "-o", options->str, NULL};
    g_autoptr(vd_error) failed = NULL;
    if (vd_command_output(argv, VIR_FROM_STORAGE, NULL, &failed))
        return true;
    /* failed reads "internal error: mount.nfs failed: <stderr>": keep what mount.nfs said. */
    const char *why = strstr(failed->message, "failed: ");
    vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_STORAGE, "cannot mount %s for pool '%s': %s",
            spec, def->name, why ? why + strlen("failed: ") : failed->message);
    return false;
}

bool vd_netfs_stop(const vd_pool_def *def, vd_error **err)
{
    bool mounted;
    if (!check_mounted(def, &mounted, err))
        return false;
    if (!mounted || umount2(def->target, UMOUNT_NOFOLLOW) == 0)
        return true;
    if (errno == EBUSY)
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_STORAGE,
                "cannot unmount pool '%s' from '%s': a volume on it is in use", def->name,
                def->target);
    else
        vd_fail_errno(err, errno, "cannot unmount pool '%s' from '%s'", def->name, def->target);
    return false;
}

bool vd_netfs_check_source(const vd_pool_def *def, vd_error **err)
{
    bool ok = def->host && *def->host;
    for (const char *c = def->host; ok && *c; c++)
        ok = g_ascii_isalnum(*c) || strchr(".-:_", *c);
    if (!ok) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "netfs pool '%s' needs <source><host name='…'/> with a host name or address",
                def->name);
        return false;
    }
    if (!def->source_dir || !g_path_is_absolute(def->source_dir) ||
        strpbrk(def->source_dir, "\n")) {
        vd_fail(err, VIR_ERR_XML_ERROR, VIR_FROM_STORAGE,
                "netfs pool '%s' needs <source><dir path='…'/> with an absolute path", def->name);
        return false;
    }
    return true;
}
