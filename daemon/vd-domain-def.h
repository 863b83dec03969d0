/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's configuration as Vireo understands it: the subset of libvirt's domain XML
 * that Vireo honours, and the helpers every holder of one shares (vd-domain-def.c).
 * Reading and writing it as XML is vd-domain-xml.h's job.
 */
#ifndef VD_DOMAIN_DEF_H
#define VD_DOMAIN_DEF_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "vd-driver.h"

#define VD_NAME_MAX 63          /* bytes; hv's VIREO_NAME_MAX less the NUL */
#define VD_MAX_VCPUS 64         /* hv's VIREO_MAX_VCPUS */
#define VD_DEFAULT_WEIGHT 256   /* credit scheduler weight when <cputune><shares> is absent */
#define VD_CAP_PERIOD_US 100000 /* the <period> Vireo formats a cap with */
#define VD_RAM_GRANULE_KIB 2048 /* hv builds guest RAM in 2 MiB pages */

typedef enum { VD_ACTION_DESTROY, VD_ACTION_RESTART, VD_ACTION_PRESERVE } vd_lifecycle_action;
typedef enum { VD_DISK_FILE, VD_DISK_BLOCK, VD_DISK_NETWORK } vd_disk_type;
typedef enum { VD_NET_BRIDGE, VD_NET_NETWORK } vd_net_type;
typedef enum { VD_CONSOLE_TARGET_SERIAL, VD_CONSOLE_TARGET_VIRTIO } vd_console_target;
/* <memballoon>: absent, model='none', model='virtio'. */
typedef enum { VD_BALLOON_ABSENT, VD_BALLOON_NONE, VD_BALLOON_VIRTIO } vd_balloon;

/* Virtio devices the device model serves per domain (VIREO_PLAT_DM_SLOTS). */
#define VD_DM_SLOTS 8

/* A virtio block device (vireo-dm over qemu-storage-daemon). Every bus a client asks for is
 * presented as virtio. */
typedef struct vd_disk_def {
    vd_disk_type type;
    bool cdrom;   /* device='cdrom': a read-only virtio disk */
    char *source; /* file: image path; block: device path; network: NULL */
    /* network (protocol 'nbd' only): the export, and a TCP host (host, port) or a unix
     * socket */
    char *protocol, *export_name, *host, *port, *socket;
    char *target;  /* guest name, always vdX once parsed */
    char *format;  /* <driver type>: "raw", "qcow2", ...; NULL when the XML named none (raw) */
    char *cache;   /* <driver cache>: NULL (default), none, writeback, ... */
    char *discard; /* <driver discard>: NULL (ignore), unmap, ignore */
    char *serial;  /* <serial>, or NULL */
    bool readonly;
    bool shareable;
} vd_disk_def;

/* A virtio network device backed by a tap on a bridge or a libvirt network. */
typedef struct vd_net_def {
    vd_net_type type;
    char *source;         /* bridge name or network name */
    unsigned char mac[6]; /* generated (52:54:00:xx:xx:xx) when the XML has none */
    char *ifname;         /* running only: the tap, vif<domid>.<n>; never formatted inactive */
} vd_net_def;

typedef struct vd_domain_def {
    char *name;
    unsigned char uuid[16];
    char *title;
    char *description;
    char *metadata; /* the <metadata> element kept verbatim, or NULL */

    uint64_t memory_kib;     /* <memory>: boot size and balloon ceiling (hv max_pages) */
    uint64_t current_kib;    /* <currentMemory>: balloon target, <= memory_kib */
    uint64_t max_memory_kib; /* <maxMemory>: limit for raising <memory> live, 0 = none */
    unsigned max_memory_slots;

    unsigned vcpus;         /* <vcpu>: vCPUs created */
    unsigned vcpus_current; /* <vcpu current=>: vCPUs online, <= vcpus */

    char *machine; /* always "vireo" after parsing (aliases are mapped) */
    char *kernel, *initrd, *cmdline;
    bool boot_hd; /* <boot dev='hd'/>: load kernel and initrd from the disk */

    bool acpi, apic;
    bool clock_utc; /* <clock offset='utc'/> was given */
    vd_lifecycle_action on_poweroff, on_reboot, on_crash;

    unsigned weight; /* <cputune><shares>: credit weight, 0 = not set (256) */
    unsigned cap;    /* from <period>/<quota>: % of one CPU, 0 = no cap */

    char *emulator;     /* the device model path, or NULL */
    GPtrArray *disks;   /* vd_disk_def* */
    GPtrArray *nets;    /* vd_net_def* */
    char *rng;          /* <rng model='virtio'>: its random backend's device, or NULL */
    vd_balloon balloon; /* <memballoon> */
    int balloon_period;       /* <memballoon><stats period=>: seconds, -1 = not given */
    bool balloon_autodeflate; /* <memballoon autodeflate='on'>: the guest deflates on OOM */
    bool serial;        /* <serial type='pty'> port 0 */
    bool console;       /* <console type='pty'> */
    vd_console_target console_target;
    bool graphics_none; /* <graphics type='none'/> */
} vd_domain_def;

vd_domain_def *vd_domain_def_new(void);
void vd_domain_def_free(vd_domain_def *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_domain_def, vd_domain_def_free)
/* Deep copy: formats to the same XML as the original (a unit test holds it to that). */
vd_domain_def *vd_domain_def_copy(const vd_domain_def *def);

/* Machine names accepted for Vireo's one platform: vireo, pc, q35, pc-i440fx-*, pc-q35-*. */
bool vd_machine_is_supported(const char *machine);

/* Weight handed to hv: the configured one or the default. */
unsigned vd_domain_def_effective_weight(const vd_domain_def *def);

/* <disk type=>, and vireo-dm's source_type: "file", "block", "network". */
const char *vd_disk_type_name(vd_disk_type type);

/* The disk's source for messages: its path, nbd://HOST:PORT/EXPORT or
 * nbd+unix:///EXPORT?socket=PATH. */
char *vd_disk_describe(const vd_disk_def *disk);

/*
 * Disk sharing as QEMU's image locking has it, for a virtio disk without and with
 * share-rw (<shareable/>): a writer that is not shareable excludes every other writer of
 * the same image; readers share with anyone. Images are file and block sources, compared
 * by their canonical path (symlinks not followed); NBD disks are the server's to arbitrate.
 *
 * vd_disk_share_refusal: why `disk` cannot be opened as configured (a writable shareable
 * disk needs a format that tolerates a second writer, i.e. raw), as libvirt words it;
 * NULL when it can. vd_domain_disk_collision: a's disk that b's disks keep a from opening,
 * with b's in *theirs; NULL when none.
 */
char *vd_disk_share_refusal(const vd_disk_def *disk);
const vd_disk_def *vd_domain_disk_collision(const vd_domain_def *a, const vd_domain_def *b,
                                            const vd_disk_def **theirs);

/* Devices the device model serves for def: disks, interfaces, an rng, a virtio balloon. */
unsigned vd_domain_dm_device_count(const vd_domain_def *def);

/* UUID text forms: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lowercase. */
void vd_uuid_format(const unsigned char uuid[16], char out[37]);
bool vd_uuid_parse(const char *text, unsigned char uuid[16]);
void vd_uuid_generate(unsigned char uuid[16]);

#endif /* VD_DOMAIN_DEF_H */
