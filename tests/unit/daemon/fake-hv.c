/* SPDX-License-Identifier: GPL-2.0-only */
/* In-memory hypervisor backend for the daemon's bookkeeping tests (see fake-hv.h). */
#include "fake-hv.h"

#include <string.h>

#include "vd-error.h"
#include "vd-save-image.h"

static fake_hv *self(vd_hv *hv)
{
    return (fake_hv *)hv;
}

static fake_domain *lookup(vd_hv *hv, int domid, vd_error **err)
{
    fake_domain *dom = g_hash_table_lookup(self(hv)->domains, GINT_TO_POINTER(domid));
    if (!dom)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "fake hv: no domain %d", domid);
    return dom;
}

static bool physinfo(vd_hv *hv, vd_hv_physinfo *out, vd_error **err)
{
    (void)hv;
    (void)err;
    memset(out, 0, sizeof(*out));
    out->nr_cpus = 4;
    out->nr_domu_cpus = 3;
    out->memory_kib = 4 * 1024 * 1024;
    out->domu_kib = 3 * 1024 * 1024;
    out->free_kib = 2 * 1024 * 1024;
    g_strlcpy(out->version, "0.1.0", sizeof(out->version));
    return true;
}

static void pass_gate(fake_hv *f, const char *name)
{
    g_mutex_lock(&f->gate_lock);
    if (g_strcmp0(f->gate_for, name) == 0) {
        f->builds_waiting++;
        g_cond_broadcast(&f->gate_cond);
        while (g_strcmp0(f->gate_for, name) == 0)
            g_cond_wait(&f->gate_cond, &f->gate_lock);
        f->builds_waiting--;
    }
    g_mutex_unlock(&f->gate_lock);
}

void fake_hv_hold_starts(fake_hv *f, const char *name)
{
    g_mutex_lock(&f->gate_lock);
    g_free(f->gate_for);
    f->gate_for = g_strdup(name);
    g_mutex_unlock(&f->gate_lock);
}

void fake_hv_wait_for_held_start(fake_hv *f)
{
    g_mutex_lock(&f->gate_lock);
    while (!f->builds_waiting)
        g_cond_wait(&f->gate_cond, &f->gate_lock);
    g_mutex_unlock(&f->gate_lock);
}

void fake_hv_release_starts(fake_hv *f)
{
    g_mutex_lock(&f->gate_lock);
    g_clear_pointer(&f->gate_for, g_free);
    g_cond_broadcast(&f->gate_cond);
    g_mutex_unlock(&f->gate_lock);
}

static int start(vd_hv *hv, const vd_domain_def *def, bool paused, bool *platform, vd_error **err)
{
    (void)err;
    *platform = self(hv)->linux_kernels;
    /* Like hv, never hand out an id again within one run of the test program. */
    static int last_domid;
    fake_hv *f = self(hv);
    pass_gate(f, def->name);
    fake_domain *dom = g_new0(fake_domain, 1);
    dom->domid = ++last_domid;
    dom->info.state = paused ? VD_HV_PAUSED : VD_HV_RUNNING;
    memcpy(dom->info.uuid, def->uuid, 16);
    dom->info.nr_vcpus = def->vcpus;
    dom->info.nr_online_vcpus = def->vcpus_current;
    dom->info.weight = vd_domain_def_effective_weight(def);
    dom->info.cap = def->cap;
    dom->info.memory_kib = def->current_kib;
    dom->info.max_memory_kib = def->memory_kib;
    dom->console_input = g_string_new(NULL);
    g_hash_table_insert(f->domains, GINT_TO_POINTER(dom->domid), dom);
    f->starts++;
    return dom->domid;
}

static bool destroy(vd_hv *hv, int domid, vd_error **err)
{
    if (!lookup(hv, domid, err))
        return false;
    g_hash_table_remove(self(hv)->domains, GINT_TO_POINTER(domid));
    self(hv)->destroys++;
    return true;
}

static bool request_shutdown(vd_hv *hv, int domid, bool reboot, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (dom) /* a cooperative guest: it shuts down at once */
        fake_hv_guest_shutdown(self(hv), domid, reboot ? VD_HV_REBOOT : VD_HV_POWEROFF);
    return dom != NULL;
}

static bool set_state(vd_hv *hv, int domid, vd_hv_state state, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (dom)
        dom->info.state = state;
    return dom != NULL;
}

static bool pause_domain(vd_hv *hv, int domid, vd_error **err)
{
    self(hv)->pauses++;
    return set_state(hv, domid, VD_HV_PAUSED, err);
}

static bool unpause_domain(vd_hv *hv, int domid, vd_error **err)
{
    return set_state(hv, domid, VD_HV_RUNNING, err);
}

static int info(vd_hv *hv, int domid, vd_hv_info *out, vd_error **err)
{
    (void)err;
    fake_domain *dom = g_hash_table_lookup(self(hv)->domains, GINT_TO_POINTER(domid));
    if (!dom)
        return 0;
    *out = dom->info;
    return 1;
}

static bool list(vd_hv *hv, GArray **out, vd_error **err)
{
    (void)err;
    *out = g_array_new(FALSE, FALSE, sizeof(vd_hv_domain));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, self(hv)->domains);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        fake_domain *dom = value;
        vd_hv_domain entry = {.domid = dom->domid};
        memcpy(entry.uuid, dom->info.uuid, 16);
        g_array_append_val(*out, entry);
    }
    return true;
}

static bool set_memory(vd_hv *hv, int domid, uint64_t max_kib, uint64_t target_kib, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (dom) {
        dom->info.max_memory_kib = max_kib;
        dom->info.memory_kib = target_kib;
    }
    return dom != NULL;
}

static bool set_vcpus(vd_hv *hv, int domid, unsigned online, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (dom)
        dom->info.nr_online_vcpus = online;
    return dom != NULL;
}

static bool set_sched(vd_hv *hv, int domid, unsigned weight, unsigned cap, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (dom) {
        dom->info.weight = weight;
        dom->info.cap = cap;
        if (cap && (!self(hv)->lowest_cap || cap < self(hv)->lowest_cap))
            self(hv)->lowest_cap = cap;
    }
    return dom != NULL;
}

/* Online vCPUs run on CPU 1 + index % 3 with 1 ms each; offline ones never ran. */
static int vcpu_list(vd_hv *hv, int domid, vd_hv_vcpu *out, unsigned max, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (!dom)
        return -1;
    unsigned n = MIN(max, dom->info.nr_vcpus);
    for (unsigned i = 0; i < n; i++) {
        bool online = i < dom->info.nr_online_vcpus;
        out[i].number = i;
        out[i].state = online ? VD_HV_VCPU_RUNNING : VD_HV_VCPU_OFFLINE;
        out[i].cpu = online ? 1 + (int)(i % 3) : -1;
        out[i].cpu_time_ns = online ? 1000000 : 0;
    }
    return (int)n;
}

/* Save and restore through the real image code: the domain's shape, and one "memory"
 * record holding the fake guest's console input, which a restore must bring back. */
static bool save(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w, vd_error **err)
{
    fake_domain *dom = lookup(hv, domid, err);
    if (!dom)
        return false;
    if (dom->info.state != VD_HV_PAUSED) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "fake hv: %d is not paused", domid);
        return false;
    }
    struct vd_save_hv_domain shape = {.nr_vcpus = dom->info.nr_vcpus,
                                      .nr_online_vcpus = dom->info.nr_online_vcpus,
                                      .weight = dom->info.weight,
                                      .cap = dom->info.cap,
                                      .max_pages = dom->info.max_memory_kib / 4,
                                      .target_pages = dom->info.memory_kib / 4,
                                      .ram_bytes = def->memory_kib * 1024};
    uint64_t head[2] = {0, dom->console_input->len};
    return vd_save_write_record(w, VD_SAVE_HV_DOMAIN, &shape, sizeof(shape), NULL, 0, err) &&
           vd_save_write_record(w, VD_SAVE_HV_MEMORY, head, sizeof(head), dom->console_input->str,
                                dom->console_input->len, err);
}

/* Records in any order a save image or a migration stream has them; the last memory
 * record counts, as a page sent again after the guest dirtied it. */
static int restore(vd_hv *hv, const vd_domain_def *def, vd_save_reader *r, bool *platform,
                   GBytes **dm_state, vd_error **err)
{
    struct vd_save_hv_domain shape;
    bool have_shape = false;
    g_autofree char *input = NULL;
    for (;;) {
        uint64_t head[2], len;
        uint32_t type;
        if (!vd_save_next(r, &type, &len, err))
            return -1;
        if (type == VD_SAVE_END)
            break;
        if (type == VD_SAVE_HV_DOMAIN && !have_shape && len == sizeof(shape)) {
            have_shape = vd_save_read(r, &shape, sizeof(shape), err);
            if (!have_shape)
                return -1;
        } else if (type == VD_SAVE_HV_MEMORY && have_shape && len >= sizeof(head)) {
            if (!vd_save_read(r, head, sizeof(head), err))
                return -1;
            g_free(input);
            input = g_malloc0(head[1] + 1);
            if (!vd_save_read(r, input, head[1], err))
                return -1;
        } else if (type == VD_SAVE_DM_STATE && dm_state && !*dm_state) {
            g_autofree uint8_t *bytes = g_malloc(len ? len : 1);
            if (!vd_save_read(r, bytes, len, err))
                return -1;
            *dm_state = g_bytes_new_take(g_steal_pointer(&bytes), len);
        } else {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "fake hv: bad record %u", type);
            return -1;
        }
    }
    if (!have_shape || !input) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "fake hv: records missing");
        return -1;
    }
    int domid = start(hv, def, true, platform, err);
    fake_domain *dom = lookup(hv, domid, err);
    g_string_assign(dom->console_input, input);
    self(hv)->restores++;
    return domid;
}

/* Migration: the shape, the "memory" (console input) as often as asked. */
static bool migrate_shape(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                          vd_save_writer *w, vd_error **err)
{
    (void)platform;
    fake_domain *dom = lookup(hv, domid, err);
    if (!dom)
        return false;
    struct vd_save_hv_domain shape = {.nr_vcpus = dom->info.nr_vcpus,
                                      .nr_online_vcpus = dom->info.nr_online_vcpus,
                                      .max_pages = dom->info.max_memory_kib / 4,
                                      .target_pages = dom->info.memory_kib / 4,
                                      .ram_bytes = def->memory_kib * 1024};
    return vd_save_write_record(w, VD_SAVE_HV_DOMAIN, &shape, sizeof(shape), NULL, 0, err);
}

static int64_t migrate_memory(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                              const uint64_t *dirty, vd_save_writer *w, vd_error **err)
{
    (void)def;
    (void)platform;
    fake_domain *dom = lookup(hv, domid, err);
    if (!dom)
        return -1;
    self(hv)->memory_sends++;
    if (dirty && !(dirty[0] & 1))
        return 0; /* frame 0, the fake's only one, is clean */
    uint64_t head[2] = {0, dom->console_input->len};
    if (!vd_save_write_record(w, VD_SAVE_HV_MEMORY, head, sizeof(head), dom->console_input->str,
                              dom->console_input->len, err))
        return -1;
    /* The running guest writes its frame again while the first copy goes out: only a
     * migration that sends it again carries the write. */
    if (!dirty && self(hv)->logging_dirty && dom->info.state == VD_HV_RUNNING)
        g_string_append(dom->console_input, "|written-during-copy");
    return 1;
}

static bool migrate_contexts(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w,
                             vd_error **err)
{
    (void)def;
    (void)w;
    fake_domain *dom = lookup(hv, domid, err);
    if (dom && dom->info.state != VD_HV_PAUSED) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "fake hv: %d is not paused", domid);
        return false;
    }
    return dom != NULL;
}

static bool migrate_log_dirty(vd_hv *hv, int domid, bool on, vd_error **err)
{
    if (!lookup(hv, domid, err))
        return false;
    self(hv)->logging_dirty = on;
    return true;
}

/* The fake guest dirties its one frame in the first round only. */
static int64_t migrate_fetch_dirty(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                                   uint64_t *dirty, vd_error **err)
{
    (void)def;
    (void)platform;
    fake_domain *dom = lookup(hv, domid, err);
    if (!dom)
        return -1;
    unsigned heavy_above = self(hv)->heavy_dirty_above_cap;
    if (heavy_above) {
        self(hv)->dirty_fetches++;
        if (dom->info.cap && dom->info.cap <= heavy_above)
            return 0; /* throttled enough: it dirties nothing more */
        memset(dirty, 0xff, 64 * sizeof(*dirty)); /* 4096 frames */
        return 4096;
    }
    if (self(hv)->dirty_fetches++ > 0)
        return 0;
    if (self(hv)->on_first_fetch)
        self(hv)->on_first_fetch(self(hv)->on_first_fetch_user);
    dirty[0] |= 1;
    return 1;
}

struct vd_hv_console {
    fake_domain *dom;
};

static vd_hv_console *console_open(vd_hv *hv, int domid, vd_hv_console_data_fn on_data,
                                   vd_hv_console_eof_fn on_eof, void *user, vd_error **err)
{
    (void)on_data;
    (void)on_eof;
    (void)user;
    fake_domain *dom = lookup(hv, domid, err);
    if (!dom)
        return NULL;
    vd_hv_console *c = g_new0(vd_hv_console, 1);
    c->dom = dom;
    return c;
}

static bool console_write(vd_hv_console *c, const void *buf, size_t len, vd_error **err)
{
    (void)err;
    g_string_append_len(c->dom->console_input, buf, len);
    return true;
}

static void console_close(vd_hv_console *c)
{
    g_free(c);
}

static void fake_free(vd_hv *hv)
{
    g_free(self(hv)->gate_for);
    g_mutex_clear(&self(hv)->gate_lock);
    g_cond_clear(&self(hv)->gate_cond);
    g_hash_table_unref(self(hv)->domains);
    g_free(hv);
}

static const vd_hv_ops fake_ops = {
    .physinfo = physinfo,
    .domain_start = start,
    .domain_destroy = destroy,
    .domain_request_shutdown = request_shutdown,
    .domain_pause = pause_domain,
    .domain_unpause = unpause_domain,
    .domain_info = info,
    .domain_list = list,
    .domain_set_memory = set_memory,
    .domain_set_vcpus = set_vcpus,
    .domain_set_sched = set_sched,
    .domain_vcpu_list = vcpu_list,
    .domain_save = save,
    .domain_restore = restore,
    .migrate_shape = migrate_shape,
    .migrate_memory = migrate_memory,
    .migrate_contexts = migrate_contexts,
    .migrate_log_dirty = migrate_log_dirty,
    .migrate_fetch_dirty = migrate_fetch_dirty,
    .console_open = console_open,
    .console_write = console_write,
    .console_close = console_close,
    .free = fake_free,
};

static void fake_domain_free(gpointer p)
{
    fake_domain *dom = p;
    g_string_free(dom->console_input, TRUE);
    g_free(dom);
}

GHashTable *fake_hv_domains_new(void)
{
    return g_hash_table_new_full(NULL, NULL, NULL, fake_domain_free);
}

fake_hv *fake_hv_new(GHashTable *domains)
{
    fake_hv *f = g_new0(fake_hv, 1);
    f->base.ops = &fake_ops;
    f->domains = g_hash_table_ref(domains);
    g_mutex_init(&f->gate_lock);
    g_cond_init(&f->gate_cond);
    return f;
}

/* hv signals dom0 by interrupt: the daemon hears of it later, in its main context. */
static gboolean notify(gpointer data)
{
    fake_hv *f = data;
    if (f->base.state_changed)
        f->base.state_changed(f->base.state_changed_user);
    return G_SOURCE_REMOVE;
}

void fake_hv_guest_shutdown(fake_hv *f, int domid, vd_hv_shutdown_reason reason)
{
    fake_domain *dom = g_hash_table_lookup(f->domains, GINT_TO_POINTER(domid));
    g_assert_nonnull(dom);
    dom->info.state = reason == VD_HV_CRASH ? VD_HV_CRASHED : VD_HV_SHUTDOWN;
    dom->info.shutdown_reason = reason;
    g_idle_add(notify, f);
}
