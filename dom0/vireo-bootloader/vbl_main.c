/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-bootloader CONFIG GROUP OUTDIR: the kernel, initrd and command line a domain with
 * no <kernel> boots, found on its first disk as pygrub found them (docs/dom0.md). The disk
 * is read through a read-only FUSE export of qemu-storage-daemon in OUTDIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "vbl_find.h"
#include "vbl_probe.h"
#include "vdm_blk.h"

#define EXIT_NO_KERNEL 2
#define DISK_NAME "disk"

/* The storage daemon, global so that a signal can stop it: the FUSE reads we may be
 * blocked in then fail, and the ordinary error path cleans up. */
static struct vdm_qsd qsd;
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
    if (qsd.pid > 0)
        kill(qsd.pid, SIGTERM);
}

static void catch_signals(void)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa = {.sa_handler = on_signal};

    sigemptyset(&sa.sa_mask);
    for (unsigned i = 0; i < G_N_ELEMENTS(sigs); i++)
        sigaction(sigs[i], &sa, NULL);
}

/*
 * A mount namespace of our own: the FUSE mount is never seen outside, and it goes with the
 * last of us and the storage daemon even when both are killed outright. Without the
 * privilege (a test as a user) the explicit unmount in vdm_qsd_stop is all there is.
 */
static void private_mounts(void)
{
    if (unshare(CLONE_NEWNS) == 0)
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

struct run {
    const char *target; /* the guest's name for the disk, first on every error line */
    char *outdir;       /* absolute */
    int dirfd;
    char *disk; /* OUTDIR/disk, the FUSE export */
    struct vbl_boot boot;
    unsigned partno;
};

/* Why one candidate boots nothing, in the words of the final error line. */
static void add_reason(GString *why, const struct vbl_candidate *c, const char *reason)
{
    if (why->len > 0)
        g_string_append(why, "; ");
    if (c->partno == 0)
        g_string_append(why, "the disk");
    else
        g_string_append_printf(why, "partition %u", c->partno);
    if (c->type == NULL)
        g_string_append(why, " has no filesystem libblkid knows");
    else if (reason == NULL)
        g_string_append_printf(why, " is %s, which vireo-bootloader does not read", c->type);
    else
        g_string_append_printf(why, " (%s) %s", c->type, reason);
}

static bool is_ext(const char *type)
{
    return type != NULL &&
           (strcmp(type, "ext2") == 0 || strcmp(type, "ext3") == 0 || strcmp(type, "ext4") == 0);
}

/* The first candidate that boots, copied into OUTDIR. Exit status on failure in *status. */
static bool find_and_copy(struct run *run, GArray *candidates, int *status, GError **error)
{
    g_autoptr(GString) why = g_string_new(NULL);

    for (unsigned i = 0; i < candidates->len && !stop_signal; i++) {
        const struct vbl_candidate *c = &g_array_index(candidates, struct vbl_candidate, i);
        struct vbl_extfs *fs = NULL;
        GError *err = NULL;
        bool ok;

        if (!is_ext(c->type)) {
            add_reason(why, c, NULL);
            continue;
        }
        if (!vbl_extfs_open(run->disk, c->offset, &fs, &err) ||
            !vbl_find_boot(fs, &run->boot, &err)) {
            add_reason(why, c, err->message);
            g_error_free(err);
            vbl_extfs_close(fs);
            continue;
        }
        run->partno = c->partno;
        ok = vbl_extfs_copy(fs, run->boot.kernel, VBL_KERNEL_MAX, run->dirfd, "kernel", error) &&
             (run->boot.initrd == NULL ||
              vbl_extfs_copy(fs, run->boot.initrd, VBL_INITRD_MAX, run->dirfd, "initrd", error));
        vbl_extfs_close(fs);
        if (!ok)
            unlinkat(run->dirfd, "kernel", 0);
        *status = EXIT_FAILURE;
        return ok;
    }
    if (candidates->len == 0)
        g_string_append(why, "the partition table has no partitions");
    g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL, "no bootable kernel: %s", why->str);
    *status = EXIT_NO_KERNEL;
    return false;
}

static bool boot_from_disk(struct run *run, const struct vdm_blk_source *src, int *status,
                           GError **error)
{
    g_autoptr(GArray) candidates = NULL;
    int fd;

    *status = EXIT_FAILURE;
    /* qemu-storage-daemon mounts its FUSE export on an existing regular file. */
    fd = openat(run->dirfd, DISK_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "creating %s: %s", run->disk,
                    g_strerror(errno));
        return false;
    }
    close(fd);
    if (stop_signal || !vdm_qsd_start_fuse(&qsd, src, run->disk, run->outdir, DISK_NAME, error))
        return false;
    return !stop_signal && vbl_probe_disk(run->disk, &candidates, error) &&
           find_and_copy(run, candidates, status, error);
}

static void print_boot(const struct run *run)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *kernel = g_build_filename(run->outdir, "kernel", NULL);
    g_autofree char *text = NULL;

    g_key_file_set_string(kf, "boot", "kernel", kernel);
    if (run->boot.initrd != NULL) {
        g_autofree char *initrd = g_build_filename(run->outdir, "initrd", NULL);

        g_key_file_set_string(kf, "boot", "initrd", initrd);
    }
    g_key_file_set_string(kf, "boot", "cmdline", run->boot.cmdline);
    g_key_file_set_uint64(kf, "boot", "partition", run->partno);
    g_key_file_set_string(kf, "boot", "source", run->boot.source);
    text = g_key_file_to_data(kf, NULL, NULL);
    fputs(text, stdout);
}

/* The config group's disk, always opened read-only whatever the domain may do to it. */
static bool read_source(const char *config, const char *group, struct vdm_blk_source *src,
                        GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    if (!g_key_file_load_from_file(kf, config, G_KEY_FILE_NONE, error))
        return false;
    if (!g_key_file_has_group(kf, group)) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "%s has no group [%s]", config, group);
        return false;
    }
    if (!vdm_blk_source_parse(src, kf, group, error))
        return false;
    src->readonly = true;
    return true;
}

int main(int argc, char **argv)
{
    struct vdm_blk_source src = {0};
    struct run run = {.dirfd = -1};
    g_autoptr(GError) error = NULL;
    int status = EXIT_FAILURE;
    bool ok = false;

    if (argc != 4) {
        fprintf(stderr, "usage: vireo-bootloader CONFIG GROUP OUTDIR\n");
        return EXIT_FAILURE;
    }
    run.target = argv[2];
    catch_signals();
    if (!read_source(argv[1], argv[2], &src, &error))
        goto out;
    run.target = src.target;
    run.outdir = g_canonicalize_filename(argv[3], NULL);
    run.disk = g_build_filename(run.outdir, DISK_NAME, NULL);
    run.dirfd = open(run.outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (run.dirfd < 0) {
        g_set_error(&error, VBL_ERROR, VBL_ERROR_FAILED, "%s: %s", run.outdir, g_strerror(errno));
        goto out;
    }
    private_mounts();
    ok = boot_from_disk(&run, &src, &status, &error);
    vdm_qsd_stop(&qsd);
    unlinkat(run.dirfd, DISK_NAME, 0);
    unlinkat(run.dirfd, DISK_NAME ".qsd.log", 0);
    if (ok && stop_signal) {
        unlinkat(run.dirfd, "kernel", 0);
        unlinkat(run.dirfd, "initrd", 0);
        ok = false;
    }
out:
    if (stop_signal)
        fprintf(stderr, "%s: stopped by signal %d (%s)\n", run.target, (int)stop_signal,
                strsignal(stop_signal));
    else if (!ok)
        fprintf(stderr, "%s: %s\n", run.target, error->message);
    else
        print_boot(&run);
    if (run.dirfd >= 0)
        close(run.dirfd);
    vbl_boot_clear(&run.boot);
    vdm_blk_source_clear(&src);
    g_free(run.outdir);
    g_free(run.disk);
    return ok ? EXIT_SUCCESS : stop_signal ? EXIT_FAILURE : status;
}
