/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Logical (LVM) pools without device-mapper: their XML as virsh pool-define-as writes it,
 * LVM's JSON reports read, and the exact lvm command lines each operation runs, through a
 * fake `lvm` named by VIREO_LVM that logs its arguments and answers reports from files.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "vd-lvm.h"

/* What `lvm vgs/lvs/pvs --reportformat json --units b --nosuffix` print (lvm2 2.03.16). */
static const char vgs_json[] =
    "  {\n      \"report\": [\n          {\n              \"vg\": [\n"
    "                  {\"vg_name\":\"vvg\", \"vg_size\":\"62914560\", \"vg_free\":\"46137344\", "
    "\"vg_extent_size\":\"4194304\"}\n              ]\n          }\n      ]\n  }\n";
static const char lvs_json[] =
    "{\"report\": [{\"lv\": [{\"lv_name\":\"disk\", \"lv_size\":\"8388608\"}, "
    "{\"lv_name\":\"swap\", \"lv_size\":\"4194304\"}]}]}";

static char *tmpdir;

static void logical_pool_xml_as_virsh_writes_it(void)
{
    /* virsh pool-define-as vg logical --source-dev /dev/loop0 --source-name vvg --target ... */
    const char *xml = "<pool type='logical'><name>vg</name><source><device path='/dev/loop0'/>"
                      "<device path='/dev/loop1'/><name>vvg</name></source>"
                      "<target><path>/dev/vvg</path></target></pool>";
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, &err);
    g_assert_nonnull(def);
    g_assert_cmpint(def->type, ==, VD_POOL_LOGICAL);
    g_assert_cmpstr(def->vg, ==, "vvg");
    g_assert_cmpstr(def->target, ==, "/dev/vvg");
    g_assert_cmpuint(g_strv_length(def->devices), ==, 2);
    g_assert_cmpstr(def->devices[1], ==, "/dev/loop1");
    g_autofree char *out = vd_pool_def_format(def, NULL);
    g_assert_nonnull(strstr(out, "<pool type=\"logical\">"));
    g_assert_nonnull(strstr(out, "<device path=\"/dev/loop0\"/>"));
    g_assert_nonnull(strstr(out, "<name>vvg</name>"));
    g_assert_nonnull(strstr(out, "<format type=\"lvm2\"/>"));
    g_autoptr(vd_pool_def) again = vd_pool_def_parse(out, &err);
    g_autofree char *out2 = vd_pool_def_format(again, NULL);
    g_assert_cmpstr(out, ==, out2);
}

static void logical_pool_defaults_to_its_name(void)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_def) def =
        vd_pool_def_parse("<pool type='logical'><name>data</name></pool>", &err);
    g_assert_nonnull(def);
    g_assert_cmpstr(def->vg, ==, "data");
    g_assert_cmpstr(def->target, ==, "/dev/data");
    g_assert_nonnull(def->devices);
    g_assert_null(def->devices[0]);
}

static void expect_refused(const char *xml, int code, const char *needle)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, &err);
    g_assert_null(def);
    g_assert_cmpint(err->code, ==, code);
    if (!strstr(err->message, needle))
        g_error("'%s' not in '%s'", needle, err->message);
}

static void logical_pool_refusals_name_the_problem(void)
{
    expect_refused("<pool type='logical'><name>v</name><source><format type='zfs'/></source>"
                   "</pool>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "'zfs'");
    expect_refused("<pool type='logical'><name>v</name><source><name>-ff</name></source></pool>",
                   VIR_ERR_XML_ERROR, "'-ff' is not a name LVM takes");
    expect_refused("<pool type='logical'><name>v</name><source><device path='loop0'/></source>"
                   "</pool>",
                   VIR_ERR_XML_ERROR, "source device path");
}

static void lvm_reports_are_read(void)
{
    g_autoptr(vd_error) err = NULL;
    vd_lvm_vg vg;
    g_assert_true(vd_lvm_parse_vg(vgs_json, &vg, &err));
    g_assert_cmpuint(vg.size, ==, 62914560);
    g_assert_cmpuint(vg.free, ==, 46137344);
    g_assert_cmpuint(vg.extent, ==, 4194304);
    /* json_std writes numbers as numbers. */
    g_assert_true(vd_lvm_parse_vg("{\"report\":[{\"vg\":[{\"vg_size\":8,\"vg_free\":4,"
                                  "\"vg_extent_size\":4}]}]}",
                                  &vg, &err));
    g_assert_cmpuint(vg.size, ==, 8);
    g_autoptr(GPtrArray) lvs = vd_lvm_parse_lvs(lvs_json, &err);
    g_assert_cmpuint(lvs->len, ==, 2);
    vd_lvm_lv *swap = g_ptr_array_index(lvs, 1);
    g_assert_cmpstr(swap->name, ==, "swap");
    g_assert_cmpuint(swap->size, ==, 4194304);
    g_autoptr(GPtrArray) pvs = vd_lvm_parse_pvs(
        "{\"report\":[{\"pv\":[{\"pv_name\":\"/dev/loop0\",\"vg_name\":\"\"}]}]}", &err);
    g_assert_cmpstr(((vd_lvm_pv *)g_ptr_array_index(pvs, 0))->device, ==, "/dev/loop0");
    g_assert_null(err);

    static const char *const bad[] = {
        "",
        "[]",
        "{\"report\":[]}",
        "{\"report\":[{\"lv\":[]}]}",
        "{\"report\":[{\"vg\":[{\"vg_size\":\"-1\",\"vg_free\":\"0\",\"vg_extent_size\":\"1\"}]}]}",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(vd_error) e = NULL;
        g_assert_false(vd_lvm_parse_vg(bad[i], &vg, &e));
        g_assert_cmpint(e->code, ==, VIR_ERR_INTERNAL_ERROR);
    }
    g_autoptr(vd_error) e = NULL;
    g_assert_null(vd_lvm_parse_lvs("{\"report\":[{\"lv\":[{\"lv_size\":\"1\"}]}]}", &e));
}

static void lvm_runs_without_udev(void)
{
    g_setenv("VIREO_LVM", "/sbin/lvm-under-test", true);
    const char *args[] = {"-ay", "vvg", NULL};
    g_autoptr(GPtrArray) argv = vd_lvm_argv("vgchange", args);
    g_assert_cmpuint(argv->len, ==, 7); /* with the NULL */
    g_assert_cmpstr(g_ptr_array_index(argv, 0), ==, "/sbin/lvm-under-test");
    g_assert_cmpstr(g_ptr_array_index(argv, 1), ==, "vgchange");
    g_assert_cmpstr(g_ptr_array_index(argv, 2), ==, "--config");
    const char *config = g_ptr_array_index(argv, 3);
    g_assert_nonnull(strstr(config, "obtain_device_list_from_udev = 0"));
    g_assert_nonnull(strstr(config, "use_devicesfile = 0"));
    g_assert_nonnull(strstr(config, "udev_sync = 0"));
    g_assert_nonnull(strstr(config, "udev_rules = 0"));
    g_assert_cmpstr(g_ptr_array_index(argv, 5), ==, "vvg");
    g_assert_null(g_ptr_array_index(argv, 6));
}

/* ---- through the fake lvm ---------------------------------------------------------------- */

static const char fake_lvm[] =
    "#!/bin/sh\n"
    "dir=$(dirname \"$0\")\n"
    "cmd=$1; shift 3\n" /* the command, --config and its text */
    "(IFS='|'; echo \"$cmd|$*\") >> \"$dir/log\"\n"
    "case \"$cmd $*\" in\n"
    "  *--name*bad*) echo '  Volume group \"vvg\" has insufficient free space.' >&2;"
    " echo '  Run `lvcreate --help'\"'\"' for more information.' >&2; exit 5;;\n"
    "  vgs*) cat \"$dir/vgs.json\";;\n"
    "  lvs*) cat \"$dir/lvs.json\";;\n"
    "  pvs*) cat \"$dir/pvs.json\";;\n"
    "esac\n";

static char *in_tmp(const char *name)
{
    return g_build_filename(tmpdir, name, NULL);
}

static void put(const char *name, const char *text)
{
    g_autofree char *path = in_tmp(name);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* The commands the fake ran since the last call, one "cmd|arg|arg" per line. */
static char *take_log(void)
{
    g_autofree char *path = in_tmp("log");
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return g_strdup("");
    g_unlink(path);
    return text;
}

static vd_pool_def *fake_pool(void)
{
    g_autofree char *dev = in_tmp("pv0");
    g_autofree char *xml = g_strdup_printf("<pool type='logical'><name>vg</name><source>"
                                           "<device path='%s'/><name>vvg</name></source></pool>",
                                           dev);
    put("pv0", "");
    put("vgs.json", vgs_json);
    put("lvs.json", lvs_json);
    put("pvs.json", "{\"report\":[{\"pv\":[]}]}");
    g_autofree char *lvm = in_tmp("lvm");
    put("lvm", fake_lvm);
    g_chmod(lvm, 0755);
    g_setenv("VIREO_LVM", lvm, true);
    take_log();
    return vd_pool_def_parse(xml, NULL);
}

static void pool_operations_run_these_lvm_commands(void)
{
    g_autoptr(vd_pool_def) def = fake_pool();
    g_autoptr(vd_error) err = NULL;
    g_autofree char *dev = in_tmp("pv0");
    g_assert_true(vd_logical_build(def, 0, &err));
    g_autofree char *build = take_log();
    g_autofree char *want_build =
        g_strdup_printf("pvs|--reportformat|json|--units|b|--nosuffix|-o|pv_name,vg_name\n"
                        "pvcreate|%s\nvgcreate|vvg|%s\n",
                        dev, dev);
    g_assert_cmpstr(build, ==, want_build);
    g_assert_true(vd_logical_build(def, VIR_STORAGE_POOL_BUILD_OVERWRITE, &err));
    g_autofree char *forced = take_log();
    g_assert_nonnull(strstr(forced, "pvcreate|-ff|-y|"));
    g_assert_null(strstr(forced, "pvs|")); /* overwrite looks at nothing */

    g_assert_true(vd_logical_start(def, &err));
    g_assert_true(vd_logical_stop(def, &err));
    g_assert_true(vd_logical_delete(def, &err));
    g_autofree char *life = take_log();
    g_autofree char *want_life = g_strdup_printf(
        "vgchange|-ay|vvg\nvgchange|-an|vvg\nvgremove|-f|vvg\npvremove|-y|%s\n", dev);
    g_assert_cmpstr(life, ==, want_life);

    vd_pool_info info;
    g_assert_true(vd_logical_sizes(def, &info, &err));
    g_assert_cmpuint(info.capacity, ==, 62914560);
    g_assert_cmpuint(info.allocation, ==, 62914560 - 46137344);
    g_assert_cmpuint(info.available, ==, 46137344);
    g_autoptr(GPtrArray) names = vd_logical_volume_names(def, &err);
    g_assert_cmpuint(names->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "disk");
    g_autofree char *reports = take_log();
    g_assert_cmpstr(reports, ==,
                    "vgs|--reportformat|json|--units|b|--nosuffix|-o|"
                    "vg_name,vg_size,vg_free,vg_extent_size|vvg\n"
                    "lvs|--reportformat|json|--units|b|--nosuffix|-o|lv_name,lv_size|vvg\n");
}

static void build_refuses_a_device_that_holds_a_pv(void)
{
    g_autoptr(vd_pool_def) def = fake_pool();
    g_autofree char *dev = in_tmp("pv0");
    g_autofree char *pvs = g_strdup_printf(
        "{\"report\":[{\"pv\":[{\"pv_name\":\"%s\",\"vg_name\":\"other\"}]}]}", dev);
    put("pvs.json", pvs);
    g_autoptr(vd_error) err = NULL;
    g_assert_false(vd_logical_build(def, VIR_STORAGE_POOL_BUILD_NO_OVERWRITE, &err));
    g_assert_cmpint(err->code, ==, VIR_ERR_STORAGE_POOL_BUILT);
    g_assert_nonnull(strstr(err->message, "volume group other"));
    g_autofree char *log = take_log();
    g_assert_null(strstr(log, "pvcreate")); /* nothing was touched */
}

static void volume_operations_run_these_lvm_commands(void)
{
    g_autoptr(vd_pool_def) def = fake_pool();
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_logical_vol_create(def, "disk", 5000000, &err));
    g_assert_true(vd_logical_vol_resize(def, "disk", 12582912, &err));
    uint64_t size = 0;
    g_assert_true(vd_logical_vol_size(def, "disk", &size, &err));
    g_assert_cmpuint(size, ==, 8388608);
    g_assert_true(vd_logical_vol_remove(def, "disk", &err));
    g_autofree char *log = take_log();
    g_assert_cmpstr(log, ==,
                    "lvcreate|-y|--name|disk|--size|5000000b|vvg\n"
                    "lvresize|-f|--size|12582912b|vvg/disk\n"
                    "lvs|--reportformat|json|--units|b|--nosuffix|-o|lv_name,lv_size|vvg/disk\n"
                    "lvremove|-f|vvg/disk\n");
    g_assert_null(err);
}

static void lvm_failures_carry_its_words_and_the_names(void)
{
    g_autoptr(vd_pool_def) def = fake_pool();
    g_autoptr(vd_error) err = NULL;
    g_assert_false(vd_logical_vol_create(def, "bad", 1 << 20, &err));
    g_assert_cmpint(err->code, ==, VIR_ERR_INTERNAL_ERROR);
    g_assert_cmpint(err->domain, ==, VIR_FROM_STORAGE);
    const char *want = "internal error: lvm lvcreate for volume 'bad' of pool 'vg' failed: "
                       "Volume group \"vvg\" has insufficient free space.; Run `lvcreate --help' "
                       "for more information.";
    g_assert_cmpstr(err->message, ==, want);
    g_autoptr(vd_error) name_err = NULL;
    g_assert_false(vd_logical_vol_create(def, "--help", 1 << 20, &name_err));
    g_assert_cmpint(name_err->code, ==, VIR_ERR_XML_ERROR);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("vireo-lvm-XXXXXX", NULL);
    g_test_add_func("/storage-logical/pool-xml-as-virsh-writes-it",
                    logical_pool_xml_as_virsh_writes_it);
    g_test_add_func("/storage-logical/pool-defaults-to-its-name",
                    logical_pool_defaults_to_its_name);
    g_test_add_func("/storage-logical/pool-refusals-name-the-problem",
                    logical_pool_refusals_name_the_problem);
    g_test_add_func("/storage-logical/lvm-reports-are-read", lvm_reports_are_read);
    g_test_add_func("/storage-logical/lvm-runs-without-udev", lvm_runs_without_udev);
    g_test_add_func("/storage-logical/pool-operations-run-these-lvm-commands",
                    pool_operations_run_these_lvm_commands);
    g_test_add_func("/storage-logical/build-refuses-a-device-that-holds-a-pv",
                    build_refuses_a_device_that_holds_a_pv);
    g_test_add_func("/storage-logical/volume-operations-run-these-lvm-commands",
                    volume_operations_run_these_lvm_commands);
    g_test_add_func("/storage-logical/lvm-failures-carry-its-words-and-the-names",
                    lvm_failures_carry_its_words_and_the_names);
    int rc = g_test_run();
    g_autoptr(GDir) dir = g_dir_open(tmpdir, 0, NULL);
    for (const char *name; dir && (name = g_dir_read_name(dir));) {
        g_autofree char *path = in_tmp(name);
        g_unlink(path);
    }
    g_rmdir(tmpdir);
    return rc;
}
