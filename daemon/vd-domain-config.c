/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Configuration calls: listing and lookups, define (including making a running transient
 * domain persistent), undefine, XML description, autostart, and the small predicates.
 */
#include "vd-daemon-private.h"
#include "vd-domain-xml.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static bool has_managed_save(const vd_daemon *d, const vd_domain *dom)
{
    if (!dom->def)
        return false;
    g_autofree char *path = vd_managed_save_path(d->cfg, dom->def->name);
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static bool matches(const vd_daemon *d, const vd_domain *dom, unsigned flags)
{
    bool active = dom->id >= 0;
#define PAIR(yes, no, cond)                                                                        \
    if ((flags & (yes)) && !(flags & (no)) && !(cond))                                             \
        return false;                                                                              \
    if ((flags & (no)) && !(flags & (yes)) && (cond))                                              \
        return false;
    PAIR(VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_CONNECT_LIST_DOMAINS_INACTIVE, active)
    PAIR(VIR_CONNECT_LIST_DOMAINS_PERSISTENT, VIR_CONNECT_LIST_DOMAINS_TRANSIENT, dom->def != NULL)
    PAIR(VIR_CONNECT_LIST_DOMAINS_AUTOSTART, VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, dom->autostart)
    /* Vireo keeps no snapshots or checkpoints. */
    PAIR(VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
         has_managed_save(d, dom))
    PAIR(VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, false)
    PAIR(VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT, false)
#undef PAIR
    unsigned states = flags & (VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
                               VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER);
    if (!states)
        return true;
    switch (dom->state) {
    case VIR_DOMAIN_RUNNING:
        return states & VIR_CONNECT_LIST_DOMAINS_RUNNING;
    case VIR_DOMAIN_PAUSED:
        return states & VIR_CONNECT_LIST_DOMAINS_PAUSED;
    case VIR_DOMAIN_SHUTOFF:
        return states & VIR_CONNECT_LIST_DOMAINS_SHUTOFF;
    default:
        return states & VIR_CONNECT_LIST_DOMAINS_OTHER;
    }
}

GPtrArray *vd_domain_list_all(vd_daemon *d, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0xffff, err, NULL);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vd_domain_ref_free);
    vd_read_lock(d);
    for (unsigned i = 0; i < d->domains->len; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (matches(d, dom, flags))
            g_ptr_array_add(out, vd_domain_make_ref(dom));
    }
    vd_read_unlock(d);
    return out;
}

vd_domain_ref *vd_domain_lookup_by_name(vd_daemon *d, const char *name, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_find_by_name(d, name);
    vd_domain_ref *ref = dom ? vd_domain_make_ref(dom) : NULL;
    vd_read_unlock(d);
    if (!ref)
        vd_fail(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN, "no domain with matching name '%s'", name);
    return ref;
}

vd_domain_ref *vd_domain_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16], vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_find_by_uuid(d, uuid);
    vd_domain_ref *ref = dom ? vd_domain_make_ref(dom) : NULL;
    vd_read_unlock(d);
    if (!ref) {
        char text[37];
        vd_uuid_format(uuid, text);
        vd_fail(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN, "no domain with matching uuid '%s'", text);
    }
    return ref;
}

vd_domain_ref *vd_domain_lookup_by_id(vd_daemon *d, int id, vd_error **err)
{
    vd_domain_ref *ref = NULL;
    vd_read_lock(d);
    for (unsigned i = 0; i < d->domains->len && id >= 0 && !ref; i++) {
        vd_domain *dom = d->domains->pdata[i];
        if (dom->id == id)
            ref = vd_domain_make_ref(dom);
    }
    vd_read_unlock(d);
    if (!ref)
        vd_fail(err, VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN, "no domain with matching id %d", id);
    return ref;
}

vd_domain_ref *vd_domain_define_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_DEFINE_VALIDATE, err, NULL);
    g_autoptr(vd_domain_def) def = vd_domain_def_parse(xml, NULL, err);
    if (!def || !vd_check_emulator(d, def, err))
        return NULL;

    bool added;
    vd_domain *dom =
        vd_domain_claim(d, def, true, VD_JOB_MODIFY, "virDomainDefineXML", &added, err);
    if (!dom)
        return NULL;
    vd_domain_ref *ref = NULL;
    bool updated = !added && dom->def;
    if (!vd_store_save_def(d->cfg, def, err)) {
        if (added) {
            vd_write_lock(d);
            vd_domain_remove_locked(d, dom);
            vd_write_unlock(d);
        }
        goto out;
    }
    vd_write_lock(d);
    /* For a running domain this is the configuration of its next start; a running
     * transient domain becomes persistent (virt-install: CREATE_XML, then DEFINE_XML). */
    if (!added) {
        vd_domain_def_free(dom->def);
        dom->def = g_steal_pointer(&def);
    }
    vd_emit(d, dom, VIR_DOMAIN_EVENT_DEFINED,
            updated ? VIR_DOMAIN_EVENT_DEFINED_UPDATED : VIR_DOMAIN_EVENT_DEFINED_ADDED);
    ref = vd_domain_make_ref(dom);
    vd_write_unlock(d);
    g_message("domain '%s': defined", ref->name);
out:
    vd_job_end(d, dom);
    return ref;
}

bool vd_domain_undefine(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    /* Vireo keeps no snapshot, checkpoint, NVRAM or TPM state, so the flags asking to
     * remove or keep them are satisfied as they stand; a managed save image goes only
     * when asked (VIR_DOMAIN_UNDEFINE_MANAGED_SAVE), as with libvirtd. */
    VD_CHECK_FLAGS(flags, 0x7f, err, false);
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_MODIFY, "virDomainUndefine", err);
    if (!dom)
        return false;
    bool ok = vd_check_persistent(dom, "undefine", err);
    if (ok && has_managed_save(d, dom)) {
        g_autofree char *image = vd_managed_save_path(d->cfg, dom->def->name);
        if (!(flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
            vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                    "Refusing to undefine while domain managed save image exists");
            ok = false;
        } else if (unlink(image) != 0 && errno != ENOENT) {
            vd_fail_errno(err, errno, "Failed to remove domain managed save image");
            ok = false;
        }
    }
    ok = ok && vd_store_delete_def(d->cfg, dom->def->name, err);
    if (ok) {
        g_message("domain '%s': undefined", dom->def->name);
        vd_write_lock(d);
        vd_emit(d, dom, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
        dom->autostart = false;
        g_clear_pointer(&dom->def, vd_domain_def_free);
        if (dom->id < 0)
            vd_domain_remove_locked(d, dom); /* a running one stays, now transient */
        vd_write_unlock(d);
    }
    vd_job_end(d, dom);
    return ok;
}

/* Job held. */
static bool rename_job(vd_daemon *d, vd_domain *dom, const char *new_name, vd_error **err)
{
    if (dom->id >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "cannot rename active domain");
        return false;
    }
    if (!new_name || !*new_name) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "new domain name must not be empty");
        return false;
    }
    vd_read_lock(d);
    bool taken = vd_find_by_name(d, new_name) != NULL;
    vd_read_unlock(d);
    if (taken) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "domain with name '%s' already exists", new_name);
        return false;
    }
    /* The renamed definition goes through the parser and schema as a define would: the
     * name becomes a file name, so only what <name> allows may pass. */
    g_autoptr(vd_domain_def) renamed = vd_domain_def_copy(dom->def);
    g_free(renamed->name);
    renamed->name = g_strdup(new_name);
    g_autofree char *xml = vd_domain_def_format(renamed, -1);
    g_autoptr(vd_domain_def) checked = vd_domain_def_parse(xml, NULL, err);
    if (!checked)
        return false;
    /* The new file first: killed in between, both exist with one uuid and the next load
     * keeps one of them; nothing is lost. */
    g_autofree char *old_name = g_strdup(dom->def->name);
    if (!vd_store_save_def(d->cfg, checked, err))
        return false;
    if ((dom->autostart && !vd_store_set_autostart(d->cfg, new_name, true, err)) ||
        !vd_store_delete_def(d->cfg, old_name, err)) {
        g_autoptr(vd_error) undo_err = NULL;
        vd_store_delete_def(d->cfg, new_name, &undo_err);
        return false;
    }
    vd_write_lock(d);
    vd_emit(d, dom, VIR_DOMAIN_EVENT_UNDEFINED, VIR_DOMAIN_EVENT_UNDEFINED_RENAMED);
    vd_domain_def_free(dom->def);
    dom->def = g_steal_pointer(&checked);
    vd_domain_rename_locked(d, dom, new_name);
    vd_emit(d, dom, VIR_DOMAIN_EVENT_DEFINED, VIR_DOMAIN_EVENT_DEFINED_RENAMED);
    vd_write_unlock(d);
    g_message("domain '%s': renamed '%s'", old_name, new_name);
    return true;
}

bool vd_domain_rename(vd_daemon *d, const vd_domain_ref *ref, const char *new_name, unsigned flags,
                      vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, false);
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_MODIFY, "virDomainRename", err);
    if (!dom)
        return false;
    bool ok = vd_check_persistent(dom, "rename", err) && rename_job(d, dom, new_name, err);
    vd_job_end(d, dom);
    return ok;
}

char *vd_domain_get_xml_desc(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    /* SECURE: Vireo definitions hold no secrets. UPDATE_CPU, MIGRATABLE: no <cpu>
     * element and nothing host-specific to strip. */
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_UPDATE_CPU |
                       VIR_DOMAIN_XML_MIGRATABLE,
                   err, NULL);
    char *xml = NULL;
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom) {
        bool inactive = (flags & VIR_DOMAIN_XML_INACTIVE) && dom->def;
        xml = inactive || !dom->live ? vd_domain_def_format(dom->def, -1)
                                     : vd_domain_def_format(dom->live, dom->id);
    }
    vd_read_unlock(d);
    return xml;
}

bool vd_domain_get_autostart(vd_daemon *d, const vd_domain_ref *ref, bool *out, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    if (dom)
        *out = dom->autostart;
    vd_read_unlock(d);
    return dom != NULL;
}

bool vd_domain_set_autostart(vd_daemon *d, const vd_domain_ref *ref, bool on, vd_error **err)
{
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_MODIFY, "virDomainSetAutostart", err);
    if (!dom)
        return false;
    bool ok = vd_check_persistent(dom, "set autostart for", err) &&
              vd_store_set_autostart(d->cfg, dom->def->name, on, err);
    if (ok) {
        vd_write_lock(d);
        dom->autostart = on;
        vd_write_unlock(d);
    }
    vd_job_end(d, dom);
    return ok;
}

int vd_domain_is_active(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    int r = dom ? dom->id >= 0 : -1;
    vd_read_unlock(d);
    return r;
}

int vd_domain_is_persistent(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    int r = dom ? dom->def != NULL : -1;
    vd_read_unlock(d);
    return r;
}

char *vd_domain_get_os_type(vd_daemon *d, const vd_domain_ref *ref, vd_error **err)
{
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    vd_read_unlock(d);
    return dom ? g_strdup("hvm") : NULL;
}
