/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Storage XML: libvirt's scaled sizes, pool and volume definitions read as libvirt writes
 * them (virsh pool-define-as, vol-create-as, virt-install), written back the same, and
 * every refusal naming what is wrong instead of dropping it.
 */
#include <string.h>

#include "vd-storage-private.h"

static void sizes_take_libvirt_units(void)
{
    static const struct {
        const char *text, *unit;
        uint64_t want;
    } ok[] = {
        {"512", NULL, 512},         {"512", "bytes", 512},   {"1", "b", 1},
        {"2", "KiB", 2048},         {"2", "k", 2048},        {"2", "KB", 2000},
        {"10", "M", 10 << 20},      {"10", "MiB", 10 << 20}, {"3", "G", 3ull << 30},
        {"3", "GB", 3000000000ull}, {"1", "T", 1ull << 40},  {"1", "E", 1ull << 60},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(ok); i++) {
        uint64_t v = 0;
        g_assert_true(vd_storage_parse_size(ok[i].text, ok[i].unit, &v));
        g_assert_cmpuint(v, ==, ok[i].want);
    }
    static const char *const bad_text[] = {"", "-1", "1.5", "12x", "99999999999999999999"};
    uint64_t v;
    for (unsigned i = 0; i < G_N_ELEMENTS(bad_text); i++)
        g_assert_false(vd_storage_parse_size(bad_text[i], NULL, &v));
    g_assert_false(vd_storage_parse_size("1", "Q", &v));
    g_assert_false(vd_storage_parse_size("1", "MiBs", &v));
    g_assert_false(vd_storage_parse_size("20", "E", &v)); /* overflows 64 bits */
}

static void pool_xml_round_trips(void)
{
    const char *xml = "<pool type='dir'><name>images</name>"
                      "<uuid>8f2c7c56-0d4e-4c6b-9d7a-2a6a3a8d9f01</uuid><source></source>"
                      "<target><path>/srv/images/</path><permissions><mode>0750</mode>"
                      "<owner>107</owner><group>108</group></permissions></target></pool>";
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, &err);
    g_assert_nonnull(def);
    g_assert_cmpstr(def->name, ==, "images");
    g_assert_cmpstr(def->target, ==, "/srv/images");
    g_assert_cmpuint(def->perms.mode, ==, 0750);
    g_assert_cmpint(def->perms.owner, ==, 107);
    g_autofree char *out = vd_pool_def_format(def, NULL);
    g_autoptr(vd_pool_def) again = vd_pool_def_parse(out, &err);
    g_assert_nonnull(again);
    g_autofree char *out2 = vd_pool_def_format(again, NULL);
    g_assert_cmpstr(out, ==, out2);
    g_assert_nonnull(strstr(out, "<uuid>8f2c7c56-0d4e-4c6b-9d7a-2a6a3a8d9f01</uuid>"));
    g_assert_null(strstr(out, "<capacity")); /* an inactive pool has no sizes */
}

static void expect_refused(vd_pool_def *(*parse)(const char *, vd_error **), const char *xml,
                           int code, const char *needle)
{
    g_autoptr(vd_error) err = NULL;
    void *def = parse(xml, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_assert_cmpint(err->code, ==, code);
    if (!strstr(err->message, needle))
        g_error("'%s' not in '%s'", needle, err->message);
}

static void pool_xml_refusals_name_the_problem(void)
{
    expect_refused(vd_pool_def_parse, "<pool type='iscsi'><name>disk</name></pool>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "'iscsi' is not supported");
    expect_refused(vd_pool_def_parse, "<pool><name>x</name></pool>", VIR_ERR_XML_ERROR,
                   "missing type");
    expect_refused(vd_pool_def_parse, "<pool type='dir'><name>a/b</name></pool>", VIR_ERR_XML_ERROR,
                   "plain file name");
    expect_refused(vd_pool_def_parse, "<pool type='dir'><name>x</name></pool>", VIR_ERR_XML_ERROR,
                   "missing storage pool target path");
    expect_refused(vd_pool_def_parse,
                   "<pool type='dir'><name>x</name><target><path>rel</path></target></pool>",
                   VIR_ERR_XML_ERROR, "must be absolute");
    expect_refused(vd_pool_def_parse,
                   "<pool type='dir'><name>x</name><uuid>zz</uuid><target><path>/p</path>"
                   "</target></pool>",
                   VIR_ERR_XML_ERROR, "malformed uuid");
    expect_refused(vd_pool_def_parse, "<volume/>", VIR_ERR_XML_ERROR, "expecting <pool>");
    expect_refused(vd_pool_def_parse, "<pool type='dir'><name>x", VIR_ERR_XML_DETAIL, "line 1");
}

static vd_pool_def *parse_vol(const char *xml, vd_error **err)
{
    return (vd_pool_def *)vd_vol_def_parse(xml, err);
}

static void volume_xml_as_clients_write_it(void)
{
    /* virsh vol-create-as v.qcow2 1G --allocation 0 --format qcow2 --backing-vol ... */
    const char *xml = "<volume><name>v.qcow2</name><capacity>1073741824</capacity>"
                      "<allocation>0</allocation><target><format type='qcow2'/></target>"
                      "<backingStore><path>/p/base.img</path><format type='raw'/>"
                      "</backingStore></volume>";
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_vol_def) def = vd_vol_def_parse(xml, &err);
    g_assert_nonnull(def);
    g_assert_cmpuint(def->capacity, ==, 1ull << 30);
    g_assert_true(def->has_allocation);
    g_assert_cmpstr(def->format, ==, "qcow2");
    g_assert_cmpstr(def->backing_path, ==, "/p/base.img");
    g_assert_cmpstr(def->backing_format, ==, "raw");
    /* virt-install: units, no format (raw) */
    g_autoptr(vd_vol_def) plain = vd_vol_def_parse(
        "<volume><name>vi1.img</name><capacity unit='G'>2</capacity></volume>", &err);
    g_assert_nonnull(plain);
    g_assert_cmpstr(plain->format, ==, "raw");
    g_assert_cmpuint(plain->capacity, ==, 2ull << 30);
    g_assert_false(plain->has_allocation);
}

static void volume_xml_refusals_name_the_problem(void)
{
    expect_refused(parse_vol,
                   "<volume><name>x</name><capacity>1</capacity><target><format type='cloop'/>"
                   "</target></volume>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "'cloop' is not supported");
    expect_refused(parse_vol, "<volume><name>../x</name></volume>", VIR_ERR_XML_ERROR,
                   "plain file name");
    expect_refused(parse_vol, "<volume><name>.hidden</name></volume>", VIR_ERR_XML_ERROR,
                   "plain file name");
    expect_refused(parse_vol, "<volume><name>x</name><capacity unit='Q'>1</capacity></volume>",
                   VIR_ERR_XML_ERROR, "malformed <capacity>");
    expect_refused(parse_vol,
                   "<volume><name>x</name><capacity>1</capacity><backingStore><path>/b</path>"
                   "</backingStore></volume>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "raw volume cannot have a backing store");
    expect_refused(parse_vol,
                   "<volume><name>x</name><target><format type='qcow2'/></target>"
                   "<backingStore><path>rel</path></backingStore></volume>",
                   VIR_ERR_XML_ERROR, "absolute <path>");
    expect_refused(parse_vol,
                   "<volume><name>x</name><target><permissions><mode>999</mode></permissions>"
                   "</target></volume>",
                   VIR_ERR_XML_ERROR, "malformed <permissions>");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/storage-xml/sizes-take-libvirt-units", sizes_take_libvirt_units);
    g_test_add_func("/storage-xml/pool-xml-round-trips", pool_xml_round_trips);
    g_test_add_func("/storage-xml/pool-refusals-name-the-problem",
                    pool_xml_refusals_name_the_problem);
    g_test_add_func("/storage-xml/volume-xml-as-clients-write-it", volume_xml_as_clients_write_it);
    g_test_add_func("/storage-xml/volume-refusals-name-the-problem",
                    volume_xml_refusals_name_the_problem);
    return g_test_run();
}
