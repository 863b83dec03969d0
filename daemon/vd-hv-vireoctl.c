/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor backend over libvireoctl (/dev/vireo). Built when dom0/libvireoctl is
 * part of the build. hv's events arrive on the handle's file descriptor (one collector
 * per open file), watched from the GLib main context: domain state changes go to the
 * daemon, console output to the open console sessions. Shutdown and reboot are requests
 * the guest takes (VIREO_HC_DOMAIN_CONTROL); memory changes set the guest's balloon target
 * within hv's hard limit. What the node cannot do yet is refused by name, never faked.
 */
#include "vd-hv-vireoctl.h"
#include "vd-error.h"
#include "vd-hv-build.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>

#include "vireoctl.h"

typedef struct vctl_hv {
    vd_hv base;
    GMutex lock; /* a vctl handle is not thread-safe; driver calls come from many threads */
    vctl_t *h;
    int events_fd;
    unsigned events_watch;
    unsigned first_refresh; /* idle source: catch up with what happened while no one listened */
    GList *consoles;        /* vd_hv_console*, lock held */
} vctl_hv;

struct vd_hv_console {
    vctl_hv *hv;
    uint32_t domid;
    uint64_t pos; /* next ring offset to deliver */
    vd_hv_console_data_fn on_data;
    void *user;
};

static vctl_hv *self(vd_hv *hv)
{
    return (vctl_hv *)hv;
}

/* libvireoctl returns -errno; hv's codes are errno numbers too. */
static bool check(int rc, vd_error **err, const char *what, int domid)
{
    if (rc >= 0)
        return true;
    if (domid >= 0)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "%s of domain %d: %s", what, domid,
                g_strerror(-rc));
    else
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "%s: %s", what, g_strerror(-rc));
    return false;
}

static bool physinfo(vd_hv *hv, vd_hv_physinfo *out, vd_error **err)
{
    struct vireo_physinfo p;
    g_mutex_lock(&self(hv)->lock);
    int rc = vctl_physinfo(self(hv)->h, &p);
    g_mutex_unlock(&self(hv)->lock);
    if (!check(rc, err, "reading hv's physical info", -1))
        return false;
    memset(out, 0, sizeof(*out));
    const uint64_t kib_per_page = VIREO_PAGE_SIZE / 1024;
    out->nr_cpus = p.nr_cpus;
    out->nr_domu_cpus = p.nr_domu_cpus;
    out->mhz = p.tsc_khz / 1000;
    out->memory_kib = p.total_pages * kib_per_page;
    out->domu_kib = (p.total_pages - p.hv_pages - p.dom0_pages) * kib_per_page;
    out->free_kib = p.free_pages * kib_per_page;
    g_strlcpy(out->version, p.hv_version, sizeof(out->version));
    return true;
}

/* Reads the file a build names into *data; false with the builder's error naming it. */
static bool read_image(vctl_t *h, const char *name, const char *path, void **data, size_t *size,
                       vd_error **err)
{
    int rc = vctl_build_read_file(h, path, data, size);
    if (rc < 0)
        vd_hv_build_fail(err, name, true, rc, vctl_build_error(h));
    return rc >= 0;
}

static int domain_start(vd_hv *hv, const vd_domain_def *def, bool paused, bool *platform,
                        vd_error **err)
{
    struct vctl_build_config cfg;
    if (!vd_hv_build_config(def, &cfg, err))
        return -1;
    (void)hv;
    /* A build takes seconds: it gets a handle of its own rather than holding the shared
     * one (and its lock) that every other domain's calls need meanwhile. */
    vctl_t *h = vctl_open();
    if (!h) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "cannot open the hypervisor: %s",
                g_strerror(errno));
        return -1;
    }
    void *kernel = NULL, *initrd = NULL;
    uint32_t domid = 0;
    int rc = -1;
    if (!read_image(h, def->name, cfg.kernel_path, &kernel, &cfg.kernel_size, err) ||
        (cfg.initrd_path &&
         !read_image(h, def->name, cfg.initrd_path, &initrd, &cfg.initrd_size, err)))
        goto out;
    cfg.kernel = kernel;
    cfg.initrd = initrd;
    /* libvireoctl judges the kernel before hv hears of the domain. */
    rc = vctl_domain_build(h, &cfg, &domid);
    if (rc < 0) {
        vd_hv_build_fail(err, def->name, false, rc, vctl_build_error(h));
        goto out;
    }
    *platform = vctl_build_is_linux(kernel, cfg.kernel_size);
    if (def->vcpus_current < def->vcpus)
        rc = vctl_domain_set_online_vcpus(h, domid, def->vcpus_current);
    if (rc >= 0 && !paused)
        rc = vctl_domain_unpause(h, domid);
    if (rc < 0) {
        vctl_domain_destroy(h, domid);
        vd_hv_build_fail(err, def->name, false, rc, "");
    }
out:
    free(kernel);
    free(initrd);
    vctl_close(h);
    return rc < 0 ? -1 : (int)domid;
}

static bool domid_call(vd_hv *hv, int (*fn)(vctl_t *, uint32_t), int domid, const char *what,
                       vd_error **err)
{
    g_mutex_lock(&self(hv)->lock);
    int rc = fn(self(hv)->h, domid);
    g_mutex_unlock(&self(hv)->lock);
    return check(rc, err, what, domid);
}

static bool domain_destroy(vd_hv *hv, int domid, vd_error **err)
{
    /* The ring goes with the domain: let vireo-consoled log its last words first. */
    int rc = vctl_console_log_sync();
    if (rc < 0 && rc != -ENOENT && rc != -ECONNREFUSED)
        g_warning("d%d: console log not synced before destroy: %s", domid, g_strerror(-rc));
    return domid_call(hv, vctl_domain_destroy, domid, "destroy", err);
}

static bool domain_pause(vd_hv *hv, int domid, vd_error **err)
{
    return domid_call(hv, vctl_domain_pause, domid, "pause", err);
}

static bool domain_unpause(vd_hv *hv, int domid, vd_error **err)
{
    return domid_call(hv, vctl_domain_unpause, domid, "unpause", err);
}

static bool domain_request_shutdown(vd_hv *hv, int domid, bool reboot, vd_error **err)
{
    g_mutex_lock(&self(hv)->lock);
    int rc = vctl_domain_control(self(hv)->h, domid,
                                 reboot ? VIREO_CONTROL_REBOOT : VIREO_CONTROL_POWEROFF);
    g_mutex_unlock(&self(hv)->lock);
    return check(rc, err, reboot ? "asking the guest to reboot" : "asking the guest to shut down",
                 domid);
}

static int domain_info(vd_hv *hv, int domid, vd_hv_info *out, vd_error **err)
{
    struct vireo_domain_info i;
    g_mutex_lock(&self(hv)->lock);
    int rc = vctl_domain_info(self(hv)->h, domid, &i);
    g_mutex_unlock(&self(hv)->lock);
    if (rc == -ESRCH)
        return 0;
    if (!check(rc, err, "reading the state", domid))
        return -1;
    memset(out, 0, sizeof(*out));
    out->state = (vd_hv_state)i.state;
    out->shutdown_reason = (vd_hv_shutdown_reason)i.shutdown_reason;
    if (i.state == VIREO_DOMSTATE_CRASHED)
        out->crash_reason = i.crash_reason == VIREO_CRASH_DEVICE_MODEL
                                ? "its device model (vireo-dm) went away"
                                : vctl_crash_reason_name(i.crash_reason);
    memcpy(out->uuid, i.uuid, 16);
    out->nr_vcpus = i.nr_vcpus;
    out->nr_online_vcpus = i.nr_online_vcpus;
    out->weight = i.weight;
    out->cap = i.cap;
    out->memory_kib = i.tot_pages * (VIREO_PAGE_SIZE / 1024);
    out->max_memory_kib = i.max_pages * (VIREO_PAGE_SIZE / 1024);
    out->cpu_time_ns = i.cpu_time_ns;
    return out->state == VD_HV_DYING ? 0 : 1;
}

static bool domain_list(vd_hv *hv, GArray **out, vd_error **err)
{
    struct vireo_domain_info *all;
    size_t n;
    g_mutex_lock(&self(hv)->lock);
    int rc = vctl_domain_list(self(hv)->h, &all, &n);
    g_mutex_unlock(&self(hv)->lock);
    if (!check(rc, err, "listing domains", -1))
        return false;
    *out = g_array_new(FALSE, FALSE, sizeof(vd_hv_domain));
    for (size_t i = 0; i < n; i++) {
        if (all[i].domid == VIREO_DOMID_DOM0 || all[i].state == VIREO_DOMSTATE_DYING)
            continue;
        vd_hv_domain dom = {.domid = (int)all[i].domid};
        memcpy(dom.uuid, all[i].uuid, 16);
        g_array_append_val(*out, dom);
    }
    free(all);
    return true;
}

/*
 * max_kib is hv's hard limit, target_kib the guest's balloon target (<= max). hv keeps
 * target <= limit and refuses a limit below what the guest holds: a lower limit goes in
 * after the target, a higher one before it, and one below the guest's frames is refused
 * before anything changes (the guest balloons down first, on its own time).
 */
static bool domain_set_memory(vd_hv *hv, int domid, uint64_t max_kib, uint64_t target_kib,
                              vd_error **err)
{
    const uint64_t kib_per_page = VIREO_PAGE_SIZE / 1024;
    uint64_t max_pages = max_kib / kib_per_page, target = target_kib / kib_per_page;
    struct vireo_domain_info i;
    vctl_hv *v = self(hv);
    g_mutex_lock(&v->lock);
    int rc = vctl_domain_info(v->h, domid, &i);
    if (rc >= 0 && max_pages < i.tot_pages) {
        g_mutex_unlock(&v->lock);
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "domain %d still holds %" G_GUINT64_FORMAT " KiB, more than the new maximum "
                "of %" G_GUINT64_FORMAT " KiB: lower its memory with setmem and let the guest "
                "balloon down first",
                domid, (guint64)i.tot_pages * kib_per_page, max_kib);
        return false;
    }
    bool raise = rc >= 0 && max_pages > i.max_pages;
    if (rc >= 0 && raise)
        rc = vctl_domain_set_max_pages(v->h, domid, max_pages);
    if (rc >= 0)
        rc = vctl_domain_set_target(v->h, domid, target);
    if (rc >= 0 && !raise && max_pages != i.max_pages)
        rc = vctl_domain_set_max_pages(v->h, domid, max_pages);
    g_mutex_unlock(&v->lock);
    return check(rc, err, "changing the memory", domid);
}

static bool domain_set_vcpus(vd_hv *hv, int domid, unsigned online, vd_error **err)
{
    g_mutex_lock(&self(hv)->lock);
    int rc = vctl_domain_set_online_vcpus(self(hv)->h, domid, online);
    g_mutex_unlock(&self(hv)->lock);
    return check(rc, err, "setting online vCPUs", domid);
}

static bool domain_set_sched(vd_hv *hv, int domid, unsigned weight, unsigned cap, vd_error **err)
{
    g_mutex_lock(&self(hv)->lock);
    int rc = vctl_sched_set_params(self(hv)->h, domid, weight, cap);
    g_mutex_unlock(&self(hv)->lock);
    return check(rc, err, "setting scheduler parameters", domid);
}

/* Lock held. Reads what the ring produced since c->pos into `out`. */
static void console_collect(vctl_hv *v, vd_hv_console *c, GByteArray *out)
{
    char buf[4096];
    for (;;) {
        uint64_t pos = c->pos, prod = 0;
        int n = vctl_console_ring_read(v->h, c->domid, &pos, buf, sizeof(buf), &prod);
        if (n <= 0)
            return;
        g_byte_array_append(out, (const guint8 *)buf, n);
        c->pos = pos + n;
        if (c->pos >= prod)
            return;
    }
}

static void deliver_consoles(vctl_hv *v)
{
    /* Collect under the lock, deliver outside it: on_data may call back into us. */
    g_autoptr(GPtrArray) batches = g_ptr_array_new();
    g_mutex_lock(&v->lock);
    for (GList *l = v->consoles; l; l = l->next) {
        GByteArray *data = g_byte_array_new();
        console_collect(v, l->data, data);
        g_ptr_array_add(batches, l->data);
        g_ptr_array_add(batches, data);
    }
    g_mutex_unlock(&v->lock);
    for (unsigned i = 0; i < batches->len; i += 2) {
        vd_hv_console *c = batches->pdata[i];
        GByteArray *data = batches->pdata[i + 1];
        if (data->len)
            c->on_data(data->data, data->len, c->user);
        g_byte_array_unref(data);
    }
}

static gboolean on_events(int fd, GIOCondition cond, gpointer user)
{
    (void)cond;
    vctl_hv *v = user;
    int64_t bits = vctl_events_read(fd);
    if (bits < 0) {
        if (bits != -EAGAIN)
            g_warning("reading hv events: %s", g_strerror((int)-bits));
        return G_SOURCE_CONTINUE;
    }
    if (bits & VIREO_EVENT_CONSOLE)
        deliver_consoles(v);
    if ((bits & VIREO_EVENT_DOMAIN_STATE) && v->base.state_changed)
        v->base.state_changed(v->base.state_changed_user);
    return G_SOURCE_CONTINUE;
}

/* hv's events only tell about changes from the moment someone listens: a domain that
 * shut down while no daemon ran is noticed once the daemon has adopted it. */
static gboolean refresh_once(gpointer user)
{
    vctl_hv *v = user;
    v->first_refresh = 0;
    if (v->base.state_changed)
        v->base.state_changed(v->base.state_changed_user);
    return G_SOURCE_REMOVE;
}

static vd_hv_console *console_open(vd_hv *hv, int domid, vd_hv_console_data_fn on_data,
                                   vd_hv_console_eof_fn on_eof, void *user, vd_error **err)
{
    (void)on_eof; /* the daemon ends sessions itself when the domain stops */
    vctl_hv *v = self(hv);
    char probe;
    uint64_t pos = 0, prod = 0;
    g_mutex_lock(&v->lock);
    int rc = vctl_console_ring_read(v->h, domid, &pos, &probe, 0, &prod);
    vd_hv_console *c = NULL;
    if (rc >= 0) {
        /* Like a pty: the session sees output produced from now on. */
        c = g_new0(vd_hv_console, 1);
        c->hv = v;
        c->domid = domid;
        c->pos = prod;
        c->on_data = on_data;
        c->user = user;
        v->consoles = g_list_prepend(v->consoles, c);
    }
    g_mutex_unlock(&v->lock);
    check(rc, err, "opening the console", domid);
    return c;
}

static bool console_write(vd_hv_console *c, const void *buf, size_t len, vd_error **err)
{
    vctl_hv *v = c->hv;
    const char *p = buf;
    g_mutex_lock(&v->lock);
    int rc = 0;
    while (len && rc >= 0) {
        rc = vctl_console_input(v->h, c->domid, p, len);
        if (rc == 0)
            rc = -EAGAIN; /* hv's input queue is full */
        if (rc > 0) {
            p += rc;
            len -= rc;
        }
    }
    g_mutex_unlock(&v->lock);
    return check(rc, err, "writing to the console", c->domid);
}

static void console_close(vd_hv_console *c)
{
    if (!c)
        return;
    g_mutex_lock(&c->hv->lock);
    c->hv->consoles = g_list_remove(c->hv->consoles, c);
    g_mutex_unlock(&c->hv->lock);
    g_free(c);
}

static void vctl_hv_free(vd_hv *hv)
{
    vctl_hv *v = self(hv);
    if (v->events_watch)
        g_source_remove(v->events_watch);
    if (v->first_refresh)
        g_source_remove(v->first_refresh);
    if (v->events_fd >= 0)
        close(v->events_fd);
    vctl_close(v->h);
    g_list_free_full(v->consoles, g_free);
    g_mutex_clear(&v->lock);
    g_free(v);
}

static int domain_vcpu_list(vd_hv *hv, int domid, vd_hv_vcpu *out, unsigned max, vd_error **err)
{
    struct vireo_vcpu_info v[VIREO_MAX_VCPUS];
    max = MIN(max, G_N_ELEMENTS(v));
    g_mutex_lock(&self(hv)->lock);
    int n = vctl_vcpu_list(self(hv)->h, domid, v, max);
    g_mutex_unlock(&self(hv)->lock);
    if (!check(n, err, "listing the vCPUs", domid))
        return -1;
    for (int i = 0; i < n; i++) {
        out[i].number = v[i].vcpu;
        out[i].state = (vd_hv_vcpu_state)v[i].state;
        out[i].cpu = v[i].cpu == VIREO_VCPU_NO_CPU ? -1 : (int)v[i].cpu;
        out[i].cpu_time_ns = v[i].cpu_time_ns;
    }
    return n;
}

static const vd_hv_ops vctl_ops = {
    .physinfo = physinfo,
    .domain_start = domain_start,
    .domain_destroy = domain_destroy,
    .domain_request_shutdown = domain_request_shutdown,
    .domain_pause = domain_pause,
    .domain_unpause = domain_unpause,
    .domain_info = domain_info,
    .domain_list = domain_list,
    .domain_set_memory = domain_set_memory,
    .domain_set_vcpus = domain_set_vcpus,
    .domain_set_sched = domain_set_sched,
    .domain_vcpu_list = domain_vcpu_list,
    .domain_save = vd_hv_vireoctl_save,
    .domain_restore = vd_hv_vireoctl_restore,
    .migrate_shape = vd_hv_vireoctl_migrate_shape,
    .migrate_memory = vd_hv_vireoctl_migrate_memory,
    .migrate_contexts = vd_hv_vireoctl_migrate_contexts,
    .migrate_log_dirty = vd_hv_vireoctl_migrate_log_dirty,
    .migrate_fetch_dirty = vd_hv_vireoctl_migrate_fetch_dirty,
    .console_open = console_open,
    .console_write = console_write,
    .console_close = console_close,
    .free = vctl_hv_free,
};

vd_hv *vd_hv_vireoctl_open(const char *device, char **why)
{
    /* libvireoctl opens $VIREO_DEV when set: point it at the configured device. */
    if (strcmp(device, "/dev/vireo") != 0)
        g_setenv("VIREO_DEV", device, TRUE);
    vctl_t *h = vctl_open();
    if (!h) {
        *why = g_strdup_printf("Vireo hypervisor not usable: cannot open %s: %s", device,
                               g_strerror(errno));
        return NULL;
    }
    vctl_hv *v = g_new0(vctl_hv, 1);
    v->base.ops = &vctl_ops;
    v->h = h;
    g_mutex_init(&v->lock);
    /* A builder that died mid-build (a killed daemon) leaves a half-made domain. */
    int reaped = vctl_build_reap(h);
    if (reaped > 0)
        g_message("hypervisor: destroyed %d half-built domains", reaped);
    v->events_fd = vctl_events_open(true);
    if (v->events_fd >= 0)
        v->events_watch = g_unix_fd_add(v->events_fd, G_IO_IN, on_events, v);
    else
        g_warning("hypervisor: no event channel (%s): state changes go unnoticed",
                  g_strerror(-v->events_fd));
    v->first_refresh = g_idle_add(refresh_once, v);
    g_message("hypervisor: %s opened", device);
    return &v->base;
}
