/* SPDX-License-Identifier: GPL-2.0-only */
/* Booting from the first disk through vireo-bootloader (vd-bootloader.h). */
#include "vd-bootloader.h"
#include "vd-dm.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>

#define KILL_GRACE_S 10 /* after SIGTERM, before SIGKILL */
#define DISK_GROUP "disk"

void vd_boot_image_clear(vd_boot_image *img)
{
    if (img->dir) {
        g_autoptr(GDir) dir = g_dir_open(img->dir, 0, NULL);
        const char *entry;
        while (dir && (entry = g_dir_read_name(dir))) {
            g_autofree char *path = g_build_filename(img->dir, entry, NULL);
            /* A tool killed mid-read can leave its FUSE view of the disk mounted here. */
            umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
            if (g_unlink(path) != 0)
                g_warning("%s: %s", path, g_strerror(errno));
        }
        if (g_rmdir(img->dir) != 0)
            g_warning("%s: %s", img->dir, g_strerror(errno));
    }
    g_free(img->dir);
    g_free(img->kernel);
    g_free(img->initrd);
    g_free(img->cmdline);
    g_free(img->source);
    memset(img, 0, sizeof(*img));
}

/* A file the tool named: a plain name in dir, nothing that walks out of it. */
static char *file_in(const char *dir, const char *path, const char *key, char **why)
{
    g_autofree char *dirname = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    if (strcmp(dirname, dir) != 0 || strcmp(base, "..") == 0 || strcmp(base, ".") == 0) {
        *why = g_strdup_printf("its %s '%s' is not a file in %s", key, path, dir);
        return NULL;
    }
    return g_strdup(path);
}

bool vd_boot_image_parse(const char *text, vd_boot_image *out, char **why)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) gerr = NULL;
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &gerr)) {
        *why = g_strdup_printf("its output is not a key file: %s", gerr->message);
        return false;
    }
    g_autofree char *kernel = g_key_file_get_string(kf, "boot", "kernel", NULL);
    g_autofree char *initrd = g_key_file_get_string(kf, "boot", "initrd", NULL);
    if (!kernel) {
        *why = g_strdup("its output names no [boot] kernel");
        return false;
    }
    out->kernel = file_in(out->dir, kernel, "kernel", why);
    if (!out->kernel)
        return false;
    if (initrd && *initrd && !(out->initrd = file_in(out->dir, initrd, "initrd", why)))
        return false;
    out->cmdline = g_key_file_get_string(kf, "boot", "cmdline", NULL);
    if (!out->cmdline)
        out->cmdline = g_strdup("");
    out->source = g_key_file_get_string(kf, "boot", "source", NULL);
    return true;
}

typedef struct run_state {
    GSubprocess *proc;
    GSource *timer; /* the running deadline: first SIGTERM's, then SIGKILL's */
    bool done, signalled;
    char *out, *errout;
    GError *error;
} run_state;

static void on_communicated(GObject *src, GAsyncResult *res, gpointer user)
{
    run_state *s = user;
    g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, &s->out, &s->errout,
                                         &s->error);
    s->done = true;
}

static gboolean on_overdue(gpointer user);

static void arm_deadline(run_state *s, unsigned seconds)
{
    if (s->timer)
        g_source_unref(s->timer);
    s->timer = g_timeout_source_new_seconds(seconds);
    g_source_set_callback(s->timer, on_overdue, s, NULL);
    g_source_attach(s->timer, g_main_context_get_thread_default());
}

/* First SIGTERM, which lets the tool stop its qemu-storage-daemon; then SIGKILL. */
static gboolean on_overdue(gpointer user)
{
    run_state *s = user;
    if (s->signalled) {
        g_subprocess_force_exit(s->proc);
        return G_SOURCE_REMOVE;
    }
    g_subprocess_send_signal(s->proc, SIGTERM);
    s->signalled = true;
    arm_deadline(s, KILL_GRACE_S);
    return G_SOURCE_REMOVE;
}

/* Runs argv to its end on a context of this thread's own (daemon jobs run on worker
 * threads), bounded by VD_BOOTLOADER_TIMEOUT_S. */
static bool run_bounded(const char *const *argv, run_state *s)
{
    g_autoptr(GMainContext) ctx = g_main_context_new();
    g_main_context_push_thread_default(ctx);
    s->proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                          G_SUBPROCESS_FLAGS_STDERR_PIPE,
                                &s->error);
    if (s->proc) {
        /* Communicating ends once the tool has exited and its pipes are closed. */
        g_subprocess_communicate_utf8_async(s->proc, NULL, NULL, on_communicated, s);
        arm_deadline(s, VD_BOOTLOADER_TIMEOUT_S);
        while (!s->done)
            g_main_context_iteration(ctx, TRUE);
        g_source_destroy(s->timer);
        g_clear_pointer(&s->timer, g_source_unref);
    }
    g_main_context_pop_thread_default(ctx);
    return s->proc && !s->error;
}

bool vd_bootloader_run(const vd_config *cfg, const vd_domain_def *def, vd_boot_image *out,
                       vd_error **err)
{
    memset(out, 0, sizeof(*out));
    const vd_disk_def *disk = vd_dm_boot_disk(def);
    if (!disk) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s' has no <os><kernel> and no disk to boot one from", def->name);
        return false;
    }
    g_autofree char *described = vd_disk_describe(disk);
    g_autofree char *boot_root = g_build_filename(cfg->state_dir, "boot", NULL);
    g_autofree char *template = g_strdup_printf("%s/%s.XXXXXX", boot_root, def->name);
    if (g_mkdir_with_parents(boot_root, 0700) != 0 || !g_mkdtemp_full(template, 0700)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s': cannot make a directory for the kernel of disk %s: %s: %s",
                def->name, disk->target, template, g_strerror(errno));
        return false;
    }
    out->dir = g_steal_pointer(&template);
    g_autofree char *config = g_build_filename(out->dir, "disk.conf", NULL);
    g_autofree char *config_text = vd_dm_disk_config_text(disk, DISK_GROUP);
    g_autoptr(GError) gerr = NULL;
    if (!g_file_set_contents(config, config_text, -1, &gerr)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "domain '%s': %s", def->name,
                gerr->message);
        vd_boot_image_clear(out);
        return false;
    }

    const char *argv[] = {cfg->bootloader, config, DISK_GROUP, out->dir, NULL};
    run_state s = {0};
    g_autofree char *why = NULL;
    if (!run_bounded(argv, &s))
        why = g_strdup_printf("cannot run %s: %s", cfg->bootloader, s.error->message);
    else if (s.signalled)
        why = g_strdup_printf("%s did not finish in %d s", cfg->bootloader,
                              VD_BOOTLOADER_TIMEOUT_S);
    else if (!g_subprocess_get_if_exited(s.proc) || g_subprocess_get_exit_status(s.proc) != 0)
        why = g_strdup(s.errout && *g_strstrip(s.errout) ? s.errout
                                                          : "vireo-bootloader failed silently");
    else if (vd_boot_image_parse(s.out, out, &why) && def->cmdline && *def->cmdline) {
        /* The definition's <cmdline> adds to the disk's, as xl's `extra=` did to pygrub's. */
        char *joined = g_strjoin(*out->cmdline ? " " : "", out->cmdline, def->cmdline, NULL);
        g_free(out->cmdline);
        out->cmdline = joined;
    }
    g_clear_object(&s.proc);
    g_free(s.out);
    g_free(s.errout);
    g_clear_error(&s.error);
    g_unlink(config);
    if (why) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s' cannot boot from disk %s (%s): %s", def->name, disk->target,
                described, why);
        vd_boot_image_clear(out);
        return false;
    }
    g_message("domain '%s': booting %s from disk %s", def->name,
              out->source ? out->source : out->kernel, disk->target);
    return true;
}
