/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's driver API: what the libvirt protocol layer (driver-libvirt/) may ask of
 * the daemon core (daemon/). Plain C and GLib types only: no XDR here, no hypercalls in
 * the protocol layer. Mirrors libvirt's hypervisor driver calls closely enough that each
 * remote procedure maps to one function.
 *
 * Threading: every function is safe to call from any thread (the protocol layer runs
 * calls on a worker pool so a long call never stops it reading). Functions may block.
 * Callbacks (console data, lifecycle events) run in the GLib default main context and
 * never while the daemon holds an internal lock, so they may call back into this API.
 *
 * Errors: functions that can fail take `vd_error **err` (like GError) and return false,
 * NULL or -1. The error carries libvirt's own numbers so the protocol layer forwards it
 * verbatim as a remote_error.
 */
#ifndef VD_DRIVER_H
#define VD_DRIVER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ---- errors ------------------------------------------------------------------------ */

typedef struct vd_error {
    int code;      /* libvirt virErrorNumber, e.g. 42 VIR_ERR_NO_DOMAIN */
    int domain;    /* libvirt virErrorDomain, e.g. 20 VIR_FROM_DOMAIN */
    char *message; /* full text shown to the user, names the object */
} vd_error;

void vd_error_set(vd_error **err, int code, int domain, const char *fmt, ...) G_GNUC_PRINTF(4, 5);
void vd_error_free(vd_error *err);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_error, vd_error_free)

/* ---- objects ----------------------------------------------------------------------- */

typedef struct vd_daemon vd_daemon; /* owned by daemon/, opaque to the protocol layer */

/* What libvirt calls remote_nonnull_domain. Lookups by the daemon use the uuid. */
typedef struct vd_domain_ref {
    char *name;
    unsigned char uuid[16];
    int id; /* -1 when the domain is not running */
} vd_domain_ref;

vd_domain_ref *vd_domain_ref_new(const char *name, const unsigned char uuid[16], int id);
void vd_domain_ref_free(vd_domain_ref *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_domain_ref, vd_domain_ref_free)

/* libvirt's virTypedParameter; type uses VIR_TYPED_PARAM_* values (1 INT .. 7 STRING). */
typedef struct vd_typed_param {
    char *field;
    int type;
    union {
        int32_t i;
        uint32_t ui;
        int64_t l;
        uint64_t ul;
        double d;
        bool b;
        char *s;
    } value;
} vd_typed_param;

/* A numeric param: `type` INT, UINT, LLONG or ULLONG. */
vd_typed_param *vd_typed_param_number(const char *field, int type, uint64_t value);
void vd_typed_param_free(vd_typed_param *p);

/* NODE_GET_INFO */
typedef struct vd_node_info {
    char model[32]; /* CPU model, NUL-terminated, e.g. "x86_64" */
    uint64_t memory_kib;
    int cpus, mhz, nodes, sockets, cores, threads;
} vd_node_info;

/* DOMAIN_GET_INFO */
typedef struct vd_domain_info {
    int state; /* VIR_DOMAIN_* state: 1 RUNNING ... 5 SHUTOFF, 6 CRASHED */
    uint64_t max_mem_kib;
    uint64_t memory_kib;
    unsigned nr_virt_cpu;
    uint64_t cpu_time_ns;
} vd_domain_info;

/* One entry of CONNECT_GET_ALL_DOMAIN_STATS. */
typedef struct vd_domain_stats {
    vd_domain_ref *dom;
    GPtrArray *params; /* of vd_typed_param*, owns them */
} vd_domain_stats;

void vd_domain_stats_free(vd_domain_stats *s);

/* ---- connection and node ----------------------------------------------------------- */

const char *vd_connect_get_type(vd_daemon *d); /* "Vireo" */
uint64_t vd_connect_get_version(vd_daemon *d); /* hv version, major*1e6+minor*1e3+micro */
char *vd_connect_get_hostname(vd_daemon *d, vd_error **err);
bool vd_node_get_info(vd_daemon *d, vd_node_info *out, vd_error **err);
char *vd_connect_get_capabilities(vd_daemon *d, vd_error **err);
/* CONNECT_GET_SYSINFO: the host's SMBIOS description (virsh sysinfo); flags must be 0. */
char *vd_connect_get_sysinfo(vd_daemon *d, unsigned flags, vd_error **err);
/* Any of the four strings may be NULL (use the defaults). */
char *vd_connect_get_domain_capabilities(vd_daemon *d, const char *emulator, const char *arch,
                                         const char *machine, const char *virttype, unsigned flags,
                                         vd_error **err);

/* NODE_GET_FREE_MEMORY, NODE_GET_CELLS_FREE_MEMORY, NODE_GET_MEMORY_STATS. Vireo's node
 * is one NUMA cell. With hv: memory domUs may use and what of it is free now; without hv:
 * the host's MemTotal and MemFree. */
typedef struct vd_node_memory {
    uint64_t total_kib;
    uint64_t free_kib;
} vd_node_memory;

/* cell: 0 or -1 (VIR_NODE_MEMORY_STATS_ALL_CELLS), the same one cell; flags must be 0. */
bool vd_node_get_memory(vd_daemon *d, int cell, unsigned flags, vd_node_memory *out,
                        vd_error **err);
/* CONNECT_GET_MAX_VCPUS: type may be NULL; any other than "vireo" is refused. */
int vd_connect_get_max_vcpus(vd_daemon *d, const char *type, vd_error **err);

/* ---- domains: lookup and listing ----------------------------------------------------- */

/* flags: VIR_CONNECT_LIST_DOMAINS_* (1 ACTIVE, 2 INACTIVE, 4 PERSISTENT, ...). */
GPtrArray *vd_domain_list_all(vd_daemon *d, unsigned flags, vd_error **err); /* of vd_domain_ref* */
vd_domain_ref *vd_domain_lookup_by_name(vd_daemon *d, const char *name, vd_error **err);
vd_domain_ref *vd_domain_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16], vd_error **err);
vd_domain_ref *vd_domain_lookup_by_id(vd_daemon *d, int id, vd_error **err);

/* ---- domains: configuration -------------------------------------------------------- */

vd_domain_ref *vd_domain_define_xml(vd_daemon *d, const char *xml, unsigned flags, vd_error **err);
bool vd_domain_undefine(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err);
/* libvirt's virDomainRename: a persistent, shut off domain takes a free name. */
bool vd_domain_rename(vd_daemon *d, const vd_domain_ref *dom, const char *new_name, unsigned flags,
                      vd_error **err);
/* flags: VIR_DOMAIN_XML_* (1 SECURE, 2 INACTIVE, ...). */
char *vd_domain_get_xml_desc(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                             vd_error **err);
bool vd_domain_get_autostart(vd_daemon *d, const vd_domain_ref *dom, bool *out, vd_error **err);
bool vd_domain_set_autostart(vd_daemon *d, const vd_domain_ref *dom, bool on, vd_error **err);
/* Return 1 or 0, -1 on error. */
int vd_domain_is_active(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);
int vd_domain_is_persistent(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);
char *vd_domain_get_os_type(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);

/* ---- domains: lifecycle ------------------------------------------------------------ */

/* client: the connection asking (vd_daemon_client_opened), 0 for none. With
 * VIR_DOMAIN_START_AUTODESTROY that connection's closing destroys the domain, as libvirt
 * does for libguestfs' appliance and `virsh create --autodestroy`. */
vd_domain_ref *vd_domain_create_xml(vd_daemon *d, const char *xml, unsigned flags, uint64_t client,
                                    vd_error **err);
bool vd_domain_create(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, uint64_t client,
                      vd_error **err);
bool vd_domain_destroy(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err);
bool vd_domain_shutdown(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err);
bool vd_domain_reboot(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err);
bool vd_domain_reset(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err);
bool vd_domain_suspend(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);
/* Save images (vd-domain-save.c): flags VIR_DOMAIN_SAVE_*; dxml must be NULL. */
bool vd_domain_save(vd_daemon *d, const vd_domain_ref *dom, const char *path, const char *dxml,
                    unsigned flags, vd_error **err);
bool vd_domain_restore(vd_daemon *d, const char *path, const char *dxml, unsigned flags,
                       vd_error **err);
char *vd_save_image_get_xml(vd_daemon *d, const char *path, unsigned flags, vd_error **err);
/* Replaces an image's definition (same name, uuid, memory, vCPUs); flags RUNNING/PAUSED
 * change what a restore does. The image is rewritten whole, atomically. */
bool vd_save_image_define_xml(vd_daemon *d, const char *path, const char *dxml, unsigned flags,
                              vd_error **err);
bool vd_domain_managed_save(vd_daemon *d, const vd_domain_ref *dom, unsigned flags, vd_error **err);
/* 1 or 0, -1 on error. */
int vd_domain_has_managed_save(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                               vd_error **err);
bool vd_domain_managed_save_remove(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                                   vd_error **err);

/* ---- migration (libvirt's version 3 with parameters; vd-domain-migrate.c) ---------------- */

/* The VIR_MIGRATE_PARAM_* a client passes; NULL/0 when absent. */
#define VD_MIGRATE_DISKS_MAX 8 /* a domain has at most this many virtio devices */

typedef struct vd_migrate_params {
    const char *uri;            /* "migrate_uri": tcp://host[:port] for the guest's data */
    const char *dest_name;      /* "destination_name" */
    const char *dest_xml;       /* "destination_xml": what the destination runs */
    const char *persist_xml;    /* "persistent_xml": what it defines with --persistent */
    const char *listen_address; /* "listen_address": where the destination listens */
    uint64_t bandwidth_mib;     /* "bandwidth", MiB/s: the domain's speed limit from now;
                                 * 0: leave it as it is */
    /* "migrate_disks", one per disk (--migrate-disks): the targets --copy-storage-all
     * copies; none: every disk it can */
    const char *migrate_disks[VD_MIGRATE_DISKS_MAX];
    unsigned n_migrate_disks;
    unsigned disks_port; /* "disks_port": where the destination serves them; 0: any free */
} vd_migrate_params;

/* flags: VIR_MIGRATE_*. Begin gives the domain XML to send (source). */
char *vd_domain_migrate_begin(vd_daemon *d, const vd_domain_ref *dom, const vd_migrate_params *p,
                              unsigned flags, vd_error **err);
/* Claims the domain of p->dest_xml and listens for its stream (destination). client: the
 * connection preparing it (vd_daemon_client_opened), whose closing before the Finish drops
 * the guest; 0 for none. */
bool vd_domain_migrate_prepare(vd_daemon *d, const vd_migrate_params *p, unsigned flags,
                               uint64_t client, char **uri_out, vd_error **err);
/* Sends the guest to p->uri and leaves it paused here (source). Peer to peer, the
 * protocol layer calls the destination's daemon itself around Begin, this and Confirm. */
bool vd_domain_migrate_perform(vd_daemon *d, const vd_domain_ref *dom, const vd_migrate_params *p,
                               unsigned flags, vd_error **err);
/* Runs the guest that came in (destination), or drops it when cancelled. */
vd_domain_ref *vd_domain_migrate_finish(vd_daemon *d, const vd_migrate_params *p, unsigned flags,
                                        bool cancelled, vd_error **err);
/* Ends the guest here once it runs there, or runs it again when cancelled (source). */
bool vd_domain_migrate_confirm(vd_daemon *d, const vd_domain_ref *dom, const vd_migrate_params *p,
                               unsigned flags, bool cancelled, vd_error **err);
/* A domain's migration limits, read by a migration of it each round, so a change applies to
 * one that runs: the longest pause its stop-and-copy may take (ms; 0 at set: the default,
 * 300), and the most its pre-copy may send (MiB/s; 0: no limit; the stop-and-copy is never
 * slowed). */
bool vd_domain_migrate_set_max_downtime(vd_daemon *d, const vd_domain_ref *dom, uint64_t ms,
                                        vd_error **err);
bool vd_domain_migrate_get_max_downtime(vd_daemon *d, const vd_domain_ref *dom, uint64_t *ms,
                                        vd_error **err);
bool vd_domain_migrate_set_max_speed(vd_daemon *d, const vd_domain_ref *dom, uint64_t mib_per_s,
                                     vd_error **err);
bool vd_domain_migrate_get_max_speed(vd_daemon *d, const vd_domain_ref *dom, uint64_t *mib_per_s,
                                     vd_error **err);
bool vd_domain_resume(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);

/* ---- domains: state and resources ---------------------------------------------------- */

bool vd_domain_get_info(vd_daemon *d, const vd_domain_ref *dom, vd_domain_info *out,
                        vd_error **err);
bool vd_domain_get_state(vd_daemon *d, const vd_domain_ref *dom, int *state, int *reason,
                         vd_error **err);
/* flags: VIR_DOMAIN_AFFECT_* (1 LIVE, 2 CONFIG) | VIR_DOMAIN_MEM_MAXIMUM (4). */
/* virDomainAttachDeviceFlags / virDomainDetachDeviceFlags (vd-domain-devices.c): a <disk>
 * or <interface> added to or removed from the persistent definition (AFFECT_CONFIG); a
 * running domain's devices do not change (no hotplug yet: VIR_ERR_OPERATION_UNSUPPORTED).
 * Detach finds a disk by target or source, an interface by MAC or its only one on a
 * source; none is VIR_ERR_DEVICE_MISSING. */
bool vd_domain_attach_device(vd_daemon *d, const vd_domain_ref *dom, const char *xml,
                             unsigned flags, vd_error **err);
bool vd_domain_detach_device(vd_daemon *d, const vd_domain_ref *dom, const char *xml,
                             unsigned flags, vd_error **err);
/* virDomainSetMemoryStatsPeriod: how often the virtio balloon collects the guest's
 * statistics (seconds, 0 = never), live (vireo-dm's control socket) and/or in the
 * definition's <memballoon><stats period>. */
bool vd_domain_set_memory_stats_period(vd_daemon *d, const vd_domain_ref *dom, int period,
                                       unsigned flags, vd_error **err);
bool vd_domain_set_memory(vd_daemon *d, const vd_domain_ref *dom, uint64_t kib, unsigned flags,
                          vd_error **err);
/* flags: VIR_DOMAIN_AFFECT_* | VIR_DOMAIN_VCPU_MAXIMUM (4). */
bool vd_domain_set_vcpus(vd_daemon *d, const vd_domain_ref *dom, unsigned nvcpus, unsigned flags,
                         vd_error **err);
int vd_domain_get_vcpus_flags(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                              vd_error **err);
/* DOMAIN_GET_MAX_VCPUS: the running domain's vCPU count (libvirt: LIVE | MAXIMUM). */
int vd_domain_get_max_vcpus(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);

/* DOMAIN_GET_VCPUS, one entry of virVcpuInfo. */
typedef struct vd_vcpu_info {
    unsigned number;
    int state; /* virVcpuState: 0 OFFLINE, 1 RUNNING, 2 BLOCKED */
    uint64_t cpu_time_ns;
    int cpu; /* physical CPU, -1 when it never ran */
} vd_vcpu_info;

/* Fills info[0..maxinfo) and, when maplen > 0, cpumaps (maxinfo * maplen bytes, one map
 * per vCPU: the physical CPUs it may run on). Returns the entries filled, -1 on error. */
int vd_domain_get_vcpus(vd_daemon *d, const vd_domain_ref *dom, vd_vcpu_info *info,
                        unsigned maxinfo, unsigned char *cpumaps, unsigned maplen, vd_error **err);

/* DOMAIN_GET_VCPU_PIN_INFO: the CPUs each of the definition's vCPUs may run on, into
 * ncpumaps maps of maplen bytes. flags VIR_DOMAIN_AFFECT_*. Returns the maps filled. */
int vd_domain_get_vcpu_pin_info(vd_daemon *d, const vd_domain_ref *dom, unsigned ncpumaps,
                                unsigned char *cpumaps, unsigned maplen, unsigned flags,
                                vd_error **err);

/* DOMAIN_MEMORY_STATS: tag (virDomainMemoryStatTags) and value in KiB. */
typedef struct vd_memory_stat {
    int tag;
    uint64_t value;
} vd_memory_stat;
/* At most one of each tag Vireo reports (swap_in .. hugetlb_pgfail). */
#define VD_MEMORY_STATS_MAX 13

/* Fills at most max entries; returns how many, -1 on error. flags must be 0. */
int vd_domain_memory_stats(vd_daemon *d, const vd_domain_ref *dom, vd_memory_stat *out,
                           unsigned max, unsigned flags, vd_error **err);

/* DOMAIN_GET_BLOCK_INFO, in bytes: what the guest sees, what the host stores, and the
 * file's (or device's) length. */
typedef struct vd_block_info {
    uint64_t capacity, allocation, physical;
} vd_block_info;

/* The disk named by its target (vda) or its source path, running or not: qemu-img info of
 * its source. flags must be 0. */
bool vd_domain_get_block_info(vd_daemon *d, const vd_domain_ref *dom, const char *path,
                              unsigned flags, vd_block_info *out, vd_error **err);

/* DOMAIN_BLOCK_STATS(_FLAGS): the disk named by target or path of a running domain, from
 * its vireo-dm's blk-stats file. */
typedef struct vd_block_stats {
    int64_t rd_req, rd_bytes, wr_req, wr_bytes, flush_req, errs;
} vd_block_stats;
bool vd_domain_block_stats(vd_daemon *d, const vd_domain_ref *dom, const char *path,
                           vd_block_stats *out, vd_error **err);

/* DOMAIN_INTERFACE_STATS: the interface named by its tap (vif5.0) or MAC address, from the
 * guest's side (the tap's transmit counters are the guest's receive ones). */
typedef struct vd_interface_stats {
    int64_t rx_bytes, rx_packets, rx_errs, rx_drop, tx_bytes, tx_packets, tx_errs, tx_drop;
} vd_interface_stats;
bool vd_domain_interface_stats(vd_daemon *d, const vd_domain_ref *dom, const char *device,
                               vd_interface_stats *out, vd_error **err);

/* DOMAIN_GET_METADATA / DOMAIN_SET_METADATA. type: VIR_DOMAIN_METADATA_*; uri names the
 * namespace of an ELEMENT; flags VIR_DOMAIN_AFFECT_*. metadata NULL or "" removes. */
char *vd_domain_get_metadata(vd_daemon *d, const vd_domain_ref *dom, int type, const char *uri,
                             unsigned flags, vd_error **err);
bool vd_domain_set_metadata(vd_daemon *d, const vd_domain_ref *dom, int type, const char *metadata,
                            const char *key, const char *uri, unsigned flags, vd_error **err);

/* Scheduler: type "credit", parameters "weight" (UINT) and "cap" (UINT). */
char *vd_domain_get_scheduler_type(vd_daemon *d, const vd_domain_ref *dom, int *nparams,
                                   vd_error **err);
GPtrArray *vd_domain_get_scheduler_params(vd_daemon *d, const vd_domain_ref *dom, unsigned flags,
                                          vd_error **err); /* of vd_typed_param* */
bool vd_domain_set_scheduler_params(vd_daemon *d, const vd_domain_ref *dom,
                                    const vd_typed_param *params, unsigned nparams, unsigned flags,
                                    vd_error **err);
/* doms == NULL/ndoms == 0 means every domain selected by flags. Returns vd_domain_stats*. */
GPtrArray *vd_domain_get_all_stats(vd_daemon *d, vd_domain_ref *const *doms, unsigned ndoms,
                                   unsigned stats, unsigned flags, vd_error **err);

/* DOMAIN_GET_JOB_INFO, DOMAIN_GET_JOB_STATS (virsh domjobinfo): the job a domain runs. */
/* A migration's memory so far, in bytes (libvirt's memory_* job statistics). */
typedef struct vd_job_progress {
    uint64_t total, remaining;
    uint64_t processed;  /* bytes sent so far; the sender adds to it atomically */
    uint64_t dirty_rate; /* frames dirtied per second in the last round */
    uint64_t iteration;  /* pre-copy rounds done */
    uint64_t throttle;   /* --auto-converge: % of the guest's CPU time held back now */
    uint64_t disk_total, disk_processed; /* --copy-storage-all: bytes of its disks, in step */
} vd_job_progress;

typedef struct vd_job_info {
    int type;      /* virDomainJobType: 0 NONE, 2 UNBOUNDED (a job with no known end), and
                    * for a job that ended 3 COMPLETED, 4 FAILED, 5 CANCELLED */
    int operation; /* virDomainJobOperation: 0 UNKNOWN, 1 START, 2 SAVE, 4 MIGRATION_IN,
                    * 5 MIGRATION_OUT */
    uint64_t elapsed_ms;
    bool has_memory; /* an outgoing migration: memory is filled */
    vd_job_progress memory;
} vd_job_info;

bool vd_domain_get_job_info(vd_daemon *d, const vd_domain_ref *dom, vd_job_info *out,
                            vd_error **err);
/* DOMAIN_GET_JOB_STATS with VIR_DOMAIN_JOB_STATS_COMPLETED: the last save or migration of
 * the domain to end (type COMPLETED, FAILED or CANCELLED; NONE when there is none), which
 * is then forgotten unless `keep`. */
bool vd_domain_get_completed_job_info(vd_daemon *d, const vd_domain_ref *dom, bool keep,
                                      vd_job_info *out, vd_error **err);
/* DOMAIN_ABORT_JOB (virsh domjobabort): stops an outgoing migration, the guest staying
 * here; other jobs cannot be aborted. */
bool vd_domain_abort_job(vd_daemon *d, const vd_domain_ref *dom, vd_error **err);

/* ---- console streams ------------------------------------------------------------------ */

typedef struct vd_console vd_console;
/* Guest output. */
typedef void (*vd_console_data_fn)(const void *buf, size_t len, void *user);
/* The console ended (domain stopped, or another client took it with FORCE). */
typedef void (*vd_console_eof_fn)(void *user);

vd_console *vd_domain_open_console(vd_daemon *d, const vd_domain_ref *dom, const char *dev_name,
                                   unsigned flags, vd_console_data_fn on_data,
                                   vd_console_eof_fn on_eof, void *user, vd_error **err);
bool vd_console_write(vd_console *c, const void *buf, size_t len, vd_error **err);
/* Stops callbacks; none runs after this returns. */
void vd_console_close(vd_console *c);

/* ---- lifecycle events ------------------------------------------------------------------ */

/*
 * Domain events. event_id VIR_DOMAIN_EVENT_ID_LIFECYCLE: event/detail use
 * VIR_DOMAIN_EVENT_* values (0 DEFINED ... 8 CRASHED). VIR_DOMAIN_EVENT_ID_REBOOT: the
 * guest rebooted and runs again (event and detail 0).
 */
typedef void (*vd_lifecycle_fn)(const vd_domain_ref *dom, int event_id, int event, int detail,
                                void *user);
unsigned vd_daemon_add_lifecycle_listener(vd_daemon *d, vd_lifecycle_fn fn, void *user);
void vd_daemon_remove_lifecycle_listener(vd_daemon *d, unsigned id);

/* ---- virtual networks (daemon/vd-network*.c) --------------------------------------- */

/* What libvirt calls remote_nonnull_network. */
typedef struct vd_network_ref {
    char *name;
    unsigned char uuid[16];
} vd_network_ref;

vd_network_ref *vd_network_ref_new(const char *name, const unsigned char uuid[16]);
void vd_network_ref_free(vd_network_ref *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_network_ref, vd_network_ref_free)

/* One entry of NETWORK_GET_DHCP_LEASES (virNetworkDHCPLease); NULL strings are absent. */
typedef struct vd_network_lease {
    char *iface;
    int64_t expiry_time; /* seconds since the epoch */
    int type;            /* virIPAddrType: 0 IPV4, 1 IPV6 */
    char *mac, *iaid, *ipaddr;
    unsigned prefix;
    char *hostname, *clientid;
} vd_network_lease;

void vd_network_lease_free(vd_network_lease *l);

/* flags: VIR_CONNECT_LIST_NETWORKS_* (1 INACTIVE, 2 ACTIVE, 4 PERSISTENT, ...). */
GPtrArray *vd_network_list_all(vd_daemon *d, unsigned flags, vd_error **err); /* vd_network_ref* */
vd_network_ref *vd_network_lookup_by_name(vd_daemon *d, const char *name, vd_error **err);
vd_network_ref *vd_network_lookup_by_uuid(vd_daemon *d, const unsigned char uuid[16],
                                          vd_error **err);
vd_network_ref *vd_network_define_xml(vd_daemon *d, const char *xml, unsigned flags,
                                      vd_error **err);
/* A transient network, started at once. */
vd_network_ref *vd_network_create_xml(vd_daemon *d, const char *xml, unsigned flags,
                                      vd_error **err);
bool vd_network_undefine(vd_daemon *d, const vd_network_ref *net, vd_error **err);
bool vd_network_create(vd_daemon *d, const vd_network_ref *net, vd_error **err);
bool vd_network_destroy(vd_daemon *d, const vd_network_ref *net, vd_error **err);
/* flags: VIR_NETWORK_XML_INACTIVE (1). */
char *vd_network_get_xml_desc(vd_daemon *d, const vd_network_ref *net, unsigned flags,
                              vd_error **err);
char *vd_network_get_bridge_name(vd_daemon *d, const vd_network_ref *net, vd_error **err);
bool vd_network_get_autostart(vd_daemon *d, const vd_network_ref *net, bool *out, vd_error **err);
bool vd_network_set_autostart(vd_daemon *d, const vd_network_ref *net, bool on, vd_error **err);
int vd_network_is_active(vd_daemon *d, const vd_network_ref *net, vd_error **err);
int vd_network_is_persistent(vd_daemon *d, const vd_network_ref *net, vd_error **err);
/* NETWORK_UPDATE: virNetworkUpdateCommand, virNetworkUpdateSection, flags AFFECT_*. */
bool vd_network_update(vd_daemon *d, const vd_network_ref *net, unsigned command, unsigned section,
                       int parent_index, const char *xml, unsigned flags, vd_error **err);
/* Leases of an active network, only those of `mac` when it is not NULL. */
GPtrArray *vd_network_get_dhcp_leases(vd_daemon *d, const vd_network_ref *net, const char *mac,
                                      unsigned flags, vd_error **err); /* vd_network_lease* */

/* event/detail: VIR_NETWORK_EVENT_* (0 DEFINED, 1 UNDEFINED, 2 STARTED, 3 STOPPED), detail 0. */
typedef void (*vd_network_event_fn)(const vd_network_ref *net, int event, int detail, void *user);
unsigned vd_daemon_add_network_listener(vd_daemon *d, vd_network_event_fn fn, void *user);
void vd_daemon_remove_network_listener(vd_daemon *d, unsigned id);

/* ---- connections (added by daemon/) ---------------------------------------------------- */

/* The protocol layer reports each client connection opening and closing, so the daemon
 * knows when it is idle (virtvireod --timeout, as libvirt's auto-spawned daemons use).
 * Opening gives the connection an id (never 0) for the calls whose work outlives them; on
 * closing, the daemon ends what that connection left unfinished, as libvirt's close
 * callbacks do (an incoming migration it prepared and never finished, a domain it started
 * with VIR_DOMAIN_START_AUTODESTROY). */
uint64_t vd_daemon_client_opened(vd_daemon *d);
void vd_daemon_client_closed(vd_daemon *d, uint64_t client);

G_END_DECLS

#endif /* VD_DRIVER_H */
