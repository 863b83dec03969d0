/* SPDX-License-Identifier: GPL-2.0-only */
/* Persistent definitions, autostart links and status files, all replaced atomically. */
#include "vd-store.h"
#include "vd-domain-xml.h"
#include "vd-error.h"
#include "vd-journal.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
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

/* Writes `data` to a new temporary beside `path` (fsync'ed when `durable`); its name, or
 * NULL with *err set and nothing left behind. */
static char *write_temp(const char *path, const char *data, bool durable, vd_error **err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot create a temporary file for %s", path);
        return NULL;
    }
    if (!write_all(fd, data, strlen(data)) || (durable && fsync(fd) != 0)) {
        int e = errno;
        close(fd);
        g_unlink(tmp);
        vd_fail_errno(err, e, "cannot write %s", tmp);
        return NULL;
    }
    close(fd);
    if (vd_store_before_rename_hook)
        vd_store_before_rename_hook(tmp);
    return g_steal_pointer(&tmp);
}

static bool replace_with(const char *tmp, const char *path, vd_error **err)
{
    if (rename(tmp, path) == 0)
        return true;
    int e = errno;
    g_unlink(tmp);
    vd_fail_errno(err, e, "cannot replace %s", path);
    return false;
}

bool vd_file_write_atomic(const char *path, const char *data, bool durable, vd_error **err)
{
    g_autofree char *tmp = write_temp(path, data, durable, err);
    if (!tmp || !replace_with(tmp, path, err))
        return false;
    g_autofree char *dir = g_path_get_dirname(path);
    if (durable && !vd_fsync_dir(dir)) {
        vd_fail_errno(err, errno, "cannot sync directory %s", dir);
        return false;
    }
    return true;
}

/* Every file the store keeps for a domain is DIR/NAME.SUFFIX. */
static char *domain_file(const char *dir, const char *name, const char *suffix)
{
    return g_strdup_printf("%s/%s.%s", dir, name, suffix);
}

static char *def_path(const vd_config *cfg, const char *name)
{
    return domain_file(cfg->domains_dir, name, "xml");
}

/* ---- the journal of definitions ------------------------------------------------------ */

/* Room for about 1400 definitions of a typical size between checkpoints. */
#define JOURNAL_CAPACITY (1024 * 1024)

static void journal_apply(vd_journal_op op, const char *name, const char *data, void *user)
{
    const char *domains_dir = user;
    g_autofree char *path = domain_file(domains_dir, name, "xml");
    g_autoptr(vd_error) err = NULL;
    if (op == VD_JOURNAL_PUT ? !vd_file_write_atomic(path, data, false, &err)
                             : g_unlink(path) != 0 && errno != ENOENT)
        g_warning("journal replay: %s", err ? err->message : g_strerror(errno));
}

/* Makes the files changed since the last checkpoint durable: their data, then the
 * directory entries (renames and unlinks). */
static bool journal_settle(GHashTable *names, void *user, vd_error **err)
{
    const char *domains_dir = user;
    GHashTableIter it;
    gpointer name;
    g_hash_table_iter_init(&it, names);
    while (g_hash_table_iter_next(&it, &name, NULL)) {
        g_autofree char *path = domain_file(domains_dir, name, "xml");
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
            continue;
        if (fd < 0 || fsync(fd) != 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            vd_fail_errno(err, e, "cannot sync %s", path);
            return false;
        }
        close(fd);
    }
    if (g_hash_table_size(names) && !vd_fsync_dir(domains_dir)) {
        vd_fail_errno(err, errno, "cannot sync directory %s", domains_dir);
        return false;
    }
    return true;
}

/* One journal per definitions directory, beside it (ROOT/etc/vireo/domains.journal); opened
 * (and replayed) on first use. NULL when it cannot be made: definitions are then written
 * durably one file at a time, as the journal would at a checkpoint. */
static vd_journal *journal_for(const vd_config *cfg)
{
    static GMutex lock;
    static GHashTable *open_journals;
    g_mutex_lock(&lock);
    if (!open_journals)
        open_journals = g_hash_table_new(g_str_hash, g_str_equal);
    vd_journal *j = g_hash_table_lookup(open_journals, cfg->domains_dir);
    if (!j) {
        char *key = g_strdup(cfg->domains_dir);
        g_autofree char *path = g_strconcat(cfg->domains_dir, ".journal", NULL);
        g_autoptr(vd_error) err = NULL;
        j = vd_journal_open(path, JOURNAL_CAPACITY, journal_apply, journal_settle, key, &err);
        if (j)
            g_hash_table_insert(open_journals, key, j);
        else {
            g_warning("no journal of definitions: %s", err->message);
            g_free(key);
        }
    }
    g_mutex_unlock(&lock);
    return j;
}

bool vd_store_save_def(const vd_config *cfg, const vd_domain_def *def, vd_error **err)
{
    g_autofree char *path = def_path(cfg, def->name);
    g_autofree char *xml = vd_domain_def_format(def, -1);
    vd_journal *j = journal_for(cfg);
    if (!j)
        return vd_file_write_atomic(path, xml, true, err);
    /* The temporary first: a full disk fails here, before anything is logged. */
    g_autofree char *tmp = write_temp(path, xml, false, err);
    if (!tmp)
        return false;
    switch (vd_journal_append(j, VD_JOURNAL_PUT, def->name, xml, err)) {
    case VD_JOURNAL_DURABLE: {
        bool ok = replace_with(tmp, path, err);
        vd_journal_applied(j);
        return ok;
    }
    case VD_JOURNAL_TOO_BIG:
        /* Older records of this name reach the files first, then this one directly. */
        g_unlink(tmp);
        return vd_journal_checkpoint(j, err) && vd_file_write_atomic(path, xml, true, err);
    default:
        g_unlink(tmp);
        return false;
    }
}

static bool unlink_durably(const char *path, const char *dir, vd_error **err)
{
    if (g_unlink(path) == 0) {
        vd_fsync_dir(dir);
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
    if (!vd_store_set_autostart(cfg, name, false, err))
        return false;
    vd_journal *j = journal_for(cfg);
    if (!j)
        return unlink_durably(path, cfg->domains_dir, err);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return true; /* nothing to remove: nothing to log */
    if (vd_journal_append(j, VD_JOURNAL_DELETE, name, NULL, err) != VD_JOURNAL_DURABLE)
        return false; /* a name alone always fits */
    bool ok = g_unlink(path) == 0 || errno == ENOENT;
    if (!ok)
        vd_fail_errno(err, errno, "cannot remove %s", path);
    vd_journal_applied(j);
    return ok;
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
    /* Replays what the journal holds into the files, then reads them. */
    vd_journal *j = journal_for(cfg);
    g_autoptr(vd_error) err = NULL;
    if (j && !vd_journal_checkpoint(j, &err))
        g_warning("%s", err->message);
    GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_def_free);
    scan_dir(cfg->domains_dir, load_def, defs);
    return defs;
}

static char *autostart_path(const vd_config *cfg, const char *name)
{
    return domain_file(cfg->autostart_dir, name, "xml");
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
    vd_fsync_dir(cfg->autostart_dir);
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
    return domain_file(cfg->state_dir, name, "xml");
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

static char *limits_path(const vd_config *cfg, const char *name)
{
    return domain_file(cfg->state_dir, name, "limits");
}

void vd_store_delete_status(const vd_config *cfg, const char *name)
{
    g_autofree char *path = status_path(cfg, name);
    g_unlink(path);
    vd_store_set_migrating(cfg, name, VD_MIGRATING_NONE, NULL); /* no run, no migration */
    g_autofree char *limits = limits_path(cfg, name);
    g_unlink(limits);
}

bool vd_store_set_limits(const vd_config *cfg, const char *name, uint64_t downtime_ms,
                         uint64_t speed_mib, vd_error **err)
{
    g_autofree char *path = limits_path(cfg, name);
    g_autofree char *text =
        g_strdup_printf("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n", downtime_ms, speed_mib);
    return vd_file_write_atomic(path, text, false, err);
}

void vd_store_get_limits(const vd_config *cfg, const char *name, uint64_t *downtime_ms,
                         uint64_t *speed_mib)
{
    g_autofree char *path = limits_path(cfg, name);
    g_autofree char *text = NULL;
    guint64 a, b;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    if (sscanf(text, "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, &a, &b) != 2) {
        g_warning("%s: not two numbers, ignored", path);
        return;
    }
    *downtime_ms = a;
    *speed_mib = b;
}

static const char *const migrating_words[] = {
    [VD_MIGRATING_COPYING] = "copying",
    [VD_MIGRATING_STOPPED] = "stopped",
    [VD_MIGRATING_HANDED_OVER] = "handed-over",
};

static char *migrating_path(const vd_config *cfg, const char *name)
{
    return domain_file(cfg->state_dir, name, "migrating");
}

bool vd_store_set_migrating(const vd_config *cfg, const char *name, vd_migrating_phase phase,
                            vd_error **err)
{
    g_autofree char *path = migrating_path(cfg, name);
    if (phase == VD_MIGRATING_NONE) {
        g_unlink(path);
        return true;
    }
    return vd_file_write_atomic(path, migrating_words[phase], false, err);
}

vd_migrating_phase vd_store_get_migrating(const vd_config *cfg, const char *name)
{
    g_autofree char *path = migrating_path(cfg, name);
    g_autofree char *word = NULL;
    if (!g_file_get_contents(path, &word, NULL, NULL))
        return VD_MIGRATING_NONE;
    for (unsigned i = VD_MIGRATING_COPYING; i < G_N_ELEMENTS(migrating_words); i++)
        if (strcmp(word, migrating_words[i]) == 0)
            return (vd_migrating_phase)i;
    g_warning("%s: unknown migration phase '%s'", path, word);
    return VD_MIGRATING_NONE;
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
