/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Requests to a running vireo-dm over its control socket (runtime_dir/control; the
 * contract is dom0/vireo-dm/vdm_control.h): one SOCK_SEQPACKET message each way.
 */
#include "vd-dm.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vd-libvirt.h"

#define ANSWER_MAX 1024

/* Sends `request` and waits for the one answer; NULL with *why (g_free it). */
static char *exchange(const char *path, const char *request, char **why)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(addr.sun_path)) {
        *why = g_strdup_printf("%s: path too long", path);
        return NULL;
    }
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    char buf[ANSWER_MAX];
    ssize_t got = -1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        send(fd, request, strlen(request), MSG_NOSIGNAL) < 0) {
        *why = g_strdup_printf("%s: %s", path, g_strerror(errno));
    } else {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r;
        do
            r = poll(&p, 1, VD_DM_CONTROL_TIMEOUT_S * 1000);
        while (r < 0 && errno == EINTR);
        got = r > 0 ? recv(fd, buf, sizeof(buf) - 1, 0) : -1;
        if (r == 0)
            *why = g_strdup_printf("%s: no answer in %d s", path, VD_DM_CONTROL_TIMEOUT_S);
        else if (got <= 0)
            *why = g_strdup_printf("%s: %s", path,
                                   got == 0 ? "closed without an answer" : g_strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (got <= 0)
        return NULL;
    buf[got] = '\0';
    return g_strdup(buf);
}

bool vd_dm_request(const vd_config *cfg, int domid, const char *name, const char *request,
                   char **answer, vd_error **err)
{
    g_autofree char *dir = vd_dm_runtime_dir(cfg, domid);
    g_autofree char *path = g_build_filename(dir, "control", NULL);
    g_autofree char *why = NULL;
    g_autofree char *text = exchange(path, request, &why);
    if (!text) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s': the device model did not take '%s': %s", name, request, why);
        return false;
    }
    if (g_str_has_prefix(text, "error: ")) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s': the device model refused '%s': %s", name, request, text + 7);
        return false;
    }
    if (strcmp(text, "ok") != 0 && !g_str_has_prefix(text, "ok ")) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s': the device model answered '%s' with '%s'", name, request, text);
        return false;
    }
    if (answer)
        *answer = g_strdup(text[2] == ' ' ? text + 3 : "");
    return true;
}

GBytes *vd_dm_save_state(const vd_config *cfg, int domid, const char *name, vd_error **err)
{
    g_autofree char *dir = vd_dm_runtime_dir(cfg, domid);
    g_autofree char *path = g_build_filename(dir, "saved-state", NULL);
    g_autofree char *request = g_strdup_printf("dm save-state %s", path);
    if (!vd_dm_request(cfg, domid, name, "dm quiesce", NULL, err))
        return NULL;
    if (!vd_dm_request(cfg, domid, name, request, NULL, err)) {
        vd_dm_resume(cfg, domid, name, NULL); /* quiesced for nothing: its devices go on */
        return NULL;
    }
    g_autoptr(GError) gerr = NULL;
    char *bytes = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &bytes, &len, &gerr)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "cannot read the device state of domain '%s': %s", name, gerr->message);
        return NULL;
    }
    unlink(path);
    return g_bytes_new_take(bytes, len);
}

bool vd_dm_resume(const vd_config *cfg, int domid, const char *name, vd_error **err)
{
    return vd_dm_request(cfg, domid, name, "dm resume", NULL, err);
}

bool vd_dm_dirty_log(const vd_config *cfg, int domid, const char *name, bool on, vd_error **err)
{
    return vd_dm_request(cfg, domid, name, on ? "dm dirty-log start" : "dm dirty-log stop", NULL,
                         err);
}

int64_t vd_dm_dirty_fetch(const vd_config *cfg, int domid, const char *name, uint64_t *dirty,
                          size_t words, vd_error **err)
{
    g_autofree char *dir = vd_dm_runtime_dir(cfg, domid);
    g_autofree char *path = g_build_filename(dir, "dirty-log", NULL);
    g_autofree char *request = g_strdup_printf("dm dirty-log fetch %s", path);
    g_autofree char *answer = NULL;
    if (!vd_dm_request(cfg, domid, name, request, &answer, err))
        return -1;
    g_autoptr(GError) gerr = NULL;
    g_autofree char *bytes = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &bytes, &len, &gerr)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "cannot read the device model's dirty log of domain '%s': %s", name, gerr->message);
        return -1;
    }
    unlink(path);
    /* Little-endian words, bit i of word w = frame 64 w + i (docs/device-model.md). */
    size_t n = MIN(len / 8, words);
    for (size_t i = 0; i < n; i++) {
        uint64_t word;
        memcpy(&word, bytes + i * 8, 8);
        dirty[i] |= GUINT64_FROM_LE(word);
    }
    return (int64_t)g_ascii_strtoull(answer, NULL, 10);
}
