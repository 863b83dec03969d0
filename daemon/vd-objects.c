/* SPDX-License-Identifier: GPL-2.0-only */
/* Constructors and destructors of the plain objects vd-driver.h hands across the seam. */
#include "vd-driver.h"
#include "vd-libvirt.h"

#include <string.h>

vd_domain_ref *vd_domain_ref_new(const char *name, const unsigned char uuid[16], int id)
{
    vd_domain_ref *ref = g_new0(vd_domain_ref, 1);
    ref->name = g_strdup(name);
    memcpy(ref->uuid, uuid, 16);
    ref->id = id;
    return ref;
}

void vd_domain_ref_free(vd_domain_ref *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}

vd_typed_param *vd_typed_param_number(const char *field, int type, uint64_t value)
{
    vd_typed_param *p = g_new0(vd_typed_param, 1);
    p->field = g_strdup(field);
    p->type = type;
    if (type == VIR_TYPED_PARAM_INT)
        p->value.i = (int32_t)value;
    else if (type == VIR_TYPED_PARAM_UINT)
        p->value.ui = (uint32_t)value;
    else
        p->value.ul = value; /* the LLONG and ULLONG members share their bits */
    return p;
}

void vd_typed_param_free(vd_typed_param *p)
{
    if (!p)
        return;
    if (p->type == VIR_TYPED_PARAM_STRING)
        g_free(p->value.s);
    g_free(p->field);
    g_free(p);
}

void vd_domain_stats_free(vd_domain_stats *s)
{
    if (!s)
        return;
    vd_domain_ref_free(s->dom);
    if (s->params)
        g_ptr_array_unref(s->params);
    g_free(s);
}

vd_network_ref *vd_network_ref_new(const char *name, const unsigned char uuid[16])
{
    vd_network_ref *ref = g_new0(vd_network_ref, 1);
    ref->name = g_strdup(name);
    memcpy(ref->uuid, uuid, 16);
    return ref;
}

void vd_network_ref_free(vd_network_ref *ref)
{
    if (!ref)
        return;
    g_free(ref->name);
    g_free(ref);
}

void vd_network_lease_free(vd_network_lease *l)
{
    if (!l)
        return;
    g_free(l->iface);
    g_free(l->mac);
    g_free(l->iaid);
    g_free(l->ipaddr);
    g_free(l->hostname);
    g_free(l->clientid);
    g_free(l);
}
