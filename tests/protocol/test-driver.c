/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An in-memory implementation of daemon/vd-driver.h for testing the protocol layer on
 * its own: domains are names, UUIDs and the XML text they were defined with. It stands in
 * for the daemon core, not for the hypervisor: starting a domain fails as it does on a
 * host without hv. Test hooks: looking up a domain named "slow" takes 1.5 s (pipelining),
 * and every defined domain has an echo console (streams).
 */
#include <string.h>
#include <unistd.h>

#include "vd-driver.h"
#include "vd-libvirt.h"

struct vd_daemon {
    GMutex lock;
    GPtrArray *domains;    /* of test_domain* */
    GHashTable *listeners; /* id -> listener */
    unsigned next_listener;
    gint clients; /* connections the protocol layer reported open and not yet closed */
};

typedef struct test_domain {
    char *name;
    unsigned char uuid[16];
    char *xml;
    bool autostart;
    unsigned weight, cap;
    uint64_t downtime_ms, speed_mib; /* migration limits */
} test_domain;

typedef struct listener {
    vd_lifecycle_fn fn;
    void *user;
} listener;

/* ---- the test daemon ------------------------------------------------------------------- */

vd_daemon *test_daemon_new(void);
vd_daemon *test_daemon_new(void)
{
    vd_daemon *d = g_new0(vd_daemon, 1);

    g_mutex_init(&d->lock);
    d->domains = g_ptr_array_new();
    d->listeners = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return d;
}

void test_daemon_free(vd_daemon *d);
void test_daemon_free(vd_daemon *d)
{
    for (unsigned i = 0; i < d->domains->len; i++) {
        test_domain *t = g_ptr_array_index(d->domains, i);

        g_free(t->name);
        g_free(t->xml);
        g_free(t);
    }
    g_ptr_array_unref(d->domains);
    g_hash_table_unref(d->listeners);
    g_mutex_clear(&d->lock);
    g_free(d);
}

typedef struct event_job {
    vd_daemon *d;
    vd_domain_ref *dom;
    int event, detail;
} event_job;

static gboolean emit_idle(gpointer data)
{
    event_job *job = data;
    GHashTableIter it;
    gpointer value;

    g_mutex_lock(&job->d->lock);
    g_autoptr(GPtrArray) copy = g_ptr_array_new_with_free_func(g_free);
    g_hash_table_iter_init(&it, job->d->listeners);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(copy, g_memdup2(value, sizeof(listener)));
    g_mutex_unlock(&job->d->lock);
    for (unsigned i = 0; i < copy->len; i++) {
        listener *l = g_ptr_array_index(copy, i);

        l->fn(job->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE, job->event, job->detail, l->user);
    }
    vd_domain_ref_free(job->dom);
    g_free(job);
    return G_SOURCE_REMOVE;
}

/* Events run in the default main context, as vd-driver.h promises. */
static void emit(vd_daemon *d, const test_domain *t, int event, int detail)
{
    event_job *job = g_new0(event_job, 1);

    job->d = d;
    job->dom = vd_domain_ref_new(t->name, t->uuid, -1);
    job->event = event;
    job->detail = detail;
    g_main_context_invoke(NULL, emit_idle, job);
}

unsigned vd_daemon_add_lifecycle_listener(vd_daemon *d, vd_lifecycle_fn fn, void *user)
{
    listener *l = g_new0(listener, 1);
    unsigned id;

    l->fn = fn;
    l->user = user;
    g_mutex_lock(&d->lock);
    id = ++d->next_listener;
    g_hash_table_insert(d->listeners, GUINT_TO_POINTER(id), l);
    g_mutex_unlock(&d->lock);
    return id;
}

void vd_daemon_remove_lifecycle_listener(vd_daemon *d, unsigned id)
{
    g_mutex_lock(&d->lock);
    g_hash_table_remove(d->listeners, GUINT_TO_POINTER(id));
    g_mutex_unlock(&d->lock);
}

static vd_domain_ref *ref_of(const test_domain *t)
{
    return vd_domain_ref_new(t->name, t->uuid, -1);
}

/* Caller holds d->lock. */
static test_domain *find_by_uuid(vd_daemon *d, const unsigned char uuid[16])
{
    for (unsigned i = 0; i < d->domains->len; i++) {
        test_domain *t = g_ptr_array_index(d->domains, i);

        if (memcmp(t->uuid, uuid, 16) == 0)
            return t;
    }
    return NULL;
}

static test_domain *find_by_name(vd_daemon *d, const char *name)
{
    for (unsigned i = 0; i < d->domains->len; i++) {
        test_domain *t = g_ptr_array_index(d->domains, i);

        if (strcmp(t->name, name) == 0)
            return t;
    }
    return NULL;
}

static void uuid_unparse_lower_compat(const unsigned char u[16], char out[37])
{
    g_snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
               u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
               u[13], u[14], u[15]);
}

static bool uuid_parse_compat(const char *text, unsigned char out[16])
{
    int n = 0;

    for (const char *p = text; *p && n < 32; p++) {
        int v = g_ascii_xdigit_value(*p);

        if (*p == '-')
            continue;
        if (v < 0)
            return false;
        if (n % 2 == 0)
            out[n / 2] = v << 4;
        else
            out[n / 2] |= v;
        n++;
    }
    return n == 32;
}

static void no_domain_uuid(vd_error **err, const unsigned char uuid[16])
{
    char s[37];

    uuid_unparse_lower_compat(uuid, s);
    vd_error_set(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN,
                 "Domain not found: no domain with matching uuid '%s'", s);
}

#define WITH_DOMAIN(d, dom, t, err, fail)                                                          \
    g_mutex_lock(&(d)->lock);                                                                      \
    test_domain *t = find_by_uuid((d), (dom)->uuid);                                               \
    if (!t) {                                                                                      \
        g_mutex_unlock(&(d)->lock);                                                                \
        no_domain_uuid((err), (dom)->uuid);                                                        \
        return (fail);                                                                             \
    }

const char *vd_connect_get_type(vd_daemon *d)
{
    (void)d;
    return "Vireo";
}

uint64_t vd_connect_get_version(vd_daemon *d)
{
    (void)d;
    return 1000; /* 0.1.0 */
}

char *vd_connect_get_hostname(vd_daemon *d, vd_error **err)
{
    (void)d;
    (void)err;
    return g_strdup(g_get_host_name());
}

bool vd_node_get_info(vd_daemon *d, vd_node_info *out, vd_error **err)
{
    (void)d;
    (void)err;
    g_strlcpy(out->model, "x86_64", sizeof(out->model));
    out->memory_kib = 4096 * 1024;
    out->cpus = 4;
    out->mhz = 2000;
    out->nodes = out->sockets = 1;
    out->cores = 4;
    out->threads = 1;
    return true;
}

char *vd_connect_get_sysinfo(vd_daemon *d, unsigned flags, vd_error **err)
{
    (void)d;
    (void)flags;
    (void)err;
    return g_strdup("<sysinfo type='smbios'><system><entry name='uuid'>"
                    "00112233-4455-6677-8899-aabbccddeeff</entry></system></sysinfo>\n");
}

char *vd_connect_get_capabilities(vd_daemon *d, vd_error **err)
{
    (void)d;
    (void)err;
    return g_strdup("<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"
                    "<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>"
                    "<domain type='vireo'/></arch></guest></capabilities>\n");
}

char *vd_connect_get_domain_capabilities(vd_daemon *d, const char *emulator, const char *arch,
                                         const char *machine, const char *virttype, unsigned flags,
                                         vd_error **err)
{
    (void)d;
    (void)emulator;
    (void)machine;
    (void)virttype;
    (void)flags;
    (void)err;
    return g_strdup_printf("<domainCapabilities><domain>vireo</domain><arch>%s</arch>"
                           "</domainCapabilities>\n",
                           arch ? arch : "x86_64");
}

GPtrArray *vd_domain_list_all(vd_daemon *d, unsigned flags, vd_error **err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_ref_free);

    (void)err;
    if (flags == 1) /* ACTIVE only: nothing runs here */
        return out;
    g_mutex_lock(&d->lock);
    for (unsigned i = 0; i < d->domains->len; i++)
        g_ptr_array_add(out, ref_of(g_ptr_array_index(d->domains, i)));
    g_mutex_unlock(&d->lock);
    return out;
}

vd_domain_ref *vd_domain_lookup_by_name(vd_daemon *d, const char *name, vd_error **err)
{
    test_domain *t;
    vd_domain_ref *r = NULL;

    if (strcmp(name, "slow") == 0)
        g_usleep(1500 * 1000);
    g_mutex_lock(&d->lock);
    t = find_by_name(d, name);
    if (t)
        r = ref_of(t);
    g_mutex_unlock(&d->lock);
    if (!r)
        vd_error_set(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN,
                     "Domain not found: no domain with matching name '%s'", name);
    return r;
}

vd_domain_ref *vd_domain_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16], vd_error **err)
{
    test_domain *t;
    vd_domain_ref *r = NULL;

    g_mutex_lock(&d->lock);
    t = find_by_uuid(d, uuid);
    if (t)
        r = ref_of(t);
    g_mutex_unlock(&d->lock);
    if (!r)
        no_domain_uuid(err, uuid);
    return r;
}

vd_domain_ref *vd_domain_lookup_by_id(vd_daemon *d, int id, vd_error **err)
{
    (void)d;
    vd_error_set(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN,
                 "Domain not found: no domain with matching id %d", id);
    return NULL;
}

static char *element_text(const char *xml, const char *tag)
{
    g_autofree char *pattern = g_strdup_printf("<%s>\\s*([^<]*?)\\s*</%s>", tag, tag);
    g_autoptr(GRegex) re = g_regex_new(pattern, 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;

    if (!g_regex_match(re, xml, 0, &m))
        return NULL;
    return g_match_info_fetch(m, 1);
}

vd_domain_ref *vd_domain_define_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err)
{
    g_autofree char *name = element_text(xml, "name");
    g_autofree char *uuid_text = element_text(xml, "uuid");
    unsigned char uuid[16];
    test_domain *t;
    bool added = false;
    vd_domain_ref *r;

    (void)flags;
    if (!name || !*name) {
        vd_error_set(err, VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN,
                     "XML error: missing domain name in line 1");
        return NULL;
    }
    if (uuid_text) {
        if (!uuid_parse_compat(uuid_text, uuid)) {
            vd_error_set(err, VIR_ERR_XML_ERROR, VIR_FROM_DOMAIN,
                         "XML error: malformed uuid element");
            return NULL;
        }
    } else {
        for (int i = 0; i < 16; i++)
            uuid[i] = g_random_int_range(0, 256);
    }
    g_mutex_lock(&d->lock);
    t = find_by_name(d, name);
    if (t && memcmp(t->uuid, uuid, 16) != 0 && uuid_text) {
        g_mutex_unlock(&d->lock);
        vd_error_set(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                     "operation failed: domain '%s' already exists with another uuid", name);
        return NULL;
    }
    if (!t) {
        t = g_new0(test_domain, 1);
        t->name = g_strdup(name);
        t->weight = 256;
        memcpy(t->uuid, uuid, 16);
        g_ptr_array_add(d->domains, t);
        added = true;
    }
    g_free(t->xml);
    t->xml = g_strdup(xml);
    r = ref_of(t);
    emit(d, t, 0, added ? 0 : 1); /* DEFINED / ADDED or UPDATED */
    g_mutex_unlock(&d->lock);
    return r;
}

bool vd_domain_undefine(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    g_ptr_array_remove(d->domains, t);
    emit(d, t, 1, 0); /* UNDEFINED / REMOVED */
    g_mutex_unlock(&d->lock);
    g_free(t->name);
    g_free(t->xml);
    g_free(t);
    return true;
}

char *vd_domain_get_xml_desc(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    char *xml;

    (void)flags;
    WITH_DOMAIN(d, dom, t, err, NULL)
    xml = g_strdup(t->xml);
    g_mutex_unlock(&d->lock);
    return xml;
}

bool vd_domain_get_autostart(vd_daemon *d, const vd_domain_ref *dom, bool *out, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    *out = t->autostart;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_set_autostart(vd_daemon *d, const vd_domain_ref *dom, bool on, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    t->autostart = on;
    g_mutex_unlock(&d->lock);
    return true;
}

int vd_domain_is_active(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, -1)
    (void)t;
    g_mutex_unlock(&d->lock);
    return 0;
}

/* Nothing here runs long: no domain ever has a job. */
bool vd_domain_get_job_info(vd_daemon *d, const vd_domain_ref *dom, vd_job_info *out,
                            vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    memset(out, 0, sizeof(*out));
    return true;
}

/* Nor does one ever end: none is kept. */
bool vd_domain_get_completed_job_info(vd_daemon *d, const vd_domain_ref *dom, bool keep,
                                      vd_job_info *out, vd_error **err)
{
    (void)keep;
    return vd_domain_get_job_info(d, dom, out, err);
}

int vd_domain_is_persistent(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, -1)
    (void)t;
    g_mutex_unlock(&d->lock);
    return 1;
}

char *vd_domain_get_os_type(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, NULL)
    (void)t;
    g_mutex_unlock(&d->lock);
    return g_strdup("hvm");
}

static bool not_running(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    /* t may go (undefine) once the lock is dropped: name it first. */
    vd_error_set(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                 "Requested operation is not valid: domain '%s' is not running", t->name);
    g_mutex_unlock(&d->lock);
    return false;
}

vd_domain_ref *vd_domain_create_xml(vd_daemon *d, const char *xml, unsigned flags, uint64_t client,
                                    vd_error **err)
{
    (void)d;
    (void)xml;
    (void)flags;
    (void)client;
    vd_error_set(err, VIR_ERR_NO_SUPPORT, VIR_FROM_DOMAIN,
                 "this function is not supported by the connection driver: hypervisor not "
                 "present (test driver)");
    return NULL;
}

/* Renaming is the daemon core's business (tested through virsh against virtvireod). */
bool vd_domain_rename(vd_daemon *d, const vd_domain_ref *dom, const char *new_name, unsigned flags,
                      vd_error **err)
{
    (void)d;
    (void)dom;
    (void)new_name;
    (void)flags;
    vd_error_set(err, VIR_ERR_NO_SUPPORT, VIR_FROM_DOMAIN,
                 "this function is not supported by the connection driver: rename (test "
                 "driver)");
    return false;
}

bool vd_domain_create(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, uint64_t client,
                      vd_error **err)
{
    (void)flags;
    (void)client;
    WITH_DOMAIN(d, dom, t, err, false)
    vd_error_set(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                 "operation failed: cannot start domain '%s': hypervisor not present "
                 "(test driver)",
                 t->name);
    g_mutex_unlock(&d->lock);
    return false;
}

bool vd_domain_destroy(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    (void)flags;
    return not_running(d, dom, err);
}

bool vd_domain_shutdown(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    (void)flags;
    return not_running(d, dom, err);
}

bool vd_domain_reboot(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    (void)flags;
    return not_running(d, dom, err);
}

bool vd_domain_reset(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    (void)flags;
    return not_running(d, dom, err);
}

bool vd_domain_suspend(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    return not_running(d, dom, err);
}

bool vd_domain_resume(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    return not_running(d, dom, err);
}

/* Save images: the test driver's domains never run, so there is nothing to save and no
 * image to read; the wire shapes are what these exercise. */
bool vd_domain_save(vd_daemon *d, const vd_domain_ref *dom, const char *path, const char *dxml,
                    unsigned flags, vd_error **err)
{
    (void)path;
    (void)dxml;
    (void)flags;
    return not_running(d, dom, err);
}

bool vd_domain_managed_save(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err)
{
    (void)flags;
    return not_running(d, dom, err);
}

static bool no_image(const char *path, vd_error **err)
{
    vd_error_set(err, VIR_ERR_SYSTEM_ERROR, VIR_FROM_DOMAIN,
                 "cannot open save image '%s': No such file or directory", path);
    return false;
}

bool vd_domain_restore(vd_daemon *d, const char *path, const char *dxml, unsigned flags,
                       vd_error **err)
{
    (void)d;
    (void)dxml;
    (void)flags;
    return no_image(path, err);
}

char *vd_save_image_get_xml(vd_daemon *d, const char *path, unsigned flags, vd_error **err)
{
    (void)d;
    (void)flags;
    no_image(path, err);
    return NULL;
}

bool vd_save_image_define_xml(vd_daemon *d, const char *path, const char *dxml, unsigned flags,
                              vd_error **err)
{
    (void)d;
    (void)dxml;
    (void)flags;
    return no_image(path, err);
}

int vd_domain_has_managed_save(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                               vd_error **err)
{
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, -1)
    (void)t;
    g_mutex_unlock(&d->lock);
    return 0;
}

bool vd_domain_managed_save_remove(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                                   vd_error **err)
{
    return vd_domain_has_managed_save(d, dom, flags, err) == 0;
}

bool vd_domain_abort_job(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    vd_error_set(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                 "Requested operation is not valid: no job is active on the domain");
    return false;
}

/* Migration: the test driver moves definitions only (offline), which is enough to carry
 * the procedures' arguments and answers across the wire. */
char *vd_domain_migrate_begin(vd_daemon *d, const vd_domain_ref *dom, const vd_migrate_params *p,
                              unsigned flags, vd_error **err)
{
    (void)p;
    return vd_domain_get_xml_desc(d, dom, flags, err);
}

bool vd_domain_migrate_prepare(vd_daemon *d, const vd_migrate_params *p, unsigned flags,
                               uint64_t client, char **uri_out, vd_error **err)
{
    (void)d;
    (void)p;
    (void)flags;
    (void)client;
    (void)err;
    *uri_out = g_strdup("tcp://localhost");
    return true;
}

bool vd_domain_migrate_perform(vd_daemon *d, const vd_domain_ref *dom, const vd_migrate_params *p,
                               unsigned flags, vd_error **err)
{
    (void)d;
    (void)dom;
    (void)p;
    if (flags & VIR_MIGRATE_OFFLINE)
        return true; /* as the daemon's: nothing to send */
    vd_error_set(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                 "the protocol test driver runs no guests");
    return false;
}

vd_domain_ref *vd_domain_migrate_finish(vd_daemon *d, const vd_migrate_params *p, unsigned flags,
                                        bool cancelled, vd_error **err)
{
    (void)flags;
    if (cancelled || !p->dest_xml) {
        vd_error_set(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "migration cancelled");
        return NULL;
    }
    return vd_domain_define_xml(d, p->dest_xml, 0, err);
}

bool vd_domain_migrate_confirm(vd_daemon *d, const vd_domain_ref *dom, const vd_migrate_params *p,
                               unsigned flags, bool cancelled, vd_error **err)
{
    (void)p;
    return cancelled || !(flags & VIR_MIGRATE_UNDEFINE_SOURCE) ||
           vd_domain_undefine(d, dom, 0, err);
}

bool vd_domain_migrate_set_max_downtime(vd_daemon *d, const vd_domain_ref *dom, uint64_t ms,
                                        vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    t->downtime_ms = ms;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_migrate_get_max_downtime(vd_daemon *d, const vd_domain_ref *dom, uint64_t *ms,
                                        vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    *ms = t->downtime_ms ? t->downtime_ms : 300;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_migrate_set_max_speed(vd_daemon *d, const vd_domain_ref *dom, uint64_t mib_per_s,
                                     vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    t->speed_mib = mib_per_s;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_migrate_get_max_speed(vd_daemon *d, const vd_domain_ref *dom, uint64_t *mib_per_s,
                                     vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    *mib_per_s = t->speed_mib;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_get_info(vd_daemon *d, const vd_domain_ref *dom, vd_domain_info *out, vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    out->state = 5; /* SHUTOFF */
    out->max_mem_kib = out->memory_kib = 262144;
    out->nr_virt_cpu = 1;
    out->cpu_time_ns = 0;
    return true;
}

bool vd_domain_get_state(vd_daemon *d, const vd_domain_ref *dom, int *state, int *reason,
                         vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    *state = 5;
    *reason = 0;
    return true;
}

bool vd_domain_set_memory(vd_daemon *d, const vd_domain_ref *dom, uint64_t kib, unsigned flags,
                          vd_error **err)
{
    (void)kib;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_attach_device(vd_daemon *d, const vd_domain_ref *dom, const char *xml,
                             unsigned flags, vd_error **err)
{
    (void)xml;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_detach_device(vd_daemon *d, const vd_domain_ref *dom, const char *xml,
                             unsigned flags, vd_error **err)
{
    (void)xml;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_set_memory_stats_period(vd_daemon *d, const vd_domain_ref *dom, int period,
                                       unsigned flags, vd_error **err)
{
    (void)period;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    return true;
}

bool vd_domain_set_vcpus(vd_daemon *d, const vd_domain_ref *dom, unsigned nvcpus, unsigned flags,
                         vd_error **err)
{
    (void)nvcpus;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    return true;
}

int vd_domain_get_vcpus_flags(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                              vd_error **err)
{
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, -1)
    (void)t;
    g_mutex_unlock(&d->lock);
    return 1;
}

/* Informational calls: every test domain is shut off and has no metadata. */
bool vd_node_get_memory(vd_daemon *d, int cell, unsigned flags, vd_node_memory *out, vd_error **err)
{
    (void)d;
    (void)err;
    (void)cell;
    (void)flags;
    out->total_kib = 4194304;
    out->free_kib = 1048576;
    return true;
}

int vd_connect_get_max_vcpus(vd_daemon *d, const char *type, vd_error **err)
{
    (void)d;
    (void)type;
    (void)err;
    return 64;
}

int vd_domain_get_max_vcpus(vd_daemon *d, const vd_domain_ref *dom, vd_error **err)
{
    return not_running(d, dom, err) ? 0 : -1;
}

int vd_domain_get_vcpus(vd_daemon *d, const vd_domain_ref *dom, vd_vcpu_info *info,
                        unsigned maxinfo, unsigned char *cpumaps, unsigned maplen, vd_error **err)
{
    (void)info;
    (void)maxinfo;
    (void)cpumaps;
    (void)maplen;
    return not_running(d, dom, err) ? 0 : -1;
}

int vd_domain_get_vcpu_pin_info(vd_daemon *d, const vd_domain_ref *dom, unsigned ncpumaps,
                                unsigned char *cpumaps, unsigned maplen, unsigned flags,
                                vd_error **err)
{
    (void)ncpumaps;
    (void)cpumaps;
    (void)maplen;
    (void)flags;
    return not_running(d, dom, err) ? 0 : -1;
}

int vd_domain_memory_stats(vd_daemon *d, const vd_domain_ref *dom, vd_memory_stat *out,
                           unsigned max, unsigned flags, vd_error **err)
{
    (void)out;
    (void)max;
    (void)flags;
    return not_running(d, dom, err) ? 0 : -1;
}

/* Like every device question about a stand-in domain: it never runs. */
bool vd_domain_get_block_info(vd_daemon *d, const vd_domain_ref *dom, const char *path,
                              unsigned flags, vd_block_info *out, vd_error **err)
{
    (void)path;
    (void)flags;
    (void)out;
    return not_running(d, dom, err); /* always false: the error */
}

bool vd_domain_block_stats(vd_daemon *d, const vd_domain_ref *dom, const char *path,
                           vd_block_stats *out, vd_error **err)
{
    (void)path;
    (void)out;
    return not_running(d, dom, err); /* always false: the error */
}

bool vd_domain_interface_stats(vd_daemon *d, const vd_domain_ref *dom, const char *device,
                               vd_interface_stats *out, vd_error **err)
{
    (void)device;
    (void)out;
    return not_running(d, dom, err); /* always false: the error */
}

char *vd_domain_get_metadata(vd_daemon *d, const vd_domain_ref *dom, int type, const char *uri,
                             unsigned flags, vd_error **err)
{
    (void)type;
    (void)uri;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, NULL)
    (void)t;
    g_mutex_unlock(&d->lock);
    vd_error_set(err, 80 /* VIR_ERR_NO_DOMAIN_METADATA */, VIR_FROM_DOMAIN,
                 "metadata not found: Requested metadata element is not present");
    return NULL;
}

bool vd_domain_set_metadata(vd_daemon *d, const vd_domain_ref *dom, int type, const char *metadata,
                            const char *key, const char *uri, unsigned flags, vd_error **err)
{
    (void)type;
    (void)metadata;
    (void)key;
    (void)uri;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    (void)t;
    g_mutex_unlock(&d->lock);
    return true;
}

char *vd_domain_get_scheduler_type(vd_daemon *d, const vd_domain_ref *dom, int *nparams,
                                   vd_error **err)
{
    WITH_DOMAIN(d, dom, t, err, NULL)
    (void)t;
    g_mutex_unlock(&d->lock);
    *nparams = 2;
    return g_strdup("credit");
}

static vd_typed_param *uint_param(const char *field, uint32_t v)
{
    vd_typed_param *p = g_new0(vd_typed_param, 1);

    p->field = g_strdup(field);
    p->type = 2;
    p->value.ui = v;
    return p;
}

GPtrArray *vd_domain_get_scheduler_params(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                                          vd_error **err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_typed_param_free);

    if (flags & ~3u) {
        g_ptr_array_unref(out);
        vd_error_set(err, 8, VIR_FROM_DOMAIN, "invalid argument: unsupported flags (0x%x)", flags);
        return NULL;
    }
    {
        WITH_DOMAIN(d, dom, t, err, (g_ptr_array_unref(out), NULL))
        g_ptr_array_add(out, uint_param("weight", t->weight));
        g_ptr_array_add(out, uint_param("cap", t->cap));
        g_mutex_unlock(&d->lock);
    }
    return out;
}

bool vd_domain_set_scheduler_params(vd_daemon *d, const vd_domain_ref *dom,
                                    const vd_typed_param *params, unsigned nparams, unsigned flags,
                                    vd_error **err)
{
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, false)
    for (unsigned i = 0; i < nparams; i++) {
        if (strcmp(params[i].field, "weight") == 0)
            t->weight = params[i].value.ui;
        else if (strcmp(params[i].field, "cap") == 0)
            t->cap = params[i].value.ui;
    }
    g_mutex_unlock(&d->lock);
    return true;
}

GPtrArray *vd_domain_get_all_stats(vd_daemon *d, vd_domain_ref *const *doms, unsigned ndoms,
                                   unsigned stats, unsigned flags, vd_error **err)
{
    g_autoptr(GPtrArray) refs = NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_stats_free);

    (void)stats;
    refs = vd_domain_list_all(d, flags ? flags : 3, err);
    for (unsigned i = 0; i < refs->len; i++) {
        vd_domain_ref *r = g_ptr_array_index(refs, i);
        vd_domain_stats *s;
        bool wanted = ndoms == 0;

        for (unsigned j = 0; j < ndoms; j++)
            wanted |= memcmp(doms[j]->uuid, r->uuid, 16) == 0;
        if (!wanted)
            continue;
        s = g_new0(vd_domain_stats, 1);
        s->dom = vd_domain_ref_new(r->name, r->uuid, r->id);
        s->params = g_ptr_array_new_with_free_func((GDestroyNotify)vd_typed_param_free);
        g_ptr_array_add(s->params, uint_param("state.state", 5));
        g_ptr_array_add(s->params, uint_param("state.reason", 0));
        g_ptr_array_add(out, s);
    }
    return out;
}

/* ---- echo console ---------------------------------------------------------------------- */

struct vd_console {
    vd_console_data_fn on_data;
    vd_console_eof_fn on_eof;
    void *user;
};

vd_console *vd_domain_open_console(vd_daemon *d, const vd_domain_ref *dom, const char *dev_name,
                                   unsigned flags, vd_console_data_fn on_data,
                                   vd_console_eof_fn on_eof, void *user, vd_error **err)
{
    vd_console *c;

    (void)dev_name;
    (void)flags;
    WITH_DOMAIN(d, dom, t, err, NULL)
    (void)t;
    g_mutex_unlock(&d->lock);
    c = g_new0(vd_console, 1);
    c->on_data = on_data;
    c->on_eof = on_eof;
    c->user = user;
    return c;
}

/* Echo synchronously from the main context: the reader calls write there. "EOF" in the
 * input ends the console from the guest side. */
bool vd_console_write(vd_console *c, const void *buf, size_t len, vd_error **err)
{
    (void)err;
    if (len == 3 && memcmp(buf, "EOF", 3) == 0) {
        c->on_eof(c->user);
        return true;
    }
    c->on_data(buf, len, c->user);
    return true;
}

void vd_console_close(vd_console *c)
{
    g_free(c);
}

/* ---- connections --------------------------------------------------------------------- */

uint64_t vd_daemon_client_opened(vd_daemon *d)
{
    g_atomic_int_inc(&d->clients);
    return 1;
}

void vd_daemon_client_closed(vd_daemon *d, uint64_t client)
{
    (void)client;
    g_atomic_int_dec_and_test(&d->clients);
}

int test_daemon_open_clients(vd_daemon *d);
int test_daemon_open_clients(vd_daemon *d)
{
    return g_atomic_int_get(&d->clients);
}
