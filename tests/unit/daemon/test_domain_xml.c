/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain XML: every supported document round-trips (parse, format, parse again gives the
 * same text), output validates against xml-schemas/domain.rng, unsupported constructs are
 * refused with their name and line, and malformed XML errors name the line.
 */
#include <string.h>

#include "test-contains.h"
#include "test-domain-corpus.h"
#include "vd-domain-xml.h"
#include "vd-libvirt.h"
#include "vd-schema.h"
#include "vd-xml.h"

/* Fails with `code` and a message containing every one of the NULL-terminated needles. */
static void assert_refused(const char *xml, int code, ...)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_test_message("refused: %d %s", err->code, err->message);
    g_assert_cmpint(err->code, ==, code);
    va_list ap;
    va_start(ap, code);
    for (const char *needle; (needle = va_arg(ap, const char *));)
        g_assert_nonnull(strstr(err->message, needle));
    va_end(ap);
}

static void corpus_document_round_trips(gconstpointer name)
{
    g_autofree char *xml = read_corpus("good", name);
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    g_autofree char *first = vd_domain_def_format(def, -1);
    g_autoptr(vd_domain_def) again = parse_ok(first);
    g_autofree char *second = vd_domain_def_format(again, -1);
    g_assert_cmpstr(first, ==, second);

    /* A running domain's XML carries its id and still parses to the same thing. */
    g_autofree char *running = vd_domain_def_format(def, 7);
    int id = -1;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_def) live = vd_domain_def_parse(running, &id, &err);
    g_assert_nonnull(live);
    g_assert_cmpint(id, ==, 7);

    /* A copy is the same definition: it formats to the same XML, and owns its strings. */
    g_autoptr(vd_domain_def) copy = vd_domain_def_copy(def);
    g_autofree char *copied = vd_domain_def_format(copy, -1);
    g_assert_cmpstr(first, ==, copied);
    g_assert_true(copy->name != def->name);
    g_assert_true(copy->disks != def->disks);
}

static void everything_keeps_every_value(void)
{
    g_autofree char *xml = read_corpus("good", "everything.xml");
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    g_autofree char *out = vd_domain_def_format(def, -1);
    g_assert_cmpstr(def->name, ==, "every-thing_1.0");
    g_assert_cmpuint(def->max_memory_kib, ==, 4 * 1024 * 1024);
    g_assert_cmpuint(def->max_memory_slots, ==, 4);
    g_assert_cmpuint(def->memory_kib, ==, 1024 * 1024);
    g_assert_cmpuint(def->current_kib, ==, 512 * 1024);
    g_assert_cmpuint(def->vcpus, ==, 4);
    g_assert_cmpuint(def->vcpus_current, ==, 2);
    g_assert_cmpuint(def->weight, ==, 512);
    g_assert_cmpuint(def->cap, ==, 150);
    g_assert_cmpint(def->on_crash, ==, VD_ACTION_PRESERVE);
    g_assert_cmpuint(def->disks->len, ==, 2);
    g_assert_cmpuint(def->nets->len, ==, 2);
    const char *expected[] = {
        "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>",
        "<title>All supported settings</title>",
        "&amp; keeps.</description>",
        "<app:owner>ops</app:owner>",
        "<maxMemory slots=\"4\" unit=\"KiB\">4194304</maxMemory>",
        "<currentMemory unit=\"KiB\">524288</currentMemory>",
        "<vcpu placement=\"static\" current=\"2\">4</vcpu>",
        "<shares>512</shares>",
        "<quota>150000</quota>",
        "<cmdline>console=ttyS0 root=/dev/vda1 quiet</cmdline>",
        "<on_crash>preserve</on_crash>",
        "<driver name=\"qemu\" type=\"qcow2\"/>",
        "<source dev=\"/dev/vg0/data\"/>",
        "<target dev=\"vdb\" bus=\"virtio\"/>",
        "<readonly/>",
        "<mac address=\"00:16:3e:aa:bb:cc\"/>",
        "<source network=\"default\"/>",
        "<target type=\"serial\" port=\"0\"/>",
        "<graphics type=\"none\"/>",
        "<emulator>/usr/libexec/vireo/vireo-dm</emulator>",
    };
    assert_contains_all(out, expected, G_N_ELEMENTS(expected));
    g_assert_null(strstr(out, "rtl8139")); /* presented as virtio */
}

static void virt_install_devices_become_virtio(void)
{
    g_autofree char *xml = read_corpus("good", "virt-install-kvm-type.xml");
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    g_autofree char *out = vd_domain_def_format(def, -1);
    g_assert_nonnull(strstr(out, "<domain type=\"vireo\">"));
    g_assert_nonnull(strstr(out, "machine=\"vireo\""));
    g_assert_nonnull(strstr(out, "<target dev=\"vda\" bus=\"virtio\"/>"));
    g_assert_null(strstr(out, "hda"));
    g_assert_null(strstr(out, "ide"));
    g_assert_null(strstr(out, "e1000"));
    g_assert_nonnull(strstr(out, "<mac address=\"00:16:3e:40:03:14\"/>"));
    g_assert_nonnull(strstr(out, "<memory unit=\"KiB\">262144</memory>"));
}

static void ide_disk_takes_next_free_vd_name(void)
{
    g_autofree char *xml = read_corpus("good", "boot-from-disk.xml");
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    vd_disk_def *first = def->disks->pdata[0], *second = def->disks->pdata[1];
    g_assert_cmpstr(first->target, ==, "vdb"); /* vda is taken by the virtio disk */
    g_assert_cmpstr(second->target, ==, "vda");
    g_assert_true(def->boot_hd);
    /* 524288 KB = 524288000 bytes = 512000 KiB */
    g_assert_cmpuint(def->memory_kib, ==, 512000);
}

static void missing_uuid_and_mac_are_generated(void)
{
    const char *xml = "<domain type='vireo'><name>gen</name><memory>65536</memory>"
                      "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
                      "<interface type='bridge'><source bridge='br0'/></interface>"
                      "</devices></domain>";
    g_autoptr(vd_domain_def) a = parse_ok(xml);
    g_autoptr(vd_domain_def) b = parse_ok(xml);
    g_assert_true(memcmp(a->uuid, b->uuid, 16) != 0);
    vd_net_def *net = a->nets->pdata[0];
    g_assert_cmpuint(net->mac[0], ==, 0x52);
    g_assert_cmpuint(net->mac[1], ==, 0x54);
    g_assert_cmpuint(net->mac[2], ==, 0x00);
}

/* virt-install's default adds a spice display and its companions; the refusal names the
 * display and says how to leave it (and the companions) out. */
static void virt_install_default_xml_is_refused_naming_graphics(void)
{
    g_autofree char *xml = read_corpus("refused", "virt-install-default.xml");
    assert_refused(xml, VIR_ERR_CONFIG_UNSUPPORTED, "graphics type 'spice'", "line 39",
                   "--graphics none", NULL);
    /* Without it, the first leftover in document order is named. */
    g_autofree char *no_graphics = g_strdup(xml);
    char *g = strstr(no_graphics, "<graphics");
    memcpy(g + 1, "grXphics", 8);
    char *end = strstr(g, "</graphics>");
    memcpy(end + 2, "grXphics", 8);
    assert_refused(no_graphics, VIR_ERR_CONFIG_UNSUPPORTED, "element <channel>",
                   "domain/devices/channel", "line 35", NULL);
}

#define DOMAIN_HEAD "<domain type='vireo'><name>x</name><memory>65536</memory>"
#define OS "<os><type>hvm</type><kernel>/k</kernel></os>"

static void unsupported_constructs_are_refused_by_name(void)
{
    assert_refused(DOMAIN_HEAD OS "<cpu mode='host-passthrough'/></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "element <cpu>", "domain/cpu", NULL);
    assert_refused("<domain type='vireo'><name>x</name><memory>65536</memory>"
                   "<vcpu cpuset='0-1'>2</vcpu>" OS "</domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "attribute 'cpuset' of <vcpu>", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><graphics type='vnc' port='-1'/></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "graphics type 'vnc'", "--graphics none", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><disk type='file' device='floppy'>"
                                  "<source file='/x.img'/><target dev='fda'/></disk></devices>"
                                  "</domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "disk device 'floppy'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><disk type='volume'/></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "disk type 'volume'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><disk type='network'><source protocol='iscsi' "
                                  "name='iqn.x/1'><host name='h'/></source><target dev='vda'/>"
                                  "</disk></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "disk source protocol 'iscsi'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><disk type='file'><driver name='qemu' io='native'/>"
                                  "<source file='/a'/><target dev='vda'/></disk></devices>"
                                  "</domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "attribute 'io' of <driver>", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><rng model='virtio'><backend model='egd' "
                                  "type='tcp'/></rng></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "rng backend model 'egd'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><memballoon model='xen'/></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "memballoon model 'xen'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><disk type='file'><source file='/a'/>"
                                  "<target dev='sda' bus='usb'/></disk></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "disk bus 'usb'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><disk type='file'><source file='/a'/>"
                                  "<target dev='vda'/><iotune/></disk></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "element <iotune>", "domain/devices/disk/iotune",
                   NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><interface type='user'/></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "interface type 'user'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><interface type='bridge'><source bridge='b'/>"
                                  "<model type='ne2k_isa'/></interface></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "interface model 'ne2k_isa'", NULL);
    assert_refused(DOMAIN_HEAD OS "<clock offset='localtime'/></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "clock offset 'localtime'", NULL);
    assert_refused(DOMAIN_HEAD OS "<clock offset='utc'><timer name='rtc'/></clock></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "element <timer>", NULL);
    assert_refused(DOMAIN_HEAD "<os><type>hvm</type><loader>/ovmf</loader></os></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "element <loader>", NULL);
    assert_refused(DOMAIN_HEAD "<os><type arch='aarch64'>hvm</type></os></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "architecture 'aarch64'", NULL);
    assert_refused(DOMAIN_HEAD "<os><type machine='pseries'>hvm</type></os></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "machine type 'pseries'", NULL);
    assert_refused(DOMAIN_HEAD "<os><type>hvm</type><boot dev='network'/></os></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "boot device 'network'", NULL);
    assert_refused(DOMAIN_HEAD "<os><type>xen</type></os></domain>", VIR_ERR_OS_TYPE,
                   "os type 'xen'", NULL);
    assert_refused(DOMAIN_HEAD OS "<features><pae/></features></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "element <pae>", NULL);
    assert_refused(DOMAIN_HEAD OS "<on_reboot>rename-restart</on_reboot></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "<on_reboot> action 'rename-restart'",
                   "no renamed copy", NULL);
    assert_refused(DOMAIN_HEAD OS "<on_crash>coredump-restart</on_crash></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "'coredump-restart'", "memory dumps", NULL);
    assert_refused(DOMAIN_HEAD OS "<on_poweroff>preserve</on_poweroff></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "<on_poweroff> action 'preserve'",
                   "only destroy, restart)", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><console type='tcp'/></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "<console> type 'tcp'", NULL);
    assert_refused(DOMAIN_HEAD OS "<devices><sound model='ich6'/></devices></domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "element <sound>", NULL);
    assert_refused("<domain type='qemu'><name>x</name></domain>", VIR_ERR_CONFIG_UNSUPPORTED,
                   "domain type 'qemu'", NULL);
    assert_refused("<domain type='vireo'><name>bad name</name><memory>65536</memory>" OS
                   "</domain>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "domain name 'bad name'", NULL);
}

static void invalid_values_are_xml_errors(void)
{
    assert_refused("<domain type='vireo'><name>x</name><memory>lots</memory>" OS "</domain>",
                   VIR_ERR_XML_ERROR, "invalid value 'lots'", "line 1", NULL);
    assert_refused("<domain type='vireo'><name>x</name><memory unit='parsec'>1</memory>" OS
                   "</domain>",
                   VIR_ERR_XML_ERROR, "unknown memory unit 'parsec'", NULL);
    assert_refused("<domain type='vireo'><name>x</name><memory>65536</memory>"
                   "<currentMemory>131072</currentMemory>" OS "</domain>",
                   VIR_ERR_XML_ERROR, "<currentMemory> is larger", NULL);
    assert_refused("<domain type='vireo'><name>x</name><name>y</name></domain>", VIR_ERR_XML_ERROR,
                   "<name> may appear only once", NULL);
    assert_refused("<domain type='vireo'><name>x</name><memory>65536</memory></domain>",
                   VIR_ERR_XML_ERROR, "missing <os><type>", NULL);
    assert_refused("<domain type='vireo'><name>x</name><uuid>nope</uuid></domain>",
                   VIR_ERR_XML_ERROR, "malformed uuid 'nope'", NULL);
    assert_refused(DOMAIN_HEAD OS
                   "<devices><interface type='bridge'><source bridge='b'/>"
                   "<mac address='01:00:00:00:00:01'/></interface></devices></domain>",
                   VIR_ERR_INVALID_MAC, "01:00:00:00:00:01", NULL);
    assert_refused(DOMAIN_HEAD "<vcpu current='3'>2</vcpu>" OS "</domain>", VIR_ERR_XML_ERROR,
                   "<vcpu current>", NULL);
}

static void malformed_xml_error_names_the_line(void)
{
    assert_refused("<domain type='vireo'>\n  <name>x</name>\n  <memory>1</memroy>\n</domain>",
                   VIR_ERR_XML_DETAIL, "line 3", "mismatch", NULL);
    assert_refused("", VIR_ERR_XML_DETAIL, "line 1", NULL);
    assert_refused("<domain", VIR_ERR_XML_DETAIL, "line 1", NULL);
}

/* The reader accepts <acpi>; only the schema knows it must be empty. libxml2 reports
 * interleave violations at the enclosing element (<features>, line 5). */
static void schema_violation_is_refused_with_line(void)
{
    assert_refused("<domain type='vireo'>\n<name>x</name>\n<memory>65536</memory>\n" OS
                   "\n<features>\n<acpi>yes</acpi>\n</features>\n</domain>",
                   VIR_ERR_XML_INVALID_SCHEMA, "line 5", "features", NULL);
}

static void formatted_output_validates_against_schema(void)
{
    g_autofree char *xml = read_corpus("good", "everything.xml");
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    g_autofree char *out = vd_domain_def_format(def, 3);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(xmlDoc) doc = vd_xml_read(out, "out", &err);
    g_assert_nonnull(doc);
    g_assert_true(vd_schema_validate(doc, VD_SCHEMA_DOMAIN, &err));
}

static void external_entities_are_not_loaded(void)
{
    g_autofree char *xml = g_strdup_printf(
        "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        "<domain type='vireo'><name>&x;</name><memory>65536</memory>" OS "</domain>");
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, &err);
    if (def)
        g_assert_null(strstr(def->name, "root:"));
}

/* Untrusted input: thousands of corrupted documents (bytes flipped, cut short, spliced)
 * each end in a definition that formats and parses again, or in an error with a message. */
static void mutated_documents_end_in_definition_or_error(void)
{
    static const char *const seeds[] = {"everything.xml", "virt-install-graphics-none.xml",
                                        "boot-from-disk.xml"};
    static const char alphabet[] = "<>/='\" &;:x0-9\n ";
    GRand *rand = g_rand_new_with_seed(20261122);
    unsigned defs = 0, errors = 0;
    for (unsigned s = 0; s < G_N_ELEMENTS(seeds); s++) {
        g_autofree char *xml = read_corpus("good", seeds[s]);
        size_t len = strlen(xml);
        for (unsigned i = 0; i < 1500; i++) {
            g_autofree char *m = g_strdup(xml);
            unsigned edits = g_rand_int_range(rand, 1, 6);
            for (unsigned e = 0; e < edits; e++) {
                size_t at = g_rand_int_range(rand, 0, (gint32)len);
                switch (g_rand_int_range(rand, 0, 3)) {
                case 0:
                    m[at] = alphabet[g_rand_int_range(rand, 0, sizeof(alphabet) - 1)];
                    break;
                case 1:
                    m[at] = '\0'; /* cut short */
                    break;
                default: /* copy a run from elsewhere over this spot */
                {
                    size_t from = g_rand_int_range(rand, 0, (gint32)len);
                    size_t n = MIN(MIN(len - at, len - from), 24u);
                    memmove(m + at, xml + from, n);
                }
                }
            }
            g_autoptr(vd_error) err = NULL;
            g_autoptr(vd_domain_def) def = vd_domain_def_parse(m, NULL, &err);
            if (def) {
                g_autofree char *out = vd_domain_def_format(def, -1);
                g_autoptr(vd_domain_def) again = vd_domain_def_parse(out, NULL, &err);
                g_assert_nonnull(again);
                defs++;
            } else {
                g_assert_nonnull(err);
                g_assert_nonnull(err->message);
                g_assert_cmpint(err->code, >, 0);
                errors++;
            }
        }
    }
    g_rand_free(rand);
    g_test_message("%u mutants parsed, %u refused", defs, errors);
    g_assert_cmpuint(errors, >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_autoptr(GDir) dir = g_dir_open(CORPUS_DIR "/good", 0, NULL);
    g_assert_nonnull(dir);
    for (const char *name; (name = g_dir_read_name(dir));) {
        g_autofree char *path = g_strdup_printf("/domain-xml/round-trip/%s", name);
        g_test_add_data_func_full(path, g_strdup(name), corpus_document_round_trips, g_free);
    }
    g_test_add_func("/domain-xml/everything-keeps-every-value", everything_keeps_every_value);
    g_test_add_func("/domain-xml/virt-install-devices-become-virtio",
                    virt_install_devices_become_virtio);
    g_test_add_func("/domain-xml/ide-disk-takes-next-free-vd-name",
                    ide_disk_takes_next_free_vd_name);
    g_test_add_func("/domain-xml/missing-uuid-and-mac-are-generated",
                    missing_uuid_and_mac_are_generated);
    g_test_add_func("/domain-xml/virt-install-default-xml-is-refused-naming-graphics",
                    virt_install_default_xml_is_refused_naming_graphics);
    g_test_add_func("/domain-xml/unsupported-constructs-are-refused-by-name",
                    unsupported_constructs_are_refused_by_name);
    g_test_add_func("/domain-xml/invalid-values-are-xml-errors", invalid_values_are_xml_errors);
    g_test_add_func("/domain-xml/malformed-xml-error-names-the-line",
                    malformed_xml_error_names_the_line);
    g_test_add_func("/domain-xml/schema-violation-is-refused-with-line",
                    schema_violation_is_refused_with_line);
    g_test_add_func("/domain-xml/formatted-output-validates-against-schema",
                    formatted_output_validates_against_schema);
    g_test_add_func("/domain-xml/mutated-documents-end-in-definition-or-error",
                    mutated_documents_end_in_definition_or_error);
    g_test_add_func("/domain-xml/external-entities-are-not-loaded",
                    external_entities_are_not_loaded);
    return g_test_run();
}
