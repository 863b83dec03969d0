/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-dm's configuration file (docs/device-model.md, "configuration file"): a GKeyFile
 * with one [vireo-dm] group and one [device.N] group per device. Parsing checks every
 * group and key up front so a bad file fails before anything starts, naming what is wrong.
 */
#ifndef VDM_CONFIG_H
#define VDM_CONFIG_H

#include <stdint.h>

#include <glib.h>

#include "public/vireo.h"
#include "vdm_device.h"

struct vdm_config_device {
    char *group; /* "device.N" */
    unsigned slot;
    const struct vdm_device_type *type;
};

struct vdm_config {
    GKeyFile *kf; /* the devices read their own keys from it */
    uint32_t domid;
    char *name;
    uint64_t memory_bytes;
    char *runtime_dir;
    unsigned nr_devices;
    struct vdm_config_device device[VIREO_PLAT_DM_SLOTS];
};

/* 0, or -1 with *error naming the file's group or key at fault. */
int vdm_config_parse(struct vdm_config *cfg, const char *data, size_t len, GError **error);
int vdm_config_load(struct vdm_config *cfg, const char *path, GError **error);
void vdm_config_clear(struct vdm_config *cfg);

/* Strict readers for device constructors: a missing key gives the default. */
bool vdm_config_get_bool(GKeyFile *kf, const char *group, const char *key, bool def,
                         bool *out, GError **error);
bool vdm_config_get_uint(GKeyFile *kf, const char *group, const char *key, uint64_t max,
                         uint64_t *out, GError **error);

#endif /* VDM_CONFIG_H */
