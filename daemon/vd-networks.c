/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network table's life: where networks are kept on disk (definitions and autostart
 * links under ROOT/etc/vireo/networks, status files of running networks under
 * ROOT/run/vireo/networks), loading them at start-up, finding running ones again, the
 * `default` network of a fresh daemon, autostart, and network lifecycle events.
 */
#include "vd-network.h"
#include "vd-error.h"
#include "vd-store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* libvirt's default network: NAT on 192.168.122.0/24 behind virbr0. */
static const char default_network_xml[] =
    "<network><name>default</name><forward mode='nat'/><bridge name='virbr0' stp='on' "
    "delay='0'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range "
    "start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>";

static char *path_in(const char *dir, const char *name)
{
    return g_strdup_printf("%s/%s.xml", dir, name);
}

void vd_network_files(const vd_networks *nets, const vd_network_def *def, vd_dnsmasq_files *f)
{
    f->conf = g_strdup_printf("%s/%s.conf", nets->dnsmasq_dir, def->name);
    f->hosts = g_strdup_printf("%s/%s.hostsfile", nets->dnsmasq_dir, def->name);
    f->leases = g_strdup_printf("%s/%s.leases", nets->dnsmasq_dir, def->bridge);
    f->pid = g_strdup_printf("%s/%s.pid", nets->state_dir, def->name);
}

bool vd_network_store_def(vd_networks *nets, const vd_network_def *def, vd_error **err)
{
    g_autofree char *path = path_in(nets->defs_dir, def->name);
    g_autofree char *xml = vd_network_def_format(def);
    return vd_file_write_atomic(path, xml, true, err);
}

bool vd_network_store_autostart(vd_networks *nets, const char *name, bool on, vd_error **err)
{
    g_autofree char *link = path_in(nets->autostart_dir, name);
    g_autofree char *target = g_strdup_printf("../%s.xml", name);
    if (on ? symlink(target, link) != 0 && errno != EEXIST
           : g_unlink(link) != 0 && errno != ENOENT) {
        vd_fail_errno(err, errno, "cannot %s autostart link %s", on ? "create" : "remove", link);
        return false;
    }
    return true;
}

bool vd_network_store_delete(vd_networks *nets, const char *name, vd_error **err)
{
    g_autofree char *path = path_in(nets->defs_dir, name);
    if (!vd_network_store_autostart(nets, name, false, err))
        return false;
    if (g_unlink(path) != 0 && errno != ENOENT) {
        vd_fail_errno(err, errno, "cannot remove %s", path);
        return false;
    }
    return true;
}

bool vd_network_store_status(vd_networks *nets, const vd_network_def *live, vd_error **err)
{
    g_autofree char *path = path_in(nets->state_dir, live->name);
    g_autofree char *xml = vd_network_def_format(live);
    return vd_file_write_atomic(path, xml, false, err);
}

void vd_network_forget_status(vd_networks *nets, const char *name)
{
    g_autofree char *path = path_in(nets->state_dir, name);
    g_unlink(path);
}

void vd_network_forget_files(vd_networks *nets, const vd_network_def *def)
{
    g_auto(vd_dnsmasq_files) f = {0};
    vd_network_files(nets, def, &f);
    g_unlink(f.conf);
    g_unlink(f.hosts);
    g_unlink(f.leases);
}

/* ---- loading ----------------------------------------------------------------------------- */

static GPtrArray *load_dir(const char *dir)
{
    GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)vd_network_def_free);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *entry;
    while (d && (entry = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, entry, NULL);
        g_autofree char *xml = NULL;
        if (entry[0] == '.' || !g_str_has_suffix(entry, ".xml") ||
            g_file_test(path, G_FILE_TEST_IS_DIR) ||
            !g_file_get_contents(path, &xml, NULL, NULL))
            continue;
        g_autoptr(vd_error) err = NULL;
        g_autoptr(vd_network_def) def = vd_network_def_parse(xml, &err);
        g_autofree char *expected = def ? g_strconcat(def->name, ".xml", NULL) : NULL;
        if (!def || strcmp(entry, expected) != 0)
            g_warning("skipping %s: %s", path, def ? "its name differs" : err->message);
        else
            g_ptr_array_add(defs, g_steal_pointer(&def));
    }
    return defs;
}

vd_network *vd_network_find(vd_networks *nets, const char *name, const unsigned char *uuid)
{
    for (unsigned i = 0; i < nets->all->len; i++) {
        vd_network *net = nets->all->pdata[i];
        const vd_network_def *cur = net->live ? net->live : net->def;
        if ((name && strcmp(cur->name, name) == 0) || (uuid && memcmp(cur->uuid, uuid, 16) == 0))
            return net;
    }
    return NULL;
}

static void network_free(gpointer p)
{
    vd_network *net = p;
    vd_network_def_free(net->def);
    vd_network_def_free(net->live);
    g_free(net);
}

static void load_all(vd_networks *nets)
{
    g_autoptr(GPtrArray) defs = load_dir(nets->defs_dir);
    for (unsigned i = 0; i < defs->len; i++) {
        vd_network *net = g_new0(vd_network, 1);
        net->def = g_steal_pointer(&defs->pdata[i]);
        g_autofree char *link = path_in(nets->autostart_dir, net->def->name);
        net->autostart = g_file_test(link, G_FILE_TEST_IS_SYMLINK);
        g_ptr_array_add(nets->all, net);
    }
    g_autoptr(GPtrArray) lives = load_dir(nets->state_dir);
    for (unsigned i = 0; i < lives->len; i++) {
        vd_network_def *live = lives->pdata[i];
        vd_network *net = vd_network_find(nets, live->name, NULL);
        if (!vd_network_run_adopt(nets, live)) {
            g_message("network '%s' is no longer running", live->name);
            vd_network_run_stop(nets, live);
            vd_network_forget_status(nets, live->name);
            continue;
        }
        if (!net) {
            net = g_new0(vd_network, 1);
            g_ptr_array_add(nets->all, net);
        }
        net->live = g_steal_pointer(&lives->pdata[i]);
        g_message("network '%s' found running on bridge '%s'", net->live->name,
                  net->live->bridge);
    }
}

static void define_default(vd_networks *nets)
{
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_network_def) def = vd_network_def_parse(default_network_xml, &err);
    vd_network_fill_defaults(nets, def);
    vd_network *net = g_new0(vd_network, 1);
    if (!vd_network_store_def(nets, def, &err) ||
        !vd_network_store_autostart(nets, def->name, true, &err)) {
        g_warning("cannot define the default network: %s", err->message);
        g_free(net);
        return;
    }
    net->def = g_steal_pointer(&def);
    net->autostart = true;
    g_ptr_array_add(nets->all, net);
}

static void autostart_all(vd_networks *nets)
{
    for (unsigned i = 0; i < nets->all->len; i++) {
        vd_network *net = nets->all->pdata[i];
        g_autoptr(vd_error) err = NULL;
        if (!net->autostart || net->live || !net->def)
            continue;
        g_autoptr(vd_network_def) live = vd_network_def_copy(net->def);
        if (!vd_network_run_start(nets, live, &err) ||
            !vd_network_store_status(nets, live, &err)) {
            g_warning("cannot autostart network '%s': %s", net->def->name, err->message);
            continue;
        }
        g_message("network '%s' autostarted on bridge '%s'", live->name, live->bridge);
        net->live = g_steal_pointer(&live);
    }
}

vd_networks *vd_networks_new(const vd_config *cfg)
{
    vd_networks *nets = g_new0(vd_networks, 1);
    g_mutex_init(&nets->lock);
    g_mutex_init(&nets->events_lock);
    nets->all = g_ptr_array_new_with_free_func(network_free);
    nets->listeners = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    nets->defs_dir = g_strconcat(cfg->root, "/etc/vireo/networks", NULL);
    nets->autostart_dir = g_strconcat(nets->defs_dir, "/autostart", NULL);
    nets->state_dir = g_strconcat(cfg->root, "/run/vireo/networks", NULL);
    nets->dnsmasq_dir = g_strconcat(cfg->root, "/var/lib/vireo/dnsmasq", NULL);
    bool fresh = !g_file_test(nets->defs_dir, G_FILE_TEST_IS_DIR);
    const char *dirs[] = {nets->autostart_dir, nets->state_dir, nets->dnsmasq_dir};
    for (unsigned i = 0; i < G_N_ELEMENTS(dirs); i++)
        if (g_mkdir_with_parents(dirs[i], 0755) != 0)
            g_warning("cannot create %s: %s", dirs[i], g_strerror(errno));
    load_all(nets);
    if (fresh && cfg->network_default)
        define_default(nets);
    autostart_all(nets);
    return nets;
}

void vd_networks_free(vd_networks *nets)
{
    if (!nets)
        return;
    /* Running networks keep running: a restarted daemon finds them again. */
    g_ptr_array_unref(nets->all);
    g_hash_table_unref(nets->listeners);
    g_free(nets->defs_dir);
    g_free(nets->autostart_dir);
    g_free(nets->state_dir);
    g_free(nets->dnsmasq_dir);
    g_mutex_clear(&nets->lock);
    g_mutex_clear(&nets->events_lock);
    g_free(nets);
}
