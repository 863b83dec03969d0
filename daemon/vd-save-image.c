/* SPDX-License-Identifier: GPL-2.0-only */
/* Save images: their framing and digests (the format is docs/save-image.md). */
#include "vd-save-image.h"
#include "vd-error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define IO_BUFFER (1u << 20)
#define XML_MAX (16u << 20)
#define RECORD_MAX (64ull << 20) /* far above any record the backends write */
#define DIGEST_LEN 32

struct header {
    char magic[8];
    uint32_t version;
    uint32_t flags; /* VD_SAVE_* */
    uint64_t xml_len;
    uint8_t xml_sha256[DIGEST_LEN];
    uint64_t reserved; /* 0 */
};
G_STATIC_ASSERT(sizeof(struct header) == 64);

struct record {
    uint32_t type;
    uint32_t zero;
    uint64_t length; /* payload bytes, before the padding to 8 */
};

static size_t padding(uint64_t len)
{
    return (size_t)((8 - len % 8) % 8);
}

static void sha256(const void *data, size_t len, uint8_t out[DIGEST_LEN])
{
    g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
    gsize n = DIGEST_LEN;
    g_checksum_update(c, data, len);
    g_checksum_get_digest(c, out, &n);
}

/* ---- writing ------------------------------------------------------------------------ */

struct vd_save_writer {
    int fd;
    uint64_t *count; /* bytes written out are added here (progress reports), or NULL */
    /* A speed limit in MiB/s that another thread may change (0: none), or NULL; pacing
     * starts over whenever it changes. */
    const uint64_t *limit;
    uint64_t pace_mib, pace_bytes;
    gint64 pace_start_us;
    bool stream; /* a connection: not ours to close, nothing to sync or rename */
    char *path, *tmp_path;
    GChecksum *sum;
    uint8_t *buf;
    size_t used;
};

/* Sleeps until n more bytes fit the speed limit on average since pacing began. */
static void pace(vd_save_writer *w, size_t n)
{
    uint64_t mib = w->limit ? __atomic_load_n(w->limit, __ATOMIC_RELAXED) : 0;
    gint64 now = g_get_monotonic_time();
    if (mib != w->pace_mib) {
        w->pace_mib = mib;
        w->pace_bytes = 0;
        w->pace_start_us = now;
    }
    if (!mib)
        return;
    w->pace_bytes += n;
    gint64 due = w->pace_start_us + (gint64)(w->pace_bytes * G_USEC_PER_SEC / (mib << 20));
    if (due > now)
        g_usleep((gulong)(due - now));
}

static bool flush(vd_save_writer *w, vd_error **err)
{
    pace(w, w->used);
    for (size_t done = 0; done < w->used;) {
        ssize_t n = write(w->fd, w->buf + done, w->used - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vd_fail_errno(err, n < 0 ? errno : EIO, "cannot write %s '%s'",
                          w->stream ? "migration stream" : "save image", w->path);
            return false;
        }
        done += (size_t)n;
        if (w->count)
            __atomic_add_fetch(w->count, (uint64_t)n, __ATOMIC_RELAXED);
    }
    w->used = 0;
    return true;
}

static bool put(vd_save_writer *w, const void *data, size_t len, vd_error **err)
{
    const uint8_t *p = data;
    while (len) {
        size_t n = MIN(len, IO_BUFFER - w->used);
        memcpy(w->buf + w->used, p, n);
        /* Summed as copied: a running guest may change its page under us (a live
         * migration sends that page again), and the digest must match what went out. */
        g_checksum_update(w->sum, w->buf + w->used, n);
        w->used += n;
        p += n;
        len -= n;
        if (w->used == IO_BUFFER && !flush(w, err))
            return false;
    }
    return true;
}

static bool put_padding(vd_save_writer *w, uint64_t len, vd_error **err)
{
    static const uint8_t zero[8];
    return put(w, zero, padding(len), err);
}

static vd_save_writer *writer_start(int fd, bool stream, const char *path, char *tmp_path,
                                    const char *xml, unsigned flags, vd_error **err)
{
    vd_save_writer *w = g_new0(vd_save_writer, 1);
    w->fd = fd;
    w->stream = stream;
    w->path = g_strdup(path);
    w->tmp_path = tmp_path;
    w->sum = g_checksum_new(G_CHECKSUM_SHA256);
    w->buf = g_malloc(IO_BUFFER);
    struct header h = {.version = GUINT32_TO_LE(VD_SAVE_VERSION),
                       .flags = GUINT32_TO_LE(flags),
                       .xml_len = GUINT64_TO_LE(strlen(xml))};
    memcpy(h.magic, VD_SAVE_MAGIC, sizeof(h.magic));
    sha256(xml, strlen(xml), h.xml_sha256);
    if (!put(w, &h, sizeof(h), err) || !put(w, xml, strlen(xml), err) ||
        !put_padding(w, strlen(xml), err)) {
        vd_save_writer_abort(w);
        return NULL;
    }
    return w;
}

vd_save_writer *vd_save_writer_open(const char *path, const char *xml, unsigned flags,
                                    vd_error **err)
{
    g_autofree char *tmp_path = g_strconcat(path, ".part", NULL);
    int fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot create save image '%s'", tmp_path);
        return NULL;
    }
    return writer_start(fd, false, path, g_steal_pointer(&tmp_path), xml, flags, err);
}

vd_save_writer *vd_save_writer_stream(int fd, const char *peer, const char *xml, unsigned flags,
                                      vd_error **err)
{
    return writer_start(fd, true, peer, NULL, xml, flags, err);
}

void vd_save_writer_count(vd_save_writer *w, uint64_t *bytes)
{
    w->count = bytes;
}

void vd_save_writer_pace(vd_save_writer *w, const uint64_t *mib_per_s)
{
    w->limit = mib_per_s;
}

bool vd_save_write_record(vd_save_writer *w, uint32_t type, const void *head, size_t head_len,
                          const void *data, size_t data_len, vd_error **err)
{
    struct record r = {.type = GUINT32_TO_LE(type),
                       .length = GUINT64_TO_LE((uint64_t)head_len + data_len)};
    return put(w, &r, sizeof(r), err) && put(w, head, head_len, err) &&
           put(w, data, data_len, err) && put_padding(w, head_len + data_len, err);
}

bool vd_save_writer_commit(vd_save_writer *w, vd_error **err)
{
    uint8_t digest[DIGEST_LEN];
    gsize n = sizeof(digest);
    g_checksum_get_digest(w->sum, digest, &n); /* of everything before END */
    struct record r = {.type = GUINT32_TO_LE(VD_SAVE_END), .length = GUINT64_TO_LE(DIGEST_LEN)};
    g_checksum_free(w->sum);
    w->sum = g_checksum_new(G_CHECKSUM_SHA256); /* put() goes on summing; nothing reads it */
    bool ok = put(w, &r, sizeof(r), err) && put(w, digest, sizeof(digest), err) && flush(w, err);
    if (w->stream) {
        vd_save_writer_abort(w); /* frees it; the connection stays open for the answer */
        return ok;
    }
    if (ok && fsync(w->fd) != 0) {
        vd_fail_errno(err, errno, "cannot write save image '%s'", w->path);
        ok = false;
    }
    if (ok && rename(w->tmp_path, w->path) != 0) {
        vd_fail_errno(err, errno, "cannot rename save image to '%s'", w->path);
        ok = false;
    }
    if (!ok) {
        vd_save_writer_abort(w);
        return false;
    }
    close(w->fd);
    w->fd = -1;
    g_autofree char *dir = g_path_get_dirname(w->path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { /* the rename outlives a crash */
        fsync(dfd);
        close(dfd);
    }
    g_clear_pointer(&w->tmp_path, g_free);
    vd_save_writer_abort(w);
    return true;
}

void vd_save_writer_abort(vd_save_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0 && !w->stream)
        close(w->fd);
    if (w->tmp_path)
        unlink(w->tmp_path);
    g_free(w->tmp_path);
    g_free(w->path);
    if (w->sum)
        g_checksum_free(w->sum);
    g_free(w->buf);
    g_free(w);
}

/* ---- reading ------------------------------------------------------------------------ */

struct vd_save_reader {
    int fd;
    bool stream; /* a connection: not ours to close; its sender shuts it after END */
    char *path;
    GChecksum *sum;
    uint8_t *buf;
    size_t pos, len; /* unread bytes are buf[pos, len) */
    uint64_t offset; /* of the next byte handed out, in the file */
    uint64_t left;   /* payload bytes of the current record not read yet */
    uint64_t pad;    /* its padding */
    bool ended;
};

static bool corrupt(vd_save_reader *r, vd_error **err, const char *what)
{
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
            "%s '%s' is damaged: %s at byte %" G_GUINT64_FORMAT,
            r->stream ? "migration stream" : "save image", r->path, what, r->offset);
    return false;
}

/* Exactly len bytes into out (NULL: skip them), all summed. */
static bool take(vd_save_reader *r, void *out, size_t len, vd_error **err)
{
    uint8_t *p = out;
    while (len) {
        if (r->pos == r->len) {
            ssize_t n;
            do
                n = read(r->fd, r->buf, IO_BUFFER);
            while (n < 0 && errno == EINTR);
            if (n < 0) {
                vd_fail_errno(err, errno, "cannot read %s '%s'",
                              r->stream ? "migration stream" : "save image", r->path);
                return false;
            }
            if (n == 0)
                return corrupt(r, err, "the file ends early (truncated)");
            r->pos = 0;
            r->len = (size_t)n;
        }
        size_t n = MIN(len, r->len - r->pos);
        g_checksum_update(r->sum, r->buf + r->pos, n);
        if (p) {
            memcpy(p, r->buf + r->pos, n);
            p += n;
        }
        r->pos += n;
        r->offset += n;
        len -= n;
    }
    return true;
}

static vd_save_reader *reader_start(int fd, bool stream, const char *path, char **xml,
                                    unsigned *flags, vd_error **err);

vd_save_reader *vd_save_reader_open(const char *path, char **xml, unsigned *flags, vd_error **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot open save image '%s'", path);
        return NULL;
    }
    char magic[8];
    if (pread(fd, magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
        memcmp(magic, VD_SAVE_MAGIC, sizeof(magic)) != 0) {
        close(fd);
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "'%s' is not a Vireo save image (its magic is wrong)", path);
        return NULL;
    }
    return reader_start(fd, false, path, xml, flags, err);
}

vd_save_reader *vd_save_reader_stream(int fd, const char *peer, char **xml, unsigned *flags,
                                      vd_error **err)
{
    return reader_start(fd, true, peer, xml, flags, err);
}

static vd_save_reader *reader_start(int fd, bool stream, const char *path, char **xml,
                                    unsigned *flags, vd_error **err)
{
    g_autoptr(vd_save_reader) r = g_new0(vd_save_reader, 1);
    r->fd = fd;
    r->stream = stream;
    r->path = g_strdup(path);
    r->sum = g_checksum_new(G_CHECKSUM_SHA256);
    r->buf = g_malloc(IO_BUFFER);
    struct header h;
    if (!take(r, &h, sizeof(h), err))
        return NULL;
    if (memcmp(h.magic, VD_SAVE_MAGIC, sizeof(h.magic)) != 0) {
        corrupt(r, err, "it does not start as a Vireo stream (its magic is wrong)");
        return NULL;
    }
    if (GUINT32_FROM_LE(h.version) != VD_SAVE_VERSION) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                "save image '%s' has version %u; this daemon reads version %u", path,
                GUINT32_FROM_LE(h.version), VD_SAVE_VERSION);
        return NULL;
    }
    uint64_t xml_len = GUINT64_FROM_LE(h.xml_len);
    if (xml_len == 0 || xml_len > XML_MAX || h.reserved) {
        corrupt(r, err, "its header is malformed");
        return NULL;
    }
    g_autofree char *text = g_malloc(xml_len + 1);
    uint8_t digest[DIGEST_LEN];
    if (!take(r, text, xml_len, err) || !take(r, NULL, padding(xml_len), err))
        return NULL;
    text[xml_len] = '\0';
    sha256(text, xml_len, digest);
    if (memcmp(digest, h.xml_sha256, DIGEST_LEN) != 0 || strlen(text) != xml_len) {
        corrupt(r, err, "its domain XML does not match its checksum");
        return NULL;
    }
    *xml = g_steal_pointer(&text);
    if (flags)
        *flags = GUINT32_FROM_LE(h.flags);
    return g_steal_pointer(&r);
}

bool vd_save_next(vd_save_reader *r, uint32_t *type, uint64_t *len, vd_error **err)
{
    if (r->ended)
        return corrupt(r, err, "a record was asked for after its end");
    if (r->left)
        return corrupt(r, err, "a record was not read whole");
    if (!take(r, NULL, r->pad, err))
        return false;
    r->pad = 0;
    /* The digest covers every byte before the END record's header. */
    uint8_t expected[DIGEST_LEN];
    gsize n = sizeof(expected);
    g_autoptr(GChecksum) before = g_checksum_copy(r->sum);
    g_checksum_get_digest(before, expected, &n);
    struct record rec;
    if (!take(r, &rec, sizeof(rec), err))
        return false;
    *type = GUINT32_FROM_LE(rec.type);
    *len = GUINT64_FROM_LE(rec.length);
    if (rec.zero || *len > RECORD_MAX)
        return corrupt(r, err, "a record header is malformed");
    if (*type == VD_SAVE_END) {
        uint8_t digest[DIGEST_LEN], extra;
        if (*len != DIGEST_LEN || !take(r, digest, DIGEST_LEN, err))
            return corrupt(r, err, "its end record is malformed");
        if (memcmp(digest, expected, DIGEST_LEN) != 0)
            return corrupt(r, err, "its contents do not match its checksum");
        ssize_t more = read(r->fd, &extra, 1);
        if (r->pos != r->len || more != 0)
            return corrupt(r, err, "bytes follow its end record");
        r->ended = true;
        return true;
    }
    if (*type < VD_SAVE_HV_DOMAIN || *type > VD_SAVE_HV_ZERO)
        return corrupt(r, err, "a record of an unknown type");
    r->left = *len;
    r->pad = padding(*len);
    return true;
}

bool vd_save_read(vd_save_reader *r, void *buf, size_t len, vd_error **err)
{
    if (len > r->left)
        return corrupt(r, err, "a record is shorter than its contents need");
    r->left -= len;
    return take(r, buf, len, err);
}

void vd_save_reader_close(vd_save_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0 && !r->stream)
        close(r->fd);
    g_free(r->path);
    if (r->sum)
        g_checksum_free(r->sum);
    g_free(r->buf);
    g_free(r);
}
