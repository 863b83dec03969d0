/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The journal of definitions: a journal cut at any byte (a crash mid-append) replays every
 * whole record before the cut and nothing of the one it cuts; a daemon killed after an
 * acknowledged define or undefine finds it again at the next start; records of an emptied
 * journal never come back.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vd-domain-xml.h"
#include "vd-journal.h"
#include "vd-store.h"

typedef struct change {
    vd_journal_op op;
    const char *name;
    const char *data;
} change;

static const change changes[] = {
    {VD_JOURNAL_PUT, "alpha", "<domain><name>alpha</name></domain>"},
    {VD_JOURNAL_PUT, "beta", "<domain><name>beta</name><description>b</description></domain>"},
    {VD_JOURNAL_DELETE, "alpha", NULL},
    {VD_JOURNAL_PUT, "gamma", "<domain><name>gamma</name></domain>"},
    {VD_JOURNAL_DELETE, "beta", NULL},
};
#define N_CHANGES G_N_ELEMENTS(changes)

static char *make_root(void)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("vd-journal-XXXXXX", &err);
    g_assert_no_error(err);
    return root;
}

static void remove_tree(const char *root)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
    g_assert_cmpint(system(cmd), ==, 0);
}

/* Replay collects "op name data;" per record. */
static void collect(vd_journal_op op, const char *name, const char *data, void *user)
{
    g_string_append_printf(user, "%d %s %s;", op, name, data ? data : "");
}

static void apply_nothing(vd_journal_op op, const char *name, const char *data, void *user)
{
    (void)op, (void)name, (void)data, (void)user;
}

static bool settle_nothing(GHashTable *names, void *user, vd_error **err)
{
    (void)names, (void)user, (void)err;
    return true;
}

/* What replaying the first `n` changes must give. */
static char *expected_replay(unsigned n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    for (unsigned i = 0; i < n; i++)
        g_string_append_printf(s, "%d %s %s;", changes[i].op, changes[i].name,
                               changes[i].data && *changes[i].data ? changes[i].data : "");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Writes every change to a journal at `path` (durable, never checkpointed, files untouched:
 * a daemon killed right after acknowledging them) and returns where each record ends. */
static void write_changes(const char *path, gsize ends[N_CHANGES])
{
    g_autoptr(vd_error) err = NULL;
    vd_journal *j = vd_journal_open(path, 64 * 1024, apply_nothing, settle_nothing, NULL, &err);
    g_assert_nonnull(j);
    gsize off = VD_JOURNAL_DATA_OFFSET;
    for (unsigned i = 0; i < N_CHANGES; i++) {
        g_assert_cmpint(vd_journal_append(j, changes[i].op, changes[i].name, changes[i].data,
                                          &err),
                        ==, VD_JOURNAL_DURABLE);
        vd_journal_applied(j);
        off += VD_JOURNAL_RECORD_OVERHEAD + strlen(changes[i].name) +
               (changes[i].data ? strlen(changes[i].data) : 0);
        ends[i] = off;
    }
    vd_journal_close(j);
}

/* The bytes of such a journal. */
static guint8 *journal_of_changes(gsize ends[N_CHANGES], gsize *len)
{
    g_autofree char *root = make_root();
    g_autofree char *path = g_build_filename(root, "j", NULL);
    write_changes(path, ends);
    guint8 *bytes = NULL;
    g_assert_true(g_file_get_contents(path, (char **)&bytes, len, NULL));
    remove_tree(root);
    return bytes;
}

static unsigned whole_records_before(const gsize ends[N_CHANGES], gsize cut)
{
    unsigned n = 0;
    while (n < N_CHANGES && ends[n] <= cut)
        n++;
    return n;
}

/* Every byte offset: the file cut there (shorter), and the file with zeros from there on
 * (what a preallocated journal holds when an append's write was cut short). */
static void journal_cut_at_any_byte_replays_whole_records_only(void)
{
    gsize ends[N_CHANGES], len;
    g_autofree guint8 *bytes = journal_of_changes(ends, &len);
    g_autofree guint8 *zeroed = g_malloc(len);
    for (gsize cut = 0; cut <= ends[N_CHANGES - 1] + 1; cut++) {
        unsigned want = cut < VD_JOURNAL_DATA_OFFSET ? 0 : whole_records_before(ends, cut);
        g_autofree char *expected = expected_replay(want);
        g_autoptr(GString) shorter = g_string_new(NULL);
        g_assert_cmpuint(vd_journal_replay_bytes(bytes, cut, collect, shorter), ==, want);
        g_assert_cmpstr(shorter->str, ==, expected);
        memcpy(zeroed, bytes, cut);
        memset(zeroed + cut, 0, len - cut);
        g_autoptr(GString) padded = g_string_new(NULL);
        g_assert_cmpuint(vd_journal_replay_bytes(zeroed, len, collect, padded), ==, want);
        g_assert_cmpstr(padded->str, ==, expected);
    }
}

/* A flipped byte anywhere in a record ends the replay before that record. */
static void journal_with_a_damaged_record_stops_before_it(void)
{
    gsize ends[N_CHANGES], len;
    g_autofree guint8 *bytes = journal_of_changes(ends, &len);
    for (gsize at = VD_JOURNAL_DATA_OFFSET; at < ends[N_CHANGES - 1]; at++) {
        bytes[at] ^= 0x40;
        g_assert_cmpuint(vd_journal_replay_bytes(bytes, len, apply_nothing, NULL), ==,
                         whole_records_before(ends, at));
        bytes[at] ^= 0x40;
    }
}

static int by_name(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool settle_into(GHashTable *names, void *user, vd_error **err)
{
    (void)err;
    GHashTableIter it;
    gpointer name;
    g_hash_table_iter_init(&it, names);
    while (g_hash_table_iter_next(&it, &name, NULL))
        g_hash_table_add(user, g_strdup(name));
    return true;
}

static void collect_name(vd_journal_op op, const char *name, const char *data, void *user)
{
    (void)op, (void)data;
    g_ptr_array_add(user, g_strdup(name));
}

/* A full journal settles what it holds and starts again: every change ends up either
 * settled in the files or still in the journal, never in neither, and the journal then
 * holds exactly the newest ones, in order. */
static void full_journal_settles_and_keeps_newer_records(void)
{
    g_autofree char *root = make_root();
    g_autofree char *path = g_build_filename(root, "j", NULL);
    g_autoptr(GHashTable) settled = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(vd_error) err = NULL;
    vd_journal *j = vd_journal_open(path, 64 * 1024, apply_nothing, settle_into, settled, &err);
    g_assert_nonnull(j);
    g_autofree char *data = g_strnfill(1000, 'x');
    const unsigned total = 200;
    for (unsigned i = 0; i < total; i++) {
        g_autofree char *name = g_strdup_printf("n%u", i);
        g_assert_cmpint(vd_journal_append(j, VD_JOURNAL_PUT, name, data, &err), ==,
                        VD_JOURNAL_DURABLE);
        vd_journal_applied(j);
    }
    vd_journal_close(j);
    g_autofree guint8 *bytes = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(path, (char **)&bytes, &len, NULL));
    g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func(g_free);
    unsigned n = vd_journal_replay_bytes(bytes, len, collect_name, kept);
    g_assert_cmpuint(n, >, 0);
    g_assert_cmpuint(n, <, 64);
    g_assert_cmpuint(g_hash_table_size(settled), ==, total - n);
    for (unsigned i = 0; i < total; i++) {
        g_autofree char *name = g_strdup_printf("n%u", i);
        if (i < total - n)
            g_assert_true(g_hash_table_contains(settled, name));
        else
            g_assert_cmpstr(kept->pdata[i - (total - n)], ==, name);
    }
    remove_tree(root);
}

static GPtrArray *names_loaded(vd_config *cfg)
{
    g_autoptr(GPtrArray) defs = vd_store_load_defs(cfg);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (unsigned i = 0; i < defs->len; i++)
        g_ptr_array_add(names, g_strdup(((vd_domain_def *)defs->pdata[i])->name));
    g_ptr_array_sort(names, by_name);
    return names;
}

static char *domain_xml(const char *name)
{
    return g_strdup_printf("<domain type='vireo'><name>%s</name><memory>65536</memory>"
                           "<vcpu>1</vcpu><os><type>hvm</type><kernel>/k</kernel></os></domain>",
                           name);
}

/* The store at start-up: acknowledged changes the files never saw (killed before the
 * rename or unlink) are replayed, and a journal cut inside a record replays the ones
 * before it, whole. */
static void start_up_replays_what_the_files_missed(void)
{
    static const struct {
        gsize records; /* how many records survive the cut */
        int delta;     /* cut this many bytes after the last surviving record ends */
        const char *names;
    } cases[] = {{0, 0, ""}, {1, 0, "a"}, {1, 7, "a"}, {2, 0, "a b"}, {3, 0, "b"}, {3, 1, "b"}};
    for (unsigned c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autofree char *root = make_root();
        g_autoptr(vd_config) cfg = vd_config_new(root);
        g_autoptr(GError) gerr = NULL;
        g_assert_true(vd_config_make_dirs(cfg, &gerr));
        g_autofree char *path = g_strconcat(cfg->domains_dir, ".journal", NULL);
        g_autofree char *xa = domain_xml("a");
        g_autofree char *xb = domain_xml("b");
        g_autoptr(vd_error) err = NULL;
        vd_journal *j = vd_journal_open(path, 64 * 1024, apply_nothing, settle_nothing, NULL, &err);
        g_assert_nonnull(j);
        gsize end = VD_JOURNAL_DATA_OFFSET;
        const change log[] = {{VD_JOURNAL_PUT, "a", xa}, {VD_JOURNAL_PUT, "b", xb},
                              {VD_JOURNAL_DELETE, "a", NULL}};
        for (unsigned i = 0; i < G_N_ELEMENTS(log); i++) {
            g_assert_cmpint(vd_journal_append(j, log[i].op, log[i].name, log[i].data, &err), ==,
                            VD_JOURNAL_DURABLE);
            vd_journal_applied(j);
            if (i < cases[c].records)
                end += VD_JOURNAL_RECORD_OVERHEAD + strlen(log[i].name) +
                       (log[i].data ? strlen(log[i].data) : 0);
        }
        vd_journal_close(j);
        /* Zero from the cut on, as an append cut short leaves a preallocated file. */
        g_autofree char *bytes = NULL;
        gsize len;
        g_assert_true(g_file_get_contents(path, &bytes, &len, NULL));
        memset(bytes + end + cases[c].delta, 0, len - end - cases[c].delta);
        g_assert_true(g_file_set_contents(path, bytes, len, NULL));

        g_autoptr(GPtrArray) names = names_loaded(cfg);
        g_ptr_array_add(names, NULL);
        g_autofree char *joined = g_strjoinv(" ", (char **)names->pdata);
        g_assert_cmpstr(joined, ==, cases[c].names);
        /* Replayed once: the journal is empty now, the files hold it all. */
        g_autofree char *after = NULL;
        g_assert_true(g_file_get_contents(path, &after, &len, NULL));
        g_assert_cmpuint(vd_journal_replay_bytes((guint8 *)after, len, apply_nothing, NULL), ==,
                         0);
        remove_tree(root);
    }
}

/* Through the store: defines and undefines survive a reload, and a journal emptied by a
 * checkpoint does not bring back what was undefined since. */
static void store_changes_survive_reload_and_checkpoints(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = vd_config_new(root);
    g_autoptr(GError) gerr = NULL;
    g_assert_true(vd_config_make_dirs(cfg, &gerr));
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 40; i++) {
            g_autofree char *name = g_strdup_printf("d%u", i);
            g_autofree char *xml = domain_xml(name);
            g_autoptr(vd_error) err = NULL;
            g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, &err);
            g_assert_nonnull(def);
            g_assert_true(vd_store_save_def(cfg, def, &err));
            if (i % 2)
                g_assert_true(vd_store_delete_def(cfg, name, &err));
        }
        g_autoptr(GPtrArray) names = names_loaded(cfg);
        g_assert_cmpuint(names->len, ==, 20);
    }
    remove_tree(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/journal/cut_at_any_byte_replays_whole_records_only",
                    journal_cut_at_any_byte_replays_whole_records_only);
    g_test_add_func("/journal/damaged_record_stops_replay_before_it",
                    journal_with_a_damaged_record_stops_before_it);
    g_test_add_func("/journal/full_journal_settles_and_keeps_newer_records",
                    full_journal_settles_and_keeps_newer_records);
    g_test_add_func("/journal/start_up_replays_what_the_files_missed",
                    start_up_replays_what_the_files_missed);
    g_test_add_func("/journal/store_changes_survive_reload_and_checkpoints",
                    store_changes_survive_reload_and_checkpoints);
    return g_test_run();
}
