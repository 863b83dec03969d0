/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network driver calls of vd-driver.h: lookups and lists, define and undefine,
 * start and stop, autostart, XML, NETWORK_UPDATE of DHCP hosts and DHCP leases, with
 * libvirt's rules (name and uuid uniqueness, what an object's state allows) and words.
 */
#include "vd-daemon-private.h"
#include "vd-network.h"

#include <string.h>

#define NETS(d) ((d)->networks)

static const vd_network_def *current(const vd_network *net)
{
    return net->live ? net->live : net->def;
}

static vd_network_ref *make_ref(const vd_network *net)
{
    return vd_network_ref_new(current(net)->name, current(net)->uuid);
}

/* The network ref names, table lock held; fails with VIR_ERR_NO_NETWORK. */
static vd_network *resolve(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    vd_network *net = vd_network_find(NETS(d), NULL, ref->uuid);
    if (net)
        return net;
    char uuid[37];
    vd_uuid_format(ref->uuid, uuid);
    vd_fail(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK, "no network with matching uuid '%s' (%s)",
            uuid, ref->name ? ref->name : "");
    return NULL;
}

static void lock(vd_daemon *d)
{
    vd_note_activity(d);
    g_mutex_lock(&NETS(d)->lock);
}

static void unlock(vd_daemon *d)
{
    g_mutex_unlock(&NETS(d)->lock);
}

static bool check_flags(unsigned flags, unsigned allowed, const char *fn, vd_error **err)
{
    if (!(flags & ~allowed))
        return true;
    vd_fail(err, VIR_ERR_INVALID_ARG, VIR_FROM_NETWORK, "unsupported flags (0x%x) in function %s",
            flags & ~allowed, fn);
    return false;
}

static bool fail_state(vd_error **err, const char *fmt, const char *name)
{
    vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_NETWORK, fmt, name);
    return false;
}

/* ---- lookups and lists ------------------------------------------------------------------- */

vd_network_ref *vd_network_lookup_by_name(vd_daemon *d, const char *name, vd_error **err)
{
    lock(d);
    vd_network *net = vd_network_find(NETS(d), name, NULL);
    vd_network_ref *ref = net ? make_ref(net) : NULL;
    unlock(d);
    if (!ref)
        vd_fail(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK, "no network with matching name '%s'",
                name);
    return ref;
}

vd_network_ref *vd_network_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16],
                                          vd_error **err)
{
    lock(d);
    vd_network *net = vd_network_find(NETS(d), NULL, uuid);
    vd_network_ref *ref = net ? make_ref(net) : NULL;
    unlock(d);
    char text[37];
    vd_uuid_format(uuid, text);
    if (!ref)
        vd_fail(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK, "no network with matching uuid '%s'",
                text);
    return ref;
}

/* Each pair of flags filters only when one of the two is given. */
static bool matches(const vd_network *net, unsigned flags)
{
    const struct {
        unsigned yes, no;
        bool is;
    } groups[] = {
        {VIR_CONNECT_LIST_NETWORKS_ACTIVE, VIR_CONNECT_LIST_NETWORKS_INACTIVE, net->live != NULL},
        {VIR_CONNECT_LIST_NETWORKS_PERSISTENT, VIR_CONNECT_LIST_NETWORKS_TRANSIENT,
         net->def != NULL},
        {VIR_CONNECT_LIST_NETWORKS_AUTOSTART, VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART,
         net->autostart},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(groups); i++) {
        unsigned want = flags & (groups[i].yes | groups[i].no);
        if (want && want != (groups[i].yes | groups[i].no) &&
            !(want & (groups[i].is ? groups[i].yes : groups[i].no)))
            return false;
    }
    return true;
}

GPtrArray *vd_network_list_all(vd_daemon *d, unsigned flags, vd_error **err)
{
    if (!check_flags(flags, 0x3f, G_STRFUNC, err))
        return NULL;
    GPtrArray *refs = g_ptr_array_new_with_free_func((GDestroyNotify)vd_network_ref_free);
    lock(d);
    for (unsigned i = 0; i < NETS(d)->all->len; i++)
        if (matches(NETS(d)->all->pdata[i], flags))
            g_ptr_array_add(refs, make_ref(NETS(d)->all->pdata[i]));
    unlock(d);
    return refs;
}

/* ---- definitions ------------------------------------------------------------------------- */

/* libvirt's uniqueness rules: a name and a uuid both new, or both one existing network's;
 * no two networks on one bridge. Lock held. */
static bool check_unique(vd_daemon *d, const vd_network_def *def, vd_network **existing,
                         vd_error **err)
{
    char uuid[37];
    vd_network *by_uuid = vd_network_find(NETS(d), NULL, def->uuid);
    vd_network *by_name = vd_network_find(NETS(d), def->name, NULL);
    *existing = by_uuid;
    if (by_uuid && strcmp(current(by_uuid)->name, def->name) != 0) {
        vd_uuid_format(def->uuid, uuid);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_NETWORK,
                "network '%s' is already defined with uuid %s", current(by_uuid)->name, uuid);
        return false;
    }
    if (by_name && by_name != by_uuid) {
        vd_uuid_format(current(by_name)->uuid, uuid);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_NETWORK,
                "network '%s' already exists with uuid %s", def->name, uuid);
        return false;
    }
    for (unsigned i = 0; def->bridge && def->forward != VD_FWD_BRIDGE && i < NETS(d)->all->len;
         i++) {
        const vd_network_def *other = current(NETS(d)->all->pdata[i]);
        if (NETS(d)->all->pdata[i] != by_uuid && other->bridge &&
            strcmp(other->bridge, def->bridge) == 0) {
            vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_NETWORK,
                    "bridge name '%s' already in use.", def->bridge);
            return false;
        }
    }
    return true;
}

/* A redefinition without a bridge name or MAC keeps the ones the network has. */
static void inherit(vd_network_def *def, const vd_network *existing)
{
    const vd_network_def *old = existing ? current(existing) : NULL;
    if (old && !def->bridge && def->forward != VD_FWD_BRIDGE)
        def->bridge = g_strdup(old->bridge);
    if (old && !def->mac)
        def->mac = g_strdup(old->mac);
}

vd_network_ref *vd_network_define_xml(vd_daemon *d, const char *xml, unsigned flags,
                                      vd_error **err)
{
    if (!check_flags(flags, VIR_NETWORK_DEFINE_VALIDATE, G_STRFUNC, err))
        return NULL;
    g_autoptr(vd_network_def) def = vd_network_def_parse(xml, err);
    if (!def)
        return NULL;
    lock(d);
    vd_network *net = NULL;
    vd_network_ref *ref = NULL;
    if (check_unique(d, def, &net, err)) {
        inherit(def, net);
        vd_network_fill_defaults(NETS(d), def);
        if (vd_network_store_def(NETS(d), def, err)) {
            if (!net) {
                net = g_new0(vd_network, 1);
                g_ptr_array_add(NETS(d)->all, net);
            }
            vd_network_def_free(net->def);
            net->def = g_steal_pointer(&def);
            vd_network_emit(NETS(d), net->def, VIR_NETWORK_EVENT_DEFINED);
            ref = make_ref(net);
        }
    }
    unlock(d);
    return ref;
}

/* Takes a network out of the table and forgets its dnsmasq files (lock held). */
static void remove_network(vd_daemon *d, vd_network *net, const vd_network_def *def)
{
    vd_network_forget_files(NETS(d), def);
    g_ptr_array_remove(NETS(d)->all, net);
}

bool vd_network_undefine(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    bool ok = net && (net->def || fail_state(err, "network '%s' is transient", ref->name)) &&
              vd_network_store_delete(NETS(d), net->def->name, err);
    if (ok) {
        vd_network_emit(NETS(d), net->def, VIR_NETWORK_EVENT_UNDEFINED);
        net->autostart = false;
        if (net->live) {
            g_clear_pointer(&net->def, vd_network_def_free); /* runs on, transient */
        } else {
            g_autoptr(vd_network_def) def = g_steal_pointer(&net->def);
            remove_network(d, net, def);
        }
    }
    unlock(d);
    return ok;
}

/* ---- start and stop ------------------------------------------------------------------------ */

static bool start_locked(vd_daemon *d, vd_network *net, vd_network_def *live, vd_error **err)
{
    if (!vd_network_run_start(NETS(d), live, err))
        return false;
    if (!vd_network_store_status(NETS(d), live, err)) {
        vd_network_run_stop(NETS(d), live);
        return false;
    }
    net->live = live;
    vd_network_emit(NETS(d), live, VIR_NETWORK_EVENT_STARTED);
    return true;
}

bool vd_network_create(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    bool ok = net && (!net->live || fail_state(err, "network '%s' is already active", ref->name));
    vd_network_def *live = ok ? vd_network_def_copy(net->def) : NULL;
    ok = ok && start_locked(d, net, live, err);
    if (!ok)
        vd_network_def_free(live);
    unlock(d);
    return ok;
}

vd_network_ref *vd_network_create_xml(vd_daemon *d, const char *xml, unsigned flags,
                                      vd_error **err)
{
    if (!check_flags(flags, VIR_NETWORK_CREATE_VALIDATE, G_STRFUNC, err))
        return NULL;
    vd_network_def *def = vd_network_def_parse(xml, err);
    if (!def)
        return NULL;
    lock(d);
    vd_network *existing = NULL;
    vd_network_ref *ref = NULL;
    bool ok = check_unique(d, def, &existing, err) &&
              (!existing || !existing->live ||
               fail_state(err, "network '%s' is already active", def->name));
    if (ok) {
        inherit(def, existing);
        vd_network_fill_defaults(NETS(d), def);
        vd_network *net = existing ? existing : g_new0(vd_network, 1);
        if (start_locked(d, net, def, err)) {
            def = NULL;
            if (!existing)
                g_ptr_array_add(NETS(d)->all, net);
            ref = make_ref(net);
        } else if (!existing) {
            g_free(net);
        }
    }
    vd_network_def_free(def);
    unlock(d);
    return ref;
}

bool vd_network_destroy(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    bool ok = net && (net->live || fail_state(err, "network '%s' is not active", ref->name));
    if (ok) {
        g_autoptr(vd_network_def) live = g_steal_pointer(&net->live);
        vd_network_run_stop(NETS(d), live);
        vd_network_forget_status(NETS(d), live->name);
        vd_network_emit(NETS(d), live, VIR_NETWORK_EVENT_STOPPED);
        if (!net->def)
            remove_network(d, net, live);
    }
    unlock(d);
    return ok;
}

/* ---- properties ---------------------------------------------------------------------------- */

char *vd_network_get_xml_desc(vd_daemon *d, const vd_network_ref *ref, unsigned flags,
                              vd_error **err)
{
    if (!check_flags(flags, VIR_NETWORK_XML_INACTIVE, G_STRFUNC, err))
        return NULL;
    lock(d);
    vd_network *net = resolve(d, ref, err);
    char *xml = NULL;
    if (net)
        xml = vd_network_def_format((flags & VIR_NETWORK_XML_INACTIVE) && net->def ? net->def
                                                                                   : current(net));
    unlock(d);
    return xml;
}

char *vd_network_get_bridge_name(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    char *bridge = net ? g_strdup(current(net)->bridge) : NULL;
    unlock(d);
    if (net && !bridge)
        vd_fail(err, VIR_ERR_INTERNAL_ERROR, VIR_FROM_NETWORK,
                "network '%s' does not have a bridge name.", ref->name);
    return bridge;
}

bool vd_network_get_autostart(vd_daemon *d, const vd_network_ref *ref, bool *out, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    if (net)
        *out = net->autostart;
    unlock(d);
    return net != NULL;
}

bool vd_network_set_autostart(vd_daemon *d, const vd_network_ref *ref, bool on, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    bool ok = net &&
              (net->def || fail_state(err, "cannot set autostart for transient network '%s'",
                                      ref->name)) &&
              vd_network_store_autostart(NETS(d), net->def->name, on, err);
    if (ok)
        net->autostart = on;
    unlock(d);
    return ok;
}

static int state_query(vd_daemon *d, const vd_network_ref *ref, bool persistent, vd_error **err)
{
    lock(d);
    vd_network *net = resolve(d, ref, err);
    int r = !net ? -1 : persistent ? net->def != NULL : net->live != NULL;
    unlock(d);
    return r;
}

int vd_network_is_active(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    return state_query(d, ref, false, err);
}

int vd_network_is_persistent(vd_daemon *d, const vd_network_ref *ref, vd_error **err)
{
    return state_query(d, ref, true, err);
}

GPtrArray *vd_network_get_dhcp_leases(vd_daemon *d, const vd_network_ref *ref, const char *mac,
                                      unsigned flags, vd_error **err)
{
    if (!check_flags(flags, 0, G_STRFUNC, err))
        return NULL;
    lock(d);
    vd_network *net = resolve(d, ref, err);
    GPtrArray *leases = NULL;
    if (net) {
        g_auto(vd_dnsmasq_files) f = {0};
        vd_network_files(NETS(d), current(net), &f);
        leases = vd_dnsmasq_leases(current(net), &f, mac);
    }
    unlock(d);
    return leases;
}
