/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dm: one process per Linux domU serving its virtio devices (docs/device-model.md).
 *   vireo-dm --config FILE [--ready-fd N] [--log FILE] [--state FILE]
 * Startup ends with "ready\n" or "error: <message>\n" on the ready fd, which the daemon
 * shows its user; then the main loop serves the domain until it ends or SIGTERM. With
 * --state the devices take up a saved state (vdm_state.h) instead of starting reset: the
 * domain is a restored one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "vdm_bus.h"
#include "vdm_config.h"
#include "vdm_control.h"
#include "vdm_hv.h"
#include "vdm_state.h"
#include "vdm_stats.h"

struct vdm_main {
    struct vdm_config cfg;
    struct vdm_guest_mem mem;
    struct vdm_hv hv;
    struct vdm_bus bus;
    struct vdm_stats stats;
    struct vdm_env env;
    struct vdm_control *control; /* the daemon's requests (vdm_control.h) */
    const char *state_path;      /* --state: a saved device state to take up */
    GMainLoop *loop;
    int exit_status;
};

static void report(int fd, const char *line)
{
    if (fd < 0)
        return;
    if (write(fd, line, strlen(line)) < 0)
        g_message("ready fd: %s", g_strerror(errno));
    close(fd);
}

static void report_error(int fd, const char *message)
{
    g_autofree char *line = g_strdup_printf("error: %s\n", message);

    g_message("%s", message);
    report(fd, line);
}

static bool create_devices(struct vdm_main *m, GError **error)
{
    for (unsigned i = 0; i < m->cfg.nr_devices; i++) {
        const struct vdm_config_device *d = &m->cfg.device[i];
        struct vdm_device *dev = d->type->create(&m->env, m->cfg.kf, d->group, error);

        if (dev == NULL)
            return false;
        vdm_bus_attach(&m->bus, dev, d->slot); /* slots were checked unique and in range */
    }
    return true;
}

static bool start(struct vdm_main *m, const char *config_path, GError **error)
{
    if (vdm_config_load(&m->cfg, config_path, error) < 0)
        return false;
    if (g_mkdir_with_parents(m->cfg.runtime_dir, 0700) < 0) {
        g_set_error(error, VDM_ERROR, 0, "%s: %s", m->cfg.runtime_dir, g_strerror(errno));
        return false;
    }
    /* One record per slot: every disk the domain can have (vireo-dm-stats.h). */
    if (!vdm_stats_open(&m->stats, m->cfg.runtime_dir, VIREO_PLAT_DM_SLOTS, error))
        return false;
    if (!vdm_hv_open(&m->hv, m->cfg.domid, m->cfg.memory_bytes, &m->mem, error))
        return false;
    vdm_bus_init(&m->bus, &vdm_hv_bus_host, &m->hv);
    m->bus.mem = &m->mem;
    m->env = (struct vdm_env){ .domid = m->cfg.domid, .name = m->cfg.name,
                               .runtime_dir = m->cfg.runtime_dir, .mem = &m->mem,
                               .bus = &m->bus, .main = g_main_context_default(),
                               .stats = &m->stats, .memory = &vdm_hv_memory_host,
                               .memory_ctx = &m->hv };
    if (!create_devices(m, error))
        return false;
    if (m->state_path != NULL && !vdm_state_load(&m->bus, m->state_path, error))
        return false;
    m->control = vdm_control_open(m->cfg.runtime_dir, &m->bus, g_main_context_default(), error);
    return m->control != NULL;
}

static void stop(struct vdm_main *m, int status, const char *why)
{
    g_message("%s: stopping: %s", m->cfg.name, why);
    m->exit_status = status;
    g_main_loop_quit(m->loop);
}

static gboolean on_events(gint fd, GIOCondition cond, gpointer data)
{
    struct vdm_main *m = data;
    bool domain_changed = false;
    int served = vdm_hv_serve(&m->hv, &m->bus, &domain_changed);

    (void)fd;
    (void)cond;
    if (served < 0 || domain_changed) {
        /* A failed request after the domain died is its end, not ours to report. */
        if (vdm_hv_domain_ended(&m->hv)) {
            stop(m, 0, "the domain ended");
            return G_SOURCE_REMOVE;
        }
        if (served < 0) {
            stop(m, 1, g_strerror(-served));
            return G_SOURCE_REMOVE;
        }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean on_first_look(gpointer data)
{
    struct vdm_main *m = data;

    if (m->state_path != NULL)
        vdm_state_resume(&m->bus); /* a restored guest's waiting buffers */
    on_events(vdm_hv_fd(&m->hv), 0, m);
    return G_SOURCE_REMOVE;
}

static gboolean on_sigterm(gpointer data)
{
    stop(data, 0, "SIGTERM");
    return G_SOURCE_REMOVE;
}

static void run(struct vdm_main *m)
{
    m->loop = g_main_loop_new(NULL, FALSE);
    g_unix_fd_add(vdm_hv_fd(&m->hv), G_IO_IN | G_IO_HUP | G_IO_ERR, on_events, m);
    g_unix_signal_add(SIGTERM, on_sigterm, m);
    g_unix_signal_add(SIGINT, on_sigterm, m);
    /* Requests that came before the loop: their events may already have been taken.
     * Looked at from inside the loop, so that a stop() there ends it. */
    g_idle_add(on_first_look, m);
    g_main_loop_run(m->loop);
    g_main_loop_unref(m->loop);
}

static bool redirect_log(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

    if (fd < 0)
        return false;
    dup2(fd, STDERR_FILENO);
    close(fd);
    return true;
}

int main(int argc, char **argv)
{
    g_autofree char *config = NULL, *log = NULL, *state = NULL;
    int ready_fd = -1;
    GOptionEntry entries[] = {
        { "config", 0, 0, G_OPTION_ARG_FILENAME, &config, "configuration file", "FILE" },
        { "ready-fd", 0, 0, G_OPTION_ARG_INT, &ready_fd, "report readiness here", "N" },
        { "log", 0, 0, G_OPTION_ARG_FILENAME, &log, "log file (default stderr)", "FILE" },
        { "state", 0, 0, G_OPTION_ARG_FILENAME, &state, "saved device state to take up",
          "FILE" },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- vireo device model");
    struct vdm_main m = { 0 };
    GError *error = NULL;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || config == NULL) {
        report_error(ready_fd, error != NULL ? error->message : "--config FILE is needed");
        return 1;
    }
    /* Children (qemu-storage-daemon) must not hold it: the reader waits for its end. */
    if (ready_fd >= 0 && fcntl(ready_fd, F_SETFD, FD_CLOEXEC) < 0) {
        g_message("--ready-fd %d: %s", ready_fd, g_strerror(errno));
        return 1;
    }
    if (log != NULL && !redirect_log(log))
        g_message("--log %s: %s", log, g_strerror(errno));
    /* An NBD server that goes away must not kill us with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    m.state_path = state;
    if (!start(&m, config, &error)) {
        report_error(ready_fd, error->message);
        m.exit_status = 1;
    } else {
        g_message("%s: serving domain %u", m.cfg.name, m.cfg.domid);
        report(ready_fd, "ready\n");
        run(&m);
    }
    g_clear_error(&error);
    vdm_control_close(m.control);
    vdm_bus_destroy_devices(&m.bus); /* stops the storage daemons before RAM goes */
    vdm_hv_close(&m.hv);
    vdm_dirty_log_free(&m.mem.dirty);
    vdm_stats_close(&m.stats);
    vdm_config_clear(&m.cfg);
    return m.exit_status;
}
