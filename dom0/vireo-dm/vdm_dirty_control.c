/* SPDX-License-Identifier: GPL-2.0-only */
/* The dirty log's control requests and its bitmap file (vdm_dirty_control.h). */
#include "vdm_dirty_control.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "vdm_device.h"

bool vdm_dirty_log_fetch(struct vdm_guest_mem *mem, const char *path, uint64_t *dirty,
                         GError **error)
{
    struct vdm_dirty_log *log = &mem->dirty;
    uint64_t nr = vdm_dirty_log_nr_words(log);
    g_autofree uint64_t *words = NULL;
    g_autofree uint64_t *file = NULL;

    if (log->words == NULL) {
        g_set_error(error, VDM_ERROR, 0, "the dirty log was never started");
        return false;
    }
    words = g_new(uint64_t, nr + 1);
    file = g_new(uint64_t, nr + 1);
    *dirty = vdm_dirty_log_take(log, words);
    for (uint64_t w = 0; w < nr; w++)
        file[w] = htole64(words[w]);
    /* Written beside it and renamed: a reader never sees half a bitmap. */
    if (!g_file_set_contents_full(path, (const char *)file, (gssize)(nr * sizeof(*file)),
                                  G_FILE_SET_CONTENTS_CONSISTENT, 0600, error)) {
        vdm_dirty_log_put_back(log, words);
        return false;
    }
    return true;
}

char *vdm_dirty_control(struct vdm_guest_mem *mem, const char *arg)
{
    g_autoptr(GError) error = NULL;
    uint64_t dirty;
    int ret;

    if (mem == NULL)
        return g_strdup("error: no guest memory to log");
    if (strcmp(arg, "start") == 0) {
        ret = vdm_dirty_log_start(&mem->dirty, vdm_guest_mem_frames(mem));
        if (ret < 0)
            return g_strdup_printf("error: dirty log: %s", g_strerror(-ret));
        return g_strdup("ok");
    }
    if (strcmp(arg, "stop") == 0) {
        vdm_dirty_log_stop(&mem->dirty);
        return g_strdup("ok");
    }
    if (g_str_has_prefix(arg, "fetch ") && arg[strlen("fetch ")] != '\0') {
        if (!vdm_dirty_log_fetch(mem, arg + strlen("fetch "), &dirty, &error))
            return g_strdup_printf("error: %s", error->message);
        return g_strdup_printf("ok %" PRIu64, dirty);
    }
    return g_strdup_printf("error: dirty-log takes start, fetch PATH and stop, not '%s'", arg);
}
