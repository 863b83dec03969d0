/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain table: every domain the daemon knows (persistent, transient, running), its
 * lock, lookups in libvirt's words, and the checks every call shares (uniqueness,
 * AFFECT_* flags, the emulator).
 */
#include "vd-daemon-private.h"

#include <string.h>

void vd_note_activity(vd_daemon *d)
{
    __atomic_store_n(&d->last_activity, g_get_monotonic_time(), __ATOMIC_RELAXED);
}

void vd_read_lock(vd_daemon *d)
{
    vd_note_activity(d);
    g_rw_lock_reader_lock(&d->lock);
}

void vd_read_unlock(vd_daemon *d)
{
    g_rw_lock_reader_unlock(&d->lock);
}

void vd_write_lock(vd_daemon *d)
{
    vd_note_activity(d);
    g_rw_lock_writer_lock(&d->lock);
}

void vd_write_unlock(vd_daemon *d)
{
    g_rw_lock_writer_unlock(&d->lock);
}

const char *vd_domain_name(const vd_domain *dom)
{
    return dom->live ? dom->live->name : dom->def->name;
}

const unsigned char *vd_domain_uuid(const vd_domain *dom)
{
    return dom->live ? dom->live->uuid : dom->def->uuid;
}

vd_domain_def *vd_domain_current_def(vd_domain *dom)
{
    return dom->live ? dom->live : dom->def;
}

vd_domain_ref *vd_domain_make_ref(const vd_domain *dom)
{
    return vd_domain_ref_new(vd_domain_name(dom), vd_domain_uuid(dom), dom->id);
}

static guint uuid_hash(gconstpointer key)
{
    guint h;
    memcpy(&h, (const unsigned char *)key + 12, sizeof(h)); /* random bits of a v4 uuid */
    return h;
}

static gboolean uuid_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, 16) == 0;
}

void vd_domains_init(vd_daemon *d)
{
    g_rw_lock_init(&d->lock);
    d->domains = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_unref_obj);
    d->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    d->by_uuid = g_hash_table_new(uuid_hash, uuid_equal);
}

void vd_domains_clear(vd_daemon *d)
{
    g_hash_table_unref(d->by_name);
    g_hash_table_unref(d->by_uuid);
    g_ptr_array_unref(d->domains);
    g_rw_lock_clear(&d->lock);
}

vd_domain *vd_find_by_name(vd_daemon *d, const char *name)
{
    return g_hash_table_lookup(d->by_name, name);
}

vd_domain *vd_find_by_uuid(vd_daemon *d, const unsigned char uuid[16])
{
    return g_hash_table_lookup(d->by_uuid, uuid);
}

vd_domain *vd_resolve(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_domain *dom = vd_find_by_uuid(d, ref->uuid);
    if (dom)
        return dom;
    char uuid[37];
    vd_uuid_format(ref->uuid, uuid);
    vd_fail(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN, "no domain with matching uuid '%s' (%s)", uuid,
            ref->name ? ref->name : "");
    return NULL;
}

bool vd_check_active(const vd_domain *dom, vd_error **err)
{
    if (dom->id >= 0)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not running");
    return false;
}

bool vd_check_persistent(const vd_domain *dom, const char *what, vd_error **err)
{
    if (dom->def)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "cannot %s transient domain", what);
    return false;
}

vd_domain *vd_resolve_active(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_domain *dom = vd_resolve(d, ref, err);
    return dom && vd_check_active(dom, err) ? dom : NULL;
}

vd_domain *vd_resolve_persistent(vd_daemon *d, const vd_domain_ref *ref, const char *what,
                                 vd_error **err)
{
    vd_domain *dom = vd_resolve(d, ref, err);
    return dom && vd_check_persistent(dom, what, err) ? dom : NULL;
}

vd_domain *vd_domain_ref_obj(vd_domain *dom)
{
    g_atomic_int_inc(&dom->refs);
    return dom;
}

void vd_domain_unref_obj(vd_domain *dom)
{
    if (!g_atomic_int_dec_and_test(&dom->refs))
        return;
    vd_domain_def_free(dom->def);
    vd_domain_def_free(dom->live);
    g_free(dom->key_name);
    g_free(dom);
}

vd_domain *vd_lookup_obj(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom)
        vd_domain_ref_obj(dom);
    vd_read_unlock(d);
    return dom;
}

vd_domain *vd_domain_add_locked(vd_daemon *d, const vd_domain_def *def, vd_job_kind job,
                                const char *api)
{
    vd_domain *dom = g_new0(vd_domain, 1);
    dom->refs = 1;
    dom->key_name = g_strdup(def->name);
    memcpy(dom->key_uuid, def->uuid, 16);
    dom->id = -1;
    dom->state = VIR_DOMAIN_SHUTOFF;
    dom->reason = VIR_DOMAIN_SHUTOFF_UNKNOWN;
    if (job != VD_JOB_NONE) {
        /* Nobody can know it yet, so its job is free: take it without the job lock's wait. */
        vd_domain_ref_obj(dom);
        dom->job = (vd_job){.kind = job, .api = api, .start_us = g_get_monotonic_time()};
    }
    g_ptr_array_add(d->domains, dom);
    g_hash_table_insert(d->by_name, dom->key_name, dom);
    g_hash_table_insert(d->by_uuid, dom->key_uuid, dom);
    return dom;
}

void vd_domain_rename_locked(vd_daemon *d, vd_domain *dom, const char *name)
{
    g_hash_table_remove(d->by_name, dom->key_name);
    g_free(dom->key_name);
    dom->key_name = g_strdup(name);
    g_hash_table_insert(d->by_name, dom->key_name, dom);
}

void vd_domain_remove_locked(vd_daemon *d, vd_domain *dom)
{
    dom->removed = true;
    g_hash_table_remove(d->by_name, dom->key_name);
    g_hash_table_remove(d->by_uuid, dom->key_uuid);
    g_ptr_array_remove(d->domains, dom); /* drops the table's reference */
}

bool vd_check_unique_locked(vd_daemon *d, const vd_domain_def *def, vd_domain **existing,
                            vd_error **err)
{
    char uuid[37];
    vd_domain *by_uuid = vd_find_by_uuid(d, def->uuid);
    vd_domain *by_name = vd_find_by_name(d, def->name);
    *existing = by_uuid;
    if (by_uuid && strcmp(vd_domain_name(by_uuid), def->name) != 0) {
        vd_uuid_format(def->uuid, uuid);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s' is already defined with uuid %s", vd_domain_name(by_uuid), uuid);
        return false;
    }
    if (by_name && by_name != by_uuid) {
        vd_uuid_format(vd_domain_uuid(by_name), uuid);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "domain '%s' already exists with uuid %s", def->name, uuid);
        return false;
    }
    return true;
}

bool vd_check_emulator(vd_daemon *d, const vd_domain_def *def, vd_error **err)
{
    if (!def->emulator || strcmp(def->emulator, d->cfg->emulator) == 0)
        return true;
    vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
            "emulator '%s' is not supported by Vireo: its device model is '%s'", def->emulator,
            d->cfg->emulator);
    return false;
}

bool vd_affect(const vd_domain *dom, unsigned flags, bool *live, bool *config, vd_error **err)
{
    bool active = dom->id >= 0;
    *live = flags & VIR_DOMAIN_AFFECT_LIVE;
    *config = flags & VIR_DOMAIN_AFFECT_CONFIG;
    if (!*live && !*config) {
        *live = active;
        *config = !active;
    }
    if (*live && !active) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain is not running");
        return false;
    }
    if (*config && !dom->def) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "cannot change persistent config of a transient domain");
        return false;
    }
    return true;
}
