/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's view of the hypervisor: a small table of operations on running domains.
 * vd-hv-device.c provides the real one over /dev/vireo (libvireoctl) and, on a machine
 * without hv, one whose every call fails with libvirt's "hypervisor not present" error.
 * Callbacks run in the GLib default main context.
 */
#ifndef VD_HV_H
#define VD_HV_H

#include "vd-domain-def.h"

typedef struct vd_hv vd_hv;
typedef struct vd_hv_console vd_hv_console;
typedef struct vd_save_writer vd_save_writer; /* vd-save-image.h */
typedef struct vd_save_reader vd_save_reader;

/* hv's domain states (VIREO_DOMSTATE_* in hv/include/public/vireo.h). */
typedef enum {
    VD_HV_RUNNING = 1,
    VD_HV_BLOCKED = 2,
    VD_HV_PAUSED = 3,
    VD_HV_SHUTDOWN = 4,
    VD_HV_CRASHED = 5,
    VD_HV_DYING = 6,
} vd_hv_state;

/* hv's shutdown reasons (VIREO_SHUTDOWN_*). */
typedef enum { VD_HV_POWEROFF = 0, VD_HV_REBOOT = 1, VD_HV_CRASH = 2 } vd_hv_shutdown_reason;

typedef struct vd_hv_info {
    vd_hv_state state;
    vd_hv_shutdown_reason shutdown_reason; /* valid in VD_HV_SHUTDOWN */
    const char *crash_reason;              /* VD_HV_CRASHED: why, for the log; may be NULL */
    unsigned char uuid[16];
    unsigned nr_vcpus, nr_online_vcpus;
    unsigned weight, cap;
    uint64_t memory_kib;     /* backing memory now */
    uint64_t max_memory_kib; /* limit */
    uint64_t cpu_time_ns;
} vd_hv_info;

/* A domU as domain_list names it. */
typedef struct vd_hv_domain {
    int domid;
    unsigned char uuid[16];
} vd_hv_domain;

typedef struct vd_hv_physinfo {
    unsigned nr_cpus;
    unsigned nr_domu_cpus; /* CPUs that run domU vCPUs: the last ones, CPU 0 is dom0's */
    unsigned mhz;
    uint64_t memory_kib; /* RAM in the machine's memory map */
    uint64_t domu_kib;   /* of that, what hv may give domUs: all but hv's and dom0's */
    uint64_t free_kib;   /* of that, not held by any domU now */
    char version[32];    /* e.g. "0.1.0" */
} vd_hv_physinfo;

/* hv's vCPU states: the values of libvirt's virVcpuState (VIREO_VCPUSTATE_*). */
typedef enum {
    VD_HV_VCPU_OFFLINE = 0,
    VD_HV_VCPU_RUNNING = 1,
    VD_HV_VCPU_BLOCKED = 2
} vd_hv_vcpu_state;

typedef struct vd_hv_vcpu {
    unsigned number;
    vd_hv_vcpu_state state;
    int cpu; /* physical CPU running it now or last, -1 when it never ran */
    uint64_t cpu_time_ns;
} vd_hv_vcpu;

typedef void (*vd_hv_console_data_fn)(const void *buf, size_t len, void *user);
typedef void (*vd_hv_console_eof_fn)(void *user);

typedef struct vd_hv_ops {
    bool (*physinfo)(vd_hv *hv, vd_hv_physinfo *out, vd_error **err);
    /* Builds the domain from its definition (memory, kernel, initrd, command line) and runs
     * it, or leaves it paused. *platform tells whether the guest got the guest platform
     * (a Linux domU: ACPI, local APICs, COM1) or is an ELF test guest. Returns the hv
     * domain id, -1 on error. */
    int (*domain_start)(vd_hv *hv, const vd_domain_def *def, bool paused, bool *platform,
                        vd_error **err);
    bool (*domain_destroy)(vd_hv *hv, int domid, vd_error **err);
    /* Asks the guest to power off (reboot = false) or restart, as ACPI would. */
    bool (*domain_request_shutdown)(vd_hv *hv, int domid, bool reboot, vd_error **err);
    bool (*domain_pause)(vd_hv *hv, int domid, vd_error **err);
    bool (*domain_unpause)(vd_hv *hv, int domid, vd_error **err);
    /* 1 found, 0 the domain no longer exists, -1 error. */
    int (*domain_info)(vd_hv *hv, int domid, vd_hv_info *out, vd_error **err);
    /* Every domU hv holds (dying ones left out) as vd_hv_domain entries; false on error. */
    bool (*domain_list)(vd_hv *hv, GArray **out, vd_error **err);
    bool (*domain_set_memory)(vd_hv *hv, int domid, uint64_t max_kib, uint64_t target_kib,
                              vd_error **err);
    bool (*domain_set_vcpus)(vd_hv *hv, int domid, unsigned online, vd_error **err);
    bool (*domain_set_sched)(vd_hv *hv, int domid, unsigned weight, unsigned cap, vd_error **err);
    /* Fills out[] with vCPUs 0, 1, ... (at most max); returns how many, -1 on error. */
    int (*domain_vcpu_list)(vd_hv *hv, int domid, vd_hv_vcpu *out, unsigned max, vd_error **err);
    /* Writes a paused domain's hv state (vCPU and platform contexts, memory) as the save
     * image's VD_SAVE_HV_* records (vd-save-image.h). */
    bool (*domain_save)(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w,
                        vd_error **err);
    /* Makes a paused domain of def from the image's hv records, reading through END (whose
     * digest the reader checks first). Records may come in a save image's order or a
     * migration stream's (HV_DOMAIN first, memory sent again as it was dirtied, the
     * contexts last); a DM_STATE record met on the way is handed back in *dm_state (NULL:
     * none may come). Returns its hv id, or -1 with nothing left in hv. */
    int (*domain_restore)(vd_hv *hv, const vd_domain_def *def, vd_save_reader *r, bool *platform,
                          GBytes **dm_state, vd_error **err);
    /*
     * Live migration's sending side (vd-domain-migrate.c), records as a save image's:
     * migrate_shape writes HV_DOMAIN of a running or paused domain; migrate_memory writes
     * HV_MEMORY (HV_ZERO for all-zero frames) records of the RAM frames whose bit is set in
     * dirty (NULL: all of RAM) and returns how many it sent with their contents, -1 on error;
     * migrate_contexts writes HV_VCPU and HV_PLATFORM records of the paused domain.
     * migrate_log_dirty starts or stops hv's log of the guest's writes to its RAM;
     * migrate_fetch_dirty ORs the frames written since the log began or the last fetch into
     * dirty (a bit per frame from frame 0 to 4 GiB past the guest's size) and returns how
     * many it found, -1 on error.
     */
    bool (*migrate_shape)(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                          vd_save_writer *w, vd_error **err);
    int64_t (*migrate_memory)(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                              const uint64_t *dirty, vd_save_writer *w, vd_error **err);
    bool (*migrate_contexts)(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w,
                             vd_error **err);
    bool (*migrate_log_dirty)(vd_hv *hv, int domid, bool on, vd_error **err);
    int64_t (*migrate_fetch_dirty)(vd_hv *hv, int domid, const vd_domain_def *def, bool platform,
                                   uint64_t *dirty, vd_error **err);
    vd_hv_console *(*console_open)(vd_hv *hv, int domid, vd_hv_console_data_fn on_data,
                                   vd_hv_console_eof_fn on_eof, void *user, vd_error **err);
    bool (*console_write)(vd_hv_console *c, const void *buf, size_t len, vd_error **err);
    void (*console_close)(vd_hv_console *c);
    void (*free)(vd_hv *hv);
} vd_hv_ops;

struct vd_hv {
    const vd_hv_ops *ops;
    /* Set by the daemon: called when some domain changed state in hv (shut down, crashed). */
    void (*state_changed)(void *user);
    void *state_changed_user;
};

/* Opens the hypervisor behind `device` (normally /dev/vireo). Never fails: without hv
 * the returned backend refuses every operation with a clear libvirt error. */
vd_hv *vd_hv_open(const char *device);
void vd_hv_free(vd_hv *hv);
/* True when the backend can run domains. */
bool vd_hv_present(const vd_hv *hv);

#endif /* VD_HV_H */
