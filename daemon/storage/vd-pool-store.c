/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the storage driver keeps on disk, beside the domains' store and written the same
 * way (vd_file_write_atomic): ROOT/etc/vireo/storage/NAME.xml (persistent definitions),
 * ROOT/etc/vireo/storage/autostart/NAME.xml (links to them) and ROOT/run/vireo/storage/
 * NAME.xml (the definition of each active pool, transient ones included).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "vd-error.h"
#include "vd-storage-private.h"

static char *file_in(const char *dir, const char *name)
{
    return g_strdup_printf("%s/%s.xml", dir, name);
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static bool remove_file(const char *dir, const char *name, vd_error **err)
{
    g_autofree char *path = file_in(dir, name);
    if (g_unlink(path) != 0 && errno != ENOENT) {
        vd_fail_errno(err, errno, "cannot remove %s", path);
        return false;
    }
    sync_dir(dir);
    return true;
}

bool vd_pool_store_save(vd_storage *s, const vd_pool_def *def, vd_error **err)
{
    g_autofree char *path = file_in(s->config_dir, def->name);
    g_autofree char *xml = vd_pool_def_format(def, NULL);
    return vd_file_write_atomic(path, xml, true, err);
}

bool vd_pool_store_delete(vd_storage *s, const char *name, vd_error **err)
{
    return vd_pool_store_set_autostart(s, name, false, err) &&
           remove_file(s->config_dir, name, err);
}

bool vd_pool_store_get_autostart(vd_storage *s, const char *name)
{
    g_autofree char *path = file_in(s->autostart_dir, name);
    return g_file_test(path, G_FILE_TEST_IS_SYMLINK);
}

bool vd_pool_store_set_autostart(vd_storage *s, const char *name, bool on, vd_error **err)
{
    if (!on)
        return remove_file(s->autostart_dir, name, err);
    g_autofree char *path = file_in(s->autostart_dir, name);
    g_autofree char *target = g_strdup_printf("../%s.xml", name);
    if (symlink(target, path) != 0 && errno != EEXIST) {
        vd_fail_errno(err, errno, "cannot create autostart link %s", path);
        return false;
    }
    sync_dir(s->autostart_dir);
    return true;
}

bool vd_pool_store_save_state(vd_storage *s, const vd_pool_def *live, vd_error **err)
{
    g_autofree char *path = file_in(s->state_dir, live->name);
    g_autofree char *xml = vd_pool_def_format(live, NULL);
    /* /run does not outlive the node: no fsync, but rename keeps it whole. */
    return vd_file_write_atomic(path, xml, false, err);
}

void vd_pool_store_delete_state(vd_storage *s, const char *name)
{
    remove_file(s->state_dir, name, NULL);
}

/* A file's name must be its pool's, or lookups by name would disagree with the disk. */
static vd_pool_def *load_one(const char *dir, const char *entry)
{
    g_autofree char *path = g_build_filename(dir, entry, NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GError) gerr = NULL;
    g_autoptr(vd_error) err = NULL;
    if (!g_file_get_contents(path, &xml, NULL, &gerr)) {
        g_warning("skipping %s: %s", path, gerr->message);
        return NULL;
    }
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, &err);
    if (!def) {
        g_warning("skipping %s: %s", path, err->message);
        return NULL;
    }
    g_autofree char *expected = g_strconcat(def->name, ".xml", NULL);
    if (strcmp(entry, expected) != 0) {
        g_warning("skipping %s: it defines pool '%s'", path, def->name);
        return NULL;
    }
    return g_steal_pointer(&def);
}

GPtrArray *vd_pool_store_load(const char *dir)
{
    GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)vd_pool_def_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;
    while (d && (entry = g_dir_read_name(d))) {
        if (entry[0] == '.' && strstr(entry, ".xml.")) {
            g_autofree char *path = g_build_filename(dir, entry, NULL);
            g_message("removing %s left by an interrupted write", path);
            g_unlink(path);
            continue;
        }
        vd_pool_def *def = g_str_has_suffix(entry, ".xml") ? load_one(dir, entry) : NULL;
        if (def)
            g_ptr_array_add(defs, def);
    }
    return defs;
}
