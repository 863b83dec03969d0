/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The store: a definition written over an old one is the old or the new file even when
 * the writer dies between write and rename; temporaries a crash left are cleaned up;
 * autostart links follow their definitions; status files round-trip the domain id.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vd-domain-xml.h"
#include "vd-store.h"

static char *make_root(void)
{
    g_autoptr(GError) err = NULL;
    char *root = g_dir_make_tmp("vd-store-XXXXXX", &err);
    g_assert_no_error(err);
    return root;
}

static vd_domain_def *def_named(const char *name, unsigned vcpus)
{
    g_autofree char *xml =
        g_strdup_printf("<domain type='vireo'><name>%s</name><memory>65536</memory><vcpu>%u</vcpu>"
                        "<os><type>hvm</type><kernel>/k</kernel></os></domain>",
                        name, vcpus);
    g_autoptr(vd_error) err = NULL;
    vd_domain_def *def = vd_domain_def_parse(xml, NULL, &err);
    g_assert_nonnull(def);
    return def;
}

static void remove_tree(const char *root)
{
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", root);
    g_assert_cmpint(system(cmd), ==, 0);
}

static vd_config *config_under(const char *root)
{
    vd_config *cfg = vd_config_new(root);
    g_autoptr(GError) err = NULL;
    g_assert_true(vd_config_make_dirs(cfg, &err));
    return cfg;
}

static void die_before_rename(const char *tmp)
{
    (void)tmp;
    raise(SIGKILL);
}

/* A writer killed between fsync and rename leaves the old definition and a temporary;
 * loading gives the old definition and removes the temporary. */
static void writer_killed_before_rename_leaves_old_file(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = config_under(root);
    g_autoptr(vd_domain_def) v1 = def_named("alpha", 1);
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_store_save_def(cfg, v1, &err));

    pid_t pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        vd_store_before_rename_hook = die_before_rename;
        g_autoptr(vd_domain_def) v2 = def_named("alpha", 2);
        vd_store_save_def(cfg, v2, NULL);
        _exit(0); /* not reached */
    }
    int status;
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    g_autoptr(GDir) dir = g_dir_open(cfg->domains_dir, 0, NULL);
    unsigned temporaries = 0;
    for (const char *n; (n = g_dir_read_name(dir));)
        temporaries += n[0] == '.';
    g_assert_cmpuint(temporaries, ==, 1);

    g_autoptr(GPtrArray) defs = vd_store_load_defs(cfg);
    g_assert_cmpuint(defs->len, ==, 1);
    g_assert_cmpuint(((vd_domain_def *)defs->pdata[0])->vcpus, ==, 1);
    g_autoptr(GDir) after = g_dir_open(cfg->domains_dir, 0, NULL);
    for (const char *n; (n = g_dir_read_name(after));)
        g_assert_cmpint(n[0], !=, '.');
    remove_tree(root);
}

/* A writer that completes replaces the file whole; many rewrites never show a torn one. */
static void completed_writes_replace_whole_file(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = config_under(root);
    for (unsigned n = 1; n <= 20; n++) {
        g_autoptr(vd_domain_def) def = def_named("beta", n);
        g_autoptr(vd_error) err = NULL;
        g_assert_true(vd_store_save_def(cfg, def, &err));
        g_autoptr(GPtrArray) defs = vd_store_load_defs(cfg);
        g_assert_cmpuint(defs->len, ==, 1);
        g_assert_cmpuint(((vd_domain_def *)defs->pdata[0])->vcpus, ==, n);
    }
    remove_tree(root);
}

static void unreadable_or_misnamed_files_are_skipped(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = config_under(root);
    g_autofree char *torn = g_build_filename(cfg->domains_dir, "torn.xml", NULL);
    g_assert_true(g_file_set_contents(torn, "<domain type='vireo'><name>to", -1, NULL));
    g_test_expect_message("virtvireod", G_LOG_LEVEL_WARNING, "skipping *torn.xml: XML error*");
    g_autoptr(GPtrArray) defs = vd_store_load_defs(cfg);
    g_test_assert_expected_messages();
    g_assert_cmpuint(defs->len, ==, 0);
    g_unlink(torn);

    g_autofree char *misnamed = g_build_filename(cfg->domains_dir, "other.xml", NULL);
    g_autoptr(vd_domain_def) def = def_named("gamma", 1);
    g_autofree char *xml = vd_domain_def_format(def, -1);
    g_assert_true(g_file_set_contents(misnamed, xml, -1, NULL));
    g_test_expect_message("virtvireod", G_LOG_LEVEL_WARNING,
                          "skipping *other.xml: it defines domain 'gamma'");
    g_autoptr(GPtrArray) defs2 = vd_store_load_defs(cfg);
    g_test_assert_expected_messages();
    g_assert_cmpuint(defs2->len, ==, 0);
    remove_tree(root);
}

static void autostart_link_follows_definition(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = config_under(root);
    g_autoptr(vd_domain_def) def = def_named("delta", 1);
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_store_save_def(cfg, def, &err));
    g_assert_false(vd_store_get_autostart(cfg, "delta"));
    g_assert_true(vd_store_set_autostart(cfg, "delta", true, &err));
    g_assert_true(vd_store_set_autostart(cfg, "delta", true, &err)); /* idempotent */
    g_assert_true(vd_store_get_autostart(cfg, "delta"));
    g_autofree char *link = g_build_filename(cfg->autostart_dir, "delta.xml", NULL);
    g_assert_true(g_file_test(link, G_FILE_TEST_IS_REGULAR)); /* resolves to the definition */
    g_assert_true(vd_store_delete_def(cfg, "delta", &err));
    g_assert_false(vd_store_get_autostart(cfg, "delta"));
    remove_tree(root);
}

static void status_file_keeps_domain_id(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = config_under(root);
    g_autoptr(vd_domain_def) def = def_named("eps", 2);
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_store_save_status(cfg, def, 42, &err));
    g_autoptr(GPtrArray) all = vd_store_load_status(cfg);
    g_assert_cmpuint(all->len, ==, 1);
    vd_store_status *st = all->pdata[0];
    g_assert_cmpint(st->domid, ==, 42);
    g_assert_cmpstr(st->live->name, ==, "eps");
    g_assert_true(memcmp(st->live->uuid, def->uuid, 16) == 0);
    vd_store_delete_status(cfg, "eps");
    g_autoptr(GPtrArray) none = vd_store_load_status(cfg);
    g_assert_cmpuint(none->len, ==, 0);
    remove_tree(root);
}

static void config_file_overrides_defaults(void)
{
    g_autofree char *root = make_root();
    g_autoptr(vd_config) cfg = vd_config_new(root);
    g_autofree char *path = g_build_filename(root, "test.conf", NULL);
    g_assert_true(g_file_set_contents(
        path,
        "[daemon]\ntimeout=30\nemulator=/opt/dm\n[unix]\nrw_perms=0770\nro_socket=false\n"
        "auth_rw=none\n[tcp]\nlisten=true\nport=16600\n[keepalive]\ninterval=0\n",
        -1, NULL));
    g_autoptr(GError) err = NULL;
    g_assert_true(vd_config_load(cfg, path, true, &err));
    g_assert_cmpuint(cfg->timeout, ==, 30);
    g_assert_cmpstr(cfg->emulator, ==, "/opt/dm");
    g_assert_cmpuint(cfg->sock_rw_perms, ==, 0770);
    g_assert_null(cfg->sock_ro);
    g_assert_false(cfg->auth_polkit);
    g_assert_true(cfg->listen_tcp);
    g_assert_cmpuint(cfg->tcp_port, ==, 16600);
    g_assert_cmpint(cfg->keepalive_interval, ==, -1);
    g_assert_true(g_str_has_prefix(cfg->sock_rw, root));

    g_assert_true(g_file_set_contents(path, "[tcp]\nport=http\n", -1, NULL));
    g_assert_false(vd_config_load(cfg, path, true, &err));
    g_assert_nonnull(strstr(err->message, "port"));
    g_clear_error(&err);
    g_autofree char *missing = g_build_filename(root, "missing.conf", NULL);
    g_assert_true(vd_config_load(cfg, missing, false, &err));
    g_assert_false(vd_config_load(cfg, missing, true, &err));
    remove_tree(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/store/writer-killed-before-rename-leaves-old-file",
                    writer_killed_before_rename_leaves_old_file);
    g_test_add_func("/store/completed-writes-replace-whole-file",
                    completed_writes_replace_whole_file);
    g_test_add_func("/store/unreadable-or-misnamed-files-are-skipped",
                    unreadable_or_misnamed_files_are_skipped);
    g_test_add_func("/store/autostart-link-follows-definition", autostart_link_follows_definition);
    g_test_add_func("/store/status-file-keeps-domain-id", status_file_keeps_domain_id);
    g_test_add_func("/store/config-file-overrides-defaults", config_file_overrides_defaults);
    return g_test_run();
}
