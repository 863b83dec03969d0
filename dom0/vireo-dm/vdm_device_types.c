/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device types vireo-dm builds, by the config file's type= name. A type living in its
 * own file (net, balloon) adds one line here.
 */
#include <string.h>

#include "vdm_device.h"
#include "vdm_net.h"

G_DEFINE_QUARK(vdm-error-quark, vdm_error)

const struct vdm_device_type *const vdm_device_types[] = {
    &vdm_blk_type,
    &vdm_rng_type,
    &vdm_net_type,
    &vdm_balloon_type,
    NULL,
};

const struct vdm_device_type *vdm_device_type_find(const char *name)
{
    for (unsigned i = 0; vdm_device_types[i] != NULL; i++) {
        if (strcmp(vdm_device_types[i]->name, name) == 0)
            return vdm_device_types[i];
    }
    return NULL;
}
