/* SPDX-License-Identifier: GPL-2.0-only */
/* Local disks copied by a migration (vd-migrate-disks.h). */
#include "vd-migrate-disks.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "vd-dm.h"
#include "vd-libvirt.h"
#include "vd-migrate-link.h"
#include "vd-storage-private.h"

#define STATUS_POLL_MS 250
#define REPORT_EVERY_MS 1000
#define ANSWER_TIMEOUT_MS 120000 /* the destination makes images before it answers */
#define COMPLETE_TIMEOUT_MS 60000
#define SERVER_START_TIMEOUT_MS 15000
#define SERVER_STOP_GRACE_MS 5000

bool vd_migrate_disk_copied(const vd_disk_def *disk)
{
    return !disk->readonly && !disk->shareable && !disk->cdrom &&
           (disk->type == VD_DISK_FILE || disk->type == VD_DISK_BLOCK);
}

/* ---- source ------------------------------------------------------------------------- */

bool vd_disk_copy_select(const vd_domain_def *live, const char *const *only, unsigned n_only,
                         uint32_t *mask, vd_error **err)
{
    *mask = 0;
    for (unsigned i = 0; i < live->disks->len && !n_only; i++)
        if (vd_migrate_disk_copied(live->disks->pdata[i]))
            *mask |= 1u << i;
    for (unsigned k = 0; k < n_only; k++) {
        unsigned i = 0;
        while (i < live->disks->len &&
               strcmp(((vd_disk_def *)live->disks->pdata[i])->target, only[k]) != 0)
            i++;
        if (i == live->disks->len) {
            vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN,
                    "domain '%s' has no disk %s to migrate", live->name, only[k]);
            return false;
        }
        if (!vd_migrate_disk_copied(live->disks->pdata[i])) {
            vd_fail(err, VIR_ERR_OPERATION_UNSUPPORTED, VIR_FROM_DOMAIN,
                    "disk %s of domain '%s' cannot be copied: only writable, unshared files "
                    "and block devices are",
                    only[k], live->name);
            return false;
        }
        *mask |= 1u << i;
    }
    return true;
}

/* vireo-dm's config group of live's disk i: "device.SLOT" (vd-dm-config.c). */
static char *disk_group(const vd_domain_def *live, unsigned i)
{
    vd_dm_device devices[VD_DM_SLOTS];
    unsigned n = vd_dm_assign_slots(live, devices);
    for (unsigned slot = 0; slot < n; slot++)
        if (devices[slot].kind == VD_DM_DISK && devices[slot].index == i)
            return g_strdup_printf("device.%u", slot);
    return NULL;
}

static bool disk_request(const vd_config *cfg, int domid, const vd_domain_def *live, unsigned i,
                         const char *verb, char **answer, vd_error **err)
{
    g_autofree char *group = disk_group(live, i);
    g_autofree char *request = g_strdup_printf("%s %s", group, verb);
    return vd_dm_request(cfg, domid, live->name, request, answer, err);
}

/* "copy-storage vda=1048576 ..." */
static char *disk_list(const vd_domain_def *live, uint32_t mask, vd_error **err)
{
    g_autoptr(GString) line = g_string_new("copy-storage");
    for (unsigned i = 0; i < live->disks->len; i++) {
        const vd_disk_def *disk = live->disks->pdata[i];
        if (!(mask & (1u << i)))
            continue;
        /* --force-share: vireo-dm's qemu-storage-daemon holds the image. */
        g_autoptr(vd_image_info) info = vd_qemu_img_info(disk->source, err);
        if (!info)
            return NULL;
        g_string_append_printf(line, " %s=%" PRIu64, disk->target, info->capacity);
    }
    return g_string_free(g_steal_pointer(&line), false);
}

/* One mirror's "copying DONE TOTAL" or "ready DONE TOTAL" (vireo-dm's mirror-status). */
static bool parse_status(const char *answer, bool *ready, uint64_t *done, uint64_t *total)
{
    char state[16];
    if (sscanf(answer, "%15s %" SCNu64 " %" SCNu64, state, done, total) != 3)
        return false;
    *ready = strcmp(state, "ready") == 0;
    return *ready || strcmp(state, "copying") == 0;
}

/* Polls every mirror until all are in step, telling the destination how far they got. */
static bool wait_in_step(const vd_config *cfg, int domid, const vd_domain_def *live, uint32_t mask,
                         int fd, vd_disk_copy_progress progress, void *data, vd_error **err)
{
    gint64 last_report = 0;
    for (;;) {
        uint64_t done = 0, total = 0;
        bool all_ready = true;
        for (unsigned i = 0; i < live->disks->len; i++) {
            if (!(mask & (1u << i)))
                continue;
            g_autofree char *answer = NULL;
            uint64_t d = 0, t = 0;
            bool ready = false;
            if (!disk_request(cfg, domid, live, i, "mirror-status", &answer, err))
                return false;
            if (!parse_status(answer, &ready, &d, &t)) {
                vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                        "domain '%s': disk %s's mirror reports '%s'", live->name,
                        ((vd_disk_def *)live->disks->pdata[i])->target, answer);
                return false;
            }
            done += d;
            total += t;
            all_ready = all_ready && ready;
        }
        if (progress)
            progress(data, done, total);
        if (all_ready)
            return vd_migrate_write_line(fd, "synced", err);
        gint64 now = g_get_monotonic_time();
        if (now - last_report >= REPORT_EVERY_MS * 1000) {
            g_autofree char *line = g_strdup_printf("copying %" PRIu64 " %" PRIu64, done, total);
            /* Fails once domjobabort shut the connection or the destination left. */
            if (!vd_migrate_write_line(fd, line, err))
                return false;
            last_report = now;
        }
        g_usleep(STATUS_POLL_MS * 1000);
    }
}

bool vd_disk_copy_start(const vd_config *cfg, int domid, const vd_domain_def *live, uint32_t mask,
                        int fd, const char *host, vd_disk_copy_progress progress, void *data,
                        vd_error **err)
{
    g_autofree char *list = disk_list(live, mask, err);
    if (!list || !vd_migrate_write_line(fd, list, err))
        return false;
    g_autofree char *answer =
        vd_migrate_read_line(fd, ANSWER_TIMEOUT_MS, "answer to the disk list", err);
    if (!answer)
        return false;
    guint64 port = 0;
    if (g_str_has_prefix(answer, "error: ")) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the destination cannot take the disks: %s", answer + 7);
        return false;
    }
    if (!g_str_has_prefix(answer, "nbd ") ||
        !g_ascii_string_to_unsigned(answer + 4, 10, 0, 65535, &port, NULL) ||
        (!port && strcmp(list, "copy-storage") != 0)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the destination answered the disk list with '%s'", answer);
        return false;
    }
    for (unsigned i = 0; i < live->disks->len; i++) {
        const vd_disk_def *disk = live->disks->pdata[i];
        if (!(mask & (1u << i)))
            continue;
        g_autofree char *verb =
            g_strdup_printf("mirror-start %s %" G_GUINT64_FORMAT " %s", host, port, disk->target);
        if (!disk_request(cfg, domid, live, i, verb, NULL, err))
            return false;
        g_message("domain '%s': mirroring disk %s to %s port %" G_GUINT64_FORMAT, live->name,
                  disk->target, host, port);
    }
    return wait_in_step(cfg, domid, live, mask, fd, progress, data, err);
}

bool vd_disk_copy_complete(const vd_config *cfg, int domid, const vd_domain_def *live,
                           uint32_t mask, vd_error **err)
{
    for (unsigned i = 0; i < live->disks->len; i++)
        if ((mask & (1u << i)) && !disk_request(cfg, domid, live, i, "mirror-complete", NULL, err))
            return false;
    for (unsigned i = 0; i < live->disks->len; i++) {
        if (!(mask & (1u << i)))
            continue;
        for (unsigned waited = 0;; waited += STATUS_POLL_MS / 5) {
            g_autofree char *answer = NULL;
            if (!disk_request(cfg, domid, live, i, "mirror-status", &answer, err))
                return false;
            if (strcmp(answer, "done") == 0)
                break;
            if (waited >= COMPLETE_TIMEOUT_MS) {
                vd_fail(err, VIR_ERR_OPERATION_TIMEOUT, VIR_FROM_DOMAIN,
                        "domain '%s': disk %s's mirror did not end in %d s", live->name,
                        ((vd_disk_def *)live->disks->pdata[i])->target, COMPLETE_TIMEOUT_MS / 1000);
                return false;
            }
            g_usleep(STATUS_POLL_MS / 5 * 1000); /* the guest is paused: look often */
        }
    }
    return true;
}

void vd_disk_copy_cancel(const vd_config *cfg, int domid, const vd_domain_def *live, uint32_t mask)
{
    for (unsigned i = 0; i < live->disks->len; i++) {
        g_autoptr(vd_error) e = NULL;
        if ((mask & (1u << i)) && !disk_request(cfg, domid, live, i, "mirror-cancel", NULL, &e))
            g_warning("%s", e->message);
    }
}

/* ---- destination -------------------------------------------------------------------- */

struct vd_disk_server {
    GSubprocess *qsd;
    GPtrArray *created; /* char*: the images it made */
    char *pidfile;
    char *log_path;
};

void vd_disk_server_let_go(vd_disk_server *s)
{
    if (!s || !s->qsd)
        return;
    /* SIGTERM: it flushes and closes the images before it exits. */
    g_subprocess_send_signal(s->qsd, SIGTERM);
    for (unsigned waited = 0; g_subprocess_get_identifier(s->qsd) && waited < SERVER_STOP_GRACE_MS;
         waited += 10)
        g_usleep(10000);
    if (g_subprocess_get_identifier(s->qsd))
        g_subprocess_force_exit(s->qsd);
    g_subprocess_wait(s->qsd, NULL, NULL);
    g_clear_object(&s->qsd);
    unlink(s->pidfile);
}

void vd_disk_server_end(vd_disk_server *s, bool drop_created)
{
    if (!s)
        return;
    vd_disk_server_let_go(s);
    for (unsigned i = 0; drop_created && s->created && i < s->created->len; i++) {
        const char *path = s->created->pdata[i];
        if (unlink(path) != 0 && errno != ENOENT)
            g_warning("cannot remove %s, made for a failed migration: %s", path, g_strerror(errno));
    }
    g_clear_pointer(&s->created, g_ptr_array_unref);
    g_free(s->pidfile);
    g_free(s->log_path);
    g_free(s);
}

static const vd_disk_def *find_target(const vd_domain_def *def, const char *target)
{
    for (unsigned i = 0; i < def->disks->len; i++) {
        const vd_disk_def *disk = def->disks->pdata[i];
        if (strcmp(disk->target, target) == 0)
            return disk;
    }
    return NULL;
}

/* The image of a disk copied here: made if missing, else as large as the source's. */
static bool prepare_image(vd_disk_server *s, const vd_disk_def *disk, uint64_t capacity,
                          vd_error **err)
{
    struct stat st;
    if (stat(disk->source, &st) != 0 && errno == ENOENT && disk->type == VD_DISK_FILE) {
        if (!vd_qemu_img_create(disk->source, disk->format ? disk->format : "raw", capacity, NULL,
                                NULL, NULL, err))
            return false;
        g_ptr_array_add(s->created, g_strdup(disk->source));
        g_message("made %s (%" PRIu64 " bytes) for disk %s of an incoming migration", disk->source,
                  capacity, disk->target);
        return true;
    }
    g_autoptr(vd_image_info) info = vd_qemu_img_info(disk->source, err);
    if (!info)
        return false;
    if (info->capacity != capacity) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "disk %s (%s) holds %" PRIu64 " bytes here but %" PRIu64 " on the source",
                disk->target, disk->source, info->capacity, capacity);
        return false;
    }
    return true;
}

/* QEMU's key=value option syntax: a comma inside a value is written twice. */
static void append_value(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, ",%s=", key);
    for (const char *p = value; *p; p++) {
        if (*p == ',')
            g_string_append_c(s, ',');
        g_string_append_c(s, *p);
    }
}

/* Two block nodes per disk and its export, named by its target; the listening socket is
 * inherited as fd 3, so no other process can take the port meanwhile. */
static void add_disk_args(GPtrArray *argv, const vd_disk_def *disk)
{
    GString *proto =
        g_string_new(disk->type == VD_DISK_BLOCK ? "driver=host_device" : "driver=file");
    append_value(proto, "filename", disk->source);
    g_string_append_printf(proto, ",node-name=proto-%s", disk->target);
    GString *fmt = g_string_new(NULL);
    append_value(fmt, "driver", disk->format ? disk->format : "raw");
    g_string_erase(fmt, 0, 1);
    g_string_append_printf(fmt, ",file=proto-%s,node-name=fmt-%s", disk->target, disk->target);
    g_ptr_array_add(argv, g_strdup("--blockdev"));
    g_ptr_array_add(argv, g_string_free(proto, false));
    g_ptr_array_add(argv, g_strdup("--blockdev"));
    g_ptr_array_add(argv, g_string_free(fmt, false));
    g_ptr_array_add(argv, g_strdup("--export"));
    g_ptr_array_add(argv,
                    g_strdup_printf("type=nbd,id=export-%s,node-name=fmt-%s,name=%s,writable=on",
                                    disk->target, disk->target, disk->target));
}

/* In the child: it goes with the daemon, so that a killed daemon's restart finds the
 * images free (SIGTERM: it still flushes them). */
static void die_with_parent(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* qemu-storage-daemon writes its pidfile once its exports and NBD server exist, before it
 * serves anyone (QEMU documents that order for this use). */
static bool wait_started(vd_disk_server *s, vd_error **err)
{
    for (unsigned waited = 0; waited < SERVER_START_TIMEOUT_MS; waited += 20) {
        if (g_file_test(s->pidfile, G_FILE_TEST_EXISTS))
            return true;
        if (!g_subprocess_get_identifier(s->qsd))
            break;
        g_usleep(20000);
    }
    g_autofree char *log = NULL;
    g_file_get_contents(s->log_path, &log, NULL, NULL);
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "qemu-storage-daemon did not serve the disks: %s",
            log && *g_strstrip(log) ? log : "no output");
    return false;
}

static bool serve(vd_disk_server *s, const vd_config *cfg, const vd_domain_def *def,
                  GPtrArray *disks, int listen_fd, vd_error **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup("qemu-storage-daemon"));
    /* The server before the exports, which need it. */
    g_ptr_array_add(argv, g_strdup("--nbd-server"));
    g_ptr_array_add(argv, g_strdup("addr.type=fd,addr.str=3"));
    for (unsigned i = 0; i < disks->len; i++)
        add_disk_args(argv, disks->pdata[i]);
    s->pidfile = g_strdup_printf("%s/%s.disk-copy.pid", cfg->state_dir, def->name);
    s->log_path = g_strdup_printf("%s/%s.disk-copy.log", cfg->state_dir, def->name);
    unlink(s->pidfile);
    g_ptr_array_add(argv, g_strdup("--pidfile"));
    g_ptr_array_add(argv, g_strdup(s->pidfile));
    g_ptr_array_add(argv, NULL);
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    g_subprocess_launcher_set_stdout_file_path(l, s->log_path);
    g_subprocess_launcher_set_stderr_file_path(l, s->log_path);
    g_subprocess_launcher_take_fd(l, dup(listen_fd), 3);
    /* The receiver's thread forks it and ends it before that thread ends. */
    g_subprocess_launcher_set_child_setup(l, die_with_parent, NULL, NULL);
    GError *gerr = NULL;
    s->qsd = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &gerr);
    if (!s->qsd) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "cannot run qemu-storage-daemon: %s", gerr->message);
        g_error_free(gerr);
        return false;
    }
    return wait_started(s, err);
}

/* The disk list's disks of def, their images ready; NULL with err. */
static GPtrArray *take_list(vd_disk_server *s, const vd_domain_def *def, const char *line,
                            vd_error **err)
{
    if (!g_str_has_prefix(line, "copy-storage")) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "the source sent '%.60s' where its disk list belongs", line);
        return NULL;
    }
    g_autoptr(GPtrArray) disks = g_ptr_array_new();
    g_auto(GStrv) words = g_strsplit(line + strlen("copy-storage"), " ", -1);
    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        char *eq = strchr(*w, '=');
        guint64 capacity = 0;
        if (!eq || !g_ascii_string_to_unsigned(eq + 1, 10, 0, G_MAXUINT64, &capacity, NULL)) {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "bad disk '%s' in the source's disk list", *w);
            return NULL;
        }
        *eq = '\0';
        const vd_disk_def *disk = find_target(def, *w);
        if (!disk || !vd_migrate_disk_copied(disk)) {
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "disk %s is not a local writable disk of domain '%s' here", *w, def->name);
            return NULL;
        }
        if (!prepare_image(s, disk, capacity, err))
            return NULL;
        g_ptr_array_add(disks, (gpointer)disk);
    }
    return g_steal_pointer(&disks);
}

/* Reads the source's "copying" lines until "synced". */
static bool wait_synced(int fd, vd_error **err)
{
    for (;;) {
        g_autofree char *line = vd_migrate_read_line(fd, VD_MIGRATE_STALL_TIMEOUT_S * 1000,
                                                     "word from the source copying disks", err);
        if (!line)
            return false;
        if (strcmp(line, "synced") == 0)
            return true;
        if (!g_str_has_prefix(line, "copying ")) {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "the source stopped copying disks%s%s", *line ? ": " : "", line);
            return false;
        }
    }
}

vd_disk_server *vd_disk_server_run(const vd_config *cfg, const vd_domain_def *def, int fd,
                                   const char *listen_address, unsigned want_port, vd_error **err)
{
    vd_disk_server *s = g_new0(vd_disk_server, 1);
    s->created = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *line =
        vd_migrate_read_line(fd, VD_MIGRATE_STALL_TIMEOUT_S * 1000, "disk list", err);
    g_autoptr(GPtrArray) disks = line ? take_list(s, def, line, err) : NULL;
    unsigned port = 0; /* 0: nothing to copy, no server */
    int listen_fd =
        disks && disks->len ? vd_migrate_listen(listen_address, want_port, &port, err) : -1;
    bool ok =
        disks && (!disks->len || (listen_fd >= 0 && serve(s, cfg, def, disks, listen_fd, err)));
    if (listen_fd >= 0)
        close(listen_fd);
    if (ok) {
        g_autofree char *answer = g_strdup_printf("nbd %u", port);
        if (port)
            g_message("domain '%s': serving %u disk(s) for its incoming migration on port %u",
                      def->name, disks->len, port);
        ok = vd_migrate_write_line(fd, answer, err) && wait_synced(fd, err);
    } else if (line) {
        g_autofree char *answer = g_strdup_printf("error: %s", (*err)->message);
        vd_migrate_write_line(fd, answer, NULL);
    }
    if (!ok) {
        vd_disk_server_end(s, true);
        return NULL;
    }
    return s;
}
