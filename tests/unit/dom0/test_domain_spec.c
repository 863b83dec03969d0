/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl's domain config files and key=value arguments (domain_spec.c). */
#include <glib.h>

#include "domain_spec.h"

static void test_full_config_file(void)
{
    struct ctl_domain_spec s;
    g_autoptr(GError) err = NULL;
    ctl_spec_init(&s);
    const char *text = "# a test guest\n"
                       "name = \"hello\"\n"
                       "kernel = /usr/lib/vireo/guests/hello.elf   # bare word\n"
                       "memory = 16\n"
                       "maxmem = 64M\n"
                       "\n"
                       "vcpus = 2\r\n"
                       "weight=512\n"
                       "cap = 50\n"
                       "cmdline = \"ms=100 say=\\\"hi # there\\\"\"\n";
    g_assert_true(ctl_spec_parse_text(&s, text, "t.cfg", &err));
    g_assert_no_error(err);
    g_assert_cmpstr(s.name, ==, "hello");
    g_assert_cmpstr(s.kernel, ==, "/usr/lib/vireo/guests/hello.elf");
    g_assert_cmpuint(s.memory_bytes, ==, 16u << 20);
    g_assert_cmpuint(s.maxmem_bytes, ==, 64u << 20);
    g_assert_cmpuint(s.vcpus, ==, 2);
    g_assert_cmpuint(s.weight, ==, 512);
    g_assert_cmpuint(s.cap, ==, 50);
    g_assert_cmpstr(s.cmdline, ==, "ms=100 say=\"hi # there\"");
    g_assert_true(ctl_spec_check(&s, &err));
    ctl_spec_clear(&s);
}

static void test_defaults_and_required_keys(void)
{
    struct ctl_domain_spec s;
    g_autoptr(GError) err = NULL;
    ctl_spec_init(&s);
    g_assert_cmpuint(s.vcpus, ==, 1);
    g_assert_cmpuint(s.weight, ==, 256);
    g_assert_cmpuint(s.cap, ==, 0);
    g_assert_cmpuint(s.platform, ==, 0);
    g_assert_false(ctl_spec_check(&s, &err));
    g_assert_cmpstr(err->message, ==, "name is not set");
    g_clear_error(&err);
    g_assert_true(ctl_spec_parse_assignment(&s, "name=a", &err));
    g_assert_true(ctl_spec_parse_assignment(&s, "kernel=/k", &err));
    g_assert_false(ctl_spec_check(&s, &err));
    g_assert_cmpstr(err->message, ==, "memory is not set");
    g_clear_error(&err);
    g_assert_true(ctl_spec_parse_assignment(&s, "memory=3", &err));
    g_assert_false(ctl_spec_check(&s, &err)); /* not a multiple of 2 MiB */
    g_clear_error(&err);
    g_assert_true(ctl_spec_parse_assignment(&s, "memory=4", &err));
    g_assert_true(ctl_spec_parse_assignment(&s, "maxmem=2", &err));
    g_assert_false(ctl_spec_check(&s, &err)); /* maxmem below memory */
    g_clear_error(&err);
    g_assert_true(ctl_spec_parse_assignment(&s, "maxmem=8", &err));
    g_assert_true(ctl_spec_check(&s, &err));
    ctl_spec_clear(&s);
}

static void test_arguments_override_the_file(void)
{
    struct ctl_domain_spec s;
    g_autoptr(GError) err = NULL;
    ctl_spec_init(&s);
    g_assert_true(ctl_spec_parse_text(&s, "name = a\nmemory = 16\n", "f", &err));
    g_assert_true(ctl_spec_parse_assignment(&s, "memory=1G", &err));
    g_assert_true(ctl_spec_parse_assignment(&s, "cmdline=ms=5 x=y", &err));
    g_assert_cmpuint(s.memory_bytes, ==, 1u << 30);
    g_assert_cmpstr(s.cmdline, ==, "ms=5 x=y");
    g_assert_true(ctl_spec_parse_assignment(&s, "platform=1", &err));
    g_assert_cmpuint(s.platform, ==, 1);
    g_assert_false(ctl_spec_parse_assignment(&s, "platform=2", &err));
    g_assert_cmpstr(err->message, ==, "platform = \"2\": want 0 or 1");
    ctl_spec_clear(&s);
}

/* xl's Linux keys: kernel, ramdisk and extra (a synonym of cmdline here). */
static void test_xl_linux_keys(void)
{
    struct ctl_domain_spec s;
    g_autoptr(GError) err = NULL;
    ctl_spec_init(&s);
    g_assert_true(ctl_spec_parse_text(&s,
                                      "name = \"deb\"\n"
                                      "kernel = \"/usr/share/vireo/guests/vmlinuz\"\n"
                                      "ramdisk = \"/usr/share/vireo/guests/domu-initrd.img\"\n"
                                      "extra = \"console=ttyS0 quiet\"\n"
                                      "memory = 256\nvcpus = 2\n",
                                      "deb.cfg", &err));
    g_assert_no_error(err);
    g_assert_cmpstr(s.kernel, ==, "/usr/share/vireo/guests/vmlinuz");
    g_assert_cmpstr(s.ramdisk, ==, "/usr/share/vireo/guests/domu-initrd.img");
    g_assert_cmpstr(s.cmdline, ==, "console=ttyS0 quiet");
    g_assert_true(ctl_spec_parse_assignment(&s, "ramdisk=/other.img", &err));
    g_assert_cmpstr(s.ramdisk, ==, "/other.img");
    g_assert_true(ctl_spec_parse_assignment(&s, "cmdline=console=hvc0", &err));
    g_assert_cmpstr(s.cmdline, ==, "console=hvc0");
    g_assert_true(ctl_spec_check(&s, &err));
    ctl_spec_clear(&s);
    g_assert_null(s.ramdisk);
}

static void expect_error(const char *text, const char *message)
{
    struct ctl_domain_spec s;
    g_autoptr(GError) err = NULL;
    ctl_spec_init(&s);
    g_assert_false(ctl_spec_parse_text(&s, text, "bad.cfg", &err));
    g_assert_nonnull(err);
    g_assert_cmpstr(err->message, ==, message);
    ctl_spec_clear(&s);
}

static void test_config_errors_name_the_line(void)
{
    expect_error("name = a\nbogus = 1\n", "bad.cfg:2: unknown key \"bogus\"");
    expect_error("name a\n", "bad.cfg:1: expected key = value");
    expect_error("name = \"open\n", "bad.cfg:1: unterminated string");
    expect_error("name = a b\n", "bad.cfg:1: trailing characters after the value");
    expect_error("name =\n", "bad.cfg:1: missing value");
    expect_error("vcpus = 0\n", "bad.cfg:1: vcpus = \"0\": want 1..64");
    expect_error("vcpus = 65\n", "bad.cfg:1: vcpus = \"65\": want 1..64");
    expect_error("weight = 70000\n", "bad.cfg:1: weight = \"70000\": want 1..65535");
    expect_error("memory = lots\n",
                 "bad.cfg:1: memory = \"lots\": want a size (MiB, or with K/M/G)");
}

static void test_assignment_needs_a_key(void)
{
    struct ctl_domain_spec s;
    g_autoptr(GError) err = NULL;
    ctl_spec_init(&s);
    g_assert_false(ctl_spec_parse_assignment(&s, "=5", &err));
    g_clear_error(&err);
    g_assert_false(ctl_spec_parse_assignment(&s, "memory", &err));
    ctl_spec_clear(&s);
}

static void test_sizes(void)
{
    uint64_t b;
    g_assert_true(ctl_parse_size("16", &b) && b == 16u << 20);
    g_assert_true(ctl_parse_size("16m", &b) && b == 16u << 20);
    g_assert_true(ctl_parse_size("8K", &b) && b == 8192);
    g_assert_true(ctl_parse_size("2G", &b) && b == 2ull << 30);
    g_assert_true(ctl_parse_size("4096B", &b) && b == 4096);
    g_assert_false(ctl_parse_size("0", &b));
    g_assert_false(ctl_parse_size("1K", &b));      /* not whole pages */
    g_assert_false(ctl_parse_size("100B", &b));
    g_assert_false(ctl_parse_size("-1", &b));
    g_assert_false(ctl_parse_size("16MB", &b));
    g_assert_false(ctl_parse_size("", &b));
    g_assert_false(ctl_parse_size("99999999999999G", &b)); /* overflow */
}

static void test_u32_ranges(void)
{
    uint32_t v;
    g_assert_true(ctl_parse_u32("1", 1, 64, &v) && v == 1);
    g_assert_true(ctl_parse_u32("64", 1, 64, &v) && v == 64);
    g_assert_false(ctl_parse_u32("65", 1, 64, &v));
    g_assert_false(ctl_parse_u32("+5", 1, 64, &v));
    g_assert_false(ctl_parse_u32(" 5", 1, 64, &v));
    g_assert_false(ctl_parse_u32("5x", 1, 64, &v));
    g_assert_false(ctl_parse_u32("99999999999999999999", 0, UINT32_MAX, &v));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/domain-spec/full-config-file", test_full_config_file);
    g_test_add_func("/domain-spec/defaults-and-required-keys", test_defaults_and_required_keys);
    g_test_add_func("/domain-spec/arguments-override-the-file", test_arguments_override_the_file);
    g_test_add_func("/domain-spec/xl-linux-keys", test_xl_linux_keys);
    g_test_add_func("/domain-spec/config-errors-name-the-line", test_config_errors_name_the_line);
    g_test_add_func("/domain-spec/assignment-needs-a-key", test_assignment_needs_a_key);
    g_test_add_func("/domain-spec/sizes", test_sizes);
    g_test_add_func("/domain-spec/u32-ranges", test_u32_ranges);
    return g_test_run();
}
