/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-blk (virtio 1.1 §5.2) over an NBD connection to the disk's qemu-storage-daemon.
 * Requests go out with libnbd's asynchronous calls straight from and into guest memory;
 * the connection's socket sits in the main loop, and each completion returns its chain
 * and raises the interrupt. Nothing here waits for the disk.
 */
#include <errno.h>
#include <inttypes.h>
#include <libnbd.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vdm_blk.h"
#include "vdm_blk_mirror.h"
#include "vdm_stats.h"
#include "vdm_virtio_mmio.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_WZ_UNMAP 1u

#define BLK_QUEUE_SIZE 256
#define BLK_SECTOR 512u
#define BLK_CHUNK (4u << 20)          /* bytes per NBD command: well under any server's limit */
/* Bytes per request: far above what Linux sends (max_sectors_kb), far below what would
 * let one guest request queue gigabytes of commands. */
#define BLK_REQUEST_MAX (128u << 20)
#define BLK_DISCARD_SECTORS (1u << 21) /* 1 GiB per discard/zeroes segment */
#define BLK_DISCARD_SEGS 32u

/* The device config space (§5.2.4), up to the write-zeroes fields. */
struct virtio_blk_config {
    uint64_t capacity;
    uint32_t size_max;
    uint32_t seg_max;
    uint16_t cylinders;
    uint8_t heads;
    uint8_t sectors;
    uint32_t blk_size;
    uint8_t physical_block_exp;
    uint8_t alignment_offset;
    uint16_t min_io_size;
    uint32_t opt_io_size;
    uint8_t writeback;
    uint8_t unused0[3];
    uint32_t max_discard_sectors;
    uint32_t max_discard_seg;
    uint32_t discard_sector_alignment;
    uint32_t max_write_zeroes_sectors;
    uint32_t max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap;
    uint8_t unused1[3];
};
/* 60 bytes the guest sees; the struct itself is padded to 64 by capacity's alignment. */
#define BLK_CONFIG_SIZE 60u
_Static_assert(offsetof(struct virtio_blk_config, unused1) + 3 == BLK_CONFIG_SIZE,
               "virtio_blk_config layout");

struct virtio_blk_req_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct virtio_blk_discard_segment {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

struct vdm_blk {
    struct vdm_virtio virtio;
    struct virtio_blk_config config;
    struct vdm_blk_source src;
    struct vdm_qsd qsd;
    struct vdm_blk_mirror mirror; /* its copy to another node, over the qsd's monitor */
    struct nbd_handle *nbd;
    GSource *source; /* the NBD socket in the main loop */
    unsigned inflight; /* guest requests taken and not yet answered (a save waits for 0) */
    uint64_t size;   /* bytes */
    bool can_fua;
    bool dead;       /* the connection failed: every request gets IOERR */
    bool closing;    /* being destroyed: completions only free their request */
    struct vireo_dm_blk_stats *stats; /* its record in blk-stats, or `unpublished` */
    struct vireo_dm_blk_stats unpublished;
};

/* One guest request in flight: completes when its last NBD command does. */
struct blk_req {
    struct vdm_blk *blk;
    struct vdm_chain *chain;
    uint64_t reset_count; /* the device's at submission: a reset since drops the reply */
    unsigned pending;     /* NBD commands outstanding, plus one while submitting */
    uint8_t status;
    uint32_t type;        /* VIRTIO_BLK_T_*, for the counters */
    uint32_t written;     /* bytes of data written into the guest's buffers */
    uint64_t bytes;       /* for the counters: data moved, or the range discarded or zeroed */
};

static const char *blk_name(const struct vdm_blk *blk)
{
    return blk->virtio.dev.env->name;
}

/* The status byte is the last writable byte of the chain (§5.2.6). */
static uint8_t *status_byte(const struct vdm_chain *c)
{
    const struct iovec *last = &c->iov[c->nr_out + c->nr_in - 1];

    return (uint8_t *)last->iov_base + last->iov_len - 1;
}

/* The answered request in the disk's counters (vireo-dm-stats.h says what each holds). */
static void count(struct vireo_dm_blk_stats *s, const struct blk_req *req)
{
    if (req->status != VIRTIO_BLK_S_OK) {
        vdm_stats_add(&s->errs, 1);
        return;
    }
    switch (req->type) {
    case VIRTIO_BLK_T_IN:
        vdm_stats_add(&s->rd_req, 1);
        vdm_stats_add(&s->rd_bytes, req->bytes);
        break;
    case VIRTIO_BLK_T_OUT:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        vdm_stats_add(&s->wr_req, 1);
        vdm_stats_add(&s->wr_bytes, req->bytes);
        break;
    case VIRTIO_BLK_T_FLUSH: vdm_stats_add(&s->flush_req, 1); break;
    case VIRTIO_BLK_T_DISCARD:
        vdm_stats_add(&s->discard_req, 1);
        vdm_stats_add(&s->discard_bytes, req->bytes);
        break;
    default: break; /* GET_ID */
    }
}

static void complete(struct blk_req *req)
{
    struct vdm_blk *blk = req->blk;
    struct vdm_virtio *v = &blk->virtio;

    blk->inflight--;
    /* libnbd read straight into the buffers: a read that failed or that a reset drops
     * may still have filled some, beyond the `written` the push logs. */
    if (req->type == VIRTIO_BLK_T_IN)
        vdm_chain_wrote(req->chain, 0, req->bytes);
    if (req->reset_count != v->reset_count) {
        free(req->chain); /* the driver reset the device: the ring is no longer ours */
        g_free(req);
        return;
    }
    if (req->status != VIRTIO_BLK_S_OK)
        req->written = 0;
    *status_byte(req->chain) = req->status;
    vdm_chain_wrote(req->chain, req->chain->in_len - 1, 1); /* past `written` on errors */
    count(blk->stats, req);
    vdm_vq_push(&v->queue[0].vq, req->chain, req->written + 1);
    vdm_virtio_queue_interrupt(v, 0);
    g_free(req);
}

static void put_req(struct blk_req *req)
{
    if (--req->pending == 0)
        complete(req);
}

static int nbd_done(void *opaque, int *error)
{
    struct blk_req *req = opaque;

    if (req->blk->closing) {
        req->blk->inflight--;
        free(req->chain);
        g_free(req);
        return 1;
    }
    if (*error != 0 && req->status == VIRTIO_BLK_S_OK) {
        g_message("%s: %s: I/O error: %s", blk_name(req->blk), req->blk->src.target,
                  g_strerror(*error));
        req->status = VIRTIO_BLK_S_IOERR;
    }
    put_req(req);
    return 1; /* retire the command */
}

static void nbd_failed(struct blk_req *req)
{
    g_message("%s: %s: NBD: %s", blk_name(req->blk), req->blk->src.target, nbd_get_error());
    req->status = VIRTIO_BLK_S_IOERR;
    if (nbd_aio_is_dead(req->blk->nbd) || nbd_aio_is_closed(req->blk->nbd))
        req->blk->dead = true;
}

/* Whether [sector, +bytes) lies on the disk, without overflow. */
static bool in_range(const struct vdm_blk *blk, uint64_t sector, uint64_t bytes)
{
    return sector <= blk->size / BLK_SECTOR && bytes <= blk->size - sector * BLK_SECTOR;
}

enum io_kind { IO_READ, IO_WRITE };

static int64_t issue_chunk(struct blk_req *req, enum io_kind kind, void *buf, size_t len,
                           uint64_t offset)
{
    struct vdm_blk *blk = req->blk;
    nbd_completion_callback cb = { .callback = nbd_done, .user_data = req };
    uint32_t flags = 0;

    if (kind == IO_READ)
        return nbd_aio_pread(blk->nbd, buf, len, offset, cb, 0);
    /* Write-through cache modes: every write is stable before it completes. */
    if (!vdm_blk_cache_writeback(blk->src.cache) && blk->can_fua)
        flags = LIBNBD_CMD_FLAG_FUA;
    return nbd_aio_pwrite(blk->nbd, buf, len, offset, cb, flags);
}

/* Issues the data part iov[first .. first + nr) (without `trim` bytes at its end). */
static void issue_data(struct blk_req *req, enum io_kind kind, const struct iovec *iov,
                       unsigned nr, size_t skip, size_t len, uint64_t offset)
{
    for (unsigned i = 0; i < nr && len > 0 && req->status == VIRTIO_BLK_S_OK; i++) {
        size_t seg, done = 0;

        if (skip >= iov[i].iov_len) {
            skip -= iov[i].iov_len;
            continue;
        }
        seg = MIN(iov[i].iov_len - skip, len);
        while (done < seg) {
            size_t n = MIN(seg - done, BLK_CHUNK);

            req->pending++;
            if (issue_chunk(req, kind, (uint8_t *)iov[i].iov_base + skip + done, n,
                            offset) < 0) {
                req->pending--;
                nbd_failed(req);
                return;
            }
            done += n;
            offset += n;
        }
        len -= seg;
        skip = 0;
    }
}

static bool transfer_ok(const struct vdm_blk *blk, uint64_t sector, size_t len)
{
    return len % BLK_SECTOR == 0 && len <= BLK_REQUEST_MAX && in_range(blk, sector, len);
}

static void do_read(struct blk_req *req, uint64_t sector)
{
    const struct vdm_chain *c = req->chain;
    size_t len = c->in_len - 1;

    if (!transfer_ok(req->blk, sector, len)) {
        req->status = VIRTIO_BLK_S_IOERR;
        return;
    }
    issue_data(req, IO_READ, c->iov + c->nr_out, c->nr_in, 0, len, sector * BLK_SECTOR);
    req->written = (uint32_t)MIN(len, UINT32_MAX);
    req->bytes = len;
}

static void do_write(struct blk_req *req, uint64_t sector)
{
    const struct vdm_chain *c = req->chain;
    size_t len = c->out_len - sizeof(struct virtio_blk_req_header);

    /* §5.2.6.2: a write to a read-only device fails without touching the disk. */
    if (req->blk->src.readonly || !transfer_ok(req->blk, sector, len)) {
        req->status = VIRTIO_BLK_S_IOERR;
        return;
    }
    issue_data(req, IO_WRITE, c->iov, c->nr_out, sizeof(struct virtio_blk_req_header), len,
               sector * BLK_SECTOR);
    req->bytes = len;
}

static void do_flush(struct blk_req *req)
{
    struct vdm_blk *blk = req->blk;
    nbd_completion_callback cb = { .callback = nbd_done, .user_data = req };

    if (blk->src.readonly || nbd_can_flush(blk->nbd) != 1)
        return; /* nothing can be unstable */
    req->pending++;
    if (nbd_aio_flush(blk->nbd, cb, 0) < 0) {
        req->pending--;
        nbd_failed(req);
    }
}

static void do_get_id(struct blk_req *req)
{
    char id[VIRTIO_BLK_ID_BYTES] = { 0 };
    const char *serial = req->blk->src.serial;

    /* Up to 20 bytes, NUL-padded only when shorter (§5.2.6). */
    if (serial != NULL)
        memcpy(id, serial, MIN(strlen(serial), sizeof(id)));
    req->written = (uint32_t)vdm_chain_scatter(req->chain, 0, id,
                                               MIN(sizeof(id), req->chain->in_len - 1));
}

static bool read_segments(struct blk_req *req, struct virtio_blk_discard_segment *segs,
                          unsigned *nr)
{
    size_t len = req->chain->out_len - sizeof(struct virtio_blk_req_header);

    if (len == 0 || len % sizeof(*segs) != 0 || len / sizeof(*segs) > BLK_DISCARD_SEGS)
        return false;
    *nr = (unsigned)(len / sizeof(*segs));
    vdm_chain_gather(req->chain, sizeof(struct virtio_blk_req_header), segs, len);
    return true;
}

/* §5.2.6.2: unknown flags, or unmap on a discard, are unsupported; bad ranges are errors. */
static uint8_t check_segment(const struct vdm_blk *blk, const struct virtio_blk_discard_segment *s,
                             bool zeroes)
{
    uint32_t allowed = zeroes ? VIRTIO_BLK_WZ_UNMAP : 0;

    if ((s->flags & ~allowed) != 0)
        return VIRTIO_BLK_S_UNSUPP;
    if (s->num_sectors > BLK_DISCARD_SECTORS ||
        !in_range(blk, s->sector, (uint64_t)s->num_sectors * BLK_SECTOR))
        return VIRTIO_BLK_S_IOERR;
    return VIRTIO_BLK_S_OK;
}

static int64_t issue_segment(struct blk_req *req, const struct virtio_blk_discard_segment *s,
                             bool zeroes)
{
    nbd_completion_callback cb = { .callback = nbd_done, .user_data = req };
    uint64_t offset = s->sector * BLK_SECTOR, count = (uint64_t)s->num_sectors * BLK_SECTOR;

    if (!zeroes)
        return nbd_aio_trim(req->blk->nbd, count, offset, cb, 0);
    /* Without the unmap flag the zeroed range must stay allocated. */
    return nbd_aio_zero(req->blk->nbd, count, offset, cb,
                        (s->flags & VIRTIO_BLK_WZ_UNMAP) != 0 ? 0 : LIBNBD_CMD_FLAG_NO_HOLE);
}

static void do_discard_or_zeroes(struct blk_req *req, bool zeroes)
{
    struct virtio_blk_discard_segment segs[BLK_DISCARD_SEGS];
    unsigned feature = zeroes ? VIRTIO_BLK_F_WRITE_ZEROES : VIRTIO_BLK_F_DISCARD;
    unsigned nr;

    if (!vdm_virtio_has_feature(&req->blk->virtio, feature)) {
        req->status = VIRTIO_BLK_S_UNSUPP;
        return;
    }
    if (!read_segments(req, segs, &nr)) {
        req->status = VIRTIO_BLK_S_IOERR;
        return;
    }
    for (unsigned i = 0; i < nr && req->status == VIRTIO_BLK_S_OK; i++)
        req->status = check_segment(req->blk, &segs[i], zeroes);
    for (unsigned i = 0; i < nr && req->status == VIRTIO_BLK_S_OK; i++) {
        if (segs[i].num_sectors == 0)
            continue;
        req->bytes += (uint64_t)segs[i].num_sectors * BLK_SECTOR;
        req->pending++;
        if (issue_segment(req, &segs[i], zeroes) < 0) {
            req->pending--;
            nbd_failed(req);
        }
    }
}

static void dispatch_request(struct blk_req *req, const struct virtio_blk_req_header *h)
{
    switch (h->type) {
    case VIRTIO_BLK_T_IN: do_read(req, h->sector); break;
    case VIRTIO_BLK_T_OUT: do_write(req, h->sector); break;
    case VIRTIO_BLK_T_FLUSH: do_flush(req); break;
    case VIRTIO_BLK_T_GET_ID: do_get_id(req); break;
    case VIRTIO_BLK_T_DISCARD: do_discard_or_zeroes(req, false); break;
    case VIRTIO_BLK_T_WRITE_ZEROES: do_discard_or_zeroes(req, true); break;
    default: req->status = VIRTIO_BLK_S_UNSUPP; break;
    }
}

/* Starts one request; false when the chain cannot even carry a header and a status. */
static bool submit(struct vdm_blk *blk, struct vdm_chain *c)
{
    struct virtio_blk_req_header h;
    struct blk_req *req;

    if (c->out_len < sizeof(h) || c->in_len < 1)
        return false;
    vdm_chain_gather(c, 0, &h, sizeof(h));
    req = g_new0(struct blk_req, 1);
    *req = (struct blk_req){ .blk = blk, .chain = c, .reset_count = blk->virtio.reset_count,
                             .pending = 1, .status = VIRTIO_BLK_S_OK, .type = h.type };
    blk->inflight++;
    if (blk->dead)
        req->status = VIRTIO_BLK_S_IOERR;
    else
        dispatch_request(req, &h);
    put_req(req); /* the submitter's reference */
    return true;
}

static void blk_queue_notify(struct vdm_virtio *v, unsigned q)
{
    struct vdm_blk *blk = (struct vdm_blk *)v;
    struct vdm_chain *c;
    int ret;

    while ((ret = vdm_vq_pop(&v->queue[q].vq, &c)) > 0) {
        if (!submit(blk, c)) {
            free(c);
            ret = -EIO;
            break;
        }
    }
    if (ret < 0)
        vdm_virtio_needs_reset(v, "malformed request queue");
}

/* --- the NBD connection in the main loop ------------------------------------------- */

struct nbd_source {
    GSource source;
    struct vdm_blk *blk;
    gpointer tag;
};

/* libnbd says which way it wants to move before every poll. */
static gboolean nbd_source_prepare(GSource *source, gint *timeout)
{
    struct nbd_source *s = (struct nbd_source *)source;
    unsigned dir = s->blk->dead ? 0 : nbd_aio_get_direction(s->blk->nbd);
    GIOCondition cond = 0;

    if ((dir & LIBNBD_AIO_DIRECTION_READ) != 0)
        cond |= G_IO_IN;
    if ((dir & LIBNBD_AIO_DIRECTION_WRITE) != 0)
        cond |= G_IO_OUT;
    g_source_modify_unix_fd(source, s->tag, cond);
    *timeout = -1;
    return FALSE;
}

static gboolean nbd_source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    struct nbd_source *s = (struct nbd_source *)source;
    struct vdm_blk *blk = s->blk;
    GIOCondition got = g_source_query_unix_fd(source, s->tag);
    int ret = 0;

    (void)cb;
    (void)data;
    if (blk->dead)
        return G_SOURCE_CONTINUE;
    /* A hang-up is read too: libnbd then sees the end and fails what is in flight. */
    if ((got & (G_IO_IN | G_IO_HUP | G_IO_ERR)) != 0)
        ret = nbd_aio_notify_read(blk->nbd);
    if (ret == 0 && (got & G_IO_OUT) != 0)
        ret = nbd_aio_notify_write(blk->nbd);
    if (ret < 0 || nbd_aio_is_dead(blk->nbd) || nbd_aio_is_closed(blk->nbd)) {
        g_message("%s: %s: lost the connection to qemu-storage-daemon: %s", blk_name(blk),
                  blk->src.target, nbd_get_error());
        blk->dead = true;
        g_source_modify_unix_fd(source, s->tag, 0);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs nbd_source_funcs = {
    .prepare = nbd_source_prepare,
    .dispatch = nbd_source_dispatch,
};

static void attach_source(struct vdm_blk *blk, GMainContext *ctx)
{
    struct nbd_source *s =
        (struct nbd_source *)g_source_new(&nbd_source_funcs, sizeof(struct nbd_source));

    s->blk = blk;
    s->tag = g_source_add_unix_fd(&s->source, nbd_aio_get_fd(blk->nbd), G_IO_IN);
    g_source_attach(&s->source, ctx);
    blk->source = &s->source;
}

static bool connect_nbd(struct vdm_blk *blk, GError **error)
{
    int64_t size;

    blk->nbd = nbd_create();
    if (blk->nbd == NULL || nbd_set_export_name(blk->nbd, VDM_QSD_EXPORT) < 0 ||
        nbd_connect_unix(blk->nbd, blk->qsd.socket_path) < 0) {
        g_set_error(error, VDM_ERROR, 0, "NBD connection to qemu-storage-daemon: %s",
                    nbd_get_error());
        return false;
    }
    size = nbd_get_size(blk->nbd);
    if (size < 0) {
        g_set_error(error, VDM_ERROR, 0, "disk size: %s", nbd_get_error());
        return false;
    }
    blk->size = (uint64_t)size;
    blk->can_fua = nbd_can_fua(blk->nbd) == 1;
    return true;
}

/* --- the device -------------------------------------------------------------------- */

static uint64_t blk_features(const struct vdm_blk *blk)
{
    uint64_t f = (1ull << VIRTIO_BLK_F_SEG_MAX) | (1ull << VIRTIO_BLK_F_BLK_SIZE);

    if (blk->src.readonly)
        return f | (1ull << VIRTIO_BLK_F_RO);
    if (vdm_blk_cache_writeback(blk->src.cache))
        f |= 1ull << VIRTIO_BLK_F_FLUSH;
    if (blk->src.discard_unmap && nbd_can_trim(blk->nbd) == 1)
        f |= 1ull << VIRTIO_BLK_F_DISCARD;
    if (nbd_can_zero(blk->nbd) == 1)
        f |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
    return f;
}

static void fill_config(struct vdm_blk *blk)
{
    struct virtio_blk_config *c = &blk->config;

    memset(c, 0, sizeof(*c));
    c->capacity = blk->size / BLK_SECTOR;
    c->seg_max = BLK_QUEUE_SIZE - 2; /* header and status take two descriptors */
    c->blk_size = BLK_SECTOR;
    c->writeback = vdm_blk_cache_writeback(blk->src.cache);
    c->max_discard_sectors = BLK_DISCARD_SECTORS;
    c->max_discard_seg = BLK_DISCARD_SEGS;
    c->discard_sector_alignment = 1;
    c->max_write_zeroes_sectors = BLK_DISCARD_SECTORS;
    c->max_write_zeroes_seg = BLK_DISCARD_SEGS;
    c->write_zeroes_may_unmap = blk->src.discard_unmap;
}

static void blk_destroy(struct vdm_virtio *v)
{
    struct vdm_blk *blk = (struct vdm_blk *)v;

    if (blk->source != NULL) {
        g_source_destroy(blk->source);
        g_source_unref(blk->source);
    }
    blk->closing = true;
    if (blk->nbd != NULL)
        nbd_close(blk->nbd);
    /* The qsd's end stops a mirror still running; its target is on another node. */
    vdm_blk_mirror_drop(&blk->mirror);
    vdm_qsd_stop(&blk->qsd);
    vdm_blk_source_clear(&blk->src);
    g_free(blk);
}

/* Requests come only from the driver: quiesced, the device waits for its NBD replies. */
static bool blk_quiesce(struct vdm_virtio *v, bool on)
{
    (void)on;
    return ((struct vdm_blk *)v)->inflight == 0;
}

/* The disk's mirror for a copy-storage migration (vdm_blk_mirror.h). */
static bool blk_control(struct vdm_virtio *v, const char *verb, const char *arg, GString *reply,
                        GError **error)
{
    struct vdm_blk *blk = (struct vdm_blk *)v;
    g_autofree char *name = g_strdup_printf("%s: %s", blk_name(blk), blk->src.target);

    if (vdm_blk_mirror_control(&blk->mirror, &blk->qsd, name, verb, arg, reply, error))
        return true;
    g_prefix_error(error, "%s (%s): ", v->dev.group, blk->src.target);
    return false;
}

static const struct vdm_virtio_ops blk_ops = {
    .queue_notify = blk_queue_notify,
    .quiesce = blk_quiesce,
    .destroy = blk_destroy,
    .control = blk_control,
};

static bool open_backend(struct vdm_blk *blk, const struct vdm_env *env, const char *group,
                         GError **error)
{
    return vdm_qsd_start(&blk->qsd, &blk->src, env->runtime_dir, group, error) &&
           connect_nbd(blk, error);
}

static struct vdm_device *blk_create(const struct vdm_env *env, GKeyFile *kf,
                                     const char *group, GError **error)
{
    struct vdm_blk *blk = g_new0(struct vdm_blk, 1);
    GError *err = NULL;

    if (!vdm_blk_source_parse(&blk->src, kf, group, &err) ||
        !open_backend(blk, env, group, &err)) {
        g_set_error(error, VDM_ERROR, 0, "%s (%s): %s", group,
                    blk->src.target != NULL ? blk->src.target : "disk", err->message);
        g_error_free(err);
        blk_destroy(&blk->virtio);
        return NULL;
    }
    fill_config(blk);
    blk->stats = vdm_stats_claim(env->stats, blk->src.target);
    if (blk->stats == NULL)
        blk->stats = &blk->unpublished;
    vdm_virtio_init(&blk->virtio, env, group, &blk_ops, VIRTIO_ID_BLOCK, blk_features(blk),
                    &blk->config, BLK_CONFIG_SIZE, 1, BLK_QUEUE_SIZE);
    attach_source(blk, env->main);
    return &blk->virtio.dev;
}

static const char *const blk_keys[] = {
    "target", "source_type", "path", "protocol", "host", "port", "socket", "export",
    "format", "readonly", "cache", "discard", "serial", NULL,
};

const struct vdm_device_type vdm_blk_type = {
    .name = "disk",
    .keys = blk_keys,
    .create = blk_create,
};
