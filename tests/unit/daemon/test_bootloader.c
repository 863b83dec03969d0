/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's side of booting from a disk (vd-bootloader.c): which disk it hands to
 * vireo-bootloader and how, how the tool's answer and its failures become a boot image or
 * a libvirt error, and that the scratch directory goes away. A shell script stands in for
 * the tool here; the real one is tested on real images in tests/unit/dom0 and in a node.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "test-domain-corpus.h"
#include "vd-bootloader.h"
#include "vd-dm.h"
#include "vd-libvirt.h"

#define DOMAIN(cmdline, disks)                                                                     \
    "<domain type='vireo'><name>booted</name><memory unit='MiB'>256</memory>"                      \
    "<os><type>hvm</type>" cmdline "</os><devices>" disks "</devices></domain>"
#define DISK(path, dev, extra)                                                                     \
    "<disk type='file'><driver name='qemu' type='qcow2'/><source file='" path "'/>"                \
    "<target dev='" dev "' bus='virtio'/>" extra "</disk>"

typedef struct fixture {
    char *root;
    vd_config *cfg;
} fixture;

/* A stand-in vireo-bootloader: the shell text gets $1 CONFIG, $2 GROUP, $3 OUTDIR. */
static void fixture_set_up(fixture *f, gconstpointer script)
{
    f->root = g_dir_make_tmp("vd-bootloader-XXXXXX", NULL);
    g_assert_nonnull(f->root);
    f->cfg = vd_config_new(f->root);
    g_autofree char *tool = g_build_filename(f->root, "fake-bootloader", NULL);
    g_autofree char *text = g_strdup_printf("#!/bin/sh\n%s\n", (const char *)script);
    g_assert_true(g_file_set_contents(tool, text, -1, NULL));
    g_assert_cmpint(g_chmod(tool, 0755), ==, 0);
    g_free(f->cfg->bootloader);
    f->cfg->bootloader = g_steal_pointer(&tool);
}

static void fixture_tear_down(fixture *f, gconstpointer script)
{
    (void)script;
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->root);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL));
    vd_config_free(f->cfg);
    g_free(f->root);
}

/* Nothing is left in ROOT/run/vireo/boot once an image is cleared or a boot failed. */
static void assert_boot_dir_empty(fixture *f)
{
    g_autofree char *boot = g_build_filename(f->cfg->state_dir, "boot", NULL);
    g_autoptr(GDir) dir = g_dir_open(boot, 0, NULL);
    const char *left = dir ? g_dir_read_name(dir) : NULL;
    if (left)
        g_test_message("left behind: %s/%s", boot, left);
    g_assert_null(left);
}

/* Copies what the tool was given to OUTDIR (seen by the test before clearing), makes a
 * kernel and an initrd, and answers like the real tool. */
static const char answering_tool[] =
    "cp \"$1\" \"$3/given.conf\" && echo \"$2\" > \"$3/given.group\" &&\n"
    "echo kernel-bytes > \"$3/kernel\" && echo initrd-bytes > \"$3/initrd\" &&\n"
    "printf '[boot]\\nkernel=%s/kernel\\ninitrd=%s/initrd\\ncmdline=root=/dev/vda1 ro "
    "quiet\\npartition=1\\nsource=grub.cfg entry '\"'\"'Debian'\"'\"'\\n' \"$3\" \"$3\"";

static void boots_the_first_disk_and_joins_the_cmdline(fixture *f, gconstpointer script)
{
    (void)script;
    /* vdb comes first in the XML, vda is the first disk; the cdrom never boots. */
    g_autoptr(vd_domain_def) def = parse_ok(
        DOMAIN("<cmdline>console=ttyS0</cmdline>",
               DISK("/images/data.qcow2", "vdb", "")
                   "<disk type='file' device='cdrom'><source file='/images/cd.iso'/>"
                   "<target dev='hda'/></disk>" DISK("/images/root.qcow2", "vdc", "")));
    g_assert_cmpstr(vd_dm_boot_disk(def)->source, ==, "/images/data.qcow2");
    g_ptr_array_remove_index(def->disks, 0);
    g_assert_cmpstr(vd_dm_boot_disk(def)->source, ==, "/images/root.qcow2");

    vd_boot_image img;
    g_autoptr(vd_error) err = NULL;
    gboolean ok = vd_bootloader_run(f->cfg, def, &img, &err);
    if (!ok)
        g_test_message("refused: %s", err->message);
    g_assert_true(ok);
    g_assert_cmpstr(img.cmdline, ==, "root=/dev/vda1 ro quiet console=ttyS0");
    g_assert_cmpstr(img.source, ==, "grub.cfg entry 'Debian'");
    g_autofree char *kernel = NULL, *given = NULL, *group = NULL;
    g_assert_true(g_file_get_contents(img.kernel, &kernel, NULL, NULL));
    g_assert_cmpstr(kernel, ==, "kernel-bytes\n");
    g_assert_nonnull(img.initrd);
    g_autofree char *given_path = g_build_filename(img.dir, "given.conf", NULL);
    g_autofree char *group_path = g_build_filename(img.dir, "given.group", NULL);
    g_assert_true(g_file_get_contents(given_path, &given, NULL, NULL));
    g_assert_true(g_file_get_contents(group_path, &group, NULL, NULL));
    /* The disk's group as vireo-dm's configuration has it. */
    g_autofree char *expected = vd_dm_disk_config_text(vd_dm_boot_disk(def), g_strchomp(group));
    g_assert_cmpstr(given, ==, expected);
    g_assert_nonnull(strstr(given, "path=/images/root.qcow2\n"));
    g_assert_nonnull(strstr(given, "format=qcow2\n"));
    vd_boot_image_clear(&img);
    assert_boot_dir_empty(f);
}

static void assert_boot_refused(fixture *f, const char *xml, const char *needle)
{
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    vd_boot_image img;
    g_autoptr(vd_error) err = NULL;
    g_assert_false(vd_bootloader_run(f->cfg, def, &img, &err));
    g_assert_nonnull(err);
    g_test_message("refused: %d %s", err->code, err->message);
    g_assert_cmpint(err->code, ==, VIR_ERR_OPERATION_FAILED);
    g_assert_nonnull(strstr(err->message, needle));
    assert_boot_dir_empty(f);
}

static void the_tools_reason_is_the_error(fixture *f, gconstpointer script)
{
    (void)script;
    assert_boot_refused(f, DOMAIN("", DISK("/images/empty.qcow2", "vda", "")),
                        "domain 'booted' cannot boot from disk vda (/images/empty.qcow2): vda: "
                        "no bootable kernel: partition 1 (ext4) has no /boot/grub/grub.cfg");
}

static void a_file_outside_its_directory_is_refused(fixture *f, gconstpointer script)
{
    (void)script;
    assert_boot_refused(f, DOMAIN("", DISK("/images/root.qcow2", "vda", "")),
                        "its kernel '/etc/passwd' is not a file in");
}

static void garbage_output_is_refused(fixture *f, gconstpointer script)
{
    (void)script;
    assert_boot_refused(f, DOMAIN("", DISK("/images/root.qcow2", "vda", "")),
                        "its output is not a key file");
}

static void a_missing_tool_is_named(fixture *f, gconstpointer script)
{
    (void)script;
    g_free(f->cfg->bootloader);
    f->cfg->bootloader = g_build_filename(f->root, "no-such-bootloader", NULL);
    assert_boot_refused(f, DOMAIN("", DISK("/images/root.qcow2", "vda", "")),
                        "no-such-bootloader");
}

static void only_cdroms_have_nothing_to_boot(fixture *f, gconstpointer script)
{
    (void)script;
    assert_boot_refused(f,
                        DOMAIN("", "<disk type='file' device='cdrom'><source file='/cd.iso'/>"
                                   "<target dev='hdc'/></disk>"),
                        "no <os><kernel> and no disk to boot one from");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/bootloader/boots-the-first-disk-and-joins-the-cmdline", fixture,
               answering_tool, fixture_set_up, boots_the_first_disk_and_joins_the_cmdline,
               fixture_tear_down);
    g_test_add("/bootloader/the-tools-reason-is-the-error", fixture,
               "echo 'vda: no bootable kernel: partition 1 (ext4) has no /boot/grub/grub.cfg, "
               "/vmlinuz or /boot/vmlinuz-*' >&2; touch \"$3/disk\"; exit 2",
               fixture_set_up, the_tools_reason_is_the_error, fixture_tear_down);
    g_test_add("/bootloader/a-file-outside-its-directory-is-refused", fixture,
               "printf '[boot]\\nkernel=/etc/passwd\\n'", fixture_set_up,
               a_file_outside_its_directory_is_refused, fixture_tear_down);
    g_test_add("/bootloader/garbage-output-is-refused", fixture, "echo 'not [ a key file'",
               fixture_set_up, garbage_output_is_refused, fixture_tear_down);
    g_test_add("/bootloader/a-missing-tool-is-named", fixture, "exit 0", fixture_set_up,
               a_missing_tool_is_named, fixture_tear_down);
    g_test_add("/bootloader/only-cdroms-have-nothing-to-boot", fixture, "exit 0",
               fixture_set_up, only_cdroms_have_nothing_to_boot, fixture_tear_down);
    return g_test_run();
}
