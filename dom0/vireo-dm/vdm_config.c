/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading and checking vireo-dm's configuration file.
 */
#include "vdm_config.h"

#include <string.h>

#define MAIN_GROUP "vireo-dm"
#define DEVICE_PREFIX "device."

static const char *const main_keys[] = { "domid", "name", "memory_bytes", "runtime_dir", NULL };
static const char *const common_device_keys[] = { "slot", "type", NULL };

static bool in_list(const char *const *list, const char *key)
{
    for (unsigned i = 0; list != NULL && list[i] != NULL; i++) {
        if (strcmp(list[i], key) == 0)
            return true;
    }
    return false;
}

static bool check_keys(GKeyFile *kf, const char *group, const char *const *a,
                       const char *const *b, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);

    for (unsigned i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (!in_list(a, keys[i]) && !in_list(b, keys[i])) {
            g_set_error(error, VDM_ERROR, 0, "[%s]: unknown key '%s'", group, keys[i]);
            return false;
        }
    }
    return true;
}

bool vdm_config_get_uint(GKeyFile *kf, const char *group, const char *key, uint64_t max,
                         uint64_t *out, GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, group, key, NULL);
    guint64 value;

    if (text == NULL) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: missing key '%s'", group, key);
        return false;
    }
    if (!g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, max, &value, NULL)) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key '%s': '%s' is not a number up to %"
                    G_GUINT64_FORMAT, group, key, text, (guint64)max);
        return false;
    }
    *out = value;
    return true;
}

bool vdm_config_get_bool(GKeyFile *kf, const char *group, const char *key, bool def,
                         bool *out, GError **error)
{
    g_autofree char *text = g_key_file_get_string(kf, group, key, NULL);

    *out = def;
    if (text == NULL || *g_strstrip(text) == '\0')
        return true;
    if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0 || strcmp(text, "1") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0 || strcmp(text, "0") == 0) {
        *out = false;
        return true;
    }
    g_set_error(error, VDM_ERROR, 0, "[%s]: key '%s': '%s' is not true or false", group, key,
                text);
    return false;
}

static bool parse_main(struct vdm_config *cfg, GError **error)
{
    GKeyFile *kf = cfg->kf;
    uint64_t domid;

    if (!g_key_file_has_group(kf, MAIN_GROUP)) {
        g_set_error(error, VDM_ERROR, 0, "missing group [%s]", MAIN_GROUP);
        return false;
    }
    if (!check_keys(kf, MAIN_GROUP, main_keys, NULL, error) ||
        !vdm_config_get_uint(kf, MAIN_GROUP, "domid", UINT32_MAX, &domid, error) ||
        !vdm_config_get_uint(kf, MAIN_GROUP, "memory_bytes", UINT64_MAX, &cfg->memory_bytes,
                             error))
        return false;
    cfg->domid = (uint32_t)domid;
    cfg->name = g_key_file_get_string(kf, MAIN_GROUP, "name", NULL);
    if (cfg->name == NULL)
        cfg->name = g_strdup_printf("domain %u", cfg->domid);
    cfg->runtime_dir = g_key_file_get_string(kf, MAIN_GROUP, "runtime_dir", NULL);
    if (cfg->runtime_dir == NULL || cfg->runtime_dir[0] != '/') {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'runtime_dir' must be an absolute path",
                    MAIN_GROUP);
        return false;
    }
    if (cfg->memory_bytes == 0) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'memory_bytes' is 0", MAIN_GROUP);
        return false;
    }
    return true;
}

static bool slot_taken(const struct vdm_config *cfg, unsigned slot)
{
    for (unsigned i = 0; i < cfg->nr_devices; i++) {
        if (cfg->device[i].slot == slot)
            return true;
    }
    return false;
}

static bool parse_device(struct vdm_config *cfg, const char *group, GError **error)
{
    g_autofree char *type_name = g_key_file_get_string(cfg->kf, group, "type", NULL);
    const struct vdm_device_type *type;
    uint64_t slot;

    if (!vdm_config_get_uint(cfg->kf, group, "slot", VIREO_PLAT_DM_SLOTS - 1, &slot, error))
        return false;
    if (type_name == NULL) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: missing key 'type'", group);
        return false;
    }
    type = vdm_device_type_find(type_name);
    if (type == NULL) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'type': device type '%s' is not "
                    "supported by this vireo-dm", group, type_name);
        return false;
    }
    if (!check_keys(cfg->kf, group, common_device_keys, type->keys, error))
        return false;
    if (slot_taken(cfg, (unsigned)slot)) {
        g_set_error(error, VDM_ERROR, 0, "[%s]: key 'slot': slot %u is used twice", group,
                    (unsigned)slot);
        return false;
    }
    cfg->device[cfg->nr_devices++] = (struct vdm_config_device){
        .group = g_strdup(group), .slot = (unsigned)slot, .type = type };
    return true;
}

static bool parse_groups(struct vdm_config *cfg, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(cfg->kf, NULL);

    for (unsigned i = 0; groups[i] != NULL; i++) {
        const char *g = groups[i];

        if (strcmp(g, MAIN_GROUP) == 0)
            continue;
        if (!g_str_has_prefix(g, DEVICE_PREFIX) || g[strlen(DEVICE_PREFIX)] == '\0') {
            g_set_error(error, VDM_ERROR, 0, "unknown group [%s]", g);
            return false;
        }
        /* Slots are checked unique, so more groups than slots fail there first. */
        if (cfg->nr_devices == VIREO_PLAT_DM_SLOTS) {
            g_set_error(error, VDM_ERROR, 0, "[%s]: more than %u devices", g,
                        VIREO_PLAT_DM_SLOTS);
            return false;
        }
        if (!parse_device(cfg, g, error))
            return false;
    }
    return true;
}

int vdm_config_parse(struct vdm_config *cfg, const char *data, size_t len, GError **error)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->kf = g_key_file_new();
    if (!g_key_file_load_from_data(cfg->kf, data, len, G_KEY_FILE_NONE, error) ||
        !parse_main(cfg, error) || !parse_groups(cfg, error)) {
        vdm_config_clear(cfg);
        return -1;
    }
    return 0;
}

int vdm_config_load(struct vdm_config *cfg, const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    memset(cfg, 0, sizeof(*cfg));
    if (!g_file_get_contents(path, &data, &len, error))
        return -1;
    return vdm_config_parse(cfg, data, len, error);
}

void vdm_config_clear(struct vdm_config *cfg)
{
    if (cfg->kf != NULL)
        g_key_file_free(cfg->kf);
    for (unsigned i = 0; i < cfg->nr_devices; i++)
        g_free(cfg->device[i].group);
    g_free(cfg->name);
    g_free(cfg->runtime_dir);
    memset(cfg, 0, sizeof(*cfg));
}
