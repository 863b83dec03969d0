/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every device of vireo-dm is to the rest of it: a type (the config file's type=)
 * whose constructor builds it from its [device.N] group, then MMIO reads and writes at
 * offsets in its slot, doorbells, and destroy. The bus (vdm_bus.h) routes the guest's
 * accesses to it; a virtio device gets all of this from vdm_virtio_mmio.h.
 */
#ifndef VDM_DEVICE_H
#define VDM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include "vdm_guest_mem.h"

struct vdm_bus;
struct vdm_device;
struct vdm_stats;

/*
 * The domain's memory as hv holds it, for a balloon (vdm_hv.c over /dev/vireo; a fake in
 * the unit tests). Frames are 4 KiB guest frames inside the RAM regions of vdm_env.mem.
 */
struct vdm_memory_host {
    /* hv's memory target for the domain, in frames; negative errno. */
    int64_t (*target)(void *ctx);
    /* Frames [gfn, gfn + nr) leave the domain and return to hv; our mapping of them shows
     * a scratch page from now on. 0 or -errno. */
    int (*give)(void *ctx, uint64_t gfn, uint64_t nr);
    /* They come back to the domain, zeroed, and into our mapping. 0 or -errno. */
    int (*take)(void *ctx, uint64_t gfn, uint64_t nr);
    /* Calls fn(data) whenever the target may have changed (one watcher): fn compares. */
    void (*watch_target)(void *ctx, void (*fn)(void *data), void *data);
};

/* What the device model gives each device it creates. */
struct vdm_env {
    uint32_t domid;
    const char *name;        /* the domain's name, for log lines */
    const char *runtime_dir; /* private to this vireo-dm: sockets, pidfiles */
    struct vdm_guest_mem *mem;
    struct vdm_bus *bus;     /* interrupts and doorbells go through it */
    GMainContext *main;      /* the main loop's context: devices add their fds there */
    struct vdm_stats *stats; /* the published I/O counters (vdm_stats.h); NULL: none */
    const struct vdm_memory_host *memory; /* NULL: no balloon can be served */
    void *memory_ctx;
};

struct vdm_device_ops {
    /* A guest access at `offset` in the slot (0 .. VIREO_PLAT_DM_SLOT_SIZE). */
    uint64_t (*read)(struct vdm_device *dev, uint64_t offset, unsigned size);
    void (*write)(struct vdm_device *dev, uint64_t offset, unsigned size, uint64_t value);
    /* Doorbell `cookie` (given to vdm_bus_doorbell_add) was rung. */
    void (*doorbell)(struct vdm_device *dev, unsigned cookie);
    /* Stops the backend (children killed and reaped) and frees the device. */
    void (*destroy)(struct vdm_device *dev);
    /* A request from the control socket (vdm_control.h): `verb` with `arg` ("" when none).
     * Appends an answer to `reply` (may stay empty) or sets *error. Optional. */
    bool (*control)(struct vdm_device *dev, const char *verb, const char *arg, GString *reply,
                    GError **error);
};

struct vdm_device {
    const struct vdm_device_ops *ops;
    const struct vdm_env *env;
    char *group;     /* config group, e.g. "device.0", for messages */
    unsigned slot;   /* set by vdm_bus_attach */
    uint64_t base;   /* guest-physical base of the slot */
    unsigned gsi;    /* its interrupt line */
};

/*
 * A device type. create() reads its keys from `group` (slot and type are the caller's;
 * `keys` lists the others it accepts, so a stray key is refused naming it) and returns the
 * device with ops, env and group set, or NULL with *error saying why.
 */
struct vdm_device_type {
    const char *name;
    const char *const *keys; /* NULL-terminated */
    struct vdm_device *(*create)(const struct vdm_env *env, GKeyFile *kf, const char *group,
                                 GError **error);
};

/* The types built in (vdm_device_types.c); NULL-terminated. A type added in its own file
 * (vdm_net.c: vdm_net_type) gets one line there. */
extern const struct vdm_device_type *const vdm_device_types[];
const struct vdm_device_type *vdm_device_type_find(const char *name);

extern const struct vdm_device_type vdm_blk_type;
extern const struct vdm_device_type vdm_rng_type;
extern const struct vdm_device_type vdm_balloon_type;

/* GError domain of vireo-dm's configuration and device errors. */
#define VDM_ERROR vdm_error_quark()
GQuark vdm_error_quark(void);

#endif /* VDM_DEVICE_H */
