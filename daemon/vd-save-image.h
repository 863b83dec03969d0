/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Save images (docs/save-image.md): what `virsh save` and `managedsave` write and `virsh
 * restore` reads. A header naming the format and its version, the domain's XML with its
 * own SHA-256 (so save-image-dumpxml needs read nothing else), then typed records, each
 * padded to 8 bytes, and last an END record holding the SHA-256 of every byte before it.
 * A reader checks each record's framing as it goes and the whole file's digest at END;
 * whoever restores keeps the guest paused until END has been read and checked.
 */
#ifndef VD_SAVE_IMAGE_H
#define VD_SAVE_IMAGE_H

#include "vd-driver.h"

#define VD_SAVE_MAGIC "VireoSav" /* 8 bytes, no NUL */
#define VD_SAVE_VERSION 1u

/* Header flags. */
#define VD_SAVE_WAS_RUNNING (1u << 0) /* the guest ran when it was saved */

/* Record types, in this order: DM_STATE (vireo-dm's device state, empty for a guest
 * without virtio devices), then the hv backend's (vd-hv.h): one HV_DOMAIN, one HV_VCPU
 * per vCPU, HV_PLATFORM when the guest has the platform, HV_MEMORY runs. */
enum {
    VD_SAVE_HV_DOMAIN = 1,     /* struct vd_save_hv_domain */
    VD_SAVE_HV_VCPU = 2,       /* u32 vCPU index, u32 0, struct vireo_vcpu_context */
    VD_SAVE_HV_PLATFORM = 3,   /* hv's platform context, as VIREO_HC_PLATFORM_GET_CONTEXT gave it */
    VD_SAVE_HV_MEMORY = 4,     /* u64 first frame, u64 frames, then their 4 KiB each */
    VD_SAVE_DM_STATE = 5,      /* what vireo-dm's "dm save-state" wrote (vdm_state.h) */
    VD_SAVE_HV_ZERO = 6,       /* u64 first frame, u64 frames, all of whose bytes are 0 */
    VD_SAVE_END = 0xffffffffu, /* 32 bytes: SHA-256 of the file up to this record */
};

/* VD_SAVE_HV_DOMAIN: the shape of the domain hv held (little-endian, 48 bytes). */
struct vd_save_hv_domain {
    uint32_t nr_vcpus, nr_online_vcpus;
    uint32_t weight, cap;
    uint32_t flags; /* VD_SAVE_HV_PLATFORM_GUEST */
    uint32_t pad;
    uint64_t max_pages, target_pages;
    uint64_t ram_bytes; /* the RAM laid out at build: where memory runs may lie */
};
#define VD_SAVE_HV_PLATFORM_GUEST (1u << 0)

typedef struct vd_save_writer vd_save_writer;
typedef struct vd_save_reader vd_save_reader;

/* Creates PATH's temporary sibling and writes the header and the XML into it. */
vd_save_writer *vd_save_writer_open(const char *path, const char *xml, unsigned flags,
                                    vd_error **err);
/* The same framing over a connection (a migration, docs/migration.md): no file, nothing
 * synced; commit writes END and leaves fd open for the receiver's answer. peer names the
 * other end in errors. The caller closes fd after freeing the writer. */
vd_save_writer *vd_save_writer_stream(int fd, const char *peer, const char *xml, unsigned flags,
                                      vd_error **err);
/* From now on the bytes written out are added to *bytes, atomically: another thread may
 * read it (domjobinfo during a migration). */
void vd_save_writer_count(vd_save_writer *w, uint64_t *bytes);
/* From now on the writer sends no faster than *mib_per_s MiB/s on average (0: no limit),
 * reading it atomically before each write, as another thread may change it; NULL: no
 * limit from now. */
void vd_save_writer_pace(vd_save_writer *w, const uint64_t *mib_per_s);
/* One record whose payload is head (may be NULL) followed by data. */
bool vd_save_write_record(vd_save_writer *w, uint32_t type, const void *head, size_t head_len,
                          const void *data, size_t data_len, vd_error **err);
/* Writes END, syncs, and renames the temporary file to PATH. Frees w. */
bool vd_save_writer_commit(vd_save_writer *w, vd_error **err);
/* Removes the temporary file. Frees w; NULL is fine. */
void vd_save_writer_abort(vd_save_writer *w);

/* Opens an image, checks its header and its XML (returned in *xml, free it). */
vd_save_reader *vd_save_reader_open(const char *path, char **xml, unsigned *flags, vd_error **err);
/* A stream read from a connection; END also needs the sender to have shut its side. */
vd_save_reader *vd_save_reader_stream(int fd, const char *peer, char **xml, unsigned *flags,
                                      vd_error **err);
/* The next record's type and payload length. At END it checks the digest: true with
 * *type = VD_SAVE_END only when the whole file is intact, and nothing may follow END. */
bool vd_save_next(vd_save_reader *r, uint32_t *type, uint64_t *len, vd_error **err);
/* Reads len bytes of the current record's payload (in as many calls as one likes). */
bool vd_save_read(vd_save_reader *r, void *buf, size_t len, vd_error **err);
void vd_save_reader_close(vd_save_reader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(vd_save_reader, vd_save_reader_close)

#endif /* VD_SAVE_IMAGE_H */
