/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vireo-dm process of a running domain: spawned detached in its own session (domains
 * and their device models keep running when the daemon stops), awaited on a ready pipe,
 * recorded by pid and start time in ROOT/run/vireo/dm/<domid>/vireo-dm.pid so a restarted
 * daemon finds it, and made to end with its domain.
 */
#include "vd-dm.h"
#include "vd-vif.h"
#include "vd-libvirt.h"
#include "vd-netlink.h"
#include "vd-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <unistd.h>

static char *pid_file(const char *runtime_dir)
{
    return g_build_filename(runtime_dir, "vireo-dm.pid", NULL);
}

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot; 0 if gone (a
 * zombie is gone: it only waits to be reaped). */
static unsigned long long start_time(int pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
    g_autofree char *stat = NULL;
    if (!g_file_get_contents(path, &stat, NULL, NULL))
        return 0;
    const char *p = strrchr(stat, ')'); /* the command name may hold spaces and ')' */
    if (!p)
        return 0;
    unsigned long long t = 0;
    char state = 0;
    /* After ")": state (3), then fields 4..21, then starttime (22). */
    if (sscanf(p + 1,
               " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
               "%*d %*d %llu",
               &state, &t) != 2 ||
        state == 'Z' || state == 'X')
        return 0;
    return t;
}

/* Reaps the vireo-dm this daemon spawned when it exits (a restarted daemon's are init's). */
static void reap(GPid pid, gint status, gpointer user)
{
    (void)user;
    g_message("vireo-dm pid %d ended (wait status %d)", (int)pid, status);
    g_spawn_close_pid(pid);
}

/* In the child before exec: its own session, so neither the daemon's end nor its
 * terminal's signals reach it. */
static void child_setup(gpointer user)
{
    (void)user;
    setsid();
}

static char *log_path(const vd_config *cfg, const char *name)
{
    return g_strdup_printf("%s/var/log/vireo/dm/%s.log", cfg->root, name);
}

static const char *program(const vd_config *cfg)
{
    const char *override = g_getenv("VIREO_DM");
    return override && *override ? override : cfg->emulator;
}

/* Reads vireo-dm's one line from the ready pipe, waiting until `deadline_us` (monotonic).
 * Returns the line without its newline, "" on EOF before one, NULL on timeout. */
static char *read_ready_line(int fd, gint64 deadline_us)
{
    GString *line = g_string_new(NULL);
    for (;;) {
        gint64 left_ms = (deadline_us - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0)
            break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)MIN(left_ms, G_MAXINT));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        char buf[256];
        ssize_t got = read(fd, buf, sizeof(buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return g_string_free(line, FALSE); /* EOF: what came, maybe "" */
        g_string_append_len(line, buf, got);
        char *nl = strchr(line->str, '\n');
        if (nl) {
            g_string_truncate(line, nl - line->str);
            return g_string_free(line, FALSE);
        }
        if (line->len > 4096)
            return g_string_free(line, FALSE);
    }
    g_string_free(line, TRUE);
    return NULL;
}

/* Waits up to timeout_ms for the process behind pidfd to end; true if it did. */
static bool wait_exit(int pidfd, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r = poll(&p, 1, (int)MAX(left_ms, 0));
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0;
    }
}

/* Ends process `pid` if it still is the one started at `started`: waits `grace_s` for it
 * to exit by itself, then SIGTERM, then SIGKILL. */
static void end_process(int pid, unsigned long long started, unsigned grace_s, const char *name)
{
    int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0)
        return; /* gone */
    /* Checked after opening the pidfd: from here the pid cannot be reused under us. */
    if (start_time(pid) != started) {
        close(pidfd);
        return;
    }
    if (!wait_exit(pidfd, grace_s * 1000)) {
        g_message("domain '%s': vireo-dm (pid %d) still runs, sending SIGTERM", name, pid);
        pidfd_send_signal(pidfd, SIGTERM, NULL, 0);
        if (!wait_exit(pidfd, grace_s * 1000)) {
            g_warning("domain '%s': vireo-dm (pid %d) ignored SIGTERM, killing it", name, pid);
            pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
            wait_exit(pidfd, 1000);
        }
    }
    close(pidfd);
}

static bool read_pid_file(const char *runtime_dir, int *pid, unsigned long long *started)
{
    g_autofree char *path = pid_file(runtime_dir);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return false;
    return sscanf(text, "%d %llu", pid, started) == 2 && *pid > 0;
}

static void remove_runtime_dir(const char *runtime_dir)
{
    g_autoptr(GDir) dir = g_dir_open(runtime_dir, 0, NULL);
    for (const char *f; dir && (f = g_dir_read_name(dir));) {
        g_autofree char *path = g_build_filename(runtime_dir, f, NULL);
        g_unlink(path);
    }
    g_rmdir(runtime_dir);
}

typedef struct spawn_plan {
    const char *prog;
    char *runtime_dir, *config, *log;
    char *state;  /* a restore's device state file, or NULL */
    GArray *taps; /* int: interface n's tap fd, closed once vireo-dm holds them */
} spawn_plan;

static void close_taps(spawn_plan *p)
{
    for (unsigned i = 0; p->taps && i < p->taps->len; i++)
        close(g_array_index(p->taps, int, i));
    g_clear_pointer(&p->taps, g_array_unref);
}

static void spawn_plan_clear(spawn_plan *p)
{
    g_free(p->runtime_dir);
    g_free(p->config);
    g_free(p->log);
    g_free(p->state);
    close_taps(p);
}

/* Each interface's tap, made and joined to its bridge; false with err set (the taps made
 * so far vanish as spawn_plan_clear closes them). */
static bool make_taps(const vd_domain_def *live, const char *const *bridges, spawn_plan *p,
                      vd_error **err)
{
    p->taps = g_array_new(FALSE, FALSE, sizeof(int));
    for (unsigned i = 0; i < live->nets->len; i++) {
        const vd_net_def *net = live->nets->pdata[i];
        int fd = vd_vif_open(net->ifname, bridges[i], net->mac, live->name, err);
        if (fd < 0)
            return false;
        g_array_append_val(p->taps, fd);
    }
    return true;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(spawn_plan, spawn_plan_clear)

/* Writes the config file and makes the directories; false with err set. */
static bool prepare(const vd_config *cfg, const vd_domain_def *live, int domid, spawn_plan *p,
                    vd_error **err)
{
    p->prog = program(cfg);
    p->runtime_dir = vd_dm_runtime_dir(cfg, domid);
    p->config = g_build_filename(p->runtime_dir, "vireo-dm.conf", NULL);
    p->log = log_path(cfg, live->name);
    g_autofree char *log_dir = g_path_get_dirname(p->log);
    if (g_mkdir_with_parents(p->runtime_dir, 0700) != 0 ||
        g_mkdir_with_parents(log_dir, 0755) != 0) {
        vd_fail_errno(err, errno, "cannot create the device model directories of domain '%s'",
                      live->name);
        return false;
    }
    g_autofree char *text = vd_dm_config_text(live, domid, p->runtime_dir);
    return vd_file_write_atomic(p->config, text, false, err);
}

/* Spawns vireo-dm with the write end of the ready pipe as READY_FD and its output appended
 * to the log. Returns its pid, 0 with err set. */
static GPid spawn(const spawn_plan *p, const char *name, int ready_w, vd_error **err)
{
    int log_fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log_fd < 0) {
        vd_fail_errno(err, errno, "cannot open the device model log %s of domain '%s'", p->log,
                      name);
        return 0;
    }
    const char *argv[] = {p->prog,
                          "--config",
                          p->config,
                          "--ready-fd",
                          G_STRINGIFY(VD_DM_READY_FD),
                          "--log",
                          p->log,
                          p->state ? "--state" : NULL,
                          p->state,
                          NULL};
    unsigned nfds = 1 + p->taps->len;
    g_autofree int *source_fds = g_new(int, nfds);
    g_autofree int *target_fds = g_new(int, nfds);
    source_fds[0] = ready_w;
    target_fds[0] = VD_DM_READY_FD;
    for (unsigned i = 0; i < p->taps->len; i++) {
        source_fds[1 + i] = g_array_index(p->taps, int, i);
        target_fds[1 + i] = VD_DM_TAP_FD_FIRST + i;
    }
    GPid pid = 0;
    g_autoptr(GError) gerr = NULL;
    bool ok = g_spawn_async_with_pipes_and_fds(
        "/", argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, child_setup, NULL,
        -1, log_fd, log_fd, source_fds, target_fds, nfds, &pid, NULL, NULL, NULL, &gerr);
    close(log_fd);
    if (!ok) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "cannot start the device model %s of domain '%s': %s", p->prog, name,
                gerr->message);
        return 0;
    }
    g_child_watch_add(pid, reap, NULL);
    return pid;
}

/* The ready pipe's verdict: true on "ready", else err says why (vireo-dm's own words). */
static bool await_ready(int ready_r, const spawn_plan *p, const char *name, GPid pid,
                        vd_error **err)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)VD_DM_READY_TIMEOUT_S * G_USEC_PER_SEC;
    g_autofree char *line = read_ready_line(ready_r, deadline);
    if (line && strcmp(line, "ready") == 0)
        return true;
    if (!line)
        vd_fail(err, VIR_ERR_OPERATION_TIMEOUT, VIR_FROM_DOMAIN,
                "the device model of domain '%s' (pid %d) was not ready within %d s; see %s", name,
                (int)pid, VD_DM_READY_TIMEOUT_S, p->log);
    else if (g_str_has_prefix(line, "error: "))
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the device model of domain '%s' failed: %s", name, line + strlen("error: "));
    else if (!*line)
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the device model of domain '%s' exited before it was ready; see %s", name, p->log);
    else
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the device model of domain '%s' said '%s' instead of 'ready'; see %s", name, line,
                p->log);
    return false;
}

bool vd_dm_check(const vd_config *cfg, const vd_domain_def *def, vd_error **err)
{
    const char *prog = program(cfg);
    if (vd_domain_dm_device_count(def) == 0 || g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE))
        return true;
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "cannot start domain '%s': its devices need the device model %s, which is not "
            "installed",
            def->name, prog);
    return false;
}

bool vd_dm_start(const vd_config *cfg, const vd_domain_def *live, int domid,
                 const char *const *bridges, GBytes *state, vd_error **err)
{
    if (vd_domain_dm_device_count(live) == 0)
        return true;
    g_auto(spawn_plan) p = {0};
    if (!make_taps(live, bridges, &p, err) || !prepare(cfg, live, domid, &p, err))
        return false;
    if (state) {
        p.state = g_build_filename(p.runtime_dir, "restore-state", NULL);
        gsize len;
        const char *bytes = g_bytes_get_data(state, &len);
        g_autoptr(GError) gerr = NULL;
        if (!g_file_set_contents(p.state, bytes, (gssize)len, &gerr)) {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "cannot hand the saved device state to domain '%s': %s", live->name,
                    gerr->message);
            return false;
        }
    }
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        vd_fail_errno(err, errno, "cannot create the ready pipe of domain '%s'", live->name);
        return false;
    }
    GPid pid = spawn(&p, live->name, ready[1], err);
    close(ready[1]); /* only the child holds the write end now: its exit is our EOF */
    close_taps(&p);  /* and the taps: they vanish with it */
    if (!pid) {
        close(ready[0]);
        remove_runtime_dir(p.runtime_dir);
        return false;
    }
    /* Our child, unreaped until the main loop sees its exit: the pidfd is surely its. */
    int pidfd = pidfd_open(pid, 0);
    unsigned long long started = start_time(pid);
    bool ok = await_ready(ready[0], &p, live->name, pid, err);
    close(ready[0]);
    g_autofree char *record = g_strdup_printf("%d %llu\n", (int)pid, started);
    g_autofree char *pid_path = pid_file(p.runtime_dir);
    if (ok && !vd_file_write_atomic(pid_path, record, false, err))
        ok = false;
    if (!ok && pidfd >= 0) /* it failed or never answered: it must not outlive the start */
        pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
    if (pidfd >= 0)
        close(pidfd);
    if (!ok) {
        remove_runtime_dir(p.runtime_dir);
        return false;
    }
    g_message("domain '%s': vireo-dm ready (pid %d, log %s)", live->name, (int)pid, p.log);
    return true;
}

int vd_dm_running_pid(const vd_config *cfg, int domid)
{
    g_autofree char *runtime_dir = vd_dm_runtime_dir(cfg, domid);
    int pid;
    unsigned long long started;
    if (!read_pid_file(runtime_dir, &pid, &started))
        return 0;
    return start_time(pid) == started ? pid : 0;
}

void vd_dm_stop(const vd_config *cfg, int domid, const char *name)
{
    g_autofree char *runtime_dir = vd_dm_runtime_dir(cfg, domid);
    if (!g_file_test(runtime_dir, G_FILE_TEST_IS_DIR))
        return;
    int pid;
    unsigned long long started;
    if (read_pid_file(runtime_dir, &pid, &started))
        end_process(pid, started, VD_DM_STOP_TIMEOUT_S, name);
    remove_runtime_dir(runtime_dir);
}
