/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save and restore (virsh save, restore, managedsave, save-image-dumpxml/-define): a
 * domain's definition and hv state written to a save image (vd-save-image.h) while it is
 * paused, the domain then stopped; a restore builds it paused from the image and runs it
 * only once the image's digest has been checked, so a damaged file starts nothing. A
 * failed save leaves the guest as it was (running again if it ran) and no file behind.
 *
 * A guest with virtio devices has its device model quiesced first (its I/O finished,
 * nothing more taken from the rings) and vireo-dm's device state is the image's first
 * record; a restore starts vireo-dm with it.
 */
#include "vd-daemon-private.h"
#include "vd-dm.h"
#include "vd-domain-xml.h"
#include "vd-save-image.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static bool refuse_dxml(const char *dxml, vd_error **err)
{
    if (!dxml)
        return true;
    vd_fail(err, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_FROM_DOMAIN,
            "Vireo does not change a domain's XML on save or restore; use save-image-define");
    return false;
}

char *vd_managed_save_path(const vd_config *cfg, const char *name)
{
    g_autofree char *file = g_strconcat(name, ".save", NULL);
    return g_build_filename(cfg->root, "var", "lib", "vireo", "save", file, NULL);
}

/* The domain is paused, its image written; the domain stops (job held). */
static bool save_job(vd_daemon *d, vd_domain *dom, const char *path, unsigned flags, vd_error **err)
{
    bool was_running;
    int domid;
    g_autoptr(vd_domain_def) live = vd_domain_running_copy(d, dom, &was_running, &domid, err);
    if (!live)
        return false;
    bool run_after =
        flags & VIR_DOMAIN_SAVE_RUNNING || (was_running && !(flags & VIR_DOMAIN_SAVE_PAUSED));
    if (was_running && !d->hv->ops->domain_pause(d->hv, domid, err))
        return false;
    /* The devices finish their I/O before hv's state and the RAM are read. */
    bool has_dm = vd_domain_dm_device_count(live) > 0;
    g_autoptr(GBytes) dm_state =
        has_dm ? vd_dm_save_state(d->cfg, domid, live->name, err) : g_bytes_new(NULL, 0);
    g_autofree char *xml = vd_domain_def_format(live, -1);
    vd_save_writer *w =
        dm_state ? vd_save_writer_open(path, xml, run_after ? VD_SAVE_WAS_RUNNING : 0, err) : NULL;
    gsize dm_len = 0;
    const void *dm_bytes = dm_state ? g_bytes_get_data(dm_state, &dm_len) : NULL;
    bool ok = w && vd_save_write_record(w, VD_SAVE_DM_STATE, NULL, 0, dm_bytes, dm_len, err) &&
              d->hv->ops->domain_save(d->hv, domid, live, w, err);
    if (ok) {
        ok = vd_save_writer_commit(w, err);
        w = NULL;
    }
    vd_save_writer_abort(w);
    if (!ok) {
        g_message("domain '%s': save to %s failed: %s", live->name, path, (*err)->message);
        g_autoptr(vd_error) resume_err = NULL;
        if (has_dm && dm_state && !vd_dm_resume(d->cfg, domid, live->name, &resume_err))
            g_warning("domain '%s': its devices stay quiesced after the failed save: %s",
                      live->name, resume_err->message);
        g_clear_pointer(&resume_err, vd_error_free);
        if (was_running && !d->hv->ops->domain_unpause(d->hv, domid, &resume_err))
            g_warning("domain '%s': cannot run it again after the failed save: %s", live->name,
                      resume_err->message);
        return false;
    }
    g_autoptr(vd_error) destroy_err = NULL;
    if (!d->hv->ops->domain_destroy(d->hv, domid, &destroy_err))
        g_warning("domain '%s': saved to %s, but ending it failed: %s", live->name, path,
                  destroy_err->message);
    g_message("domain '%s': saved to %s", live->name, path);
    vd_domain_stopped_job(d, dom, VIR_DOMAIN_SHUTOFF_SAVED, VIR_DOMAIN_EVENT_STOPPED_SAVED);
    return true;
}

bool vd_domain_save(vd_daemon *d, const vd_domain_ref *ref, const char *path, const char *dxml,
                    unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
                   err, false);
    if (!refuse_dxml(dxml, err))
        return false;
    if (!g_path_is_absolute(path)) {
        vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_DOMAIN, "save path '%s' is not absolute", path);
        return false;
    }
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_SAVE, "virDomainSave", err);
    if (!dom)
        return false;
    bool ok = save_job(d, dom, path, flags, err);
    vd_job_completed(d, dom, ok);
    vd_job_end(d, dom);
    return ok;
}

/* The image's first record: vireo-dm's device state, which a guest with virtio devices
 * must have and one without must not. NULL with *err when it is missing or out of place. */
static GBytes *read_dm_state(vd_save_reader *r, const vd_domain_def *def, vd_error **err)
{
    uint32_t type;
    uint64_t len;
    if (!vd_save_next(r, &type, &len, err))
        return NULL;
    bool want = vd_domain_dm_device_count(def) > 0;
    if (type != VD_SAVE_DM_STATE || (len > 0) != want) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "save image of domain '%s' is damaged: its device state is missing or does "
                "not match its devices",
                def->name);
        return NULL;
    }
    g_autofree uint8_t *bytes = g_malloc(len ? len : 1);
    if (!vd_save_read(r, bytes, len, err))
        return NULL;
    return g_bytes_new_take(g_steal_pointer(&bytes), len);
}

/* Starts the domain of an image (job held); paused unless the image or flags say run. */
static bool restore_job(vd_daemon *d, vd_domain *dom, const vd_domain_def *def, vd_save_reader *r,
                        bool paused, vd_error **err)
{
    if (dom->id >= 0) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "domain '%s' is already active",
                def->name);
        return false;
    }
    g_autoptr(GBytes) dm_state = read_dm_state(r, def, err);
    if (!dm_state)
        return false;
    return vd_domain_start_job_from(d, dom, def, paused, r,
                                    g_bytes_get_size(dm_state) ? dm_state : NULL, err);
}

static bool paused_after(unsigned image_flags, unsigned flags)
{
    if (flags & VIR_DOMAIN_SAVE_PAUSED)
        return true;
    return !(flags & VIR_DOMAIN_SAVE_RUNNING) && !(image_flags & VD_SAVE_WAS_RUNNING);
}

/* Opens an image and reads its definition. */
static vd_save_reader *open_image(vd_daemon *d, const char *path, vd_domain_def **def,
                                  unsigned *image_flags, vd_error **err)
{
    g_autofree char *xml = NULL;
    g_autoptr(vd_save_reader) r = vd_save_reader_open(path, &xml, image_flags, err);
    if (!r)
        return NULL;
    *def = vd_domain_def_parse(xml, NULL, err);
    if (!*def || !vd_check_emulator(d, *def, err)) {
        g_clear_pointer(def, vd_domain_def_free);
        return NULL;
    }
    return g_steal_pointer(&r);
}

bool vd_domain_restore(vd_daemon *d, const char *path, const char *dxml, unsigned flags,
                       vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
                   err, false);
    if (!refuse_dxml(dxml, err))
        return false;
    g_autoptr(vd_domain_def) def = NULL;
    unsigned image_flags = 0;
    g_autoptr(vd_save_reader) r = open_image(d, path, &def, &image_flags, err);
    if (!r)
        return false;
    bool added;
    vd_domain *dom = vd_domain_claim(d, def, false, VD_JOB_START, "virDomainRestore", &added, err);
    if (!dom)
        return false;
    bool ok = restore_job(d, dom, def, r, paused_after(image_flags, flags), err);
    if (!ok && !dom->def && dom->id < 0) {
        vd_write_lock(d);
        vd_domain_remove_locked(d, dom);
        vd_write_unlock(d);
    }
    vd_job_end(d, dom);
    return ok;
}

char *vd_save_image_get_xml(vd_daemon *d, const char *path, unsigned flags, vd_error **err)
{
    (void)d;
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_XML_SECURE, err, NULL);
    char *xml = NULL;
    g_autoptr(vd_save_reader) r = vd_save_reader_open(path, &xml, NULL, err);
    return r ? xml : NULL;
}

/* The new definition must describe the same machine: hv's state in the image fits only
 * a domain of the same identity, memory and vCPUs. */
static bool same_machine(const vd_domain_def *old, const vd_domain_def *new_def, vd_error **err)
{
    if (memcmp(old->uuid, new_def->uuid, 16) == 0 && strcmp(old->name, new_def->name) == 0 &&
        old->memory_kib == new_def->memory_kib && old->vcpus == new_def->vcpus)
        return true;
    vd_fail(err, VIR_ERR_CONFIG_UNSUPPORTED, VIR_FROM_DOMAIN,
            "the new XML of save image domain '%s' must keep its name, uuid, memory and vCPUs",
            old->name);
    return false;
}

/* Copies every record of r into w (END checked on the way). */
static bool copy_records(vd_save_reader *r, vd_save_writer *w, vd_error **err)
{
    for (;;) {
        uint32_t type;
        uint64_t len;
        if (!vd_save_next(r, &type, &len, err))
            return false;
        if (type == VD_SAVE_END)
            return true;
        g_autofree uint8_t *payload = g_malloc(len ? len : 1);
        if (!vd_save_read(r, payload, len, err) ||
            !vd_save_write_record(w, type, NULL, 0, payload, len, err))
            return false;
    }
}

bool vd_save_image_define_xml(vd_daemon *d, const char *path, const char *dxml, unsigned flags,
                              vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED, err, false);
    g_autoptr(vd_domain_def) old = NULL;
    unsigned image_flags = 0;
    g_autoptr(vd_save_reader) r = open_image(d, path, &old, &image_flags, err);
    if (!r)
        return false;
    g_autoptr(vd_domain_def) new_def = vd_domain_def_parse(dxml, NULL, err);
    if (!new_def || !vd_check_emulator(d, new_def, err) || !same_machine(old, new_def, err))
        return false;
    if (flags & VIR_DOMAIN_SAVE_RUNNING)
        image_flags |= VD_SAVE_WAS_RUNNING;
    if (flags & VIR_DOMAIN_SAVE_PAUSED)
        image_flags &= ~VD_SAVE_WAS_RUNNING;
    g_autofree char *xml = vd_domain_def_format(new_def, -1);
    vd_save_writer *w = vd_save_writer_open(path, xml, image_flags, err);
    if (!w)
        return false;
    if (!copy_records(r, w, err)) {
        vd_save_writer_abort(w); /* the image stays as it was */
        return false;
    }
    if (!vd_save_writer_commit(w, err))
        return false;
    g_message("save image %s: definition of '%s' replaced", path, new_def->name);
    return true;
}

/* ---- managed save -------------------------------------------------------------------- */

bool vd_domain_managed_save(vd_daemon *d, const vd_domain_ref *ref, unsigned flags, vd_error **err)
{
    VD_CHECK_FLAGS(flags,
                   VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED,
                   err, false);
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_SAVE, "virDomainManagedSave", err);
    if (!dom)
        return false;
    bool ok = false;
    if (!dom->def) {
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN,
                "cannot do managed save for transient domain");
    } else {
        g_autofree char *path = vd_managed_save_path(d->cfg, dom->def->name);
        g_autofree char *dir = g_path_get_dirname(path);
        if (g_mkdir_with_parents(dir, 0700) != 0)
            vd_fail_errno(err, errno, "cannot create '%s'", dir);
        else
            ok = save_job(d, dom, path, flags, err);
    }
    vd_job_completed(d, dom, ok);
    vd_job_end(d, dom);
    return ok;
}

int vd_domain_has_managed_save(vd_daemon *d, const vd_domain_ref *ref, unsigned flags,
                               vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, -1);
    vd_read_lock(d);
    vd_domain *dom = vd_resolve(d, ref, err);
    g_autofree char *name = dom ? g_strdup(vd_domain_name(dom)) : NULL;
    vd_read_unlock(d);
    if (!name)
        return -1;
    g_autofree char *path = vd_managed_save_path(d->cfg, name);
    return g_file_test(path, G_FILE_TEST_EXISTS) ? 1 : 0;
}

bool vd_domain_managed_save_remove(vd_daemon *d, const vd_domain_ref *ref, unsigned flags,
                                   vd_error **err)
{
    VD_CHECK_FLAGS(flags, 0, err, false);
    vd_domain *dom = vd_job_begin(d, ref, VD_JOB_MODIFY, "virDomainManagedSaveRemove", err);
    if (!dom)
        return false;
    g_autofree char *path = vd_managed_save_path(d->cfg, vd_domain_name(dom));
    bool ok = unlink(path) == 0 || errno == ENOENT;
    if (!ok)
        vd_fail_errno(err, errno, "cannot remove managed save image '%s'", path);
    vd_job_end(d, dom);
    return ok;
}

int vd_domain_start_from_managed_save(vd_daemon *d, vd_domain *dom, unsigned flags, vd_error **err)
{
    g_autofree char *path = vd_managed_save_path(d->cfg, vd_domain_name(dom));
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return 0;
    if (flags & VIR_DOMAIN_START_FORCE_BOOT) {
        unlink(path);
        g_message("domain '%s': managed save image discarded (force boot)", vd_domain_name(dom));
        return 0;
    }
    g_autoptr(vd_domain_def) def = NULL;
    unsigned image_flags = 0;
    g_autoptr(vd_save_reader) r = open_image(d, path, &def, &image_flags, err);
    if (!r)
        return -1;
    if (memcmp(def->uuid, dom->def->uuid, 16) != 0 || strcmp(def->name, dom->def->name) != 0) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "managed save image '%s' belongs to another domain", path);
        return -1;
    }
    bool paused = (flags & VIR_DOMAIN_START_PAUSED) || !(image_flags & VD_SAVE_WAS_RUNNING);
    if (!restore_job(d, dom, def, r, paused, err))
        return -1;
    unlink(path); /* libvirt's rule: a managed save image is used once */
    return 1;
}
