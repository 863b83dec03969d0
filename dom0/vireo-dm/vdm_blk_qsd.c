/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A disk's configuration and its qemu-storage-daemon: QEMU's block layer opens the image
 * (any format qemu-img knows, block devices, NBD servers) so vireo-dm has no format code.
 * It exports the disk over NBD (vireo-dm) or, read-only, as a FUSE file (vireo-bootloader).
 * The child dies with us (PR_SET_PDEATHSIG) and is reaped when the disk goes.
 */
#include "vdm_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vdm_config.h"

#define QSD_START_TIMEOUT_MS 15000
#define QSD_STOP_GRACE_MS 3000

static const char *const cache_names[] = {
    [VDM_CACHE_DEFAULT] = "default",           [VDM_CACHE_NONE] = "none",
    [VDM_CACHE_WRITEBACK] = "writeback",       [VDM_CACHE_WRITETHROUGH] = "writethrough",
    [VDM_CACHE_DIRECTSYNC] = "directsync",     [VDM_CACHE_UNSAFE] = "unsafe",
};

bool vdm_blk_cache_direct(enum vdm_blk_cache c)
{
    return c == VDM_CACHE_NONE || c == VDM_CACHE_DIRECTSYNC;
}

bool vdm_blk_cache_no_flush(enum vdm_blk_cache c)
{
    return c == VDM_CACHE_UNSAFE;
}

bool vdm_blk_cache_writeback(enum vdm_blk_cache c)
{
    return c != VDM_CACHE_WRITETHROUGH && c != VDM_CACHE_DIRECTSYNC;
}

static char *get_string(GKeyFile *kf, const char *group, const char *key)
{
    char *s = g_key_file_get_string(kf, group, key, NULL);

    if (s != NULL && *g_strstrip(s) == '\0') {
        g_free(s);
        return NULL;
    }
    return s;
}

static bool parse_choice(GKeyFile *kf, const char *group, const char *key,
                         const char *const *names, unsigned nr, unsigned *out, GError **error)
{
    g_autofree char *s = get_string(kf, group, key);

    *out = 0;
    if (s == NULL)
        return true;
    for (unsigned i = 0; i < nr; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    g_set_error(error, VDM_ERROR, 0, "[%s]: key '%s': unknown value '%s'", group, key, s);
    return false;
}

static bool check_format(const struct vdm_blk_source *src, const char *group, GError **error)
{
    for (const char *p = src->format; p != NULL && *p != '\0'; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-') {
            g_set_error(error, VDM_ERROR, 0, "[%s]: key 'format': '%s' is not a format name",
                        group, src->format);
            return false;
        }
    }
    return true;
}

static bool check_source(const struct vdm_blk_source *src, const char *group, GError **error)
{
    const char *t = src->source_type;

    if (!check_format(src, group, error))
        return false;
    if (strcmp(t, "file") == 0 || strcmp(t, "block") == 0) {
        if (src->path == NULL || src->path[0] != '/') {
            g_set_error(error, VDM_ERROR, 0, "[%s]: key 'path' must be an absolute path",
                        group);
            return false;
        }
        return true;
    }
    if (strcmp(t, "network") != 0) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'source_type': unknown value '%s'",
                    group, t);
        return false;
    }
    if (src->protocol == NULL || strcmp(src->protocol, "nbd") != 0) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'protocol': only 'nbd' is supported",
                    group);
        return false;
    }
    if (src->socket == NULL && src->host == NULL) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'host' or 'socket' is needed", group);
        return false;
    }
    return true;
}

bool vdm_blk_source_parse(struct vdm_blk_source *src, GKeyFile *kf, const char *group,
                          GError **error)
{
    unsigned cache = 0, discard = 0;
    static const char *const discard_names[] = { "ignore", "unmap" };

    memset(src, 0, sizeof(*src));
    src->target = get_string(kf, group, "target");
    src->source_type = get_string(kf, group, "source_type");
    src->path = get_string(kf, group, "path");
    src->protocol = get_string(kf, group, "protocol");
    src->host = get_string(kf, group, "host");
    src->port = get_string(kf, group, "port");
    src->socket = get_string(kf, group, "socket");
    src->export = get_string(kf, group, "export");
    src->format = get_string(kf, group, "format");
    src->serial = get_string(kf, group, "serial");
    if (src->target == NULL)
        src->target = g_strdup(group);
    if (src->source_type == NULL)
        src->source_type = g_strdup("file");
    if (!vdm_config_get_bool(kf, group, "readonly", false, &src->readonly, error) ||
        !parse_choice(kf, group, "cache", cache_names, G_N_ELEMENTS(cache_names), &cache,
                      error) ||
        !parse_choice(kf, group, "discard", discard_names, 2, &discard, error) ||
        !check_source(src, group, error))
        return false;
    src->cache = cache;
    src->discard_unmap = discard == 1;
    return true;
}

void vdm_blk_source_clear(struct vdm_blk_source *src)
{
    g_free(src->target);
    g_free(src->source_type);
    g_free(src->path);
    g_free(src->protocol);
    g_free(src->host);
    g_free(src->port);
    g_free(src->socket);
    g_free(src->export);
    g_free(src->format);
    g_free(src->serial);
    memset(src, 0, sizeof(*src));
}

/* QEMU's key=value option syntax: a comma inside a value is written twice. */
static void append_value(GString *s, const char *key, const char *value)
{
    g_string_append_printf(s, ",%s=", key);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == ',')
            g_string_append_c(s, ',');
        g_string_append_c(s, *p);
    }
}

static void append_node_options(GString *s, const struct vdm_blk_source *src, bool cache)
{
    if (cache) {
        append_value(s, "cache.direct", vdm_blk_cache_direct(src->cache) ? "on" : "off");
        append_value(s, "cache.no-flush", vdm_blk_cache_no_flush(src->cache) ? "on" : "off");
    }
    append_value(s, "read-only", src->readonly ? "on" : "off");
    append_value(s, "discard", src->discard_unmap ? "unmap" : "ignore");
}

static char *protocol_blockdev(const struct vdm_blk_source *src)
{
    GString *s = g_string_new(NULL);
    bool network = strcmp(src->source_type, "network") == 0;

    if (!network) {
        g_string_append(s, strcmp(src->source_type, "block") == 0 ? "driver=host_device"
                                                                   : "driver=file");
        append_value(s, "filename", src->path);
    } else if (src->socket != NULL) {
        g_string_append(s, "driver=nbd,server.type=unix");
        append_value(s, "server.path", src->socket);
    } else {
        g_string_append(s, "driver=nbd,server.type=inet");
        append_value(s, "server.host", src->host);
        append_value(s, "server.port", src->port != NULL ? src->port : "10809");
    }
    if (network && src->export != NULL)
        append_value(s, "export", src->export);
    g_string_append(s, ",node-name=proto");
    /* O_DIRECT is a host file's matter; the remote server has its own cache. */
    append_node_options(s, src, !network);
    return g_string_free(s, false);
}

static char *format_blockdev(const struct vdm_blk_source *src)
{
    GString *s = g_string_new(NULL);

    /* The format name was checked to be a plain word (vdm_blk_source_parse). */
    g_string_append_printf(s, "driver=%s,node-name=fmt,file=proto",
                           src->format != NULL ? src->format : "raw");
    append_node_options(s, src, true);
    return g_string_free(s, false);
}

/* The two block nodes ("proto" under "fmt"), the export options, the pidfile. */
static char **qsd_argv(const struct vdm_blk_source *src, char **export_args,
                       const char *pidfile)
{
    GPtrArray *a = g_ptr_array_new();
    const char *qsd = g_getenv("VDM_QSD");

    g_ptr_array_add(a, g_strdup(qsd != NULL ? qsd : "qemu-storage-daemon"));
    g_ptr_array_add(a, g_strdup("--blockdev"));
    g_ptr_array_add(a, protocol_blockdev(src));
    g_ptr_array_add(a, g_strdup("--blockdev"));
    g_ptr_array_add(a, format_blockdev(src));
    for (char **arg = export_args; *arg != NULL; arg++)
        g_ptr_array_add(a, *arg);
    g_free(export_args);
    g_ptr_array_add(a, g_strdup("--pidfile"));
    g_ptr_array_add(a, g_strdup(pidfile));
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, false);
}

char **vdm_qsd_argv(const struct vdm_blk_source *src, const char *socket_path, const char *qmp_path,
                    const char *pidfile)
{
    GString *addr = g_string_new("addr.type=unix");
    GString *export = g_string_new("type=nbd,id=export0,node-name=fmt");
    char **args = g_new0(char *, 9);
    unsigned n = 0;

    /* Before the NBD server: once its socket accepts, the monitor's does too. */
    if (qmp_path != NULL) {
        GString *chardev = g_string_new("socket,id=qmp,server=on,wait=off");

        append_value(chardev, "path", qmp_path);
        args[n++] = g_strdup("--chardev");
        args[n++] = g_string_free(chardev, false);
        args[n++] = g_strdup("--monitor");
        args[n++] = g_strdup("chardev=qmp");
    }
    append_value(addr, "addr.path", socket_path);
    append_value(export, "name", VDM_QSD_EXPORT);
    append_value(export, "writable", src->readonly ? "off" : "on");
    args[n++] = g_strdup("--nbd-server");
    args[n++] = g_string_free(addr, false);
    args[n++] = g_strdup("--export");
    args[n++] = g_string_free(export, false);
    return qsd_argv(src, args, pidfile);
}

char **vdm_qsd_fuse_argv(const struct vdm_blk_source *src, const char *mountpoint,
                         const char *pidfile)
{
    GString *export = g_string_new("type=fuse,id=export0,node-name=fmt,writable=off");
    char **args = g_new0(char *, 3);

    append_value(export, "mountpoint", mountpoint);
    args[0] = g_strdup("--export");
    args[1] = g_string_free(export, false);
    return qsd_argv(src, args, pidfile);
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void exec_child(char **argv, int log_fd, pid_t parent)
{
    sigset_t none;
    int null_fd = open("/dev/null", O_RDONLY);

    /* Dies with vireo-dm however it ends; SIGKILL since we may block SIGTERM. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL); /* vireo-dm ignores it; an exec'd program would inherit that */
    if (null_fd >= 0)
        dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    /* Nothing of ours stays open in it: /dev/vireo, NBD sockets, the ready pipe. */
    close_range(3, ~0u, 0);
    execvp(argv[0], argv);
    _exit(127);
}

static bool spawn(struct vdm_qsd *qsd, char **argv, GError **error)
{
    pid_t parent = getpid();
    int log_fd = open(qsd->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    pid_t pid;

    if (log_fd < 0) {
        g_set_error(error, VDM_ERROR, 0, "%s: %s", qsd->log_path, g_strerror(errno));
        return false;
    }
    pid = fork();
    if (pid == 0)
        exec_child(argv, log_fd, parent);
    close(log_fd);
    if (pid < 0) {
        g_set_error(error, VDM_ERROR, 0, "fork: %s", g_strerror(errno));
        return false;
    }
    qsd->pid = pid;
    return true;
}

static bool socket_accepts(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (fd < 0)
        return false;
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    ok = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
    close(fd);
    return ok;
}

/* A FUSE export is up once its file is a mount of its own: another st_dev than its
 * directory's. */
static bool is_mounted(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    struct stat file_st, dir_st;

    return stat(path, &file_st) == 0 && stat(dir, &dir_st) == 0 &&
           file_st.st_dev != dir_st.st_dev;
}

/* The child's last line of output: QEMU's own reason ("Could not open ..."). */
static char *last_words(const struct vdm_qsd *qsd)
{
    g_autofree char *text = NULL;
    char *end, *start;

    if (!g_file_get_contents(qsd->log_path, &text, NULL, NULL))
        return g_strdup("no output");
    g_strchomp(text);
    end = text + strlen(text);
    start = strrchr(text, '\n');
    start = start != NULL ? start + 1 : text;
    return start < end ? g_strdup(start) : g_strdup("no output");
}

static bool wait_ready(struct vdm_qsd *qsd, GError **error)
{
    const struct timespec step = { .tv_nsec = 20 * 1000 * 1000 };
    int status;

    for (unsigned waited = 0; waited < QSD_START_TIMEOUT_MS; waited += 20) {
        if (waitpid(qsd->pid, &status, WNOHANG) == qsd->pid) {
            g_autofree char *why = last_words(qsd);

            qsd->pid = 0;
            /* Its lines start "qemu-storage-daemon: " already; others get the name. */
            g_set_error(error, VDM_ERROR, 0, "%s%s",
                        g_str_has_prefix(why, "qemu-storage-daemon") ? "" :
                                                                        "qemu-storage-daemon: ",
                        why);
            return false;
        }
        if (qsd->mountpoint != NULL ? is_mounted(qsd->mountpoint)
                                    : socket_accepts(qsd->socket_path))
            return true;
        nanosleep(&step, NULL);
    }
    g_set_error(error, VDM_ERROR, 0, "qemu-storage-daemon did not start in %u s",
                QSD_START_TIMEOUT_MS / 1000);
    return false;
}

static bool start(struct vdm_qsd *qsd, char **argv, GError **error)
{
    if (!spawn(qsd, argv, error))
        return false;
    if (!wait_ready(qsd, error)) {
        vdm_qsd_stop(qsd);
        return false;
    }
    return true;
}

static bool fits_sun_path(const char *path, GError **error)
{
    if (strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path))
        return true;
    g_set_error(error, VDM_ERROR, 0, "socket path too long: %s", path);
    return false;
}

bool vdm_qsd_start(struct vdm_qsd *qsd, const struct vdm_blk_source *src,
                   const char *runtime_dir, const char *id, GError **error)
{
    g_auto(GStrv) argv = NULL;

    memset(qsd, 0, sizeof(*qsd));
    qsd->socket_path = g_strdup_printf("%s/%s.nbd", runtime_dir, id);
    qsd->qmp_path = g_strdup_printf("%s/%s.qmp", runtime_dir, id);
    qsd->pidfile = g_strdup_printf("%s/%s.qsd.pid", runtime_dir, id);
    qsd->log_path = g_strdup_printf("%s/%s.qsd.log", runtime_dir, id);
    if (!fits_sun_path(qsd->socket_path, error) || !fits_sun_path(qsd->qmp_path, error))
        return false;
    unlink(qsd->socket_path);
    unlink(qsd->qmp_path);
    argv = vdm_qsd_argv(src, qsd->socket_path, qsd->qmp_path, qsd->pidfile);
    return start(qsd, argv, error);
}

bool vdm_qsd_start_fuse(struct vdm_qsd *qsd, const struct vdm_blk_source *src,
                        const char *mountpoint, const char *runtime_dir, const char *id,
                        GError **error)
{
    g_auto(GStrv) argv = NULL;

    memset(qsd, 0, sizeof(*qsd));
    qsd->mountpoint = g_strdup(mountpoint);
    qsd->pidfile = g_strdup_printf("%s/%s.qsd.pid", runtime_dir, id);
    qsd->log_path = g_strdup_printf("%s/%s.qsd.log", runtime_dir, id);
    argv = vdm_qsd_fuse_argv(src, qsd->mountpoint, qsd->pidfile);
    return start(qsd, argv, error);
}

static bool reaped_within(pid_t pid, unsigned ms)
{
    const struct timespec step = { .tv_nsec = 10 * 1000 * 1000 };

    for (unsigned waited = 0; waited <= ms; waited += 10) {
        pid_t r = waitpid(pid, NULL, WNOHANG);

        if (r == pid || (r < 0 && errno == ECHILD))
            return true;
        nanosleep(&step, NULL);
    }
    return false;
}

void vdm_qsd_stop(struct vdm_qsd *qsd)
{
    if (qsd->pid > 0) {
        kill(qsd->pid, SIGTERM);
        if (!reaped_within(qsd->pid, QSD_STOP_GRACE_MS)) {
            kill(qsd->pid, SIGKILL);
            waitpid(qsd->pid, NULL, 0);
        }
        qsd->pid = 0;
    }
    /* The child unmounts its FUSE export when it exits on SIGTERM, not when killed. */
    if (qsd->mountpoint != NULL)
        umount2(qsd->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW);
    if (qsd->socket_path != NULL)
        unlink(qsd->socket_path);
    if (qsd->qmp_path != NULL)
        unlink(qsd->qmp_path);
    if (qsd->pidfile != NULL)
        unlink(qsd->pidfile);
    g_free(qsd->socket_path);
    g_free(qsd->qmp_path);
    g_free(qsd->pidfile);
    g_free(qsd->log_path);
    g_free(qsd->mountpoint);
    memset(qsd, 0, sizeof(*qsd));
}
