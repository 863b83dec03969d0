/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device model, vireo-dm (docs/device-model.md): which virtio device sits in which slot
 * of the DM window, the configuration file vireo-dm reads (vd-dm-config.c, pure), and
 * starting, finding and ending the one vireo-dm process of a running domain (vd-dm.c).
 */
#ifndef VD_DM_H
#define VD_DM_H

#include "vd-config.h"
#include "vd-domain-def.h"
#include "vd-driver.h"
#include "vd-error.h"
#include "vireo-dm-stats.h"

typedef enum { VD_DM_DISK, VD_DM_NET, VD_DM_RNG, VD_DM_BALLOON } vd_dm_kind;

/* The device in one slot: its kind and, for disks and interfaces, its index in def. */
typedef struct vd_dm_device {
    vd_dm_kind kind;
    unsigned index;
} vd_dm_device;

/*
 * The slots of def's devices, 0, 1, ... in a stable order: disks by target name (vda
 * before vdb before vdaa, so the guest's probe order gives it the names the XML says), then
 * interfaces in document order (eth0, eth1, ...), then the rng, then a virtio balloon.
 * Returns how many (at most VD_DM_SLOTS: the parser refuses more).
 */
unsigned vd_dm_assign_slots(const vd_domain_def *def, vd_dm_device out[VD_DM_SLOTS]);

/* Bit n set for each slot n in use: libvireoctl's dm_slots (the DSDT's devices). */
uint32_t vd_dm_slot_mask(const vd_domain_def *def);

/* The tap of interface n of domain domid: "vif<domid>.<n>", as Xen names them. */
char *vd_dm_ifname(int domid, unsigned n);

/* The disk a domain without <kernel> boots from (vd-bootloader.c): its first disk in slot
 * order that is not a cdrom (the guest's vda), or NULL. */
const vd_disk_def *vd_dm_boot_disk(const vd_domain_def *def);
/* A key file with one group holding `disk` exactly as vd_dm_config_text writes it: the
 * configuration vireo-bootloader reads the disk from. */
char *vd_dm_disk_config_text(const vd_disk_def *disk, const char *group);
/* vireo-dm's descriptors: the ready pipe, then interface n's tap at VD_DM_TAP_FD_FIRST + n. */
#define VD_DM_READY_FD 3
#define VD_DM_TAP_FD_FIRST 4

/*
 * The GKeyFile text vireo-dm reads (--config): [vireo-dm] domid, name, memory_bytes,
 * runtime_dir, then one [device.<slot>] group per device with only the keys of its type
 * (an interface: mac, ifname from live->nets[n]->ifname, tap_fd).
 */
char *vd_dm_config_text(const vd_domain_def *live, int domid, const char *runtime_dir);

/* ROOT/run/vireo/dm/<domid>: vireo-dm's runtime directory, its config and pid file. */
char *vd_dm_runtime_dir(const vd_config *cfg, int domid);

/*
 * Starts vireo-dm for domain domid (built, still paused) from live, whose interfaces have
 * their ifname; bridges[n] is interface n's bridge. Makes each interface's tap
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, not persistent) and joins it to its bridge, writes
 * the config, spawns vireo-dm in its own session (it outlives the daemon) with the taps
 * as its only holder, and waits, at most VD_DM_READY_TIMEOUT_S, for its "ready" on the
 * ready pipe. Records its pid and start time for a restarted daemon. The
 * program is $VIREO_DM if set, else cfg->emulator. A domain without devices starts none
 * and this returns true. False with a libvirt error naming the domain (vireo-dm's own
 * "error: ..." message when it gave one); nothing is left running then. With state (a
 * restore: the bytes vireo-dm's "dm save-state" wrote), the devices take it up.
 */
#define VD_DM_READY_TIMEOUT_S 30
bool vd_dm_start(const vd_config *cfg, const vd_domain_def *live, int domid,
                 const char *const *bridges, GBytes *state, vd_error **err);

/* Save (vd-domain-save.c): the devices of paused domain domid stop and finish their I/O,
 * and their state is returned; resume undoes the quiesce of a save that failed. */
GBytes *vd_dm_save_state(const vd_config *cfg, int domid, const char *name, vd_error **err);
bool vd_dm_resume(const vd_config *cfg, int domid, const char *name, vd_error **err);
/* A live migration's view of the device model's own writes to guest memory (its virtqueues'
 * buffers and rings, which hv's dirty-page log does not see): start or stop its log, and
 * OR the frames written since the last fetch into dirty (words of 64 frames). */
bool vd_dm_dirty_log(const vd_config *cfg, int domid, const char *name, bool on, vd_error **err);
int64_t vd_dm_dirty_fetch(const vd_config *cfg, int domid, const char *name, uint64_t *dirty,
                          size_t words, vd_error **err);

/* Before a domain with devices is built: its device model program can run. False with
 * VIR_ERR_OPERATION_FAILED naming the program (a missing vireo-dm is found before hv
 * builds anything). */
bool vd_dm_check(const vd_config *cfg, const vd_domain_def *def, vd_error **err);

/*
 * Makes sure the vireo-dm of domain domid (ended or ending in hv) is gone: it exits by
 * itself when its domain ends; after VD_DM_STOP_TIMEOUT_S it gets SIGTERM, and as long
 * again later SIGKILL. The recorded start time keeps a reused pid safe. Removes the
 * runtime directory. Nothing to do for a domain that had no vireo-dm.
 */
#define VD_DM_STOP_TIMEOUT_S 5
void vd_dm_stop(const vd_config *cfg, int domid, const char *name);

/*
 * One request to domain domid's running vireo-dm over its control socket
 * (dom0/vireo-dm/vdm_control.h), e.g. "device.5 stats-period 2"; waits at most
 * VD_DM_CONTROL_TIMEOUT_S. *answer (may be NULL) gets the text after "ok". False with
 * VIR_ERR_OPERATION_FAILED naming the domain and the request, and vireo-dm's own reason.
 */
#define VD_DM_CONTROL_TIMEOUT_S 10
bool vd_dm_request(const vd_config *cfg, int domid, const char *name, const char *request,
                   char **answer, vd_error **err);
/* The virtio balloon of running domain domid (live's) asks for the guest's statistics
 * every `period` seconds from now on, 0: never. */
bool vd_dm_balloon_set_period(const vd_config *cfg, int domid, const vd_domain_def *live,
                              int period, vd_error **err);
/* The pid of domain domid's vireo-dm if it runs (recorded pid, same start time), else 0. */
int vd_dm_running_pid(const vd_config *cfg, int domid);

/*
 * The counters of disk `target` in the contents of a blk-stats file (vireo-dm-stats.h),
 * copied to *out. Pure. False with *why (g_free it) saying what is wrong: shorter than its
 * header or its records, a foreign magic, another version or sizes, no such target.
 */
bool vd_dm_blk_stats_find(const void *file, size_t len, const char *target,
                          struct vireo_dm_blk_stats *out, char **why);

/* Reads disk `target`'s counters from the blk-stats file of domain domid's running
 * vireo-dm. False with VIR_ERR_OPERATION_FAILED naming the file and what was wrong. */
bool vd_dm_blk_stats_read(const vd_config *cfg, int domid, const char *target,
                          struct vireo_dm_blk_stats *out, vd_error **err);

/*
 * libvirt's memory statistics from the text of a vireo-dm balloon file (vdm_balloon.c,
 * docs/device-model.md "Balloon"), in tag order: the balloon's actual size and the
 * guest's own figures it reported. Pure. Returns how many it put in out (at most max);
 * -1 with *why (g_free it) when the text is not such a file.
 */
int vd_dm_balloon_stats_parse(const char *text, size_t len, vd_memory_stat *out, unsigned max,
                              char **why);
/* The same from domain domid's running vireo-dm: 0 stats and no error when it serves
 * no balloon, -1 with VIR_ERR_OPERATION_FAILED when its file is unreadable. */
int vd_dm_balloon_stats_read(const vd_config *cfg, int domid, vd_memory_stat *out, unsigned max,
                             vd_error **err);

#endif /* VD_DM_H */
