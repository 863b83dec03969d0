/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The definitions' write-ahead journal (vd-journal.h). Layout, little-endian:
 *   offset 0:    "VDJRNL01", u64 generation, u32 crc32 of those 16 bytes (one sector, so a
 *                checkpoint's rewrite of it is all-or-nothing)
 *   offset 4096: records, back to back: u32 magic, u32 length (header + name + data),
 *                u64 generation, u64 seq (1, 2, ... within a generation), u32 op,
 *                u32 name length, u32 crc32 of the record with this field zero, name, data.
 * A replay takes records of the header's generation with consecutive seqs and a good crc,
 * and stops at the first that is not: a torn append is lost whole, older generations'
 * leftovers are never taken. The file keeps its size, so fdatasync writes data only.
 */
#include "vd-journal.h"
#include "vd-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define HEADER_MAGIC "VDJRNL01"
#define HEADER_LEN 20
#define DATA_OFF VD_JOURNAL_DATA_OFFSET
#define RECORD_MAGIC 0x52444a56u
#define RECORD_HEADER VD_JOURNAL_RECORD_OVERHEAD
#define MIN_CAPACITY (64 * 1024)

struct vd_journal {
    GMutex lock;
    GCond cond;
    int fd;
    char *path;
    gsize capacity;
    guint64 generation;
    gsize used;      /* next record's offset */
    guint64 written; /* seq of the last record written */
    guint64 synced;  /* seq of the last record fdatasync'ed */
    bool syncing;    /* a leader is in fdatasync for everyone */
    bool checkpointing;
    int broken; /* errno of a failed fdatasync: the journal takes nothing more */
    unsigned inflight; /* durable records whose change is not yet in the files */
    GHashTable *names; /* changed since the last checkpoint */
    vd_journal_apply_fn apply;
    vd_journal_settle_fn settle;
    void *user;
};

/* ---- encoding ---------------------------------------------------------------------- */

static guint32 crc32_update(guint32 crc, const guint8 *p, gsize len)
{
    static guint32 table[256];
    static gsize ready;
    if (g_once_init_enter(&ready)) {
        for (guint32 i = 0; i < 256; i++) {
            guint32 c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        g_once_init_leave(&ready, 1);
    }
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put32(guint8 *p, guint32 v)
{
    v = GUINT32_TO_LE(v);
    memcpy(p, &v, 4);
}

static void put64(guint8 *p, guint64 v)
{
    v = GUINT64_TO_LE(v);
    memcpy(p, &v, 8);
}

static guint32 get32(const guint8 *p)
{
    guint32 v;
    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static guint64 get64(const guint8 *p)
{
    guint64 v;
    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

static void encode_header(guint8 *h, guint64 generation)
{
    memset(h, 0, HEADER_LEN);
    memcpy(h, HEADER_MAGIC, 8);
    put64(h + 8, generation);
    put32(h + 16, crc32_update(0, h, 16));
}

/* The generation of a good header, 0 for anything else. */
static guint64 decode_header(const guint8 *h, gsize len)
{
    if (len < HEADER_LEN || memcmp(h, HEADER_MAGIC, 8) != 0 ||
        get32(h + 16) != crc32_update(0, h, 16))
        return 0;
    return get64(h + 8);
}

static guint8 *encode_record(guint64 generation, guint64 seq, vd_journal_op op, const char *name,
                             const char *data, gsize *len)
{
    gsize nlen = strlen(name), dlen = data ? strlen(data) : 0;
    *len = RECORD_HEADER + nlen + dlen;
    guint8 *r = g_malloc(*len);
    put32(r, RECORD_MAGIC);
    put32(r + 4, *len);
    put64(r + 8, generation);
    put64(r + 16, seq);
    put32(r + 24, op);
    put32(r + 28, nlen);
    put32(r + 32, 0);
    memcpy(r + RECORD_HEADER, name, nlen);
    if (dlen)
        memcpy(r + RECORD_HEADER + nlen, data, dlen);
    put32(r + 32, crc32_update(0, r, *len));
    return r;
}

/* Length of the good record at `p` (generation and seq as expected), 0 if none. */
static gsize check_record(const guint8 *p, gsize avail, guint64 generation, guint64 seq)
{
    if (avail < RECORD_HEADER || get32(p) != RECORD_MAGIC)
        return 0;
    guint32 len = get32(p + 4), nlen = get32(p + 28), op = get32(p + 24);
    if (len < RECORD_HEADER || len > avail || nlen == 0 || nlen > len - RECORD_HEADER ||
        get64(p + 8) != generation || get64(p + 16) != seq ||
        (op != VD_JOURNAL_PUT && op != VD_JOURNAL_DELETE))
        return 0;
    guint8 zero[4] = {0};
    guint32 crc = crc32_update(0, p, 32);
    crc = crc32_update(crc, zero, 4);
    crc = crc32_update(crc, p + RECORD_HEADER, len - RECORD_HEADER);
    return crc == get32(p + 32) ? len : 0;
}

unsigned vd_journal_replay_bytes(const guint8 *buf, gsize len, vd_journal_apply_fn apply,
                                 void *user)
{
    guint64 generation = decode_header(buf, len);
    unsigned n = 0;
    if (!generation || len < DATA_OFF)
        return 0;
    for (gsize off = DATA_OFF, rlen; (rlen = check_record(buf + off, len - off, generation,
                                                          n + 1));
         off += rlen) {
        const guint8 *r = buf + off;
        guint32 nlen = get32(r + 28);
        g_autofree char *name = g_strndup((const char *)r + RECORD_HEADER, nlen);
        g_autofree char *data = g_strndup((const char *)r + RECORD_HEADER + nlen,
                                          rlen - RECORD_HEADER - nlen);
        apply(get32(r + 24), name, data, user);
        n++;
    }
    return n;
}

/* ---- the file ------------------------------------------------------------------------ */

static bool pwrite_all(int fd, const void *buf, gsize len, off_t off)
{
    const guint8 *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return false;
        }
        p += n;
        len -= n;
        off += n;
    }
    return true;
}

bool vd_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

/* A new journal of `capacity` zeroed bytes, written whole before it is renamed into place,
 * so that appends never allocate blocks or change the size. */
static bool create_file(const char *path, gsize capacity, vd_error **err)
{
    g_autofree char *tmp = g_strconcat(path, ".new", NULL);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot create %s", tmp);
        return false;
    }
    g_autofree guint8 *zeros = g_malloc0(capacity);
    encode_header(zeros, 1);
    bool ok = pwrite_all(fd, zeros, capacity, 0) && fsync(fd) == 0;
    int e = errno;
    close(fd);
    if (ok && rename(tmp, path) != 0) {
        e = errno;
        ok = false;
    }
    if (!ok) {
        g_unlink(tmp);
        vd_fail_errno(err, e, "cannot create %s", path);
        return false;
    }
    g_autofree char *dir = g_path_get_dirname(path);
    vd_fsync_dir(dir);
    return true;
}

/* The biggest capacity up to `want` the file system takes, halving down to MIN_CAPACITY. */
static bool create_fitting(const char *path, gsize want, vd_error **err)
{
    for (gsize cap = want;; cap /= 2) {
        g_autoptr(vd_error) attempt = NULL;
        if (create_file(path, cap, &attempt))
            return true;
        if (cap / 2 < MIN_CAPACITY || attempt->code != VIR_ERR_SYSTEM_ERROR ||
            !strstr(attempt->message, g_strerror(ENOSPC))) {
            vd_error_propagate(err, g_steal_pointer(&attempt));
            return false;
        }
    }
}

static void record_name(const char *name, void *set)
{
    g_hash_table_add(set, g_strdup(name));
}

static void replay_into(vd_journal_op op, const char *name, const char *data, void *user)
{
    vd_journal *j = user;
    g_message("journal %s: replaying %s of '%s'", j->path,
              op == VD_JOURNAL_PUT ? "definition" : "removal", name);
    j->apply(op, name, data, j->user);
    record_name(name, j->names);
}

vd_journal *vd_journal_open(const char *path, gsize capacity, vd_journal_apply_fn apply,
                            vd_journal_settle_fn settle, void *user, vd_error **err)
{
    g_autofree char *bytes = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &bytes, &len, NULL) || !decode_header((guint8 *)bytes, len)) {
        /* Missing, or a creation cut short (the rename is the commit: nothing was in it). */
        if (!create_fitting(path, MAX(capacity, MIN_CAPACITY), err))
            return NULL;
        g_clear_pointer(&bytes, g_free);
        if (!g_file_get_contents(path, &bytes, &len, NULL)) {
            vd_fail_errno(err, errno, "cannot read %s", path);
            return NULL;
        }
    }
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot open %s", path);
        return NULL;
    }
    vd_journal *j = g_new0(vd_journal, 1);
    g_mutex_init(&j->lock);
    g_cond_init(&j->cond);
    j->fd = fd;
    j->path = g_strdup(path);
    j->capacity = len;
    j->generation = decode_header((guint8 *)bytes, len);
    j->used = DATA_OFF;
    j->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    j->apply = apply;
    j->settle = settle;
    j->user = user;
    vd_journal_replay_bytes((guint8 *)bytes, len, replay_into, j);
    if (!vd_journal_checkpoint(j, err)) {
        vd_journal_close(j);
        return NULL;
    }
    return j;
}

void vd_journal_close(vd_journal *j)
{
    if (!j)
        return;
    close(j->fd);
    g_hash_table_unref(j->names);
    g_mutex_clear(&j->lock);
    g_cond_clear(&j->cond);
    g_free(j->path);
    g_free(j);
}

static void fail_broken(vd_journal *j, vd_error **err)
{
    vd_fail_errno(err, j->broken, "journal %s failed earlier; restart the daemon", j->path);
}

/* Lock held. Waits until every record written so far is on disk; false once broken. One
 * caller at a time runs fdatasync, with the lock dropped; it covers every record written
 * before it started, so concurrent appends share one sync (group commit). */
static bool sync_upto(vd_journal *j, guint64 target)
{
    while (j->synced < target && !j->broken) {
        if (j->syncing) {
            g_cond_wait(&j->cond, &j->lock);
            continue;
        }
        guint64 upto = j->written;
        j->syncing = true;
        g_mutex_unlock(&j->lock);
        int r = fdatasync(j->fd);
        int e = errno;
        g_mutex_lock(&j->lock);
        j->syncing = false;
        if (r == 0)
            j->synced = upto;
        else
            j->broken = e; /* after a failed sync the page cache cannot be trusted */
        g_cond_broadcast(&j->cond);
    }
    return !j->broken;
}

/* Lock held, checkpointing set by the caller. */
static bool checkpoint_locked(vd_journal *j, vd_error **err)
{
    if (!sync_upto(j, j->written)) {
        fail_broken(j, err);
        return false;
    }
    while (j->inflight)
        g_cond_wait(&j->cond, &j->lock);
    g_autoptr(GHashTable) names = j->names;
    j->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_mutex_unlock(&j->lock);
    bool ok = j->settle(names, j->user, err);
    guint8 header[HEADER_LEN];
    encode_header(header, j->generation + 1);
    if (ok && !(pwrite_all(j->fd, header, sizeof(header), 0) && fdatasync(j->fd) == 0)) {
        vd_fail_errno(err, errno, "cannot write %s", j->path);
        ok = false;
    }
    g_mutex_lock(&j->lock);
    if (ok) {
        j->generation++;
        j->used = DATA_OFF;
        j->written = j->synced = 0;
    } else {
        /* The names stay to settle next time: the records still count. */
        GHashTableIter it;
        gpointer name;
        g_hash_table_iter_init(&it, names);
        while (g_hash_table_iter_next(&it, &name, NULL))
            record_name(name, j->names);
    }
    return ok;
}

bool vd_journal_checkpoint(vd_journal *j, vd_error **err)
{
    g_mutex_lock(&j->lock);
    while (j->checkpointing)
        g_cond_wait(&j->cond, &j->lock);
    j->checkpointing = true;
    bool ok = checkpoint_locked(j, err);
    j->checkpointing = false;
    g_cond_broadcast(&j->cond);
    g_mutex_unlock(&j->lock);
    return ok;
}

vd_journal_result vd_journal_append(vd_journal *j, vd_journal_op op, const char *name,
                                    const char *data, vd_error **err)
{
    gsize len;
    g_autofree guint8 *rec = NULL;
    if (RECORD_HEADER + strlen(name) + (data ? strlen(data) : 0) > j->capacity - DATA_OFF)
        return VD_JOURNAL_TOO_BIG;

    g_mutex_lock(&j->lock);
    for (;;) {
        while (j->checkpointing)
            g_cond_wait(&j->cond, &j->lock);
        if (j->broken) {
            fail_broken(j, err);
            g_mutex_unlock(&j->lock);
            return VD_JOURNAL_FAILED;
        }
        g_clear_pointer(&rec, g_free);
        rec = encode_record(j->generation, j->written + 1, op, name, data, &len);
        if (j->used + len <= j->capacity)
            break;
        /* Full: whoever finds it so empties it, with appends held meanwhile. */
        j->checkpointing = true;
        bool ok = checkpoint_locked(j, err);
        j->checkpointing = false;
        g_cond_broadcast(&j->cond);
        if (!ok) {
            g_mutex_unlock(&j->lock);
            return VD_JOURNAL_FAILED;
        }
    }
    if (!pwrite_all(j->fd, rec, len, j->used)) {
        /* Nothing after `used` counts; the next append writes over whatever got there. */
        vd_fail_errno(err, errno, "cannot write %s", j->path);
        g_mutex_unlock(&j->lock);
        return VD_JOURNAL_FAILED;
    }
    j->used += len;
    guint64 seq = ++j->written;
    j->inflight++;
    record_name(name, j->names);
    bool ok = sync_upto(j, seq);
    if (!ok) {
        j->inflight--;
        g_cond_broadcast(&j->cond);
        fail_broken(j, err);
    }
    g_mutex_unlock(&j->lock);
    return ok ? VD_JOURNAL_DURABLE : VD_JOURNAL_FAILED;
}

void vd_journal_applied(vd_journal *j)
{
    g_mutex_lock(&j->lock);
    j->inflight--;
    g_cond_broadcast(&j->cond);
    g_mutex_unlock(&j->lock);
}
