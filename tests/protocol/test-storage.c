/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The stand-in daemon's storage driver: none. Every storage call fails with libvirt's
 * "not supported", which is what the protocol tests of other procedures need; pools and
 * volumes are tested against virtvireod itself (tests/clients/storage).
 */
#include "vd-error.h"
#include "vd-storage.h"

#define ABSENT(ret)                                                                                \
    do {                                                                                           \
        vd_fail(err, VIR_ERR_NO_SUPPORT, VIR_FROM_STORAGE, "%s", G_STRFUNC);                       \
        return ret;                                                                                \
    } while (0)

GPtrArray *vd_pool_list_all(vd_daemon *d, unsigned f, vd_error **err)
{
    (void)d, (void)f;
    ABSENT(NULL);
}
vd_pool_ref *vd_pool_lookup_by_name(vd_daemon *d, const char *n, vd_error **err)
{
    (void)d, (void)n;
    ABSENT(NULL);
}
vd_pool_ref *vd_pool_lookup_by_uuid(vd_daemon *d, const unsigned char u[16], vd_error **err)
{
    (void)d, (void)u;
    ABSENT(NULL);
}
vd_pool_ref *vd_pool_lookup_by_volume(vd_daemon *d, const vd_vol_ref *v, vd_error **err)
{
    (void)d, (void)v;
    ABSENT(NULL);
}
vd_pool_ref *vd_pool_define_xml(vd_daemon *d, const char *x, unsigned f, vd_error **err)
{
    (void)d, (void)x, (void)f;
    ABSENT(NULL);
}
vd_pool_ref *vd_pool_create_xml(vd_daemon *d, const char *x, unsigned f, vd_error **err)
{
    (void)d, (void)x, (void)f;
    ABSENT(NULL);
}
bool vd_pool_undefine(vd_daemon *d, const vd_pool_ref *r, vd_error **err)
{
    (void)d, (void)r;
    ABSENT(false);
}
bool vd_pool_create(vd_daemon *d, const vd_pool_ref *r, unsigned f, vd_error **err)
{
    (void)d, (void)r, (void)f;
    ABSENT(false);
}
bool vd_pool_build(vd_daemon *d, const vd_pool_ref *r, unsigned f, vd_error **err)
{
    (void)d, (void)r, (void)f;
    ABSENT(false);
}
bool vd_pool_destroy(vd_daemon *d, const vd_pool_ref *r, vd_error **err)
{
    (void)d, (void)r;
    ABSENT(false);
}
bool vd_pool_delete(vd_daemon *d, const vd_pool_ref *r, unsigned f, vd_error **err)
{
    (void)d, (void)r, (void)f;
    ABSENT(false);
}
bool vd_pool_refresh(vd_daemon *d, const vd_pool_ref *r, unsigned f, vd_error **err)
{
    (void)d, (void)r, (void)f;
    ABSENT(false);
}
bool vd_pool_get_info(vd_daemon *d, const vd_pool_ref *r, vd_pool_info *o, vd_error **err)
{
    (void)d, (void)r, (void)o;
    ABSENT(false);
}
char *vd_pool_get_xml_desc(vd_daemon *d, const vd_pool_ref *r, unsigned f, vd_error **err)
{
    (void)d, (void)r, (void)f;
    ABSENT(NULL);
}
bool vd_pool_get_autostart(vd_daemon *d, const vd_pool_ref *r, bool *o, vd_error **err)
{
    (void)d, (void)r, (void)o;
    ABSENT(false);
}
bool vd_pool_set_autostart(vd_daemon *d, const vd_pool_ref *r, bool on, vd_error **err)
{
    (void)d, (void)r, (void)on;
    ABSENT(false);
}
int vd_pool_is_active(vd_daemon *d, const vd_pool_ref *r, vd_error **err)
{
    (void)d, (void)r;
    ABSENT(-1);
}
int vd_pool_is_persistent(vd_daemon *d, const vd_pool_ref *r, vd_error **err)
{
    (void)d, (void)r;
    ABSENT(-1);
}
GPtrArray *vd_pool_list_volumes(vd_daemon *d, const vd_pool_ref *r, vd_error **err)
{
    (void)d, (void)r;
    ABSENT(NULL);
}
vd_vol_ref *vd_vol_lookup_by_name(vd_daemon *d, const vd_pool_ref *p, const char *n, vd_error **err)
{
    (void)d, (void)p, (void)n;
    ABSENT(NULL);
}
vd_vol_ref *vd_vol_lookup_by_key(vd_daemon *d, const char *k, vd_error **err)
{
    (void)d, (void)k;
    ABSENT(NULL);
}
vd_vol_ref *vd_vol_lookup_by_path(vd_daemon *d, const char *p, vd_error **err)
{
    (void)d, (void)p;
    ABSENT(NULL);
}
vd_vol_ref *vd_vol_create_xml(vd_daemon *d, const vd_pool_ref *p, const char *x, unsigned f,
                              vd_error **err)
{
    (void)d, (void)p, (void)x, (void)f;
    ABSENT(NULL);
}
vd_vol_ref *vd_vol_create_xml_from(vd_daemon *d, const vd_pool_ref *p, const char *x,
                                   const vd_vol_ref *v, unsigned f, vd_error **err)
{
    (void)d, (void)p, (void)x, (void)v, (void)f;
    ABSENT(NULL);
}
bool vd_vol_delete(vd_daemon *d, const vd_vol_ref *v, unsigned f, vd_error **err)
{
    (void)d, (void)v, (void)f;
    ABSENT(false);
}
bool vd_vol_wipe(vd_daemon *d, const vd_vol_ref *v, unsigned a, unsigned f, vd_error **err)
{
    (void)d, (void)v, (void)a, (void)f;
    ABSENT(false);
}
bool vd_vol_resize(vd_daemon *d, const vd_vol_ref *v, uint64_t c, unsigned f, vd_error **err)
{
    (void)d, (void)v, (void)c, (void)f;
    ABSENT(false);
}
bool vd_vol_get_info(vd_daemon *d, const vd_vol_ref *v, unsigned f, vd_vol_info *o, vd_error **err)
{
    (void)d, (void)v, (void)f, (void)o;
    ABSENT(false);
}
char *vd_vol_get_xml_desc(vd_daemon *d, const vd_vol_ref *v, unsigned f, vd_error **err)
{
    (void)d, (void)v, (void)f;
    ABSENT(NULL);
}
char *vd_vol_get_path(vd_daemon *d, const vd_vol_ref *v, vd_error **err)
{
    (void)d, (void)v;
    ABSENT(NULL);
}
vd_vol_transfer *vd_vol_upload_begin(vd_daemon *d, const vd_vol_ref *v, uint64_t o, uint64_t l,
                                     unsigned f, vd_error **err)
{
    (void)d, (void)v, (void)o, (void)l, (void)f;
    ABSENT(NULL);
}
vd_vol_transfer *vd_vol_download_begin(vd_daemon *d, const vd_vol_ref *v, uint64_t o, uint64_t l,
                                       unsigned f, vd_error **err)
{
    (void)d, (void)v, (void)o, (void)l, (void)f;
    ABSENT(NULL);
}
bool vd_vol_transfer_write(vd_vol_transfer *t, const void *b, size_t l, vd_error **err)
{
    (void)t, (void)b, (void)l;
    ABSENT(false);
}
gssize vd_vol_transfer_read(vd_vol_transfer *t, void *b, size_t l, uint64_t *h, vd_error **err)
{
    (void)t, (void)b, (void)l, (void)h;
    ABSENT(-1);
}
bool vd_vol_transfer_finish(vd_vol_transfer *t, vd_error **err)
{
    (void)t;
    ABSENT(false);
}
void vd_vol_transfer_abort(vd_vol_transfer *t)
{
    (void)t;
}
unsigned vd_storage_add_listener(vd_daemon *d, vd_pool_event_fn fn, void *user)
{
    (void)d, (void)fn, (void)user;
    return 0;
}
void vd_storage_remove_listener(vd_daemon *d, unsigned id)
{
    (void)d, (void)id;
}
bool vd_vol_transfer_skip(vd_vol_transfer *t, uint64_t l, vd_error **err)
{
    (void)t, (void)l;
    ABSENT(false);
}
vd_pool_ref *vd_pool_lookup_by_target_path(vd_daemon *d, const char *p, vd_error **err)
{
    (void)d, (void)p;
    ABSENT(NULL);
}
