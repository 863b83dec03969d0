/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libvireoctl's build markers: a marker counts as "in progress" exactly while the
 * process that wrote it runs (same pid and start time), so a dead builder's domain can be
 * found and destroyed. The reaping itself needs hv and is covered by the node suite.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vctl_build_guard.h"
#include "vireoctl.h"

static char *run_dir;

static char *marker(const char *name)
{
    return g_strdup_printf("%s/building/%s", run_dir, name);
}

static void test_own_marker_is_in_progress_until_removed(void)
{
    g_assert_cmpint(vctl_build_marker_create("dom-a"), ==, 0);
    g_assert_true(vctl_build_in_progress("dom-a"));
    g_assert_cmpint(vctl_build_marker_create("dom-a"), ==, -EEXIST);
    vctl_build_marker_remove("dom-a");
    g_assert_false(vctl_build_in_progress("dom-a"));
    g_assert_false(g_file_test(marker("dom-a"), G_FILE_TEST_EXISTS));
}

static void test_dead_builder_is_not_in_progress(void)
{
    pid_t child = fork();
    if (child == 0) {
        _exit(vctl_build_marker_create("dom-b") == 0 ? 0 : 1);
    }
    int status;
    g_assert_cmpint(waitpid(child, &status, 0), ==, child);
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    g_autofree char *path = marker("dom-b");
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_false(vctl_build_in_progress("dom-b"));
    g_unlink(path);
}

static void test_reused_pid_is_not_the_builder(void)
{
    /* Our own pid with another start time: a different process that got the same pid. */
    g_autofree char *path = marker("dom-c");
    g_autofree char *text = g_strdup_printf("%d 1\n", (int)getpid());
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_assert_false(vctl_build_in_progress("dom-c"));
    g_unlink(path);
}

static void test_garbage_marker_is_not_in_progress(void)
{
    g_autofree char *path = marker("dom-d");
    g_assert_true(g_file_set_contents(path, "nonsense", -1, NULL));
    g_assert_false(vctl_build_in_progress("dom-d"));
    g_unlink(path);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    run_dir = g_dir_make_tmp("vireo-markers-XXXXXX", NULL);
    g_assert_nonnull(run_dir);
    g_setenv("VIREO_RUN_DIR", run_dir, TRUE);
    g_test_add_func("/build-markers/own-marker", test_own_marker_is_in_progress_until_removed);
    g_test_add_func("/build-markers/dead-builder", test_dead_builder_is_not_in_progress);
    g_test_add_func("/build-markers/reused-pid", test_reused_pid_is_not_the_builder);
    g_test_add_func("/build-markers/garbage", test_garbage_marker_is_not_in_progress);
    int ret = g_test_run();
    g_autofree char *dir = g_strdup_printf("%s/building", run_dir);
    g_rmdir(dir);
    g_rmdir(run_dir);
    return ret;
}
