/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The network calls of daemon/vd-driver.h for vd-rpc-testd: its stand-in daemon has no
 * networks, so lookups find none, lists are empty and changes are "not supported".
 */
/* Stubs: their parameters are unused by design. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

#include "vd-driver.h"
#include "vd-libvirt.h"

static void *no_support(vd_error **err)
{
    vd_error_set(err, VIR_ERR_NO_SUPPORT, VIR_FROM_NETWORK,
                 "this function is not supported by the connection driver: networks");
    return NULL;
}

GPtrArray *vd_network_list_all(vd_daemon *d, unsigned flags, vd_error **err)
{
    (void)d, (void)flags, (void)err;
    return g_ptr_array_new_with_free_func((GDestroyNotify)vd_network_ref_free);
}

vd_network_ref *vd_network_lookup_by_name(vd_daemon *d, const char *name, vd_error **err)
{
    (void)d;
    vd_error_set(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK,
                 "Network not found: no network with matching name '%s'", name);
    return NULL;
}

vd_network_ref *vd_network_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16],
                                          vd_error **err)
{
    (void)d, (void)uuid;
    vd_error_set(err, VIR_ERR_NO_NETWORK, VIR_FROM_NETWORK, "Network not found");
    return NULL;
}

#define UNSUPPORTED(ret, name, ...)                                                                \
    ret name(vd_daemon *d, __VA_ARGS__, vd_error **err)                                            \
    {                                                                                              \
        (void)d;                                                                                   \
        no_support(err);                                                                           \
        return (ret)0;                                                                             \
    }

UNSUPPORTED(vd_network_ref *, vd_network_define_xml, const char *xml, unsigned flags)
UNSUPPORTED(vd_network_ref *, vd_network_create_xml, const char *xml, unsigned flags)
UNSUPPORTED(bool, vd_network_undefine, const vd_network_ref *net)
UNSUPPORTED(bool, vd_network_create, const vd_network_ref *net)
UNSUPPORTED(bool, vd_network_destroy, const vd_network_ref *net)
UNSUPPORTED(char *, vd_network_get_xml_desc, const vd_network_ref *net, unsigned flags)
UNSUPPORTED(char *, vd_network_get_bridge_name, const vd_network_ref *net)
UNSUPPORTED(bool, vd_network_get_autostart, const vd_network_ref *net, bool *out)
UNSUPPORTED(bool, vd_network_set_autostart, const vd_network_ref *net, bool on)
UNSUPPORTED(bool, vd_network_update, const vd_network_ref *net, unsigned command,
            unsigned section, int parent_index, const char *xml, unsigned flags)
UNSUPPORTED(GPtrArray *, vd_network_get_dhcp_leases, const vd_network_ref *net, const char *mac,
            unsigned flags)

int vd_network_is_active(vd_daemon *d, const vd_network_ref *net, vd_error **err)
{
    (void)d, (void)net;
    no_support(err);
    return -1;
}

int vd_network_is_persistent(vd_daemon *d, const vd_network_ref *net, vd_error **err)
{
    return vd_network_is_active(d, net, err);
}

unsigned vd_daemon_add_network_listener(vd_daemon *d, vd_network_event_fn fn, void *user)
{
    (void)d, (void)fn, (void)user;
    return 0;
}

void vd_daemon_remove_network_listener(vd_daemon *d, unsigned id)
{
    (void)d, (void)id;
}
