/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * qemu-img, the one place disk image formats are handled: create, convert, resize and
 * info (its JSON). Vireo has no format code of its own. Failures carry qemu-img's words.
 */
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "vd-error.h"
#include "vd-storage-private.h"

/* Runs qemu-img with argv (NULL-terminated, without the program); stdout into *out. */
static bool run(const char *const *args, char **out, vd_error **err)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, "qemu-img");
    for (const char *const *a = args; *a; a++)
        g_ptr_array_add(argv, (gpointer)*a);
    g_ptr_array_add(argv, NULL);
    g_autofree char *stdout_text = NULL, *stderr_text = NULL;
    g_autoptr(GError) gerr = NULL;
    int status = 0;
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CLOEXEC_PIPES,
                      NULL, NULL, &stdout_text, &stderr_text, &status, &gerr)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_STORAGE,
                "cannot run qemu-img (Debian package qemu-utils): %s", gerr->message);
        return false;
    }
    if (!g_spawn_check_wait_status(status, NULL)) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_STORAGE, "qemu-img %s failed: %s", args[0],
                g_strstrip(stderr_text));
        return false;
    }
    if (out)
        *out = g_steal_pointer(&stdout_text);
    return true;
}

static char *member_string(JsonObject *o, const char *name)
{
    return json_object_has_member(o, name) ? g_strdup(json_object_get_string_member(o, name))
                                           : NULL;
}

vd_image_info *vd_qemu_img_info(const char *path, vd_error **err)
{
    g_autofree char *json = NULL;
    const char *args[] = {"info", "--output=json", "--force-share", path, NULL};
    if (!run(args, &json, err))
        return NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) gerr = NULL;
    JsonNode *root;
    if (!json_parser_load_from_data(parser, json, -1, &gerr) ||
        !JSON_NODE_HOLDS_OBJECT(root = json_parser_get_root(parser))) {
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_STORAGE, "cannot read qemu-img info of %s",
                path);
        return NULL;
    }
    JsonObject *o = json_node_get_object(root);
    vd_image_info *info = g_new0(vd_image_info, 1);
    info->format = member_string(o, "format");
    info->capacity = json_object_get_int_member_with_default(o, "virtual-size", 0);
    info->allocation = json_object_get_int_member_with_default(o, "actual-size", 0);
    info->backing_path = member_string(o, "full-backing-filename");
    if (!info->backing_path)
        info->backing_path = member_string(o, "backing-filename");
    info->backing_format = member_string(o, "backing-filename-format");
    struct stat st;
    if (stat(path, &st) == 0)
        info->physical = st.st_size;
    if (!info->format)
        info->format = g_strdup("raw");
    return info;
}

bool vd_qemu_img_create(const char *path, const char *format, uint64_t capacity,
                        const char *backing, const char *backing_format, const char *preallocation,
                        vd_error **err)
{
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, capacity);
    g_autoptr(GString) opts = g_string_new(NULL);
    if (backing)
        g_string_append_printf(opts, "backing_file=%s,backing_fmt=%s,", backing,
                               backing_format ? backing_format : "raw");
    if (preallocation)
        g_string_append_printf(opts, "preallocation=%s,", preallocation);
    if (opts->len)
        g_string_truncate(opts, opts->len - 1);
    g_autoptr(GPtrArray) a = g_ptr_array_new();
    g_ptr_array_add(a, "create");
    g_ptr_array_add(a, "-q");
    g_ptr_array_add(a, "-f");
    g_ptr_array_add(a, (gpointer)format);
    if (opts->len) {
        g_ptr_array_add(a, "-o");
        g_ptr_array_add(a, opts->str);
    }
    g_ptr_array_add(a, (gpointer)path);
    /* With a backing file and no capacity, qemu-img takes the backing file's size. */
    if (!backing || capacity)
        g_ptr_array_add(a, size);
    g_ptr_array_add(a, NULL);
    return run((const char *const *)a->pdata, NULL, err);
}

bool vd_qemu_img_convert(const char *src, const char *src_format, const char *dst,
                         const char *dst_format, vd_error **err)
{
    const char *args[] = {"convert", "-q", "-f", src_format, "-O", dst_format, src, dst, NULL};
    return run(args, NULL, err);
}

bool vd_qemu_img_resize(const char *path, const char *format, uint64_t capacity, bool shrink,
                        const char *preallocation, vd_error **err)
{
    g_autofree char *size = g_strdup_printf("%" G_GUINT64_FORMAT, capacity);
    g_autofree char *prealloc =
        preallocation ? g_strdup_printf("--preallocation=%s", preallocation) : NULL;
    g_autoptr(GPtrArray) a = g_ptr_array_new();
    g_ptr_array_add(a, "resize");
    g_ptr_array_add(a, "-q");
    g_ptr_array_add(a, "-f");
    g_ptr_array_add(a, (gpointer)format);
    if (shrink)
        g_ptr_array_add(a, "--shrink");
    if (prealloc)
        g_ptr_array_add(a, prealloc);
    g_ptr_array_add(a, (gpointer)path);
    g_ptr_array_add(a, size);
    g_ptr_array_add(a, NULL);
    return run((const char *const *)a->pdata, NULL, err);
}
