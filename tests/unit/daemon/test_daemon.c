/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's bookkeeping through the driver API (vd-driver.h): configuration calls on
 * a machine without hv, start refused there with libvirt's error, name/uuid uniqueness,
 * transient -> persistent, events, restart recovery and on_* actions. Lifecycle cases
 * use fake-hv.c in place of the backend; they test the daemon, not hv.
 */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "fake-hv.h"
#include "test-blk-stats.h"
#include "test-contains.h"
#include "vd-dm.h"
#include "vd-store.h"
#include "vd-daemon.h"
#include "vd-host.h"
#include "vd-libvirt.h"
#include "vd-save-image.h"
#include "vd-storage.h"

typedef struct fixture {
    char *root;
    vd_config *cfg;
    GHashTable *hv_domains; /* the fake hv's domains survive daemon restarts */
    fake_hv *hv;            /* NULL: the real backend, with no /dev/vireo */
    vd_daemon *d;
    GString *events; /* "name:event/detail " per delivered event */
    uint64_t client; /* the connection migrate_until_finish prepared on, as a destination */
} fixture;

static void record_event(const vd_domain_ref *dom, int event_id, int event, int detail, void *user)
{
    if (event_id == VIR_DOMAIN_EVENT_ID_REBOOT)
        g_string_append_printf(user, "%s:reboot ", dom->name);
    else
        g_string_append_printf(user, "%s:%d/%d ", dom->name, event, detail);
}

/* hv's notices are acted on in the daemon's background thread: wait for that too. */
static vd_daemon *current_daemon;

static void drain_events(void)
{
    if (current_daemon)
        vd_daemon_settle(current_daemon);
    while (g_main_context_iteration(NULL, FALSE))
        ;
}

static void start_daemon(fixture *f, bool with_fake_hv)
{
    vd_hv *hv;
    if (with_fake_hv) {
        f->hv = fake_hv_new(f->hv_domains);
        hv = &f->hv->base;
    } else {
        hv = vd_hv_open(f->cfg->hv_device);
    }
    g_autoptr(vd_error) err = NULL;
    f->d = vd_daemon_new(f->cfg, hv, &err);
    g_assert_nonnull(f->d);
    current_daemon = f->d;
    vd_daemon_add_lifecycle_listener(f->d, record_event, f->events);
}

static void stop_daemon(fixture *f)
{
    drain_events();
    vd_daemon_free(f->d);
    current_daemon = NULL;
    f->d = NULL;
    f->hv = NULL;
}

static void setup(fixture *f, gconstpointer with_fake_hv)
{
    g_autoptr(GError) err = NULL;
    f->root = g_dir_make_tmp("vd-daemon-XXXXXX", &err);
    f->cfg = vd_config_new(f->root);
    g_free(f->cfg->hv_device);
    f->cfg->hv_device = g_build_filename(f->root, "dev", "vireo", NULL);
    g_assert_true(vd_config_make_dirs(f->cfg, &err));
    f->hv_domains = fake_hv_domains_new();
    f->events = g_string_new(NULL);
    /* The missing-hv backend announces itself with a g_message: not a failure. */
    start_daemon(f, with_fake_hv != NULL);
}

static void teardown(fixture *f, gconstpointer data)
{
    (void)data;
    if (f->d)
        stop_daemon(f);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->root);
    g_assert_cmpint(system(cmd), ==, 0);
    g_hash_table_unref(f->hv_domains);
    g_string_free(f->events, TRUE);
    vd_config_free(f->cfg);
    g_free(f->root);
}

static const void *const WITH_FAKE_HV = "fake";

static char *domain_xml(const char *name, const char *uuid, const char *extra)
{
    return g_strdup_printf(
        "<domain type='vireo'><name>%s</name>%s%s%s<memory unit='MiB'>256</memory>"
        "<vcpu current='1'>2</vcpu><os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>"
        "<devices><console type='pty'/></devices>%s</domain>",
        name, uuid ? "<uuid>" : "", uuid ? uuid : "", uuid ? "</uuid>" : "", extra ? extra : "");
}

static vd_domain_ref *define(fixture *f, const char *name, const char *uuid)
{
    g_autofree char *xml = domain_xml(name, uuid, NULL);
    g_autoptr(vd_error) err = NULL;
    vd_domain_ref *ref = vd_domain_define_xml(f->d, xml, 0, &err);
    if (!ref)
        g_test_message("define failed: %s", err->message);
    g_assert_nonnull(ref);
    return ref;
}

static void assert_state(vd_daemon *d, const vd_domain_ref *ref, int want_state, int want_reason)
{
    g_autoptr(vd_error) err = NULL;
    int state, reason;
    g_assert_true(vd_domain_get_state(d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, want_state);
    g_assert_cmpint(reason, ==, want_reason);
}

static void assert_error(vd_error *err, int code, const char *needle)
{
    g_assert_nonnull(err);
    g_test_message("error %d/%d: %s", err->code, err->domain, err->message);
    g_assert_cmpint(err->code, ==, code);
    g_assert_nonnull(strstr(err->message, needle));
}

static void without_hv_configuration_works_and_start_is_refused(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_domain_ref) ref = define(f, "plain", NULL);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(GPtrArray) all = vd_domain_list_all(
        f->d, VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE, &err);
    g_assert_cmpuint(all->len, ==, 1);
    g_autofree char *xml = vd_domain_get_xml_desc(f->d, ref, 0, &err);
    g_assert_nonnull(strstr(xml, "<name>plain</name>"));
    g_assert_cmpint(vd_domain_is_persistent(f->d, ref, &err), ==, 1);

    g_assert_false(vd_domain_create(f->d, ref, 0, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "Vireo hypervisor not present: ");
    g_assert_cmpint(err->domain, ==, VIR_FROM_DOMAIN);
    g_assert_nonnull(strstr(err->message, "/dev/vireo not found"));
    g_clear_pointer(&err, vd_error_free);

    g_autofree char *other = domain_xml("other", NULL, NULL);
    g_assert_null(vd_domain_create_xml(f->d, other, 0, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "hypervisor not present");
    g_clear_pointer(&err, vd_error_free);
    g_assert_null(vd_domain_lookup_by_name(f->d, "other", &err)); /* nothing pretends */
    assert_error(err, VIR_ERR_NO_DOMAIN, "Domain not found: no domain with matching name 'other'");
    g_clear_pointer(&err, vd_error_free);

    int state, reason;
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_SHUTOFF);
    g_assert_false(vd_domain_shutdown(f->d, ref, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "domain is not running");
    g_clear_pointer(&err, vd_error_free);

    g_assert_true(vd_domain_set_autostart(f->d, ref, true, &err));
    bool on = false;
    g_assert_true(vd_domain_get_autostart(f->d, ref, &on, &err) && on);
    g_assert_true(vd_domain_set_memory(f->d, ref, 128 * 1024, 0, &err));
    g_assert_true(vd_domain_set_vcpus(f->d, ref, 2, 0, &err));
    g_assert_cmpint(vd_domain_get_vcpus_flags(f->d, ref, 0, &err), ==, 2);
    g_assert_true(vd_domain_undefine(f->d, ref, 0, &err));
    g_assert_null(vd_domain_lookup_by_uuid(f->d, ref->uuid, &err));
    assert_error(err, VIR_ERR_NO_DOMAIN, "no domain with matching uuid");
    drain_events();
    g_assert_cmpstr(f->events->str, ==, "plain:0/0 plain:1/0 ");
}

/* virDomainSetMemoryStatsPeriod on a defined domain: the definition's <stats period>;
 * what libvirt refuses is refused with its codes. The live path is the node's test. */
static void stats_period_goes_to_the_definition(fixture *f, gconstpointer u)
{
    (void)u;
    static const char xml[] =
        "<domain type='vireo'><name>ballooned</name><memory unit='MiB'>256</memory>"
        "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>"
        "<devices><memballoon model='virtio'/></devices></domain>";
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = vd_domain_define_xml(f->d, xml, 0, &err);
    g_assert_nonnull(ref);
    g_assert_true(vd_domain_set_memory_stats_period(f->d, ref, 3, 0, &err));
    g_autofree char *out = vd_domain_get_xml_desc(f->d, ref, 0, &err);
    g_assert_nonnull(strstr(out, "<stats period=\"3\"/>"));

    g_assert_false(vd_domain_set_memory_stats_period(f->d, ref, -1, 0, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "invalid statistics period -1");
    g_clear_pointer(&err, vd_error_free);
    g_assert_false(vd_domain_set_memory_stats_period(f->d, ref, 3, VIR_DOMAIN_AFFECT_LIVE, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "not running");
    g_clear_pointer(&err, vd_error_free);

    g_autoptr(vd_domain_ref) plain = define(f, "plain", NULL);
    g_assert_false(vd_domain_set_memory_stats_period(f->d, plain, 3, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID,
                 "domain 'plain' has no virtio memory balloon to collect statistics");
}

/* A disk without <driver type> on a pool's volume opens as the pool knows the volume
 * (virt-install writes no type for Vireo): qcow2 and raw volumes say so, a qcow2 with a
 * backing file and a file outside any pool say nothing (the disk stays raw). */
static void volumes_tell_their_format_to_disks_without_one(fixture *f, gconstpointer u)
{
    (void)u;
    g_autofree char *dir = g_build_filename(f->root, "images", NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_autofree char *pool_xml = g_strdup_printf(
        "<pool type='dir'><name>imgs</name><target><path>%s</path></target></pool>", dir);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_ref) pool = vd_pool_create_xml(f->d, pool_xml, 0, &err);
    g_assert_nonnull(pool);
    static const char *const vols[] = {
        "<volume><name>q.qcow2</name><capacity unit='M'>16</capacity>"
        "<target><format type='qcow2'/></target></volume>",
        "<volume><name>r.img</name><capacity unit='M'>16</capacity>"
        "<target><format type='raw'/></target></volume>",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(vols); i++) {
        g_autoptr(vd_vol_ref) vol = vd_vol_create_xml(f->d, pool, vols[i], 0, &err);
        if (!vol)
            g_test_message("volume refused: %s", err->message);
        g_assert_nonnull(vol);
    }
    g_autofree char *q = g_build_filename(dir, "q.qcow2", NULL);
    g_autofree char *r = g_build_filename(dir, "r.img", NULL);
    g_autofree char *b = g_build_filename(dir, "b.qcow2", NULL);
    g_autofree char *cmd = g_strdup_printf("qemu-img create -q -f qcow2 -b %s -F qcow2 %s", q, b);
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, NULL, NULL));
    g_assert_true(vd_pool_refresh(f->d, pool, 0, &err));
    g_autofree char *qf = vd_vol_format_of_path(f->d, q);
    g_autofree char *rf = vd_vol_format_of_path(f->d, r);
    g_autofree char *bf = vd_vol_format_of_path(f->d, b);
    g_autofree char *none = vd_vol_format_of_path(f->d, "/nowhere/x.qcow2");
    g_assert_cmpstr(qf, ==, "qcow2");
    g_assert_cmpstr(rf, ==, "raw");
    g_assert_null(bf);
    g_assert_null(none);
}

static void names_and_uuids_stay_unique(fixture *f, gconstpointer u)
{
    (void)u;
    const char *u1 = "11111111-2222-3333-4444-555555555555";
    g_autoptr(vd_domain_ref) a = define(f, "a", u1);
    g_autoptr(vd_error) err = NULL;
    g_autofree char *same_uuid = domain_xml("b", u1, NULL);
    g_assert_null(vd_domain_define_xml(f->d, same_uuid, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "domain 'a' is already defined with uuid ");
    g_clear_pointer(&err, vd_error_free);
    g_autofree char *same_name = domain_xml("a", "11111111-2222-3333-4444-666666666666", NULL);
    g_assert_null(vd_domain_define_xml(f->d, same_name, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "domain 'a' already exists with uuid");
    g_clear_pointer(&err, vd_error_free);
    g_autoptr(vd_domain_ref) again = define(f, "a", u1); /* same pair: an update */
    g_autoptr(GPtrArray) all = vd_domain_list_all(f->d, 0, &err);
    g_assert_cmpuint(all->len, ==, 1);
}

static void foreign_emulator_is_refused(fixture *f, gconstpointer u)
{
    (void)u;
    g_autofree char *xml = domain_xml("emu", NULL, NULL);
    char *devices = strstr(xml, "<devices>") + strlen("<devices>");
    g_autofree char *with_emu =
        g_strdup_printf("%.*s<emulator>/usr/bin/qemu-system-x86_64</emulator>%s",
                        (int)(devices - xml), xml, devices);
    g_autoptr(vd_error) err = NULL;
    g_assert_null(vd_domain_define_xml(f->d, with_emu, 0, &err));
    assert_error(err, VIR_ERR_CONFIG_UNSUPPORTED, "emulator '/usr/bin/qemu-system-x86_64'");
}

static void create_then_define_makes_running_domain_persistent(fixture *f, gconstpointer u)
{
    (void)u;
    g_autofree char *xml = domain_xml("vi1", "87b856fa-2e68-4e57-9164-01025715367e", NULL);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = vd_domain_create_xml(f->d, xml, 0, 0, &err);
    g_assert_nonnull(ref);
    g_assert_cmpint(ref->id, >, 0);
    g_assert_cmpint(vd_domain_is_persistent(f->d, ref, &err), ==, 0);
    g_autoptr(vd_domain_ref) defined = vd_domain_define_xml(f->d, xml, 0, &err);
    g_assert_nonnull(defined);
    g_assert_cmpint(defined->id, ==, ref->id);
    g_assert_cmpint(vd_domain_is_persistent(f->d, ref, &err), ==, 1);
    g_assert_cmpint(vd_domain_is_active(f->d, ref, &err), ==, 1);
    g_autofree char *path = g_build_filename(f->cfg->domains_dir, "vi1.xml", NULL);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    g_autofree char *live = vd_domain_get_xml_desc(f->d, ref, 0, &err);
    g_autofree char *id_attr = g_strdup_printf("id=\"%d\"", ref->id);
    g_assert_nonnull(strstr(live, id_attr));
    drain_events();
    g_assert_cmpstr(f->events->str, ==, "vi1:2/0 vi1:0/0 ");
}

static void restarted_daemon_finds_running_domains(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) p = define(f, "persistent", NULL);
    g_assert_true(vd_domain_create(f->d, p, 0, 0, &err));
    g_autofree char *txml = domain_xml("transient", NULL, NULL);
    g_autoptr(vd_domain_ref) t = vd_domain_create_xml(f->d, txml, 0, 0, &err);
    g_autoptr(vd_domain_ref) idle = define(f, "idle", NULL);
    g_autoptr(vd_domain_ref) p_running = vd_domain_lookup_by_name(f->d, "persistent", &err);
    g_assert_true(vd_domain_suspend(f->d, t, &err));

    stop_daemon(f); /* as if killed: the domains keep running in hv */
    start_daemon(f, true);

    g_autoptr(vd_domain_ref) p2 = vd_domain_lookup_by_name(f->d, "persistent", &err);
    g_autoptr(vd_domain_ref) t2 = vd_domain_lookup_by_name(f->d, "transient", &err);
    g_autoptr(vd_domain_ref) i2 = vd_domain_lookup_by_name(f->d, "idle", &err);
    g_assert_nonnull(p2);
    g_assert_nonnull(t2);
    g_assert_nonnull(i2);
    g_assert_cmpint(p2->id, ==, p_running->id);
    g_assert_cmpint(t2->id, ==, t->id);
    g_assert_cmpint(i2->id, ==, -1);
    g_assert_cmpint(vd_domain_is_persistent(f->d, t2, &err), ==, 0);
    g_assert_cmpint(vd_domain_is_persistent(f->d, p2, &err), ==, 1);
    int state, reason;
    g_assert_true(vd_domain_get_state(f->d, t2, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);

    /* A daemon that cannot reach hv leaves the status files for one that can. */
    stop_daemon(f);
    start_daemon(f, false);
    g_assert_null(vd_domain_lookup_by_name(f->d, "transient", &err));
    g_clear_pointer(&err, vd_error_free);
    g_autofree char *status = g_build_filename(f->cfg->state_dir, "transient.xml", NULL);
    g_assert_true(g_file_test(status, G_FILE_TEST_EXISTS));
    stop_daemon(f);
    start_daemon(f, true);
    g_autoptr(vd_domain_ref) t3 = vd_domain_lookup_by_name(f->d, "transient", &err);
    g_assert_nonnull(t3);

    /* A domain that ended while the daemon was away is not resurrected. */
    g_hash_table_remove(f->hv_domains, GINT_TO_POINTER(t2->id));
    stop_daemon(f);
    start_daemon(f, true);
    g_assert_null(vd_domain_lookup_by_name(f->d, "transient", &err));
}

/* The daemon died after hv built a domain and before its status file was written. */
static void restarted_daemon_adopts_a_domain_it_had_not_recorded(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) p = define(f, "unrecorded", NULL);
    g_assert_true(vd_domain_create(f->d, p, 0, 0, &err));
    g_autoptr(vd_domain_ref) running = vd_domain_lookup_by_name(f->d, "unrecorded", &err);
    g_autofree char *status = g_build_filename(f->cfg->state_dir, "unrecorded.xml", NULL);
    g_assert_true(g_file_test(status, G_FILE_TEST_EXISTS));
    g_assert_cmpint(g_unlink(status), ==, 0);
    /* where vd_domain_start_locked stands before it records: built, still paused */
    fake_domain *hv_dom = g_hash_table_lookup(f->hv_domains, GINT_TO_POINTER(running->id));
    hv_dom->info.state = VD_HV_PAUSED;

    stop_daemon(f);
    start_daemon(f, true);
    g_autoptr(vd_domain_ref) found = vd_domain_lookup_by_name(f->d, "unrecorded", &err);
    g_assert_nonnull(found);
    g_assert_cmpint(found->id, ==, running->id);
    int state, reason;
    g_assert_true(vd_domain_get_state(f->d, found, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
    g_assert_true(g_file_test(status, G_FILE_TEST_EXISTS)); /* recorded now */
    g_assert_true(vd_domain_resume(f->d, found, &err));
    g_assert_true(vd_domain_destroy(f->d, found, 0, &err));
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
}

static void unlink_before_rename(const char *tmp_path)
{
    g_unlink(tmp_path);
}

/* A guest never runs unrecorded: when the status file cannot be written the start fails
 * with the reason and hv keeps nothing. */
static void start_fails_when_the_status_cannot_be_written(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) p = define(f, "norecord", NULL);
    vd_store_before_rename_hook = unlink_before_rename;
    bool started = vd_domain_create(f->d, p, 0, 0, &err);
    vd_store_before_rename_hook = NULL;
    g_assert_false(started);
    assert_error(err, VIR_ERR_SYSTEM_ERROR, "norecord");
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
    g_assert_cmpint(vd_domain_is_active(f->d, p, &err), ==, 0);
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_create(f->d, p, 0, 0, &err)); /* and the next start works */
}

/* libvirt's events for a rename: UNDEFINED/RENAMED under the old name, DEFINED/RENAMED
 * under the new; a running domain keeps its name. */
static void rename_emits_libvirts_events_and_refuses_running_domains(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "before", NULL);
    drain_events();
    g_string_truncate(f->events, 0);
    g_assert_true(vd_domain_rename(f->d, ref, "after", 0, &err));
    drain_events();
    g_assert_cmpstr(f->events->str, ==, "before:1/1 after:0/2 ");
    g_autoptr(vd_domain_ref) renamed = vd_domain_lookup_by_name(f->d, "after", &err);
    g_assert_nonnull(renamed);
    g_assert_true(vd_domain_create(f->d, renamed, 0, 0, &err));
    g_assert_false(vd_domain_rename(f->d, renamed, "third", 0, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "cannot rename active domain");
}

static void destroy_stops_and_transient_disappears(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) p = define(f, "keep", NULL);
    g_assert_true(vd_domain_create(f->d, p, 0, 0, &err));
    g_autofree char *txml = domain_xml("gone", NULL, NULL);
    g_autoptr(vd_domain_ref) t = vd_domain_create_xml(f->d, txml, 0, 0, &err);
    g_assert_true(vd_domain_destroy(f->d, p, 0, &err));
    g_assert_true(vd_domain_destroy(f->d, t, 0, &err));
    g_assert_cmpint(vd_domain_is_active(f->d, p, &err), ==, 0);
    g_assert_cmpint(vd_domain_is_active(f->d, t, &err), ==, -1);
    assert_error(err, VIR_ERR_NO_DOMAIN, "gone");
    g_autofree char *status = g_build_filename(f->cfg->state_dir, "keep.xml", NULL);
    g_assert_false(g_file_test(status, G_FILE_TEST_EXISTS));
    drain_events();
    g_assert_cmpstr(f->events->str, ==,
                    "keep:0/0 keep:2/0 gone:2/0 keep:6/2 keep:5/1 gone:6/2 gone:5/1 ");
}

/* attach-device / detach-device --config edit the definition with the parser's checks;
 * a running domain's own devices do not change (no hotplug): libvirt's "not supported". */
static void devices_attach_and_detach_in_the_definition(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "devs", NULL);
    const unsigned config = VIR_DOMAIN_AFFECT_CONFIG;
    static const char disk[] = "<disk type='file'><driver name='qemu' type='qcow2'/>"
                               "<source file='/img/a.qcow2'/><target dev='vdb'/></disk>";
    static const char nic[] = "<interface type='bridge'><mac address='52:54:00:aa:bb:01'/>"
                              "<source bridge='br0'/><model type='virtio'/></interface>";
    /* Running: its live devices stay as they started; --config edits the definition. */
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_assert_false(vd_domain_attach_device(f->d, ref, disk, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_UNSUPPORTED, "needs hotplug");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_attach_device(f->d, ref, disk, config, &err));
    g_assert_true(vd_domain_attach_device(f->d, ref, nic, config, &err));
    g_autofree char *live = vd_domain_get_xml_desc(f->d, ref, 0, &err);
    g_autofree char *inactive = vd_domain_get_xml_desc(f->d, ref, VIR_DOMAIN_XML_INACTIVE, &err);
    g_assert_null(strstr(live, "a.qcow2"));
    g_assert_nonnull(strstr(inactive, "<source file=\"/img/a.qcow2\"/>"));
    g_assert_nonnull(strstr(inactive, "<mac address=\"52:54:00:aa:bb:01\"/>"));
    g_assert_true(vd_domain_destroy(f->d, ref, 0, &err));

    /* Inactive: the current definition is the one changed; the parser's checks apply. */
    g_assert_false(vd_domain_attach_device(f->d, ref, disk, 0, &err));
    assert_error(err, VIR_ERR_XML_ERROR, "target 'vdb' duplicated");
    g_clear_pointer(&err, vd_error_free);
    g_assert_false(vd_domain_attach_device(
        f->d, ref, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
        config, &err));
    assert_error(err, VIR_ERR_CONFIG_UNSUPPORTED, "not <rng>");
    g_clear_pointer(&err, vd_error_free);
    g_assert_false(vd_domain_attach_device(f->d, ref, "<disk", config, &err));
    assert_error(err, VIR_ERR_XML_DETAIL, "device");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_detach_device(
        f->d, ref, "<disk type='file'><source file='/img/a.qcow2'/><target dev='vdb'/></disk>", 0,
        &err));
    g_assert_true(vd_domain_detach_device(
        f->d, ref, "<interface type='bridge'><source bridge='br0'/></interface>", 0, &err));
    g_assert_false(vd_domain_detach_device(
        f->d, ref, "<disk type='file'><source file='/x'/><target dev='vdq'/></disk>", 0, &err));
    assert_error(err, VIR_ERR_DEVICE_MISSING, "no disk matching target 'vdq'");
    g_clear_pointer(&err, vd_error_free);
    g_free(inactive);
    inactive = vd_domain_get_xml_desc(f->d, ref, 0, &err);
    g_assert_null(strstr(inactive, "a.qcow2"));
    g_assert_null(strstr(inactive, "<interface"));
}

static void guest_poweroff_and_reboot_follow_on_actions(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "guest", NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_autoptr(vd_domain_ref) r1 = vd_domain_lookup_by_name(f->d, "guest", &err);

    g_assert_true(vd_domain_reboot(f->d, ref, 0, &err)); /* on_reboot defaults to restart */
    drain_events();
    g_autoptr(vd_domain_ref) r2 = vd_domain_lookup_by_name(f->d, "guest", &err);
    g_assert_cmpint(r2->id, >, 0);
    g_assert_cmpint(r2->id, !=, r1->id);

    g_assert_true(vd_domain_shutdown(f->d, ref, 0, &err)); /* on_poweroff: destroy */
    drain_events();
    g_assert_cmpint(vd_domain_is_active(f->d, ref, &err), ==, 0);
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
    g_assert_cmpstr(f->events->str, ==,
                    "guest:0/0 guest:2/0 guest:6/1 guest:5/0 guest:2/0 guest:reboot guest:6/1 "
                    "guest:5/0 ");
}

/* A Linux domU gets the guest platform whatever its XML says: the live XML shows it, the
 * stored definition keeps what the user wrote. */
static void linux_domu_live_xml_shows_the_platform(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    f->hv->linux_kernels = true;
    const char *xml = "<domain type='vireo'><name>lin</name><memory unit='MiB'>256</memory>"
                      "<vcpu>2</vcpu><os><type>linux</type><kernel>/k/vmlinuz</kernel>"
                      "<initrd>/k/initrd.img</initrd><cmdline>console=ttyS0</cmdline></os>"
                      "<on_reboot>restart</on_reboot><on_crash>restart</on_crash></domain>";
    g_autoptr(vd_domain_ref) ref = vd_domain_define_xml(f->d, xml, 0, &err);
    g_assert_nonnull(ref);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_autofree char *live = vd_domain_get_xml_desc(f->d, ref, 0, &err);
    g_autofree char *config = vd_domain_get_xml_desc(f->d, ref, VIR_DOMAIN_XML_INACTIVE, &err);
    const char *platform[] = {
        "<type arch=\"x86_64\" machine=\"vireo\">hvm</type>",
        "<initrd>/k/initrd.img</initrd>",
        "<acpi/>",
        "<apic/>",
        "<target type=\"isa-serial\" port=\"0\">",
        "<model name=\"isa-serial\"/>",
        "<target type=\"serial\" port=\"0\"/>",
        "<on_crash>restart</on_crash>",
    };
    assert_contains_all(live, platform, G_N_ELEMENTS(platform));
    g_assert_null(strstr(config, "<acpi/>"));
    g_assert_null(strstr(config, "<serial"));

    /* on_crash=restart: a crashed Linux domU comes back under a new id. */
    g_autoptr(vd_domain_ref) r1 = vd_domain_lookup_by_name(f->d, "lin", &err);
    fake_hv_guest_shutdown(f->hv, r1->id, VD_HV_CRASH);
    drain_events();
    g_autoptr(vd_domain_ref) r2 = vd_domain_lookup_by_name(f->d, "lin", &err);
    g_assert_cmpint(r2->id, >, 0);
    g_assert_cmpint(r2->id, !=, r1->id);
}

static void live_and_config_changes_reach_hv_and_store(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "tune", NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_autoptr(vd_domain_ref) run = vd_domain_lookup_by_name(f->d, "tune", &err);
    fake_domain *hv = g_hash_table_lookup(f->hv_domains, GINT_TO_POINTER(run->id));

    g_assert_true(vd_domain_set_memory(f->d, ref, 128 * 1024, VIR_DOMAIN_AFFECT_LIVE, &err));
    g_assert_cmpuint(hv->info.memory_kib, ==, 128 * 1024);
    g_assert_false(vd_domain_set_memory(f->d, ref, 512 * 1024, VIR_DOMAIN_AFFECT_LIVE, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "higher than max memory");
    g_clear_pointer(&err, vd_error_free);

    g_assert_true(vd_domain_set_vcpus(f->d, ref, 2, VIR_DOMAIN_AFFECT_LIVE, &err));
    g_assert_cmpuint(hv->info.nr_online_vcpus, ==, 2);
    g_assert_false(vd_domain_set_vcpus(f->d, ref, 3, VIR_DOMAIN_AFFECT_LIVE, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "greater than max");
    g_clear_pointer(&err, vd_error_free);

    vd_typed_param params[2] = {{.field = "weight", .type = VIR_TYPED_PARAM_UINT},
                                {.field = "cap", .type = VIR_TYPED_PARAM_UINT}};
    params[0].value.ui = 512;
    params[1].value.ui = 50;
    g_assert_true(vd_domain_set_scheduler_params(
        f->d, ref, params, 2, VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG, &err));
    g_assert_cmpuint(hv->info.weight, ==, 512);
    g_assert_cmpuint(hv->info.cap, ==, 50);
    g_autofree char *stored = NULL;
    g_autofree char *path = g_build_filename(f->cfg->domains_dir, "tune.xml", NULL);
    g_assert_true(g_file_get_contents(path, &stored, NULL, NULL));
    g_assert_nonnull(strstr(stored, "<shares>512</shares>"));
    g_assert_nonnull(strstr(stored, "<quota>50000</quota>"));
    g_autoptr(GPtrArray) got = vd_domain_get_scheduler_params(f->d, ref, 0, &err);
    g_assert_cmpuint(((vd_typed_param *)got->pdata[0])->value.ui, ==, 512);
    params[0].value.ui = 0;
    g_assert_false(vd_domain_set_scheduler_params(f->d, ref, params, 1, 0, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "weight must be 1..65535");
    g_clear_pointer(&err, vd_error_free);

    g_assert_true(vd_domain_suspend(f->d, ref, &err));
    g_assert_cmpint(hv->info.state, ==, VD_HV_PAUSED);
    g_assert_true(vd_domain_resume(f->d, ref, &err));
    g_assert_false(vd_domain_resume(f->d, ref, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "not paused");
    g_clear_pointer(&err, vd_error_free);

    g_autoptr(GPtrArray) stats = vd_domain_get_all_stats(f->d, NULL, 0, 0, 0, &err);
    g_assert_cmpuint(stats->len, ==, 1);
    vd_domain_stats *s = stats->pdata[0];
    g_assert_cmpstr(((vd_typed_param *)s->params->pdata[0])->field, ==, "state.state");
    g_assert_cmpint(((vd_typed_param *)s->params->pdata[0])->value.i, ==, VIR_DOMAIN_RUNNING);
}

/* The fake hv runs domUs on CPUs 1..3 of 4 (CPU 0 is dom0's). */
static void running_domain_reports_vcpus_memory_and_live_metadata(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "info", NULL);
    vd_vcpu_info info[4];
    unsigned char maps[4 * 2];
    g_assert_cmpint(vd_domain_get_vcpus(f->d, ref, info, 4, maps, 2, &err), ==, -1);
    assert_error(err, VIR_ERR_OPERATION_INVALID, "inactive domain");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));

    /* Two vCPUs, one online: both listed, the offline one never ran; maps beyond zero. */
    memset(maps, 0xee, sizeof(maps));
    g_assert_cmpint(vd_domain_get_vcpus(f->d, ref, info, 4, maps, 2, &err), ==, 2);
    g_assert_cmpint(info[0].state, ==, VIR_VCPU_RUNNING);
    g_assert_cmpint(info[0].cpu, ==, 1);
    g_assert_cmpint(info[1].state, ==, VIR_VCPU_OFFLINE);
    g_assert_cmpint(info[1].cpu, ==, -1);
    const unsigned char want[8] = {0x0e, 0, 0x0e, 0, 0, 0, 0, 0};
    g_assert_cmpmem(maps, sizeof(maps), want, sizeof(want));
    g_assert_cmpint(vd_domain_get_max_vcpus(f->d, ref, &err), ==, 2);

    vd_memory_stat stats[4];
    g_assert_true(vd_domain_set_memory(f->d, ref, 128 * 1024, VIR_DOMAIN_AFFECT_LIVE, &err));
    g_assert_cmpint(vd_domain_memory_stats(f->d, ref, stats, 4, 0, &err), ==, 2);
    g_assert_cmpint(stats[0].tag, ==, VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON);
    g_assert_cmpuint(stats[0].value, ==, 128 * 1024);
    g_assert_cmpint(stats[1].tag, ==, VIR_DOMAIN_MEMORY_STAT_RSS);
    g_assert_cmpint(vd_domain_memory_stats(f->d, ref, stats, 1, 0, &err), ==, 1);
    g_assert_cmpint(vd_domain_memory_stats(f->d, ref, stats, 4, 1, &err), ==, -1);
    assert_error(err, VIR_ERR_INVALID_ARG, "unsupported flags");
    g_clear_pointer(&err, vd_error_free);

    /* A live title stays out of the stored definition; a config one goes in. */
    g_assert_true(vd_domain_set_metadata(f->d, ref, VIR_DOMAIN_METADATA_TITLE, "live only", NULL,
                                         NULL, VIR_DOMAIN_AFFECT_LIVE, &err));
    g_assert_true(vd_domain_set_metadata(f->d, ref, VIR_DOMAIN_METADATA_DESCRIPTION, "kept", NULL,
                                         NULL, VIR_DOMAIN_AFFECT_CONFIG, &err));
    g_autofree char *title =
        vd_domain_get_metadata(f->d, ref, VIR_DOMAIN_METADATA_TITLE, NULL, 0, &err);
    g_assert_cmpstr(title, ==, "live only");
    g_assert_null(vd_domain_get_metadata(f->d, ref, VIR_DOMAIN_METADATA_TITLE, NULL,
                                         VIR_DOMAIN_AFFECT_CONFIG, &err));
    assert_error(err, VIR_ERR_NO_DOMAIN_METADATA, "not present");
    g_clear_pointer(&err, vd_error_free);
    g_autofree char *stored = NULL;
    g_autofree char *path = g_build_filename(f->cfg->domains_dir, "info.xml", NULL);
    g_assert_true(g_file_get_contents(path, &stored, NULL, NULL));
    g_assert_nonnull(strstr(stored, "<description>kept</description>"));
    g_assert_null(strstr(stored, "live only"));
    g_assert_false(
        vd_domain_set_metadata(f->d, ref, VIR_DOMAIN_METADATA_TITLE, "a\nb", NULL, NULL, 0, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "newlines");
}

static void crash_with_preserve_keeps_domain_crashed(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autofree char *xml = domain_xml("crashy", NULL, "<on_crash>preserve</on_crash>");
    g_autoptr(vd_domain_ref) ref = vd_domain_define_xml(f->d, xml, 0, &err);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_autoptr(vd_domain_ref) run = vd_domain_lookup_by_name(f->d, "crashy", &err);
    fake_hv_guest_shutdown(f->hv, run->id, VD_HV_CRASH);
    drain_events();
    int state, reason;
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_CRASHED);
    g_assert_true(vd_domain_destroy(f->d, ref, 0, &err));
}

static void autostart_domains_start_with_the_daemon(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "auto", NULL);
    g_assert_true(vd_domain_set_autostart(f->d, ref, true, &err));
    stop_daemon(f);
    g_autofree char *marker = g_build_filename(f->cfg->state_dir, ".autostarted", NULL);
    g_unlink(marker); /* a fresh boot */
    start_daemon(f, true);
    g_assert_cmpint(vd_domain_is_active(f->d, ref, &err), ==, 1);
    /* A daemon restart within the same boot does not start it again after a stop. */
    g_assert_true(vd_domain_destroy(f->d, ref, 0, &err));
    stop_daemon(f);
    start_daemon(f, true);
    g_assert_cmpint(vd_domain_is_active(f->d, ref, &err), ==, 0);
}

static void capabilities_advertise_vireo(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autofree char *caps = vd_connect_get_capabilities(f->d, &err);
    g_assert_nonnull(caps);
    const char *caps_needles[] = {
        "<os_type>hvm</os_type>", "<arch name=\"x86_64\">", "<domain type=\"vireo\"/>",
        "<emulator>/usr/libexec/vireo/vireo-dm</emulator>", "<os_type>linux</os_type>",
        /* The platform always has ACPI and APIC: the XML cannot turn them off. */
        "<acpi default=\"on\" toggle=\"no\"/>"};
    assert_contains_all(caps, caps_needles, G_N_ELEMENTS(caps_needles));
    g_assert_true(strstr(caps, "<os_type>hvm</os_type>") <
                  strstr(caps, "<os_type>linux</os_type>"));
    g_autofree char *dc = vd_connect_get_domain_capabilities(f->d, NULL, NULL, NULL, NULL, 0, &err);
    g_assert_nonnull(dc);
    /* What a guest really gets: COM1 as a pty console, no disks or NICs before vireo-dm,
     * no display, direct kernel boot (no loader). */
    const char *dc_needles[] = {
        "<graphics supported=\"no\"/>",
        "<disk supported=\"yes\">\n      <enum name=\"diskDevice\">\n        <value>disk</value>\n"
        "        <value>cdrom</value>\n      </enum>\n      <enum name=\"bus\">\n"
        "        <value>virtio</value>\n      </enum>",
        "<interface supported=\"yes\">",
        "<rng supported=\"yes\">",
        "<enum name=\"backendModel\">\n        <value>random</value>",
        "<console supported=\"yes\">",
        "<loader supported=\"no\"/>"};
    assert_contains_all(dc, dc_needles, G_N_ELEMENTS(dc_needles));
    g_autofree char *dc2 = vd_connect_get_domain_capabilities(f->d, "/usr/libexec/vireo/vireo-dm",
                                                              "x86_64", "vireo", "vireo", 0, &err);
    g_assert_nonnull(dc2);
    g_assert_null(vd_connect_get_domain_capabilities(f->d, NULL, "armv7l", NULL, NULL, 0, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "armv7l");
    vd_node_info node;
    g_assert_true(vd_node_get_info(f->d, &node, NULL));
    g_assert_cmpint(node.cpus, >, 0);
    g_assert_cmpint(node.sockets * node.cores * node.threads, ==, node.cpus);
    g_assert_cmpuint(node.memory_kib, >, 0);
    g_assert_cmpstr(vd_connect_get_type(f->d), ==, "Vireo");
}

static void list_filters_select_by_state_and_persistence(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) off = define(f, "off", NULL);
    g_autoptr(vd_domain_ref) on = define(f, "on", NULL);
    g_assert_true(vd_domain_create(f->d, on, 0, 0, &err));
    g_autofree char *txml = domain_xml("tr", NULL, NULL);
    g_autoptr(vd_domain_ref) tr = vd_domain_create_xml(f->d, txml, 0, 0, &err);
    struct {
        unsigned flags, expected;
    } cases[] = {
        {0, 3},
        {VIR_CONNECT_LIST_DOMAINS_ACTIVE, 2},
        {VIR_CONNECT_LIST_DOMAINS_INACTIVE, 1},
        {VIR_CONNECT_LIST_DOMAINS_ACTIVE | VIR_CONNECT_LIST_DOMAINS_INACTIVE, 3},
        {VIR_CONNECT_LIST_DOMAINS_TRANSIENT, 1},
        {VIR_CONNECT_LIST_DOMAINS_PERSISTENT | VIR_CONNECT_LIST_DOMAINS_SHUTOFF, 1},
        {VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GPtrArray) got = vd_domain_list_all(f->d, cases[i].flags, &err);
        g_assert_cmpuint(got->len, ==, cases[i].expected);
    }
    g_autoptr(vd_domain_ref) by_id = vd_domain_lookup_by_id(f->d, tr->id, &err);
    g_assert_cmpstr(by_id->name, ==, "tr");
    g_assert_null(vd_domain_lookup_by_id(f->d, 999, &err));
    assert_error(err, VIR_ERR_NO_DOMAIN, "no domain with matching id 999");
}

/* virtvireod --timeout: idle means no client, no running domain, no recent call. */
static void idle_only_without_clients_or_running_domains(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_daemon_idle_for(f->d, 0));
    g_assert_false(vd_daemon_idle_for(f->d, 3600)); /* the daemon just started */
    uint64_t client = vd_daemon_client_opened(f->d);
    g_assert_cmpuint(client, !=, 0);
    g_assert_false(vd_daemon_idle_for(f->d, 0));
    vd_daemon_client_closed(f->d, client);
    g_assert_true(vd_daemon_idle_for(f->d, 0));
    g_autoptr(vd_domain_ref) ref = define(f, "busy", NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_assert_false(vd_daemon_idle_for(f->d, 0));
    g_assert_true(vd_domain_destroy(f->d, ref, 0, &err));
    g_assert_true(vd_daemon_idle_for(f->d, 0));
}

/* Waits (bounded) until name is gone from f's daemon, as work done off the main loop
 * ends it. */
static void wait_gone(fixture *f, const char *name)
{
    for (int tries = 0; tries < 2000; tries++) {
        g_autoptr(vd_domain_ref) there = vd_domain_lookup_by_name(f->d, name, NULL);
        if (!there)
            return;
        g_usleep(5000);
    }
    g_assert_not_reached();
}

/* virsh create --autodestroy, virsh start --autodestroy (libguestfs' appliance): the
 * domain lives as long as the connection that started it; another connection closing
 * does nothing; a domain that stopped and started again without the flag stays. */
static void autodestroy_ends_with_its_client(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autofree char *nobody = domain_xml("nobody", NULL, NULL);
    g_autofree char *appliance = domain_xml("appliance", NULL, NULL);
    g_assert_null(vd_domain_create_xml(f->d, nobody, VIR_DOMAIN_START_AUTODESTROY, 0, &err));
    assert_error(err, VIR_ERR_INVALID_ARG, "autodestroy needs a client");
    g_clear_pointer(&err, vd_error_free);

    uint64_t client = vd_daemon_client_opened(f->d), other = vd_daemon_client_opened(f->d);
    g_autoptr(vd_domain_ref) transient =
        vd_domain_create_xml(f->d, appliance, VIR_DOMAIN_START_AUTODESTROY, client, &err);
    g_assert_nonnull(transient);
    g_autoptr(vd_domain_ref) kept = define(f, "kept", NULL);
    g_assert_true(vd_domain_create(f->d, kept, VIR_DOMAIN_START_AUTODESTROY, client, &err));
    vd_migrate_params p = {0};
    g_assert_null(vd_domain_migrate_begin(f->d, kept, &p, VIR_MIGRATE_LIVE, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "marked for auto destroy");
    g_clear_pointer(&err, vd_error_free);
    g_autoptr(vd_domain_ref) restarted = define(f, "restarted", NULL);
    g_assert_true(vd_domain_create(f->d, restarted, VIR_DOMAIN_START_AUTODESTROY, client, &err));
    g_assert_true(vd_domain_destroy(f->d, restarted, 0, &err));
    g_assert_true(vd_domain_create(f->d, restarted, 0, client, &err));

    vd_daemon_client_closed(f->d, other);
    assert_state(f->d, kept, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
    vd_daemon_client_closed(f->d, client);
    wait_gone(f, "appliance"); /* transient: gone with its run */
    for (int tries = 0; tries < 2000; tries++) {
        int state, reason;
        g_assert_true(vd_domain_get_state(f->d, kept, &state, &reason, &err));
        if (state == VIR_DOMAIN_SHUTOFF)
            break;
        g_usleep(5000);
    }
    assert_state(f->d, kept, VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_SHUTOFF_DESTROYED);
    assert_state(f->d, restarted, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED);
}

typedef struct held_autodestroy_start {
    vd_daemon *d;
    const char *xml;
    uint64_t client;
    vd_domain_ref *ref;
} held_autodestroy_start;

static gpointer run_autodestroy_create(gpointer data)
{
    held_autodestroy_start *s = data;
    g_autoptr(vd_error) err = NULL;
    s->ref = vd_domain_create_xml(s->d, s->xml, VIR_DOMAIN_START_AUTODESTROY, s->client, &err);
    return NULL;
}

/* A client that closes while its autodestroy start is still building (held at the fake
 * hv's gate) is gone before the domain is tied to it: the domain still ends with it. */
static void autodestroy_client_gone_during_its_start(fixture *f, gconstpointer u)
{
    (void)u;
    g_autofree char *xml = domain_xml("orphan", NULL, NULL);
    held_autodestroy_start s = {f->d, xml, vd_daemon_client_opened(f->d), NULL};
    fake_hv_hold_starts(f->hv, "orphan");
    GThread *t = g_thread_new("start", run_autodestroy_create, &s);
    fake_hv_wait_for_held_start(f->hv);
    vd_daemon_client_closed(f->d, s.client);
    fake_hv_release_starts(f->hv);
    g_thread_join(t);
    g_assert_nonnull(s.ref); /* the start itself succeeded */
    vd_domain_ref_free(s.ref);
    wait_gone(f, "orphan");
}

/* ---- per-domain jobs ------------------------------------------------------------------ */

typedef struct slow_start {
    vd_daemon *d;
    vd_domain_ref *ref;
    bool ok;
} slow_start;

static gpointer run_start(gpointer data)
{
    slow_start *s = data;
    g_autoptr(vd_error) err = NULL;
    s->ok = vd_domain_create(s->d, s->ref, 0, 0, &err);
    return NULL;
}

/* A start in progress (held at the fake hv's gate, so no timing is involved) holds only its
 * own domain: list, dominfo of another domain, dumpxml of the same one and a define all
 * complete while it waits; domjobinfo reports it; a conflicting change on the same domain
 * fails with libvirt's "cannot acquire state change lock" once job_wait_ms has passed. */
static void slow_start_holds_only_its_own_domain(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) slow = define(f, "slow", NULL);
    g_autoptr(vd_domain_ref) other = define(f, "other", NULL);
    f->cfg->job_wait_ms = 200;
    fake_hv_hold_starts(f->hv, "slow");
    slow_start s = {f->d, slow, false};
    GThread *t = g_thread_new("start", run_start, &s);
    fake_hv_wait_for_held_start(f->hv);

    g_autoptr(GPtrArray) all = vd_domain_list_all(f->d, 0, &err);
    g_assert_nonnull(all);
    g_assert_cmpuint(all->len, ==, 2);
    vd_domain_info info;
    g_assert_true(vd_domain_get_info(f->d, other, &info, &err));
    g_assert_cmpint(info.state, ==, VIR_DOMAIN_SHUTOFF);
    g_autofree char *xml = vd_domain_get_xml_desc(f->d, slow, 0, &err);
    g_assert_nonnull(xml);
    g_autoptr(vd_domain_ref) third = define(f, "third", NULL);
    g_assert_true(vd_domain_create(f->d, other, 0, 0, &err)); /* another domain starts */
    g_assert_true(vd_domain_destroy(f->d, other, 0, &err));

    vd_job_info job;
    g_assert_true(vd_domain_get_job_info(f->d, slow, &job, &err));
    g_assert_cmpint(job.type, ==, VIR_DOMAIN_JOB_UNBOUNDED);
    g_assert_cmpint(job.operation, ==, VIR_DOMAIN_JOB_OPERATION_START);
    g_assert_true(vd_domain_get_job_info(f->d, other, &job, &err));
    g_assert_cmpint(job.type, ==, VIR_DOMAIN_JOB_NONE);

    g_assert_false(vd_domain_undefine(f->d, slow, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_TIMEOUT, "cannot acquire state change lock");
    g_assert_nonnull(strstr(err->message, "virDomainCreate"));
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_set_autostart(f->d, other, true, &err));

    fake_hv_release_starts(f->hv);
    g_thread_join(t);
    g_assert_true(s.ok);
    g_assert_cmpint(vd_domain_is_active(f->d, slow, &err), ==, 1);
    g_assert_true(vd_domain_get_job_info(f->d, slow, &job, &err));
    g_assert_cmpint(job.type, ==, VIR_DOMAIN_JOB_NONE);
    g_assert_true(vd_domain_undefine(f->d, third, 0, &err)); /* changes go on afterwards */
}

typedef struct racer {
    vd_daemon *d;
    unsigned index;
    unsigned defined;
} racer;

static gpointer define_and_undefine(gpointer data)
{
    racer *r = data;
    for (unsigned i = 0; i < 20; i++) {
        g_autofree char *name = g_strdup_printf("race-%u-%u", r->index, i);
        g_autofree char *xml = domain_xml(name, NULL, NULL);
        g_autoptr(vd_error) err = NULL;
        g_autoptr(vd_domain_ref) ref = vd_domain_define_xml(r->d, xml, 0, &err);
        if (ref && vd_domain_undefine(r->d, ref, 0, &err))
            r->defined++;
    }
    return NULL;
}

/* Threads defining and undefining at once (what 8 clients do) lose nothing. */
static void concurrent_defines_and_undefines_all_succeed(fixture *f, gconstpointer u)
{
    (void)u;
    racer racers[8];
    GThread *threads[8];
    for (unsigned i = 0; i < 8; i++) {
        racers[i] = (racer){f->d, i, 0};
        threads[i] = g_thread_new("racer", define_and_undefine, &racers[i]);
    }
    for (unsigned i = 0; i < 8; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpuint(racers[i].defined, ==, 20);
    }
    g_autoptr(vd_error) err = NULL;
    g_autoptr(GPtrArray) all = vd_domain_list_all(f->d, 0, &err);
    g_assert_cmpuint(all->len, ==, 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static bool all_zero(const unsigned char uuid[16])
{
    for (int i = 0; i < 16; i++)
        if (uuid[i])
            return false;
    return true;
}

/* SMBIOS's UUID first, unless firmware left it unset; then /etc/machine-id; then one made
 * up and kept: never the all-zero UUID a node without machine-id used to advertise. */
static void host_uuid_comes_from_smbios_machine_id_or_is_kept(fixture *f, gconstpointer u)
{
    (void)u;
    g_autofree char *dmi = g_build_filename(f->root, "dmi", NULL);
    g_autofree char *mid = g_build_filename(f->root, "machine-id", NULL);
    g_assert_cmpint(g_mkdir(dmi, 0755), ==, 0);
    vd_host_sources src = {dmi, mid};
    unsigned char uuid[16], again[16];
    char text[37];

    write_file(dmi, "product_uuid", "0B7C1E2A-3F40-4C5D-8E6F-708192A3B4C5\n");
    write_file(f->root, "machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
    vd_host_uuid(f->cfg, &src, uuid);
    vd_uuid_format(uuid, text);
    g_assert_cmpstr(text, ==, "0b7c1e2a-3f40-4c5d-8e6f-708192a3b4c5");
    write_file(dmi, "sys_vendor", "QEMU\n");
    g_autofree char *sysinfo = vd_host_sysinfo(&src, uuid);
    g_assert_nonnull(strstr(sysinfo, "<entry name=\"manufacturer\">QEMU</entry>"));
    g_assert_nonnull(strstr(sysinfo, "<entry name=\"uuid\">0b7c1e2a-3f40-4c5d-8e6f-708192a3b4c5"));

    /* Firmware's unset UUIDs and garbage fall back to /etc/machine-id, made a UUID. */
    static const char *const unset[] = {"00000000-0000-0000-0000-000000000000\n",
                                        "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF\n", "Not Settable\n",
                                        "\n"};
    for (unsigned i = 0; i < G_N_ELEMENTS(unset); i++) {
        write_file(dmi, "product_uuid", unset[i]);
        vd_host_uuid(f->cfg, &src, uuid);
        vd_uuid_format(uuid, text);
        g_assert_cmpstr(text, ==, "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4");
    }
    /* So do a missing product_uuid (not root, no DMI) and an unusable configured one. */
    g_autofree char *product_uuid = g_build_filename(dmi, "product_uuid", NULL);
    g_assert_cmpint(g_unlink(product_uuid), ==, 0);
    f->cfg->host_uuid = g_strdup("00000000-0000-0000-0000-000000000000");
    g_test_expect_message("virtvireod", G_LOG_LEVEL_WARNING, "host_uuid '0000*' is not a usable*");
    vd_host_uuid(f->cfg, &src, uuid);
    g_test_assert_expected_messages();
    vd_uuid_format(uuid, text);
    g_assert_cmpstr(text, ==, "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4");
    g_clear_pointer(&f->cfg->host_uuid, g_free);
    write_file(f->root, "machine-id", "00000000000000000000000000000000\n");
    vd_host_uuid(f->cfg, &src, uuid);
    g_assert_false(all_zero(uuid));

    g_assert_cmpint(g_unlink(mid), ==, 0);
    vd_host_uuid(f->cfg, &src, uuid);
    g_assert_false(all_zero(uuid));
    vd_host_uuid(f->cfg, &src, again); /* the made-up one is kept */
    g_assert_cmpmem(uuid, 16, again, 16);

    f->cfg->host_uuid = g_strdup("11111111-2222-3333-4444-555555555555");
    vd_host_uuid(f->cfg, &src, uuid);
    vd_uuid_format(uuid, text);
    g_assert_cmpstr(text, ==, "11111111-2222-3333-4444-555555555555");

    g_autofree char *caps = vd_connect_get_capabilities(f->d, NULL);
    g_assert_null(strstr(caps, "<uuid>00000000-0000-0000-0000-000000000000</uuid>"));
}

/* A stand-in for vireo-dm (VIREO_DM): records its arguments and config under the test's
 * root, then does what FAKE_DM_MODE says: ready (and runs until signalled), error, exit. */
static void install_fake_dm(fixture *f)
{
    g_autofree char *script = g_strdup_printf(
        "#!/bin/sh\n"
        "echo \"$@\" > '%1$s/dm-args'\n"
        "cp \"$2\" '%1$s/dm-seen.conf'\n"
        "case \"$FAKE_DM_MODE\" in\n"
        "ready) echo ready >&3; exec 3>&-; exec sleep 600 ;;\n"
        "error) echo 'error: cannot open /img/a.qcow2: No such file or directory' >&3 ;;\n"
        "esac\n"
        "exit 1\n",
        f->root);
    g_autofree char *path = g_build_filename(f->root, "fake-vireo-dm", NULL);
    g_assert_true(g_file_set_contents(path, script, -1, NULL));
    g_assert_cmpint(g_chmod(path, 0755), ==, 0);
    g_setenv("VIREO_DM", path, TRUE);
}

/* No interface: its tap would be a real one on a real bridge (the node tests make those). */
#define DM_DEVICES                                                                                 \
    "<devices><disk type='file'><source file='/img/a.qcow2'/><target dev='vda'/></disk>"           \
    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng></devices>"

static char *read_root_file(fixture *f, const char *name)
{
    g_autofree char *path = g_build_filename(f->root, name, NULL);
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? text : g_strdup("");
}

static vd_domain_ref *create_with_devices(fixture *f, const char *name, vd_error **err)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='vireo'><name>%s</name><memory unit='MiB'>256</memory>"
        "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>" DM_DEVICES "</domain>",
        name);
    return vd_domain_create_xml(f->d, xml, 0, 0, err);
}

static void device_model_runs_with_its_domain(fixture *f, gconstpointer u)
{
    (void)u;
    install_fake_dm(f);
    g_setenv("FAKE_DM_MODE", "ready", TRUE);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = create_with_devices(f, "dm", &err);
    if (!ref)
        g_test_message("%s", err->message);
    g_assert_nonnull(ref);
    int domid = ref->id;
    g_autofree char *conf = read_root_file(f, "dm-seen.conf");
    const char *want_conf[] = {"type=disk\n", "path=/img/a.qcow2\n", "type=rng\n", "name=dm\n"};
    assert_contains_all(conf, want_conf, G_N_ELEMENTS(want_conf));
    g_autofree char *args = read_root_file(f, "dm-args");
    g_autofree char *want_args = g_strdup_printf(
        "--config %s/run/vireo/dm/%d/vireo-dm.conf --ready-fd 3 --log %s/var/log/vireo/dm/dm.log\n",
        f->root, domid, f->root);
    g_assert_cmpstr(args, ==, want_args);
    int pid = vd_dm_running_pid(f->cfg, domid);
    g_assert_cmpint(pid, >, 0);

    /* Destroyed: vireo-dm (which here ignores its domain's end) is made to go. */
    g_assert_true(vd_domain_destroy(f->d, ref, 0, &err));
    g_assert_cmpint(vd_dm_running_pid(f->cfg, domid), ==, 0);
    g_autofree char *runtime_dir = vd_dm_runtime_dir(f->cfg, domid);
    g_assert_false(g_file_test(runtime_dir, G_FILE_TEST_EXISTS));

    /* vireo-dm dies: hv crashes the domain (VIREO_CRASH_DEVICE_MODEL); on_crash applies. */
    g_autoptr(vd_domain_ref) again = create_with_devices(f, "dm2", &err);
    g_assert_nonnull(again);
    int pid2 = vd_dm_running_pid(f->cfg, again->id);
    g_assert_cmpint(pid2, >, 0);
    g_assert_cmpint(kill(pid2, SIGKILL), ==, 0);
    fake_hv_guest_shutdown(f->hv, again->id, VD_HV_CRASH);
    drain_events();
    g_assert_null(vd_domain_lookup_by_name(f->d, "dm2", &err)); /* transient: gone */
    g_autofree char *runtime_dir2 = vd_dm_runtime_dir(f->cfg, again->id);
    g_assert_false(g_file_test(runtime_dir2, G_FILE_TEST_EXISTS));
    g_assert_nonnull(strstr(f->events->str, "dm2:5/2")); /* STOPPED, CRASHED */
}

/* What a vireo-dm serving disks vda and vdb would have written to its blk-stats file. */
static void write_blk_stats(fixture *f, int domid)
{
    test_blk_stats_file file = test_blk_stats_file_make();
    g_autofree char *dir = vd_dm_runtime_dir(f->cfg, domid);
    g_autofree char *path = g_build_filename(dir, VIREO_DM_STATS_FILE, NULL);
    g_assert_true(g_file_set_contents(path, (const char *)&file, sizeof(file), NULL));
}

static void block_stats_come_from_the_device_models_file(fixture *f, gconstpointer u)
{
    (void)u;
    install_fake_dm(f);
    g_setenv("FAKE_DM_MODE", "ready", TRUE);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = create_with_devices(f, "stats", &err);
    g_assert_nonnull(ref);
    vd_block_stats st;

    /* The fake vireo-dm wrote no file: the error names it. */
    g_assert_false(vd_domain_block_stats(f->d, ref, "vda", &st, &err));
    g_assert_cmpint(err->code, ==, VIR_ERR_OPERATION_FAILED);
    g_autofree char *dir = vd_dm_runtime_dir(f->cfg, ref->id);
    g_autofree char *path = g_build_filename(dir, VIREO_DM_STATS_FILE, NULL);
    const char *want[] = {path, "disk 'vda'", "No such file"};
    assert_contains_all(err->message, want, G_N_ELEMENTS(want));
    g_clear_pointer(&err, vd_error_free);

    write_blk_stats(f, ref->id);
    g_assert_true(vd_domain_block_stats(f->d, ref, "/img/a.qcow2", &st, &err));
    g_assert_cmpint(st.rd_req, ==, 3);
    g_assert_cmpint(st.rd_bytes, ==, 12288);
    g_assert_cmpint(st.wr_req, ==, 2);
    g_assert_cmpint(st.wr_bytes, ==, 8192);
    g_assert_cmpint(st.errs, ==, 4);
    g_assert_false(vd_domain_block_stats(f->d, ref, "vdb", &st, &err));
    g_assert_cmpint(err->code, ==, VIR_ERR_INVALID_ARG);
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_destroy(f->d, ref, 0, &err));

    /* Not running: libvirt's answer, whatever files lie around. */
    const char *xml =
        "<domain type='vireo'><name>stats-off</name><memory unit='MiB'>256</memory>"
        "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>" DM_DEVICES "</domain>";
    g_autoptr(vd_domain_ref) off = vd_domain_define_xml(f->d, xml, 0, &err);
    g_assert_nonnull(off);
    g_assert_false(vd_domain_block_stats(f->d, off, "vda", &st, &err));
    g_assert_cmpint(err->code, ==, VIR_ERR_OPERATION_INVALID);
    g_assert_nonnull(strstr(err->message, "domain is not running"));
}

static vd_domain_ref *create_with_disk(fixture *f, const char *name, const char *disk_xml,
                                       vd_error **err)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='vireo'><name>%s</name><memory unit='MiB'>256</memory>"
        "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os><devices>%s</devices>"
        "</domain>",
        name, disk_xml);
    return vd_domain_create_xml(f->d, xml, 0, 0, err);
}

#define SHARED_DISK(path, dev, extra)                                                              \
    "<disk type='file'><driver name='qemu' type='raw'/><source file='" path "'/>"                  \
    "<target dev='" dev "'/>" extra "</disk>"

/* Two domains writing one image: allowed only when both say <shareable/>, as QEMU's image
 * locking has it for share-rw; readers share with anyone; the claim ends with the domain,
 * and a shareable writable qcow2 is refused as libvirt refuses it. */
static void disks_are_shared_only_when_shareable(fixture *f, gconstpointer u)
{
    (void)u;
    install_fake_dm(f);
    g_setenv("FAKE_DM_MODE", "ready", TRUE);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) writer =
        create_with_disk(f, "w1", SHARED_DISK("/img/x", "vda", ""), &err);
    g_assert_nonnull(writer);
    unsigned starts = f->hv->starts;
    g_assert_null(create_with_disk(f, "w2", SHARED_DISK("/img/x", "vdb", ""), &err));
    assert_error(
        err, VIR_ERR_RESOURCE_BUSY,
        "disk 'vdb' (/img/x) of domain 'w2' is in use for writing by domain 'w1' as 'vda'");
    g_clear_pointer(&err, vd_error_free);
    /* Shareable on one side only is not enough: the other writer excludes it. */
    g_assert_null(create_with_disk(f, "w3", SHARED_DISK("/img/x", "vda", "<shareable/>"), &err));
    assert_error(err, VIR_ERR_RESOURCE_BUSY, "in use for writing by domain 'w1'");
    g_clear_pointer(&err, vd_error_free);
    g_assert_cmpuint(f->hv->starts, ==, starts); /* refused before anything was built */
    g_autoptr(vd_domain_ref) reader =
        create_with_disk(f, "r1", SHARED_DISK("/img/x", "vda", "<readonly/>"), &err);
    g_assert_nonnull(reader);
    g_assert_true(vd_domain_destroy(f->d, writer, 0, &err));
    g_autoptr(vd_domain_ref) after =
        create_with_disk(f, "w4", SHARED_DISK("/img/x", "vda", ""), &err);
    g_assert_nonnull(after);

    g_autoptr(vd_domain_ref) s1 =
        create_with_disk(f, "s1", SHARED_DISK("/img/y", "vda", "<shareable/>"), &err);
    g_autoptr(vd_domain_ref) s2 =
        create_with_disk(f, "s2", SHARED_DISK("/img/y", "vda", "<shareable/>"), &err);
    g_assert_nonnull(s1);
    g_assert_nonnull(s2);

    g_assert_null(create_with_disk(
        f, "q1",
        "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/img/q'/>"
        "<target dev='vda'/><shareable/></disk>",
        &err));
    assert_error(err, VIR_ERR_CONFIG_UNSUPPORTED,
                 "shared access for disk 'vda' requires use of supported storage format");
}

static void device_model_failure_fails_the_start(fixture *f, gconstpointer u)
{
    (void)u;
    install_fake_dm(f);
    g_autoptr(vd_error) err = NULL;
    g_setenv("FAKE_DM_MODE", "error", TRUE);
    g_assert_null(create_with_devices(f, "bad", &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED,
                 "the device model of domain 'bad' failed: cannot open /img/a.qcow2: No such "
                 "file or directory");
    g_assert_cmpuint(f->hv->destroys, ==, f->hv->starts); /* the built domain is gone */
    g_clear_pointer(&err, vd_error_free);

    g_setenv("FAKE_DM_MODE", "exit", TRUE);
    g_assert_null(create_with_devices(f, "bad", &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "exited before it was ready; see ");
    g_assert_cmpuint(f->hv->destroys, ==, f->hv->starts);
    g_clear_pointer(&err, vd_error_free);
    g_autofree char *status = g_build_filename(f->cfg->state_dir, "bad.xml", NULL);
    g_assert_false(g_file_test(status, G_FILE_TEST_EXISTS));
    g_autofree char *dm_dir = g_build_filename(f->cfg->state_dir, "dm", NULL);
    g_autoptr(GDir) dir = g_dir_open(dm_dir, 0, NULL);
    g_assert_null(dir ? g_dir_read_name(dir) : NULL); /* no runtime dir left behind */

    /* No vireo-dm installed: refused before anything is built. */
    g_setenv("VIREO_DM", "/nonexistent/vireo-dm", TRUE);
    unsigned built = f->hv->starts;
    g_assert_null(create_with_devices(f, "bad", &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED,
                 "its devices need the device model /nonexistent/vireo-dm, which is not installed");
    g_assert_cmpuint(f->hv->starts, ==, built);
    g_clear_pointer(&err, vd_error_free);
    install_fake_dm(f);

    /* A domain without devices starts no vireo-dm at all. */
    g_autofree char *args = g_build_filename(f->root, "dm-args", NULL);
    g_unlink(args);
    g_autoptr(vd_domain_ref) plain = define(f, "plain", NULL);
    g_assert_true(vd_domain_create(f->d, plain, 0, 0, &err));
    g_assert_false(g_file_test(args, G_FILE_TEST_EXISTS));

    /* An interface whose bridge does not exist: the tap cannot join it (or, unprivileged,
     * cannot be made); the built domain is destroyed and the tap goes with its fd. */
    const char *nobridge = "<domain type='vireo'><name>nobr</name><memory unit='MiB'>256</memory>"
                           "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
                           "<interface type='bridge'><source bridge='vd-no-such-br'/></interface>"
                           "</devices></domain>";
    unsigned starts_before = f->hv->starts, destroys_before = f->hv->destroys;
    g_assert_null(vd_domain_create_xml(f->d, nobridge, 0, 0, &err));
    g_test_message("%s", err->message);
    g_assert_true(strstr(err->message, "of domain 'nobr'") ||
                  strstr(err->message, "to bridge 'vd-no-such-br'"));
    g_assert_cmpuint(f->hv->starts - starts_before, ==, 1);
    g_assert_cmpuint(f->hv->destroys - destroys_before, ==, 1);
    const char *vif = strstr(err->message, "'vif");
    if (vif) { /* the tap was made: it went with its only fd */
        g_autofree char *name = g_strndup(vif + 1, strcspn(vif + 1, "'"));
        g_autofree char *tap = g_build_filename("/sys/class/net", name, NULL);
        g_assert_false(g_file_test(tap, G_FILE_TEST_EXISTS));
    }
    g_clear_pointer(&err, vd_error_free);

    /* An interface on a network that does not exist: libvirt's error, before any build. */
    unsigned starts = f->hv->starts;
    const char *xml = "<domain type='vireo'><name>nonet</name><memory unit='MiB'>256</memory>"
                      "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
                      "<interface type='network'><source network='nonet'/></interface>"
                      "</devices></domain>";
    g_assert_null(vd_domain_create_xml(f->d, xml, 0, 0, &err));
    assert_error(err, VIR_ERR_NO_NETWORK, "no network with matching name 'nonet'");
    g_assert_cmpuint(f->hv->starts, ==, starts);
}

/* A restarted daemon finds a domain with devices: adopted with its live vireo-dm; paused
 * with none (the daemon died inside its start), destroyed rather than adopted. */
static void restarted_daemon_keeps_device_models_and_ends_interrupted_starts(fixture *f,
                                                                             gconstpointer u)
{
    (void)u;
    install_fake_dm(f);
    g_setenv("FAKE_DM_MODE", "ready", TRUE);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) kept = create_with_devices(f, "kept", &err);
    /* Its own image: two writers of one image are refused (disks-are-shared-...). */
    g_autoptr(vd_domain_ref) cut = create_with_disk(
        f, "cut", "<disk type='file'><source file='/img/cut.qcow2'/><target dev='vda'/></disk>",
        &err);
    g_assert_nonnull(kept);
    g_assert_nonnull(cut);
    g_assert_true(vd_domain_suspend(f->d, cut, &err));
    int kept_pid = vd_dm_running_pid(f->cfg, kept->id);
    int cut_pid = vd_dm_running_pid(f->cfg, cut->id);
    g_assert_cmpint(kill(cut_pid, SIGKILL), ==, 0); /* as if it never got ready */
    while (vd_dm_running_pid(f->cfg, cut->id))
        g_main_context_iteration(NULL, TRUE); /* reaped by the daemon's child watch */

    stop_daemon(f);
    start_daemon(f, true);
    g_autoptr(vd_domain_ref) kept2 = vd_domain_lookup_by_name(f->d, "kept", &err);
    g_assert_nonnull(kept2);
    g_assert_cmpint(kept2->id, ==, kept->id);
    g_assert_cmpint(vd_dm_running_pid(f->cfg, kept->id), ==, kept_pid);
    g_assert_null(vd_domain_lookup_by_name(f->d, "cut", &err));
    g_assert_null(g_hash_table_lookup(f->hv_domains, GINT_TO_POINTER(cut->id)));
    g_autofree char *cut_dir = vd_dm_runtime_dir(f->cfg, cut->id);
    g_assert_false(g_file_test(cut_dir, G_FILE_TEST_EXISTS));
    kill(kept_pid, SIGKILL);
}

/* The fake guest's console input stands for its memory: a restore must bring it back. */
static fake_domain *fake_of(fixture *f, const vd_domain_ref *ref)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) now = vd_domain_lookup_by_uuid(f->d, ref->uuid, &err);
    g_assert_nonnull(now);
    fake_domain *dom = g_hash_table_lookup(f->hv_domains, GINT_TO_POINTER(now->id));
    g_assert_nonnull(dom);
    return dom;
}

static void flip_byte(const char *path, long offset)
{
    FILE *fp = fopen(path, "r+b");
    g_assert_nonnull(fp);
    g_assert_cmpint(fseek(fp, offset, SEEK_SET), ==, 0);
    int c = fgetc(fp);
    g_assert_cmpint(fseek(fp, offset, SEEK_SET), ==, 0);
    fputc(c ^ 0x40, fp);
    fclose(fp);
}

/* virsh save / restore: the domain stops as "saved", comes back running from the image
 * with what it held, and a damaged, truncated or foreign image starts nothing. */
/* ---- migration between two daemons, each with its own fake hv ------------------------ */

/* domjobinfo --completed [--keep-completed]. */
static vd_job_info completed_job(vd_daemon *d, const vd_domain_ref *ref, bool keep)
{
    g_autoptr(vd_error) err = NULL;
    vd_job_info job;
    g_assert_true(vd_domain_get_completed_job_info(d, ref, keep, &job, &err));
    return job;
}

/* A domain defined and started on f's daemon. */
static vd_domain_ref *started(fixture *f, const char *name)
{
    g_autoptr(vd_error) err = NULL;
    vd_domain_ref *ref = define(f, name, NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    return ref;
}

/* Begin, Prepare (on a new connection to dst, dst->client) and Perform as libvirt's client
 * runs them; the source's guest is paused (for paused_reason), handed over, and the
 * destination's built paused. Returns Begin's XML. */
static char *migrate_until_finish(fixture *src, fixture *dst, const vd_domain_ref *ref,
                                  unsigned flags, vd_migrate_params *p, char **uri,
                                  int paused_reason)
{
    g_autoptr(vd_error) err = NULL;
    char *xml = vd_domain_migrate_begin(src->d, ref, p, flags, &err);
    g_assert_nonnull(xml);
    p->dest_xml = xml;
    p->uri = "tcp://127.0.0.1";
    dst->client = vd_daemon_client_opened(dst->d);
    g_assert_true(vd_domain_migrate_prepare(dst->d, p, flags, dst->client, uri, &err));
    g_assert_true(g_str_has_prefix(*uri, "tcp://127.0.0.1:"));
    p->uri = *uri;
    p->dest_name = ref->name;
    if (!vd_domain_migrate_perform(src->d, ref, p, flags, &err))
        g_test_message("perform: %s", err->message);
    g_assert_null(err);
    assert_state(src->d, ref, VIR_DOMAIN_PAUSED, paused_reason);
    return xml;
}

/* A destination daemon and one migration's parameters, as libvirt's client carries them
 * from step to step; the test's own fixture is the source. */
typedef struct migration {
    fixture dst;
    vd_migrate_params p;
    char *uri, *xml;
} migration;

static void migration_setup(migration *m)
{
    setup(&m->dst, WITH_FAKE_HV);
}

/* migrate_until_finish, again as often as a test wants; only the bandwidth parameter
 * carries over from the last run. */
static void migration_run(fixture *f, migration *m, const vd_domain_ref *ref, unsigned flags,
                          int paused_reason)
{
    m->p = (vd_migrate_params){.bandwidth_mib = m->p.bandwidth_mib};
    g_clear_pointer(&m->uri, g_free);
    g_clear_pointer(&m->xml, g_free);
    m->xml = migrate_until_finish(f, &m->dst, ref, flags, &m->p, &m->uri, paused_reason);
}

static void migration_teardown(fixture *f, migration *m)
{
    g_free(m->uri);
    g_free(m->xml);
    teardown(&m->dst, NULL);
    current_daemon = f->d;
}

static void live_migration_moves_the_guest_between_daemons(fixture *f, gconstpointer u)
{
    (void)u;
    migration m = {0};
    migration_setup(&m);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = started(f, "mig");
    g_string_assign(fake_of(f, ref)->console_input, "state-that-travels");
    unsigned flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
    migration_run(f, &m, ref, flags, VIR_DOMAIN_PAUSED_MIGRATION);
    /* Pre-copy ran with hv's log on: RAM whole, then the dirtied frame again at the end. */
    g_assert_cmpuint(f->hv->dirty_fetches, >=, 2);
    g_assert_cmpuint(f->hv->memory_sends, >=, 2);
    g_assert_false(f->hv->logging_dirty);
    /* A daemon killed from here on keeps the guest paused (vd-recovery.c). */
    g_assert_cmpint(vd_store_get_migrating(f->cfg, "mig"), ==, VD_MIGRATING_HANDED_OVER);

    g_autoptr(vd_domain_ref) there = vd_domain_migrate_finish(m.dst.d, &m.p, flags, false, &err);
    g_assert_nonnull(there);
    assert_state(m.dst.d, there, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED);
    /* domjobinfo --completed on the destination: the incoming job that took it. */
    vd_job_info in = completed_job(m.dst.d, there, false);
    g_assert_cmpint(in.type, ==, VIR_DOMAIN_JOB_COMPLETED);
    g_assert_cmpint(in.operation, ==, VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN);
    g_assert_cmpint(completed_job(m.dst.d, there, false).type, ==, VIR_DOMAIN_JOB_NONE);
    g_assert_cmpstr(fake_of(&m.dst, there)->console_input->str, ==,
                    "state-that-travels|written-during-copy");
    g_assert_cmpint(vd_domain_is_persistent(m.dst.d, there, &err), ==, 1);

    g_assert_true(vd_domain_migrate_confirm(f->d, ref, &m.p, flags, false, &err));
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
    g_assert_cmpint(vd_store_get_migrating(f->cfg, "mig"), ==, VD_MIGRATING_NONE);
    g_autoptr(vd_domain_ref) gone = vd_domain_lookup_by_name(f->d, "mig", &err);
    g_assert_null(gone); /* --undefinesource */
    assert_error(err, VIR_ERR_NO_DOMAIN, "mig");
    drain_events();
    g_assert_nonnull(strstr(f->events->str, "mig:3/1 ")); /* SUSPENDED MIGRATED */
    g_assert_nonnull(strstr(f->events->str, "mig:5/3 ")); /* STOPPED MIGRATED */
    vd_daemon_settle(m.dst.d);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_assert_nonnull(strstr(m.dst.events->str, "mig:2/1 ")); /* STARTED MIGRATED */
    g_assert_nonnull(strstr(m.dst.events->str, "mig:4/1 ")); /* RESUMED MIGRATED */
    migration_teardown(f, &m);
}

static void cancelled_migration_leaves_the_guest_running_on_the_source(fixture *f, gconstpointer u)
{
    (void)u;
    migration m = {0};
    migration_setup(&m);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = started(f, "stay");
    unsigned flags = VIR_MIGRATE_LIVE;
    migration_run(f, &m, ref, flags, VIR_DOMAIN_PAUSED_MIGRATION);
    /* domjobinfo --completed on the source: the memory sent, kept while asked to keep it. */
    vd_job_info out = completed_job(f->d, ref, true);
    g_assert_cmpint(out.type, ==, VIR_DOMAIN_JOB_COMPLETED);
    g_assert_cmpint(out.operation, ==, VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT);
    g_assert_true(out.has_memory);
    g_assert_cmpuint(out.memory.processed, >, 0);
    g_assert_cmpuint(out.memory.remaining, ==, 0);
    g_assert_cmpuint(out.memory.iteration, >=, 1);
    g_assert_cmpint(completed_job(f->d, ref, false).type, ==, VIR_DOMAIN_JOB_COMPLETED);
    g_assert_cmpint(completed_job(f->d, ref, false).type, ==, VIR_DOMAIN_JOB_NONE);
    /* The client learnt of a failure: Finish with cancelled drops the copy there... */
    g_assert_null(vd_domain_migrate_finish(m.dst.d, &m.p, flags, true, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "cancelled");
    g_clear_pointer(&err, vd_error_free);
    g_assert_cmpuint(g_hash_table_size(m.dst.hv_domains), ==, 0);
    g_autoptr(vd_domain_ref) none = vd_domain_lookup_by_name(m.dst.d, "stay", &err);
    g_assert_null(none);
    g_clear_pointer(&err, vd_error_free);
    /* ...and Confirm with cancelled runs the source's again. */
    g_assert_true(vd_domain_migrate_confirm(f->d, ref, &m.p, flags, true, &err));
    assert_state(f->d, ref, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    g_assert_cmpint(vd_store_get_migrating(f->cfg, "stay"), ==, VD_MIGRATING_NONE);
    g_assert_cmpint(fake_of(f, ref)->info.state, ==, VD_HV_RUNNING);

    /* A destination that is not there: Perform fails and the guest never stopped. */
    m.p.uri = "tcp://127.0.0.1:1";
    g_assert_false(vd_domain_migrate_perform(f->d, ref, &m.p, flags, &err));
    assert_error(err, VIR_ERR_SYSTEM_ERROR, "cannot connect to migration destination");
    g_clear_pointer(&err, vd_error_free);
    assert_state(f->d, ref, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    g_assert_cmpint(completed_job(f->d, ref, false).type, ==, VIR_DOMAIN_JOB_FAILED);
    /* domjobabort with nothing to abort. */
    g_assert_false(vd_domain_abort_job(f->d, ref, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "no job is active on the domain");
    migration_teardown(f, &m);
}

/* The client dies between Perform and Finish: its connection to the destination closes,
 * and the destination drops the guest it took in (as libvirt's close callbacks do), while
 * the source keeps its copy paused, handed over, for its owner to run again. Another
 * connection closing leaves the migration alone. */
static void client_gone_before_finish_leaves_only_the_source_copy(fixture *f, gconstpointer u)
{
    (void)u;
    migration m = {0};
    migration_setup(&m);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = started(f, "orphan");
    unsigned flags = VIR_MIGRATE_LIVE;
    migration_run(f, &m, ref, flags, VIR_DOMAIN_PAUSED_MIGRATION);
    uint64_t bystander = vd_daemon_client_opened(m.dst.d);
    vd_daemon_client_closed(m.dst.d, bystander);
    vd_daemon_client_closed(m.dst.d, m.dst.client);
    /* The drop runs off the main loop, after the stream ended. */
    wait_gone(&m.dst, "orphan");
    g_assert_cmpuint(g_hash_table_size(m.dst.hv_domains), ==, 0);
    g_assert_null(vd_domain_migrate_finish(m.dst.d, &m.p, flags, false, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "no incoming migration");
    g_clear_pointer(&err, vd_error_free);
    assert_state(f->d, ref, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION);
    /* Resuming it takes it back: it runs, and may migrate again. */
    g_assert_true(vd_domain_resume(f->d, ref, &err));
    assert_state(f->d, ref, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
    g_assert_cmpint(fake_of(f, ref)->info.state, ==, VD_HV_RUNNING);
    g_assert_cmpint(vd_store_get_migrating(f->cfg, "orphan"), ==, VD_MIGRATING_NONE);
    vd_migrate_params again = {0};
    g_autofree char *again_xml = vd_domain_migrate_begin(f->d, ref, &again, flags, &err);
    g_assert_nonnull(again_xml);
    migration_teardown(f, &m);
}

/* A guest that dirties its memory faster than any link: without --auto-converge pre-copy
 * gives up after its 30 rounds and the stop-and-copy moves the rest; with it, the guest is
 * throttled harder each round (the credit cap) until it converges, and gets its own
 * scheduling back for the stop-and-copy. */
static void auto_converge_throttles_a_guest_until_precopy_converges(fixture *f, gconstpointer u)
{
    (void)u;
    migration m = {0};
    migration_setup(&m);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = started(f, "hot");
    g_assert_true(vd_domain_migrate_set_max_downtime(f->d, ref, 1, &err));
    f->hv->heavy_dirty_above_cap = 50; /* one online vCPU: 50% once throttled by 50% */
    unsigned flags = VIR_MIGRATE_LIVE;
    migration_run(f, &m, ref, flags, VIR_DOMAIN_PAUSED_MIGRATION);
    vd_job_info job = completed_job(f->d, ref, false);
    g_assert_cmpuint(job.memory.iteration, ==, 30);
    g_assert_cmpuint(job.memory.throttle, ==, 0);
    g_assert_cmpuint(f->hv->lowest_cap, ==, 0);
    g_assert_null(vd_domain_migrate_finish(m.dst.d, &m.p, flags, true, &err));
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_migrate_confirm(f->d, ref, &m.p, flags, true, &err));
    assert_state(f->d, ref, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);

    flags |= VIR_MIGRATE_AUTO_CONVERGE;
    migration_run(f, &m, ref, flags, VIR_DOMAIN_PAUSED_MIGRATION);
    job = completed_job(f->d, ref, false);
    g_assert_cmpint(job.type, ==, VIR_DOMAIN_JOB_COMPLETED);
    g_assert_cmpuint(job.memory.iteration, <, 30);
    g_assert_cmpuint(job.memory.throttle, ==, 50);
    g_assert_cmpuint(f->hv->lowest_cap, ==, 50); /* 80, 70, 60, then 50: it converged */
    g_assert_cmpuint(fake_of(f, ref)->info.cap, ==, 0); /* its own scheduling again */
    g_autoptr(vd_domain_ref) there = vd_domain_migrate_finish(m.dst.d, &m.p, flags, false, &err);
    g_assert_nonnull(there);
    g_assert_cmpuint(fake_of(&m.dst, there)->info.cap, ==, 0);
    g_assert_true(vd_domain_migrate_confirm(f->d, ref, &m.p, flags, false, &err));
    migration_teardown(f, &m);
}

/* A daemon killed mid-migration (its status and the migration's phase files stay): the
 * restarted one runs a guest the stop-and-copy had paused, leaves one being copied
 * running, and keeps one already handed over paused, for the migration. */
static void daemon_killed_mid_migration_leaves_one_running_copy(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    static const struct {
        const char *name;
        vd_migrating_phase phase;
        bool paused;
        int state, reason;
    } cases[] = {
        {"copying", VD_MIGRATING_COPYING, false, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_BOOTED},
        {"stopped", VD_MIGRATING_STOPPED, true, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED},
        {"handed", VD_MIGRATING_HANDED_OVER, true, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION},
    };
    vd_domain_ref *refs[G_N_ELEMENTS(cases)];
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        refs[i] = started(f, cases[i].name);
        if (cases[i].paused)
            g_assert_true(vd_domain_suspend(f->d, refs[i], &err));
        g_assert_true(vd_store_set_migrating(f->cfg, cases[i].name, cases[i].phase, &err));
    }
    stop_daemon(f);
    start_daemon(f, true);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        assert_state(f->d, refs[i], cases[i].state, cases[i].reason);
        g_assert_cmpint(fake_of(f, refs[i])->info.state, ==,
                        cases[i].state == VIR_DOMAIN_RUNNING ? VD_HV_RUNNING : VD_HV_PAUSED);
        if (cases[i].reason == VIR_DOMAIN_PAUSED_MIGRATION) {
            /* It still waits for its Confirm, across another restart too; its owner may
             * decide it runs here instead: resume takes it back. */
            g_assert_cmpint(vd_store_get_migrating(f->cfg, cases[i].name), ==,
                            VD_MIGRATING_HANDED_OVER);
            g_assert_true(vd_domain_resume(f->d, refs[i], &err));
            assert_state(f->d, refs[i], VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_UNPAUSED);
            g_assert_cmpint(fake_of(f, refs[i])->info.state, ==, VD_HV_RUNNING);
        }
        g_assert_cmpint(vd_store_get_migrating(f->cfg, cases[i].name), ==, VD_MIGRATING_NONE);
        vd_domain_ref_free(refs[i]);
    }
}

typedef struct client_call {
    fixture *f;
    const vd_domain_ref *ref;
} client_call;

static void suspend_now(void *user)
{
    client_call *c = user;
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_domain_suspend(c->f->d, c->ref, &err));
    assert_state(c->f->d, c->ref, VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER);
}

/* virsh migrate --timeout suspends the guest mid-migration: the suspend is not held up by
 * the migration's job, pre-copy ends, the stop-and-copy does not pause it twice, and the
 * guest runs on at the destination. The limits (migrate-setmaxdowntime, migrate-setspeed,
 * migrate --bandwidth) are kept with the domain, across a daemon restart. */
static void suspend_mid_migration_ends_precopy_and_limits_stay(fixture *f, gconstpointer u)
{
    (void)u;
    migration m = {0};
    migration_setup(&m);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = started(f, "timeout");
    uint64_t value = 0;
    g_assert_true(vd_domain_migrate_get_max_downtime(f->d, ref, &value, &err));
    g_assert_cmpuint(value, ==, 300); /* libvirt's default */
    g_assert_true(vd_domain_migrate_set_max_downtime(f->d, ref, 1500, &err));
    g_assert_true(vd_domain_migrate_get_max_downtime(f->d, ref, &value, &err));
    g_assert_cmpuint(value, ==, 1500);
    g_assert_false(vd_domain_migrate_set_max_speed(f->d, ref, UINT64_MAX, &err));
    assert_error(err, VIR_ERR_OVERFLOW, "bandwidth must be at most");
    g_clear_pointer(&err, vd_error_free);

    client_call call = {f, ref};
    f->hv->on_first_fetch = suspend_now;
    f->hv->on_first_fetch_user = &call;
    unsigned flags = VIR_MIGRATE_LIVE;
    m.p.bandwidth_mib = 64;
    unsigned pauses = f->hv->pauses;
    migration_run(f, &m, ref, flags, VIR_DOMAIN_PAUSED_USER);
    g_assert_cmpuint(f->hv->pauses, ==, pauses + 1);
    g_assert_cmpuint(f->hv->dirty_fetches, ==, 2); /* one round, then the final pass */
    g_assert_true(vd_domain_migrate_get_max_speed(f->d, ref, &value, &err));
    g_assert_cmpuint(value, ==, 64);
    /* A running domain's limits outlive a daemon restart. */
    stop_daemon(f);
    start_daemon(f, true);
    g_assert_true(vd_domain_migrate_get_max_speed(f->d, ref, &value, &err));
    g_assert_cmpuint(value, ==, 64);
    g_assert_true(vd_domain_migrate_get_max_downtime(f->d, ref, &value, &err));
    g_assert_cmpuint(value, ==, 1500);

    g_autoptr(vd_domain_ref) there = vd_domain_migrate_finish(m.dst.d, &m.p, flags, false, &err);
    g_assert_nonnull(there);
    assert_state(m.dst.d, there, VIR_DOMAIN_RUNNING, VIR_DOMAIN_RUNNING_MIGRATED);
    g_assert_true(vd_domain_migrate_confirm(f->d, ref, &m.p, flags, false, &err));
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
    g_assert_cmpint(vd_store_get_migrating(f->cfg, "timeout"), ==, VD_MIGRATING_NONE);
    migration_teardown(f, &m);
}

static void save_and_restore_round_trip_and_refuse_damaged_images(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "sv", NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_string_assign(fake_of(f, ref)->console_input, "state-before-save");
    g_autofree char *path = g_build_filename(f->root, "sv.save", NULL);
    g_assert_true(vd_domain_save(f->d, ref, path, NULL, 0, &err));
    int state, reason;
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_SHUTOFF);
    g_assert_cmpint(reason, ==, VIR_DOMAIN_SHUTOFF_SAVED);
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
    g_autofree char *xml = vd_save_image_get_xml(f->d, path, 0, &err);
    g_assert_nonnull(xml);
    g_assert_nonnull(strstr(xml, "<name>sv</name>"));

    /* save-image-define: the same machine with another on_poweroff, to be restored paused;
     * another memory size is refused and the image stays as it was. */
    g_autofree char *changed = vd_save_image_get_xml(f->d, path, 0, &err);
    g_autofree char *bigger = g_strdup(changed);
    char *at = strstr(changed, "<on_poweroff>destroy</on_poweroff>");
    g_assert_nonnull(at);
    memcpy(at, "<on_poweroff>restart</on_poweroff>", strlen("<on_poweroff>restart</on_poweroff>"));
    at = strstr(bigger, "<memory unit=\"KiB\">262144</memory>");
    g_assert_nonnull(at);
    at[strlen("<memory unit=\"KiB\">")] = '3';
    g_assert_false(vd_save_image_define_xml(f->d, path, bigger, 0, &err));
    assert_error(err, VIR_ERR_CONFIG_UNSUPPORTED, "keep its name, uuid, memory and vCPUs");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_save_image_define_xml(f->d, path, changed, VIR_DOMAIN_SAVE_PAUSED, &err));
    g_autofree char *redefined = vd_save_image_get_xml(f->d, path, 0, &err);
    g_assert_nonnull(strstr(redefined, "<on_poweroff>restart</on_poweroff>"));
    g_assert_true(vd_domain_restore(f->d, path, NULL, 0, &err));
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
    g_assert_true(vd_domain_save(f->d, ref, path, NULL, VIR_DOMAIN_SAVE_RUNNING, &err));

    g_assert_true(vd_domain_restore(f->d, path, NULL, 0, &err));
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpint(reason, ==, VIR_DOMAIN_RUNNING_RESTORED);
    g_assert_cmpstr(fake_of(f, ref)->console_input->str, ==, "state-before-save");
    g_assert_cmpint(vd_domain_is_persistent(f->d, ref, &err), ==, 1);
    drain_events();
    g_assert_nonnull(strstr(f->events->str, "sv:5/4 sv:2/2 "));

    /* Saved paused (--paused), restored paused; then damaged images. */
    g_assert_true(vd_domain_save(f->d, ref, path, NULL, VIR_DOMAIN_SAVE_PAUSED, &err));
    g_assert_true(vd_domain_restore(f->d, path, NULL, 0, &err));
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_PAUSED);
    g_assert_true(vd_domain_save(f->d, ref, path, NULL, 0, &err));
    unsigned restores = f->hv->restores;
    gsize len;
    g_autofree char *image = NULL;
    g_assert_true(g_file_get_contents(path, &image, &len, NULL));
    flip_byte(path, (long)len - 52); /* in the last record, just before END (48 bytes) */
    g_assert_false(vd_domain_restore(f->d, path, NULL, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "do not match its checksum");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(g_file_set_contents(path, image, (gssize)len - 100, NULL));
    g_assert_false(vd_domain_restore(f->d, path, NULL, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "truncated");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(g_file_set_contents(path, "QFI\xfb not a save image at all", -1, NULL));
    g_assert_false(vd_domain_restore(f->d, path, NULL, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "not a Vireo save image");
    g_clear_pointer(&err, vd_error_free);
    g_assert_cmpuint(f->hv->restores, ==, restores);
    g_assert_cmpint(vd_domain_is_active(f->d, ref, &err), ==, 0);
    g_assert_cmpuint(g_hash_table_size(f->hv_domains), ==, 0);
}

/* A save that cannot write leaves the guest running and no file; so does one whose device
 * model does not answer (the test's stand-in has no control socket). */
static void failed_save_leaves_the_guest_running(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "keep", NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_autofree char *nowhere = g_build_filename(f->root, "no", "such", "dir", "x.save", NULL);
    g_assert_false(vd_domain_save(f->d, ref, nowhere, NULL, 0, &err));
    assert_error(err, VIR_ERR_SYSTEM_ERROR, "cannot create save image");
    g_clear_pointer(&err, vd_error_free);
    int state, reason;
    g_assert_true(vd_domain_get_state(f->d, ref, &state, &reason, &err));
    g_assert_cmpint(state, ==, VIR_DOMAIN_RUNNING);
    g_assert_cmpint(fake_of(f, ref)->info.state, ==, VD_HV_RUNNING);

    install_fake_dm(f);
    g_setenv("FAKE_DM_MODE", "ready", TRUE);
    g_autoptr(vd_domain_ref) dev = create_with_devices(f, "devs", &err);
    g_assert_nonnull(dev);
    g_autofree char *path = g_build_filename(f->root, "devs.save", NULL);
    g_assert_false(vd_domain_save(f->d, dev, path, NULL, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_FAILED, "did not take 'dm quiesce'");
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_cmpint(vd_domain_is_active(f->d, dev, NULL), ==, 1);
}

/* managedsave: an image the next start resumes from (once), listed and guarded as
 * libvirtd does. */
static void managed_save_is_resumed_by_the_next_start(fixture *f, gconstpointer u)
{
    (void)u;
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_domain_ref) ref = define(f, "ms", NULL);
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_string_assign(fake_of(f, ref)->console_input, "managed");
    g_assert_cmpint(vd_domain_has_managed_save(f->d, ref, 0, &err), ==, 0);
    g_assert_true(vd_domain_managed_save(f->d, ref, 0, &err));
    g_assert_cmpint(vd_domain_has_managed_save(f->d, ref, 0, &err), ==, 1);
    g_autoptr(GPtrArray) saved =
        vd_domain_list_all(f->d, VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, &err);
    g_assert_cmpuint(saved->len, ==, 1);
    g_assert_false(vd_domain_undefine(f->d, ref, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "managed save image exists");
    g_clear_pointer(&err, vd_error_free);

    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_assert_cmpuint(f->hv->restores, ==, 1);
    g_assert_cmpstr(fake_of(f, ref)->console_input->str, ==, "managed");
    g_assert_cmpint(vd_domain_has_managed_save(f->d, ref, 0, &err), ==, 0);

    /* A transient domain has no managed save; removing an image twice is fine. */
    g_autofree char *txml = domain_xml("tr", NULL, NULL);
    g_autoptr(vd_domain_ref) t = vd_domain_create_xml(f->d, txml, 0, 0, &err);
    g_assert_false(vd_domain_managed_save(f->d, t, 0, &err));
    assert_error(err, VIR_ERR_OPERATION_INVALID, "transient");
    g_clear_pointer(&err, vd_error_free);
    g_assert_true(vd_domain_managed_save(f->d, ref, 0, &err));
    g_assert_true(vd_domain_managed_save_remove(f->d, ref, 0, &err));
    g_assert_true(vd_domain_managed_save_remove(f->d, ref, 0, &err));
    g_assert_true(vd_domain_create(f->d, ref, 0, 0, &err));
    g_assert_cmpuint(f->hv->restores, ==, 1); /* booted, not restored */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn, hv) g_test_add("/daemon/" name, fixture, hv, setup, fn, teardown)
    ADD("without-hv-configuration-works-and-start-is-refused",
        without_hv_configuration_works_and_start_is_refused, NULL);
    ADD("names-and-uuids-stay-unique", names_and_uuids_stay_unique, NULL);
    ADD("stats-period-goes-to-the-definition", stats_period_goes_to_the_definition, NULL);
    ADD("volumes-tell-their-format-to-disks-without-one",
        volumes_tell_their_format_to_disks_without_one, NULL);
    ADD("foreign-emulator-is-refused", foreign_emulator_is_refused, NULL);
    ADD("capabilities-advertise-vireo", capabilities_advertise_vireo, NULL);
    ADD("create-then-define-makes-running-domain-persistent",
        create_then_define_makes_running_domain_persistent, WITH_FAKE_HV);
    ADD("restarted-daemon-finds-running-domains", restarted_daemon_finds_running_domains,
        WITH_FAKE_HV);
    ADD("restarted-daemon-adopts-a-domain-it-had-not-recorded",
        restarted_daemon_adopts_a_domain_it_had_not_recorded, WITH_FAKE_HV);
    ADD("start-fails-when-the-status-cannot-be-written",
        start_fails_when_the_status_cannot_be_written, WITH_FAKE_HV);
    ADD("rename-emits-libvirts-events-and-refuses-running-domains",
        rename_emits_libvirts_events_and_refuses_running_domains, WITH_FAKE_HV);
    ADD("destroy-stops-and-transient-disappears", destroy_stops_and_transient_disappears,
        WITH_FAKE_HV);
    ADD("devices-attach-and-detach-in-the-definition", devices_attach_and_detach_in_the_definition,
        WITH_FAKE_HV);
    ADD("guest-poweroff-and-reboot-follow-on-actions", guest_poweroff_and_reboot_follow_on_actions,
        WITH_FAKE_HV);
    ADD("linux-domu-live-xml-shows-the-platform", linux_domu_live_xml_shows_the_platform,
        WITH_FAKE_HV);
    ADD("live-and-config-changes-reach-hv-and-store", live_and_config_changes_reach_hv_and_store,
        WITH_FAKE_HV);
    ADD("running-domain-reports-vcpus-memory-and-live-metadata",
        running_domain_reports_vcpus_memory_and_live_metadata, WITH_FAKE_HV);
    ADD("crash-with-preserve-keeps-domain-crashed", crash_with_preserve_keeps_domain_crashed,
        WITH_FAKE_HV);
    ADD("autostart-domains-start-with-the-daemon", autostart_domains_start_with_the_daemon,
        WITH_FAKE_HV);
    ADD("list-filters-select-by-state-and-persistence",
        list_filters_select_by_state_and_persistence, WITH_FAKE_HV);
    ADD("autodestroy-ends-with-its-client", autodestroy_ends_with_its_client, WITH_FAKE_HV);
    ADD("autodestroy-client-gone-during-its-start", autodestroy_client_gone_during_its_start,
        WITH_FAKE_HV);
    ADD("idle-only-without-clients-or-running-domains",
        idle_only_without_clients_or_running_domains, WITH_FAKE_HV);
    ADD("host-uuid-comes-from-smbios-machine-id-or-is-kept",
        host_uuid_comes_from_smbios_machine_id_or_is_kept, NULL);
    ADD("slow-start-holds-only-its-own-domain", slow_start_holds_only_its_own_domain, WITH_FAKE_HV);
    ADD("concurrent-defines-and-undefines-all-succeed",
        concurrent_defines_and_undefines_all_succeed, WITH_FAKE_HV);
    ADD("device-model-runs-with-its-domain", device_model_runs_with_its_domain, WITH_FAKE_HV);
    ADD("live-migration-moves-the-guest-between-daemons",
        live_migration_moves_the_guest_between_daemons, WITH_FAKE_HV);
    ADD("cancelled-migration-leaves-the-guest-running-on-the-source",
        cancelled_migration_leaves_the_guest_running_on_the_source, WITH_FAKE_HV);
    ADD("client-gone-before-finish-leaves-only-the-source-copy",
        client_gone_before_finish_leaves_only_the_source_copy, WITH_FAKE_HV);
    ADD("auto-converge-throttles-a-guest-until-precopy-converges",
        auto_converge_throttles_a_guest_until_precopy_converges, WITH_FAKE_HV);
    ADD("daemon-killed-mid-migration-leaves-one-running-copy",
        daemon_killed_mid_migration_leaves_one_running_copy, WITH_FAKE_HV);
    ADD("suspend-mid-migration-ends-precopy-and-limits-stay",
        suspend_mid_migration_ends_precopy_and_limits_stay, WITH_FAKE_HV);
    ADD("save-and-restore-round-trip-and-refuse-damaged-images",
        save_and_restore_round_trip_and_refuse_damaged_images, WITH_FAKE_HV);
    ADD("failed-save-leaves-the-guest-running", failed_save_leaves_the_guest_running, WITH_FAKE_HV);
    ADD("managed-save-is-resumed-by-the-next-start", managed_save_is_resumed_by_the_next_start,
        WITH_FAKE_HV);
    ADD("disks-are-shared-only-when-shareable", disks_are_shared_only_when_shareable, WITH_FAKE_HV);
    ADD("device-model-failure-fails-the-start", device_model_failure_fails_the_start, WITH_FAKE_HV);
    ADD("block-stats-come-from-the-device-models-file",
        block_stats_come_from_the_device_models_file, WITH_FAKE_HV);
    ADD("restarted-daemon-keeps-device-models-and-ends-interrupted-starts",
        restarted_daemon_keeps_device_models_and_ends_interrupted_starts, WITH_FAKE_HV);
    return g_test_run();
}
