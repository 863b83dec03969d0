/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the daemon says about the machine it runs on that is not hv's business: the host
 * UUID (capabilities, sysinfo) and the SMBIOS description virsh sysinfo prints.
 */
#ifndef VD_HOST_H
#define VD_HOST_H

#include "vd-config.h"
#include "vd-driver.h"

/* Where the host's identity is read from; NULL fields use the real system's paths. */
typedef struct vd_host_sources {
    const char *dmi_dir;    /* /sys/class/dmi/id: product_uuid, sys_vendor, bios_vendor... */
    const char *machine_id; /* /etc/machine-id */
} vd_host_sources;

/* libvirt's order: the configured host_uuid, else SMBIOS's system UUID, else
 * /etc/machine-id, else a UUID made up once and kept in ROOT/etc/vireo/host-uuid. Each is
 * skipped when malformed, all zeros or all ones (as firmware leaves an unset SMBIOS UUID),
 * so the result is never all zeros. */
void vd_host_uuid(const vd_config *cfg, const vd_host_sources *src, unsigned char out[16]);

/* libvirt's <sysinfo type='smbios'> from the DMI fields, with uuid as the system UUID. */
char *vd_host_sysinfo(const vd_host_sources *src, const unsigned char uuid[16]);

#endif /* VD_HOST_H */
