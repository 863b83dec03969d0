/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-bootloader's grub.cfg reader (vbl_grub.c): which entry, which files, which words. */
#include <string.h>

#include <glib.h>

#include "vbl_grub.h"

/* The shape of Debian 12's generated grub.cfg, cut down to what the reader looks at. */
static const char debian_cfg[] =
    "if [ -s $prefix/grubenv ]; then\n"
    "  load_env\n"
    "fi\n"
    "if [ \"${next_entry}\" ] ; then\n"
    "   set default=\"${next_entry}\"\n"
    "else\n"
    "   set default=\"%s\"\n"
    "fi\n"
    "function load_video {\n"
    "  insmod all_video\n"
    "}\n"
    "menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option "
    "'gnulinux-simple-1234' {\n"
    "\tload_video\n"
    "\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi\n"
    "\tset root='hd0,msdos1'\n"
    "\techo\t'Loading Linux 6.1.0-18-amd64 ...'\n"
    "\tlinux\t/boot/vmlinuz-6.1.0-18-amd64 root=UUID=1234 ro  quiet\n"
    "\tinitrd\t/boot/initrd.img-6.1.0-18-amd64\n"
    "}\n"
    "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'adv' {\n"
    "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-17-amd64' --class debian {\n"
    "\t\tlinux\t/boot/vmlinuz-6.1.0-17-amd64 root=UUID=1234 ro single\n"
    "\t\tinitrd\t/boot/initrd.img-6.1.0-17-amd64\n"
    "\t}\n"
    "}\n"
    "menuentry \"Memory test\" --id memtest {\n"
    "\tlinux16 (hd0,msdos1)/boot/memtest86+.bin console=ttyS0\n"
    "}\n";

static char *debian_with_default(const char *value)
{
    return g_strdup_printf(debian_cfg, value);
}

static void check_entry(const char *text, const char *title, const char *kernel,
                        const char *cmdline, const char *initrd)
{
    struct vbl_grub_entry e;
    g_autoptr(GError) err = NULL;

    g_assert_true(vbl_grub_default_entry(text, &e, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(e.title, ==, title);
    g_assert_cmpstr(e.kernel, ==, kernel);
    g_assert_cmpstr(e.cmdline, ==, cmdline);
    g_assert_cmpstr(e.initrd, ==, initrd);
    vbl_grub_entry_clear(&e);
}

static void check_refused(const char *text, const char *words)
{
    struct vbl_grub_entry e;
    g_autoptr(GError) err = NULL;

    g_assert_false(vbl_grub_default_entry(text, &e, &err));
    g_assert_error(err, VBL_ERROR, VBL_ERROR_NO_KERNEL);
    g_assert_nonnull(strstr(err->message, words));
}

static void default_by_index_skips_submenus(void)
{
    g_autofree char *first = debian_with_default("0");
    g_autofree char *second = debian_with_default("1");

    check_entry(first, "Debian GNU/Linux", "/boot/vmlinuz-6.1.0-18-amd64",
                "root=UUID=1234 ro quiet", "/boot/initrd.img-6.1.0-18-amd64");
    /* Index 1 is the next top-level entry: the submenu's entries are not counted. */
    check_entry(second, "Memory test", "/boot/memtest86+.bin", "console=ttyS0", NULL);
}

static void default_by_title_or_id(void)
{
    g_autofree char *by_title = debian_with_default("Memory test");
    g_autofree char *by_id = debian_with_default("gnulinux-simple-1234");

    check_entry(by_title, "Memory test", "/boot/memtest86+.bin", "console=ttyS0", NULL);
    check_entry(by_id, "Debian GNU/Linux", "/boot/vmlinuz-6.1.0-18-amd64",
                "root=UUID=1234 ro quiet", "/boot/initrd.img-6.1.0-18-amd64");
}

static void saved_unknown_or_submenu_default_means_the_first_entry(void)
{
    const char *defaults[] = {"${saved_entry}", "saved", "no such entry", "1>0", "7"};

    for (unsigned i = 0; i < G_N_ELEMENTS(defaults); i++) {
        g_autofree char *text = debian_with_default(defaults[i]);

        check_entry(text, "Debian GNU/Linux", "/boot/vmlinuz-6.1.0-18-amd64",
                    "root=UUID=1234 ro quiet", "/boot/initrd.img-6.1.0-18-amd64");
    }
}

static void variables_in_arguments_are_dropped(void)
{
    check_entry("menuentry 'a' {\n"
                "  linux /vmlinuz root=/dev/vda1 ${extra_cmdline} console=$tty 'x=$y' \"z=$w\" "
                "a\\ b # comment\n"
                "  initrd $prefix/bad /initrd.img /second.img\n"
                "}\n",
                "a", "/vmlinuz", "root=/dev/vda1 x=$y a b", "/initrd.img");
}

static void first_linux_and_initrd_of_an_entry_count(void)
{
    check_entry("menuentry 'a' { \n"
                "linuxefi /k1 one; initrdefi /i1\n"
                "linux /k2 two\n"
                "initrd /i2\n"
                "}\n",
                "a", "/k1", "one", "/i1");
}

static void entry_without_initrd_or_arguments(void)
{
    check_entry("menuentry 'bare' {\n linux /boot/vmlinuz\n}\n", "bare", "/boot/vmlinuz", "", NULL);
}

static void no_entries_or_no_kernel_are_refused(void)
{
    check_refused("", "no menuentry");
    check_refused("set default=0\n# menuentry 'commented' {\n", "no menuentry");
    check_refused("submenu 's' {\n menuentry 'inner' {\n  linux /vmlinuz\n }\n}\n", "no menuentry");
    check_refused("menuentry 'chain' {\n chainloader +1\n}\n", "'chain' has no linux command");
    check_refused("menuentry 'v' {\n linux ${kdir}/vmlinuz\n}\n", "not a plain absolute");
    check_refused("menuentry 'r' {\n linux vmlinuz\n}\n", "not a plain absolute");
}

static void hostile_text_is_read_to_its_end(void)
{
    /* Unclosed quotes and braces, stray closing braces, a backslash at the very end. */
    check_refused("}}} menuentry 'x {\n linux /a\n", "no menuentry");
    check_entry("}\n}\nmenuentry \"t\" {\n linux /k 'open\n", "t", "/k", "open\n", NULL);
    check_refused("menuentry 'a' {\\", "no menuentry");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/grub-cfg/default-by-index-skips-submenus", default_by_index_skips_submenus);
    g_test_add_func("/grub-cfg/default-by-title-or-id", default_by_title_or_id);
    g_test_add_func("/grub-cfg/saved-unknown-or-submenu-default-means-the-first-entry",
                    saved_unknown_or_submenu_default_means_the_first_entry);
    g_test_add_func("/grub-cfg/variables-in-arguments-are-dropped",
                    variables_in_arguments_are_dropped);
    g_test_add_func("/grub-cfg/first-linux-and-initrd-of-an-entry-count",
                    first_linux_and_initrd_of_an_entry_count);
    g_test_add_func("/grub-cfg/entry-without-initrd-or-arguments",
                    entry_without_initrd_or_arguments);
    g_test_add_func("/grub-cfg/no-entries-or-no-kernel-are-refused",
                    no_entries_or_no_kernel_are_refused);
    g_test_add_func("/grub-cfg/hostile-text-is-read-to-its-end", hostile_text_is_read_to_its_end);
    return g_test_run();
}
