/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvireoctl: markers for domains being built. A builder killed between
 * VIREO_HC_DOMAIN_CREATE and the end of the build would leave a half-built domain behind;
 * the marker (named after the domain, holding the builder's pid and start time) lets
 * vctl_build_reap find and destroy it once that process is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vctl_build_guard.h"
#include "vctl_private.h"

static int marker_dir(char *out, size_t size)
{
    int n = snprintf(out, size, "%s/building", vctl_run_dir());
    return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static int marker_path(const char *name, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/building/%s", vctl_run_dir(), name);
    return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

/* Field 22 of /proc/PID/stat: start time in clock ticks, which tells a reused pid apart. */
static int process_start_time(pid_t pid, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: skip past its last ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -EIO;
    p++;
    for (int field = 2; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p, " %" SCNu64, start) != 1)
        return -EIO;
    return 0;
}

static int mkdir_p(const char *path)
{
    char tmp[512];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

int vctl_build_marker_create(const char *name)
{
    char dir[512], path[512];
    uint64_t start;
    int ret;

    if ((ret = marker_dir(dir, sizeof(dir))) < 0 || (ret = mkdir_p(dir)) < 0 ||
        (ret = marker_path(name, path, sizeof(path))) < 0 ||
        (ret = process_start_time(getpid(), &start)) < 0)
        return ret;
    /* O_EXCL: two builders of one name must not share a marker; hv refuses the name too. */
    FILE *f = fopen(path, "wx");
    if (!f)
        return -errno;
    fprintf(f, "%d %" PRIu64 "\n", (int)getpid(), start);
    if (fclose(f) != 0) {
        ret = -errno;
        unlink(path);
        return ret;
    }
    return 0;
}

void vctl_build_marker_remove(const char *name)
{
    char path[512];
    if (marker_path(name, path, sizeof(path)) == 0)
        unlink(path);
}

/* Reads a marker; true when the process that wrote it still runs. */
static bool marker_owner_alive(const char *path)
{
    int pid;
    uint64_t start, now;
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    int ok = fscanf(f, "%d %" SCNu64, &pid, &start) == 2;
    fclose(f);
    return ok && pid > 0 && process_start_time(pid, &now) == 0 && now == start;
}

bool vctl_build_in_progress(const char *name)
{
    char path[512];
    return marker_path(name, path, sizeof(path)) == 0 && marker_owner_alive(path);
}

int vctl_build_reap(vctl_t *h)
{
    char dir[512], path[1024];
    int destroyed = 0;

    if (marker_dir(dir, sizeof(dir)) < 0)
        return -ENAMETOOLONG;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (marker_owner_alive(path))
            continue;
        struct vireo_domain_info info;
        int ret = vctl_domain_lookup(h, e->d_name, &info);
        if (ret == 0 && info.domid != VIREO_DOMID_DOM0) {
            ret = vctl_domain_destroy(h, info.domid);
            if (ret < 0)
                continue; /* keep the marker: the next reap tries again */
            destroyed++;
        } else if (ret != -ESRCH) {
            continue;
        }
        unlink(path);
    }
    closedir(d);
    return destroyed;
}
