/* SPDX-License-Identifier: GPL-2.0-only */
/* The device model's save and restore (vdm_state.h). */
#include "vdm_state.h"

#include <string.h>

#include "vdm_dirty_control.h"
#include "vdm_virtio_mmio.h"

#define STATE_MAGIC "VDMSTAT1" /* 8 bytes, then u32 devices, u32 0, then each device */

struct saved_device {
    uint32_t slot;
    uint32_t length; /* of the transport state that follows */
};

bool vdm_state_quiesce(struct vdm_bus *bus, GMainContext *ctx, unsigned timeout_ms, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

    for (;;) {
        bool idle = true;

        for (unsigned i = 0; i < VIREO_PLAT_DM_SLOTS; i++) {
            struct vdm_virtio *v = vdm_virtio_of(bus->slot[i]);

            if (v != NULL && !vdm_virtio_quiesce(v, true))
                idle = false;
        }
        if (idle)
            return true;
        if (g_get_monotonic_time() > deadline) {
            g_set_error(error, VDM_ERROR, 0, "devices still busy after %u ms", timeout_ms);
            return false;
        }
        /* Completions (a block device's NBD replies) arrive through the loop. */
        if (!g_main_context_iteration(ctx, FALSE))
            g_usleep(1000);
    }
}

void vdm_state_resume(struct vdm_bus *bus)
{
    for (unsigned i = 0; i < VIREO_PLAT_DM_SLOTS; i++) {
        struct vdm_virtio *v = vdm_virtio_of(bus->slot[i]);

        if (v != NULL)
            vdm_virtio_quiesce(v, false);
    }
}

bool vdm_state_save(struct vdm_bus *bus, const char *path, GError **error)
{
    g_autoptr(GByteArray) out = g_byte_array_new();
    uint32_t count = 0, zero = 0;

    g_byte_array_append(out, (const guint8 *)STATE_MAGIC, 8);
    g_byte_array_append(out, (const guint8 *)&count, 4);
    g_byte_array_append(out, (const guint8 *)&zero, 4);
    for (unsigned i = 0; i < VIREO_PLAT_DM_SLOTS; i++) {
        struct vdm_virtio *v = vdm_virtio_of(bus->slot[i]);
        struct saved_device d = {.slot = i};
        size_t at = out->len;

        if (v == NULL)
            continue;
        g_byte_array_append(out, (const guint8 *)&d, sizeof(d));
        vdm_virtio_state_save(v, out);
        d.length = (uint32_t)(out->len - at - sizeof(d));
        memcpy(out->data + at, &d, sizeof(d));
        count++;
    }
    memcpy(out->data + 8, &count, 4);
    return g_file_set_contents(path, (const char *)out->data, out->len, error);
}

bool vdm_state_load(struct vdm_bus *bus, const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len;
    uint32_t count;

    if (!g_file_get_contents(path, &text, &len, error))
        return false;
    const uint8_t *p = (const uint8_t *)text, *end = p + len;

    if (len < 16 || memcmp(p, STATE_MAGIC, 8) != 0) {
        g_set_error(error, VDM_ERROR, 0, "%s: not a device model state", path);
        return false;
    }
    memcpy(&count, p + 8, 4);
    p += 16;
    for (uint32_t n = 0; n < count; n++) {
        struct saved_device d;
        struct vdm_virtio *v;
        size_t used;

        if ((size_t)(end - p) < sizeof(d)) {
            g_set_error(error, VDM_ERROR, 0, "%s: truncated", path);
            return false;
        }
        memcpy(&d, p, sizeof(d));
        p += sizeof(d);
        v = d.slot < VIREO_PLAT_DM_SLOTS ? vdm_virtio_of(bus->slot[d.slot]) : NULL;
        if (v == NULL || d.length > (size_t)(end - p)) {
            g_set_error(error, VDM_ERROR, 0, "%s: state for slot %u, which has no such device",
                        path, d.slot);
            return false;
        }
        /* Quiesced until the loop runs: then the waiting buffers are taken. */
        v->quiesced = true;
        if (!vdm_virtio_state_load(v, p, d.length, &used, error))
            return false;
        p += d.length;
    }
    if (p != end) {
        g_set_error(error, VDM_ERROR, 0, "%s: bytes after the last device", path);
        return false;
    }
    return true;
}

char *vdm_state_control(struct vdm_bus *bus, GMainContext *ctx, const char *verb, const char *arg)
{
    g_autoptr(GError) error = NULL;

    if (strcmp(verb, "quiesce") == 0) {
        if (!vdm_state_quiesce(bus, ctx, 8000, &error)) /* the daemon waits 10 s */
            return g_strdup_printf("error: %s", error->message);
        /* Standing still: the daemon may read the guest's RAM for the image. */
        int ret = vdm_bus_share_memory(bus, true);
        if (ret < 0)
            return g_strdup_printf("error: sharing the memory: %s", g_strerror(-ret));
        return g_strdup("ok");
    }
    if (strcmp(verb, "save-state") == 0 && *arg != '\0') {
        if (!vdm_state_save(bus, arg, &error))
            return g_strdup_printf("error: %s", error->message);
        return g_strdup("ok");
    }
    if (strcmp(verb, "resume") == 0) {
        vdm_bus_share_memory(bus, false);
        vdm_state_resume(bus);
        return g_strdup("ok");
    }
    if (strcmp(verb, "dirty-log") == 0) { /* a live migration's passes */
        char *answer = vdm_dirty_control(bus->mem, arg);
        bool start = strcmp(arg, "start") == 0;
        /* Between start and stop the daemon reads the guest's RAM while it runs. */
        if (g_str_has_prefix(answer, "ok") && (start || strcmp(arg, "stop") == 0)) {
            int ret = vdm_bus_share_memory(bus, start);
            if (ret < 0 && start) {
                g_free(vdm_dirty_control(bus->mem, "stop"));
                g_free(answer);
                return g_strdup_printf("error: sharing the memory: %s", g_strerror(-ret));
            }
        }
        return answer;
    }
    return g_strdup_printf("error: dm takes quiesce, save-state PATH, resume and dirty-log, "
                           "not '%s'", verb);
}
