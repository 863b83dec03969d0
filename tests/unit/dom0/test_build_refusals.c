/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A kernel that cannot start is refused by vctl_domain_build before it asks hv for
 * anything, with a message naming the file and the reason; vctl_build_read_file names the
 * file it cannot read; and vireo-ctl create prints both. /dev/vireo is a plain file here
 * ($VIREO_DEV): any hypercall fails with ENOTTY, so a build that reached hv shows -ENOTTY.
 * argv[1]: the Debian kernel, argv[2]: vireo-ctl.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vireoctl.h"

static const char *vmlinuz_path, *vireo_ctl_path;
static char *tmp;

static void check_build(const struct vctl_build_config *cfg, int want, const char *message)
{
    vctl_t *h = vctl_open();
    uint32_t domid = 0;
    g_assert_nonnull(h);
    int ret = vctl_domain_build(h, cfg, &domid);
    g_test_message("%s -> %d: %s", cfg->kernel_path, ret, vctl_build_error(h));
    g_assert_cmpint(ret, ==, want);
    g_assert_true(g_str_has_prefix(vctl_build_error(h), message));
    vctl_close(h);
    /* Refused or failed, no build marker stays behind. */
    g_autofree char *marker = g_build_filename(tmp, "run", "building", cfg->name, NULL);
    g_assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
}

static struct vctl_build_config config(const void *kernel, size_t size, const char *path)
{
    return (struct vctl_build_config){
        .name = "refused",
        .memory_bytes = 256u << 20,
        .nr_vcpus = 2,
        .kernel = kernel,
        .kernel_size = size,
        .kernel_path = path,
    };
}

static void test_images_that_cannot_start_are_refused_before_hv(void)
{
    g_autofree char *kernel = NULL;
    gsize ksize = 0;
    g_assert_true(g_file_get_contents(vmlinuz_path, &kernel, &ksize, NULL));
    static const char junk[4096] = "#!/bin/sh\n";
    static const char elf[64] = "\177ELF";
    static const char initrd[64] = "070701";

    struct vctl_build_config cfg = config(junk, sizeof(junk), "/boot/notes.txt");
    check_build(&cfg, -ENOEXEC, "/boot/notes.txt: neither an ELF test guest nor a Linux bzImage");

    cfg = config(kernel, ksize, "/k/vmlinuz");
    cfg.memory_bytes = 64u << 20;
    check_build(&cfg, -ENOMEM, "/k/vmlinuz: the kernel needs RAM up to ");

    cfg = config(kernel, ksize, "/k/vmlinuz");
    cfg.initrd = initrd;
    cfg.initrd_size = 200u << 20;
    cfg.initrd_path = "/k/huge.img";
    check_build(&cfg, -ENOMEM, "/k/huge.img: the initrd (200 MiB) does not fit");

    cfg = config(elf, sizeof(elf), "/g/hello.elf");
    cfg.initrd = initrd;
    cfg.initrd_size = sizeof(initrd);
    cfg.initrd_path = "/g/initrd.img";
    check_build(&cfg, -EINVAL,
                "/g/initrd.img: an initrd needs a Linux bzImage kernel, and /g/hello.elf is");

    /* Unnamed files are still named as what they are. */
    cfg = config(junk, sizeof(junk), NULL);
    check_build(&cfg, -ENOEXEC, "kernel: neither");

    /* A good Linux domU passes every check and goes to hv (here: no hv, ENOTTY). */
    cfg = config(kernel, ksize, "/k/vmlinuz");
    cfg.initrd = initrd;
    cfg.initrd_size = sizeof(initrd);
    check_build(&cfg, -ENOTTY, "");
}

static void check_read(const char *path, int want, const char *message)
{
    vctl_t *h = vctl_open();
    void *data = NULL;
    size_t size = 0;
    g_assert_cmpint(vctl_build_read_file(h, path, &data, &size), ==, want);
    g_autofree char *expected = g_strdup_printf("%s: %s", path, message);
    g_assert_cmpstr(vctl_build_error(h), ==, expected);
    g_assert_null(data);
    vctl_close(h);
}

static void test_unreadable_files_are_named(void)
{
    g_autofree char *missing = g_build_filename(tmp, "no-such-kernel", NULL);
    g_autofree char *empty = g_build_filename(tmp, "empty.img", NULL);
    g_assert_true(g_file_set_contents(empty, "", 0, NULL));
    check_read(missing, -ENOENT, g_strerror(ENOENT));
    check_read(tmp, -EISDIR, g_strerror(EISDIR));
    check_read(empty, -ENODATA, "empty file");

    vctl_t *h = vctl_open();
    void *data = NULL;
    size_t size = 0;
    g_assert_cmpint(vctl_build_read_file(h, vmlinuz_path, &data, &size), ==, 0);
    GStatBuf st;
    g_assert_cmpint(g_stat(vmlinuz_path, &st), ==, 0);
    g_assert_cmpuint(size, ==, (size_t)st.st_size);
    g_assert_cmpstr(vctl_build_error(h), ==, "");
    g_free(data);
    vctl_close(h);
}

static void check_vireo_ctl(const char *args, const char *stderr_part)
{
    g_autofree char *cmd =
        g_strdup_printf("%s create name=deb memory=256 %s", vireo_ctl_path, args);
    g_autofree char *out = NULL, *err = NULL;
    int status = 0;
    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status, NULL));
    g_test_message("%s: %s", cmd, err);
    g_assert_false(g_spawn_check_wait_status(status, NULL));
    g_assert_nonnull(strstr(err, stderr_part));
}

static void test_vireo_ctl_create_names_the_file(void)
{
    g_autofree char *missing = g_build_filename(tmp, "gone.img", NULL);
    g_autofree char *arg = g_strdup_printf("kernel=%s ramdisk=%s", vmlinuz_path, missing);
    g_autofree char *want =
        g_strdup_printf("vireo-ctl create: %s: %s", missing, g_strerror(ENOENT));
    check_vireo_ctl(arg, want);

    g_autofree char *notes = g_build_filename(tmp, "notes.txt", NULL);
    g_assert_true(g_file_set_contents(notes, "not a kernel\n", -1, NULL));
    g_autofree char *arg2 = g_strdup_printf("kernel=%s", notes);
    g_autofree char *want2 = g_strdup_printf(
        "vireo-ctl: building domain \"deb\": %s: neither an ELF test guest nor a Linux bzImage",
        notes);
    check_vireo_ctl(arg2, want2);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (argc < 3) {
        g_printerr("usage: %s VMLINUZ VIREO_CTL\n", argv[0]);
        return 2;
    }
    vmlinuz_path = argv[1];
    vireo_ctl_path = argv[2];
    tmp = g_dir_make_tmp("vctl-refusals-XXXXXX", NULL);
    g_autofree char *dev = g_build_filename(tmp, "vireo-dev", NULL);
    g_autofree char *run = g_build_filename(tmp, "run", NULL);
    g_assert_true(g_file_set_contents(dev, "", 0, NULL));
    g_setenv("VIREO_DEV", dev, TRUE);
    g_setenv("VIREO_RUN_DIR", run, TRUE);
    g_test_add_func("/build-refusals/images-that-cannot-start-are-refused-before-hv",
                    test_images_that_cannot_start_are_refused_before_hv);
    g_test_add_func("/build-refusals/unreadable-files-are-named", test_unreadable_files_are_named);
    g_test_add_func("/build-refusals/vireo-ctl-create-names-the-file",
                    test_vireo_ctl_create_names_the_file);
    int ret = g_test_run();
    g_autofree char *rm = g_strdup_printf("rm -rf '%s'", tmp);
    (void)!system(rm);
    return ret;
}
