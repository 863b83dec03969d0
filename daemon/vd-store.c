/* SPDX-License-Identifier: GPL-2.0-only */
/* Persistent definitions, autostart links and status files, all replaced atomically. */
#include "vd-store.h"
#include "vd-domain-xml.h"
#include "vd-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

void (*vd_store_before_rename_hook)(const char *tmp_path);

static bool write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= n;
    }
    return true;
}

static bool fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

bool vd_file_write_atomic(const char *path, const char *data, bool durable, vd_error **err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot create a temporary file for %s", path);
        return false;
    }
    if (!write_all(fd, data, strlen(data)) || (durable && fsync(fd) != 0)) {
        int e = errno;
        close(fd);
        g_unlink(tmp);
        vd_fail_errno(err, e, "cannot write %s", tmp);
        return false;
    }
    close(fd);
    if (vd_store_before_rename_hook)
        vd_store_before_rename_hook(tmp);
    if (rename(tmp, path) != 0) {
        int e = errno;
        g_unlink(tmp);
        vd_fail_errno(err, e, "cannot replace %s", path);
        return false;
    }
    if (durable && !fsync_dir(dir)) {
        vd_fail_errno(err, errno, "cannot sync directory %s", dir);
        return false;
    }
    return true;
}

static char *def_path(const vd_config *cfg, const char *name)
{
    return g_strdup_printf("%s/%s.xml", cfg->domains_dir, name);
}

bool vd_store_save_def(const vd_config *cfg, const vd_domain_def *def, vd_error **err)
{
    g_autofree char *path = def_path(cfg, def->name);
    g_autofree char *xml = vd_domain_def_format(def, -1);
    return vd_file_write_atomic(path, xml, true, err);
}

static bool unlink_durably(const char *path, const char *dir, vd_error **err)
{
    if (g_unlink(path) == 0) {
        fsync_dir(dir);
        return true;
    }
    if (errno == ENOENT)
        return true; /* nothing changed: nothing to make durable */
    vd_fail_errno(err, errno, "cannot remove %s", path);
    return false;
}

bool vd_store_delete_def(const vd_config *cfg, const char *name, vd_error **err)
{
    g_autofree char *path = def_path(cfg, name);
    return vd_store_set_autostart(cfg, name, false, err) &&
           unlink_durably(path, cfg->domains_dir, err);
}

/* Reads every NAME.xml of `dir` through `load`; removes temporaries a crash left. */
static void scan_dir(const char *dir, void (*load)(const char *path, const char *xml, void *),
                     void *user)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (!d)
        return;
    const char *entry;
    while ((entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        if (entry[0] == '.' && strstr(entry, ".xml.")) {
            g_message("removing %s left by an interrupted write", path);
            g_unlink(path);
            continue;
        }
        if (!g_str_has_suffix(entry, ".xml"))
            continue;
        g_autofree char *xml = NULL;
        g_autoptr(GError) gerr = NULL;
        if (!g_file_get_contents(path, &xml, NULL, &gerr)) {
            g_warning("skipping %s: %s", path, gerr->message);
            continue;
        }
        load(path, xml, user);
    }
}

/* A file's name must match the domain it holds, or lookups by name would miss it. */
static vd_domain_def *parse_file(const char *path, const char *xml, int *id)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, id, &err);
    if (!def) {
        g_warning("skipping %s: %s", path, err->message);
        return NULL;
    }
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *expected = g_strconcat(def->name, ".xml", NULL);
    if (strcmp(base, expected) != 0) {
        g_warning("skipping %s: it defines domain '%s'", path, def->name);
        return NULL;
    }
    return g_steal_pointer(&def);
}

static void load_def(const char *path, const char *xml, void *user)
{
    vd_domain_def *def = parse_file(path, xml, NULL);
    if (def)
        g_ptr_array_add(user, def);
}

GPtrArray *vd_store_load_defs(const vd_config *cfg)
{
    GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_def_free);
    scan_dir(cfg->domains_dir, load_def, defs);
    return defs;
}

static char *autostart_path(const vd_config *cfg, const char *name)
{
    return g_strdup_printf("%s/%s.xml", cfg->autostart_dir, name);
}

bool vd_store_get_autostart(const vd_config *cfg, const char *name)
{
    g_autofree char *path = autostart_path(cfg, name);
    return g_file_test(path, G_FILE_TEST_IS_SYMLINK);
}

bool vd_store_set_autostart(const vd_config *cfg, const char *name, bool on, vd_error **err)
{
    g_autofree char *path = autostart_path(cfg, name);
    if (!on)
        return unlink_durably(path, cfg->autostart_dir, err);
    g_autofree char *target = g_strdup_printf("../domains/%s.xml", name);
    if (symlink(target, path) != 0 && errno != EEXIST) {
        vd_fail_errno(err, errno, "cannot create autostart link %s", path);
        return false;
    }
    fsync_dir(cfg->autostart_dir);
    return true;
}

void vd_store_status_free(vd_store_status *st)
{
    if (!st)
        return;
    vd_domain_def_free(st->live);
    g_free(st);
}

static char *status_path(const vd_config *cfg, const char *name)
{
    return g_strdup_printf("%s/%s.xml", cfg->state_dir, name);
}

bool vd_store_save_status(const vd_config *cfg, const vd_domain_def *live, int domid,
                          vd_error **err)
{
    g_autofree char *path = status_path(cfg, live->name);
    g_autofree char *xml = vd_domain_def_format(live, domid);
    /* /run does not survive a power cut, so it needs no fsync; rename still keeps a
     * daemon killed mid-write from leaving a torn file. */
    return vd_file_write_atomic(path, xml, false, err);
}

void vd_store_delete_status(const vd_config *cfg, const char *name)
{
    g_autofree char *path = status_path(cfg, name);
    g_unlink(path);
}

static void load_status(const char *path, const char *xml, void *user)
{
    int id = -1;
    vd_domain_def *live = parse_file(path, xml, &id);
    if (!live)
        return;
    if (id < 0) {
        g_warning("skipping %s: no domain id", path);
        vd_domain_def_free(live);
        return;
    }
    vd_store_status *st = g_new0(vd_store_status, 1);
    st->live = live;
    st->domid = id;
    g_ptr_array_add(user, st);
}

GPtrArray *vd_store_load_status(const vd_config *cfg)
{
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)vd_store_status_free);
    scan_dir(cfg->state_dir, load_status, all);
    return all;
}
