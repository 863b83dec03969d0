/* SPDX-License-Identifier: GPL-2.0-only */
/* The storage driver's plain objects: references to pools and volumes (vd-storage.h). */
#include <string.h>

#include "vd-storage.h"

vd_pool_ref *vd_pool_ref_new(const char *name, const unsigned char uuid[16])
{
    vd_pool_ref *r = g_new0(vd_pool_ref, 1);
    r->name = g_strdup(name);
    memcpy(r->uuid, uuid, 16);
    return r;
}

void vd_pool_ref_free(vd_pool_ref *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}

vd_vol_ref *vd_vol_ref_new(const char *pool, const char *name, const char *key)
{
    vd_vol_ref *r = g_new0(vd_vol_ref, 1);
    r->pool = g_strdup(pool);
    r->name = g_strdup(name);
    r->key = g_strdup(key);
    return r;
}

void vd_vol_ref_free(vd_vol_ref *ref)
{
    if (!ref)
        return;
    g_free(ref->pool);
    g_free(ref->name);
    g_free(ref->key);
    g_free(ref);
}
