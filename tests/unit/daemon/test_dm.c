/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model's side of domain XML (vd-domain-parse.c, vd-domain-format.c) and of
 * the daemon (vd-dm-config.c): virtio disks, interfaces, rng and balloon parse and format
 * as libvirt users expect, other buses become virtio, slots are assigned in a stable order,
 * and the configuration file vireo-dm reads is exactly the contract's.
 */
#include <string.h>

#include "test-blk-stats.h"
#include "test-contains.h"
#include "test-domain-corpus.h"
#include "vd-dm.h"
#include "vd-domain-xml.h"
#include "vd-libvirt.h"

#define HEAD                                                                                       \
    "<domain type='vireo'><name>guest1</name>"                                                     \
    "<uuid>0f3c55e1-6a64-4f39-a0a5-9f0e3c9ad7e1</uuid><memory unit='MiB'>256</memory>"             \
    "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
#define TAIL "</devices></domain>"
#define FILE_DISK(src, dev)                                                                        \
    "<disk type='file'><source file='" src "'/><target dev='" dev "'/></disk>"

static void assert_refused(const char *xml, int code, const char *needle)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, &err);
    g_assert_null(def);
    g_assert_nonnull(err);
    g_test_message("refused: %d %s", err->code, err->message);
    g_assert_cmpint(err->code, ==, code);
    g_assert_nonnull(strstr(err->message, needle));
}

static void virtio_devices_keep_every_value(void)
{
    g_autofree char *xml = read_corpus("good", "virtio-devices.xml");
    g_autoptr(vd_domain_def) def = parse_ok(xml);
    g_autofree char *out = vd_domain_def_format(def, -1);
    const char *expected[] = {
        "<disk type=\"file\" device=\"disk\">",
        "<driver name=\"qemu\" type=\"qcow2\" cache=\"none\" discard=\"unmap\"/>",
        "<source file=\"/var/lib/vireo/images/root.qcow2\"/>",
        "<target dev=\"vdb\" bus=\"virtio\"/>",
        "<serial>ROOT-1</serial>",
        "<source dev=\"/dev/vg0/data\"/>",
        "<target dev=\"vda\" bus=\"virtio\"/>",
        "<shareable/>",
        "<disk type=\"network\" device=\"disk\">",
        "<driver name=\"qemu\" type=\"raw\" cache=\"writeback\"/>",
        "<source protocol=\"nbd\" name=\"export1\">",
        "<host name=\"nbd.example.org\" port=\"10810\"/>",
        "<source protocol=\"nbd\">",
        "<host transport=\"unix\" socket=\"/run/nbd/sock\"/>",
        "<disk type=\"file\" device=\"cdrom\">",
        /* the IDE cdrom is a read-only virtio disk with the next free name */
        "<target dev=\"vde\" bus=\"virtio\"/>\n      <readonly/>",
        "<interface type=\"network\">",
        "<source network=\"default\"/>",
        "<memballoon model=\"none\"/>",
        "<rng model=\"virtio\">\n      <backend model=\"random\">/dev/urandom</backend>",
    };
    assert_contains_all(out, expected, G_N_ELEMENTS(expected));
    g_assert_null(strstr(out, "e1000"));  /* presented as virtio */
    g_assert_null(strstr(out, "ide"));    /* likewise */
    g_assert_null(strstr(out, "vif3.1")); /* a running domain's tap name, not configuration */
    g_assert_cmpuint(vd_domain_dm_device_count(def), ==, 8);
}

static void interface_tap_is_shown_only_while_running(void)
{
    g_autoptr(vd_domain_def) def =
        parse_ok(HEAD "<interface type='bridge'><source bridge='br0'/><target dev='vif5.0'/>"
                      "</interface>" TAIL);
    g_autofree char *inactive = vd_domain_def_format(def, -1);
    g_assert_null(strstr(inactive, "<target"));
    g_autofree char *running = vd_domain_def_format(def, 5);
    g_assert_nonnull(strstr(running, "<target dev=\"vif5.0\"/>"));
    /* The MAC is generated once and kept in the definition. */
    vd_net_def *net = def->nets->pdata[0];
    g_autofree char *mac = g_strdup_printf("<mac address=\"52:54:00:%02x:%02x:%02x\"/>",
                                           net->mac[3], net->mac[4], net->mac[5]);
    g_assert_nonnull(strstr(inactive, mac));
    g_autoptr(vd_domain_def) again = parse_ok(inactive);
    g_assert_cmpmem(((vd_net_def *)again->nets->pdata[0])->mac, 6, net->mac, 6);
}

/* As libvirt reads a target without bus: hdX IDE, sdX SCSI, xvdX Xen, vdX virtio. The
 * others become virtio disks named with the next free vdX, in document order. */
static void target_without_bus_takes_it_from_its_prefix(void)
{
    g_autoptr(vd_domain_def) def = parse_ok(HEAD FILE_DISK("/a", "sda") FILE_DISK(
        "/b", "vda") FILE_DISK("/c", "hdb") FILE_DISK("/d", "xvda") FILE_DISK("/e", "vdc") TAIL);
    const char *want[] = {"vdb", "vda", "vdd", "vde", "vdc"};
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++)
        g_assert_cmpstr(((vd_disk_def *)def->disks->pdata[i])->target, ==, want[i]);
    g_autofree char *out = vd_domain_def_format(def, -1);
    g_assert_null(strstr(out, "sda"));
    g_assert_null(strstr(out, "bus=\"scsi\""));
}

static void disk_errors_are_libvirts(void)
{
    /* libvirt's own words for two disks on one target. */
    assert_refused(HEAD FILE_DISK("/a", "vda") FILE_DISK("/b", "vda") TAIL, VIR_ERR_XML_ERROR,
                   "target 'vda' duplicated for disk sources '/a' and '/b'");
    assert_refused(HEAD "<disk type='file'><source file='/a'/><target dev='vda' bus='usb'/>"
                        "</disk>" TAIL,
                   VIR_ERR_CONFIG_UNSUPPORTED, "disk bus 'usb'");
    assert_refused(HEAD "<disk type='file'><source file='/a'/><target dev='vd1'/></disk>" TAIL,
                   VIR_ERR_XML_ERROR, "virtio disk target 'vd1' must be named vdX");
    assert_refused(HEAD "<disk type='network'><source protocol='nbd'/><target dev='vda'/>"
                        "</disk>" TAIL,
                   VIR_ERR_XML_ERROR, "nbd disk source has no <host>");
    assert_refused(HEAD "<disk type='file'><driver name='qemu' cache='sometimes'/>"
                        "<source file='/a'/><target dev='vda'/></disk>" TAIL,
                   VIR_ERR_CONFIG_UNSUPPORTED, "disk cache mode 'sometimes'");
}

static void more_than_eight_devices_are_refused(void)
{
    GString *xml = g_string_new(HEAD);
    for (char c = 'a'; c <= 'h'; c++)
        g_string_append_printf(xml, FILE_DISK("/d%c", "vd%c"), c, c);
    g_autofree char *eight = g_strconcat(xml->str, TAIL, NULL);
    g_autoptr(vd_domain_def) def = parse_ok(eight);
    g_string_append(xml, "<rng model='virtio'><backend model='random'/></rng>" TAIL);
    assert_refused(xml->str, VIR_ERR_CONFIG_UNSUPPORTED,
                   "domain 'guest1' has 9 virtio devices (disks, interfaces, rng, memballoon): "
                   "Vireo's device model serves at most 8");
    g_string_free(xml, TRUE);
}

/* Disks by target (so the guest's probe order names them as the XML does), then the
 * interfaces in document order, the rng, the balloon. */
static void slots_follow_disks_by_target_then_interfaces_rng_balloon(void)
{
    g_autoptr(vd_domain_def) def = parse_ok(
        HEAD
        "<memballoon model='virtio'/>"
        "<rng model='virtio'><backend model='random'/></rng>" FILE_DISK(
            "/b",
            "vdb") "<interface type='bridge'><source bridge='br0'/></interface>" FILE_DISK("/aa",
                                                                                           "vdaa")
            FILE_DISK("/a",
                      "vda") "<interface type='bridge'><source bridge='br1'/></interface>" TAIL);
    vd_dm_device slots[VD_DM_SLOTS];
    g_assert_cmpuint(vd_dm_assign_slots(def, slots), ==, 7);
    const vd_dm_device want[] = {{VD_DM_DISK, 2}, {VD_DM_DISK, 0}, {VD_DM_DISK, 1},
                                 {VD_DM_NET, 0},  {VD_DM_NET, 1},  {VD_DM_RNG, 0},
                                 {VD_DM_BALLOON, 0}};
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_cmpint(slots[i].kind, ==, want[i].kind);
        g_assert_cmpuint(slots[i].index, ==, want[i].index);
    }
    g_assert_cmphex(vd_dm_slot_mask(def), ==, 0x7f);
    g_assert_cmpint(def->balloon, ==, VD_BALLOON_VIRTIO);
    g_assert_cmpstr(def->rng, ==, "/dev/urandom"); /* libvirt's default backend */

    g_autoptr(vd_domain_def) none = parse_ok(HEAD "<memballoon model='none'/>" TAIL);
    g_assert_cmphex(vd_dm_slot_mask(none), ==, 0);
}

static void config_file_is_the_contract(void)
{
    g_autoptr(vd_domain_def) def = parse_ok(
        HEAD "<disk type='file'><driver name='qemu' type='qcow2'/>"
             "<source file='/var/lib/vireo/images/a.qcow2'/><target dev='vda'/></disk>"
             "<disk type='network'><driver name='qemu' type='raw' cache='none' discard='unmap'/>"
             "<source protocol='nbd' name='exp'><host name='10.0.2.2' port='10809'/></source>"
             "<target dev='vdb'/><readonly/><serial>S1</serial></disk>"
             "<disk type='network'><source protocol='nbd'><host transport='unix' "
             "socket='/run/n.sock'/></source><target dev='vdc'/></disk>"
             "<interface type='bridge'><mac address='52:54:00:12:34:56'/>"
             "<source bridge='br0'/></interface>"
             "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
             "<memballoon model='virtio'/>" TAIL);
    vd_net_def *net = def->nets->pdata[0];
    net->ifname = vd_dm_ifname(5, 0);
    g_autofree char *text = vd_dm_config_text(def, 5, "/run/vireo/dm/5");
    const char *expected = "[vireo-dm]\n"
                           "domid=5\n"
                           "name=guest1\n"
                           "memory_bytes=268435456\n"
                           "runtime_dir=/run/vireo/dm/5\n"
                           "\n"
                           "[device.0]\n"
                           "slot=0\n"
                           "type=disk\n"
                           "target=vda\n"
                           "source_type=file\n"
                           "path=/var/lib/vireo/images/a.qcow2\n"
                           "format=qcow2\n"
                           "readonly=false\n"
                           "cache=default\n"
                           "discard=ignore\n"
                           "serial=\n"
                           "\n"
                           "[device.1]\n"
                           "slot=1\n"
                           "type=disk\n"
                           "target=vdb\n"
                           "source_type=network\n"
                           "protocol=nbd\n"
                           "host=10.0.2.2\n"
                           "port=10809\n"
                           "export=exp\n"
                           "format=raw\n"
                           "readonly=true\n"
                           "cache=none\n"
                           "discard=unmap\n"
                           "serial=S1\n"
                           "\n"
                           "[device.2]\n"
                           "slot=2\n"
                           "type=disk\n"
                           "target=vdc\n"
                           "source_type=network\n"
                           "protocol=nbd\n"
                           "socket=/run/n.sock\n"
                           "export=\n"
                           "format=raw\n"
                           "readonly=false\n"
                           "cache=default\n"
                           "discard=ignore\n"
                           "serial=\n"
                           "\n"
                           "[device.3]\n"
                           "slot=3\n"
                           "type=net\n"
                           "mac=52:54:00:12:34:56\n"
                           "ifname=vif5.0\n"
                           "tap_fd=4\n"
                           "\n"
                           "[device.4]\n"
                           "slot=4\n"
                           "type=rng\n"
                           "source=/dev/urandom\n"
                           "\n"
                           "[device.5]\n"
                           "slot=5\n"
                           "type=balloon\n";
    g_assert_cmpstr(text, ==, expected);
}

/* The contents' fault, as vd_dm_blk_stats_find words it; NULL if it found the disk. */
static char *stats_fault(const void *file, size_t len, const char *target)
{
    struct vireo_dm_blk_stats out;
    char *why = NULL;
    if (vd_dm_blk_stats_find(file, len, target, &out, &why)) {
        g_assert_null(why);
        return NULL;
    }
    g_assert_nonnull(why);
    g_test_message("%s: %s", target, why);
    return why;
}

static void assert_says(const char *why, const char *needle)
{
    assert_contains_all(why, &needle, 1);
}

static void blk_stats_file_gives_each_disks_counters(void)
{
    test_blk_stats_file f = test_blk_stats_file_make();
    struct vireo_dm_blk_stats out;
    char *why = NULL;
    g_assert_true(vd_dm_blk_stats_find(&f, sizeof(f), "vda", &out, &why));
    g_assert_cmpuint(out.rd_req, ==, 3);
    g_assert_cmpuint(out.rd_bytes, ==, 12288);
    g_assert_cmpuint(out.wr_req, ==, 2);
    g_assert_cmpuint(out.wr_bytes, ==, 8192);
    g_assert_cmpuint(out.flush_req, ==, 1);
    g_assert_cmpuint(out.errs, ==, 4);
    g_assert_true(vd_dm_blk_stats_find(&f, sizeof(f), "vdb", &out, &why));
    g_assert_cmpuint(out.rd_req, ==, 7);
}

static void blk_stats_file_short_or_foreign_is_refused_saying_why(void)
{
    test_blk_stats_file f = test_blk_stats_file_make();
    g_autofree char *empty = stats_fault(&f, 0, "vda");
    g_autofree char *half_header = stats_fault(&f, sizeof(f.h) - 1, "vda");
    g_autofree char *half_records = stats_fault(&f, sizeof(f) - 1, "vda");
    assert_says(empty, "shorter than its header");
    assert_says(half_header, "shorter than its header");
    assert_says(half_records, "too short for its 8 records");
    f.h.magic ^= 1;
    g_autofree char *magic = stats_fault(&f, sizeof(f), "vda");
    assert_says(magic, "not a vireo-dm stats file");
    f = test_blk_stats_file_make();
    f.h.version = 2;
    g_autofree char *version = stats_fault(&f, sizeof(f), "vda");
    assert_says(version, "version 2");
    f = test_blk_stats_file_make();
    f.h.record_size = 64;
    g_autofree char *size = stats_fault(&f, sizeof(f), "vda");
    assert_says(size, "records of 64 bytes");
}

static void blk_stats_file_without_the_disk_names_it(void)
{
    test_blk_stats_file f = test_blk_stats_file_make();
    g_autofree char *unknown = stats_fault(&f, sizeof(f), "vdc");
    g_autofree char *empty_target = stats_fault(&f, sizeof(f), "");
    assert_says(unknown, "no record for disk 'vdc'");
    assert_says(empty_target, "no record for disk ''");
}

/* <memballoon autodeflate='on'><stats period='N'/> survive a round trip and reach
 * vireo-dm's config; without them the keys are left to vireo-dm's defaults. */
static void balloon_options_reach_the_device_model(void)
{
    g_autoptr(vd_domain_def) def = parse_ok(
        HEAD "<memballoon model='virtio' autodeflate='on'><stats period='10'/></memballoon>" TAIL);
    g_assert_cmpint(def->balloon_period, ==, 10);
    g_assert_true(def->balloon_autodeflate);
    g_autofree char *xml = vd_domain_def_format(def, -1);
    g_assert_nonnull(strstr(xml, "<memballoon model=\"virtio\" autodeflate=\"on\">"));
    g_assert_nonnull(strstr(xml, "<stats period=\"10\"/>"));
    g_autofree char *text = vd_dm_config_text(def, 5, "/run/vireo/dm/5");
    g_assert_nonnull(strstr(text, "type=balloon\nstats_period=10\ndeflate_on_oom=true\n"));

    g_autoptr(vd_domain_def) plain = parse_ok(HEAD "<memballoon model='virtio'/>" TAIL);
    g_assert_cmpint(plain->balloon_period, ==, -1);
    g_autofree char *plain_text = vd_dm_config_text(plain, 5, "/run/vireo/dm/5");
    g_assert_null(strstr(plain_text, "stats_period"));
    g_assert_null(strstr(plain_text, "deflate_on_oom"));
}

/* The balloon file vireo-dm writes becomes libvirt's memory statistics in tag order, in
 * KiB; what the guest did not report is left out; a broken file is refused saying why. */
static void balloon_file_gives_libvirts_memory_stats(void)
{
    const char *text = "[balloon]\nram-kib=262144\ntarget-kib=131072\nactual-kib=131072\n"
                       "given-back-kib=131072\n\n[guest]\nlast-update=1765000000\n"
                       "swap-in-bytes=0\nmajor-faults=12\nminor-faults=3400\n"
                       "free-bytes=52428800\ntotal-bytes=125829120\n"
                       "available-bytes=62914560\ndisk-caches-bytes=1048576\n";
    vd_memory_stat out[VD_MEMORY_STATS_MAX];
    char *why = NULL;
    int n = vd_dm_balloon_stats_parse(text, strlen(text), out, G_N_ELEMENTS(out), &why);
    g_assert_null(why);
    const vd_memory_stat want[] = {
        {VIR_DOMAIN_MEMORY_STAT_SWAP_IN, 0},         {VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, 12},
        {VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, 3400},  {VIR_DOMAIN_MEMORY_STAT_UNUSED, 51200},
        {VIR_DOMAIN_MEMORY_STAT_AVAILABLE, 122880},  {VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, 131072},
        {VIR_DOMAIN_MEMORY_STAT_USABLE, 61440},      {VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, 1765000000},
        {VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, 1024},
    };
    g_assert_cmpint(n, ==, G_N_ELEMENTS(want));
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_cmpint(out[i].tag, ==, want[i].tag);
        g_assert_cmpuint(out[i].value, ==, want[i].value);
    }
    /* Before the guest's first report: the balloon's size only. */
    const char *early = "[balloon]\nactual-kib=262144\n";
    g_assert_cmpint(vd_dm_balloon_stats_parse(early, strlen(early), out, 2, &why), ==, 1);
    g_assert_cmpint(out[0].tag, ==, VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON);
    g_assert_cmpuint(out[0].value, ==, 262144);
    g_assert_cmpint(vd_dm_balloon_stats_parse(text, strlen(text), out, 3, &why), ==, 3);
    const char *broken = "[balloon]\nram-kib=1\n";
    g_assert_cmpint(vd_dm_balloon_stats_parse(broken, strlen(broken), out, 2, &why), ==, -1);
    g_assert_nonnull(strstr(why, "actual-kib"));
    g_free(why);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/dm/virtio-devices-keep-every-value", virtio_devices_keep_every_value);
    g_test_add_func("/dm/interface-tap-is-shown-only-while-running",
                    interface_tap_is_shown_only_while_running);
    g_test_add_func("/dm/target-without-bus-takes-it-from-its-prefix",
                    target_without_bus_takes_it_from_its_prefix);
    g_test_add_func("/dm/disk-errors-are-libvirts", disk_errors_are_libvirts);
    g_test_add_func("/dm/more-than-eight-devices-are-refused", more_than_eight_devices_are_refused);
    g_test_add_func("/dm/slots-follow-disks-by-target-then-interfaces-rng-balloon",
                    slots_follow_disks_by_target_then_interfaces_rng_balloon);
    g_test_add_func("/dm/config-file-is-the-contract", config_file_is_the_contract);
    g_test_add_func("/dm/balloon-options-reach-the-device-model",
                    balloon_options_reach_the_device_model);
    g_test_add_func("/dm/balloon-file-gives-libvirts-memory-stats",
                    balloon_file_gives_libvirts_memory_stats);
    g_test_add_func("/dm/blk-stats-file-gives-each-disks-counters",
                    blk_stats_file_gives_each_disks_counters);
    g_test_add_func("/dm/blk-stats-file-short-or-foreign-is-refused-saying-why",
                    blk_stats_file_short_or_foreign_is_refused_saying_why);
    g_test_add_func("/dm/blk-stats-file-without-the-disk-names-it",
                    blk_stats_file_without_the_disk_names_it);
    return g_test_run();
}
