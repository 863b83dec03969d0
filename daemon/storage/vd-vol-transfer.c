/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The file side of volume upload and download streams. An upload to a file writes a new
 * file beside the volume and renames it over the volume only once all the data is in and
 * synced, so a failed or abandoned upload leaves the volume exactly as it was. A block
 * device (a logical pool's LV) cannot be renamed over: it is written in place, as libvirt
 * does, and synced at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vd-error.h"
#include "vd-volume-job.h"

struct vd_vol_transfer {
    vd_daemon *d;
    vd_vol_job job;
    bool upload;
    bool sparse; /* holes travel as lengths (VIR_STORAGE_VOL_*_SPARSE_STREAM) */
    int fd;
    bool in_place;    /* upload: into the block device itself */
    char *tmp;        /* upload to a file: the new file */
    uint64_t length;  /* 0 = no limit */
    uint64_t done;    /* bytes moved so far */
    struct stat orig; /* the volume when the transfer began */
    uint64_t size;    /* its length: the file's, or the block device's */
};

static void transfer_free(vd_vol_transfer *t)
{
    if (t->fd >= 0)
        close(t->fd);
    if (t->tmp)
        g_unlink(t->tmp);
    vd_vol_job_end(t->d, &t->job, false);
    g_free(t->tmp);
    g_free(t);
}

static bool volume_size(vd_vol_transfer *t, vd_error **err)
{
    if (stat(t->job.path, &t->orig) != 0) {
        vd_fail_errno(err, errno, "cannot stat file '%s'", t->job.path);
        return false;
    }
    t->size = t->orig.st_size;
    if (!S_ISBLK(t->orig.st_mode))
        return true;
    int fd = open(t->job.path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vd_fail_errno(err, errno, "cannot open volume '%s'", t->job.path);
        return false;
    }
    bool ok = vd_block_dev_size(fd, t->job.path, &t->size, err);
    close(fd);
    return ok;
}

static vd_vol_transfer *begin(vd_daemon *d, const vd_vol_ref *vol, uint64_t length, bool upload,
                              vd_error **err)
{
    vd_vol_transfer *t = g_new0(vd_vol_transfer, 1);
    t->d = d;
    t->fd = -1;
    t->upload = upload;
    t->length = length;
    if (!vd_vol_job_begin(d, vol, &t->job, err)) {
        g_free(t);
        return NULL;
    }
    if (!volume_size(t, err)) {
        transfer_free(t);
        return NULL;
    }
    return t;
}

/* A partial upload keeps the rest of the volume: the new file starts as a copy. */
static bool copy_volume(int from, int to, uint64_t size, vd_error **err)
{
    loff_t in = 0, out = 0;
    while ((uint64_t)in < size) {
        ssize_t n = copy_file_range(from, &in, to, &out, size - in, 0);
        if (n <= 0) {
            vd_fail_errno(err, n ? errno : EIO, "cannot copy the volume for a partial upload");
            return false;
        }
    }
    return true;
}

static bool open_upload(vd_vol_transfer *t, uint64_t offset, vd_error **err)
{
    g_autofree char *dir = g_path_get_dirname(t->job.path);
    g_autofree char *base = g_path_get_basename(t->job.path);
    t->tmp = g_strdup_printf("%s/.%s.vireo-upload.XXXXXX", dir, base);
    t->fd = g_mkstemp_full(t->tmp, O_RDWR | O_CLOEXEC, t->orig.st_mode & 07777);
    if (t->fd < 0) {
        vd_fail_errno(err, errno, "cannot create a file for the upload to '%s'", t->job.path);
        g_clear_pointer(&t->tmp, g_free);
        return false;
    }
    if (offset || t->length) {
        int from = open(t->job.path, O_RDONLY | O_CLOEXEC);
        bool ok = from >= 0 && copy_volume(from, t->fd, t->orig.st_size, err);
        if (from < 0)
            vd_fail_errno(err, errno, "cannot open volume '%s'", t->job.path);
        if (from >= 0)
            close(from);
        if (!ok)
            return false;
    }
    if (lseek(t->fd, offset, SEEK_SET) < 0) {
        vd_fail_errno(err, errno, "cannot seek to %" G_GUINT64_FORMAT " in the upload", offset);
        return false;
    }
    return true;
}

static bool open_in_place(vd_vol_transfer *t, uint64_t offset, vd_error **err)
{
    t->in_place = true;
    t->fd = open(t->job.path, O_WRONLY | O_CLOEXEC);
    if (t->fd < 0 || lseek(t->fd, offset, SEEK_SET) < 0) {
        vd_fail_errno(err, errno, "cannot open volume '%s' for upload", t->job.path);
        return false;
    }
    return true;
}

vd_vol_transfer *vd_vol_upload_begin(vd_daemon *d, const vd_vol_ref *vol, uint64_t offset,
                                     uint64_t length, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM, err, NULL);
    vd_vol_transfer *t = begin(d, vol, length, true, err);
    if (t &&
        !(S_ISBLK(t->orig.st_mode) ? open_in_place(t, offset, err) : open_upload(t, offset, err))) {
        transfer_free(t);
        return NULL;
    }
    if (t)
        t->sparse = flags & VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM;
    return t;
}

static bool check_room(vd_vol_transfer *t, uint64_t len, vd_error **err)
{
    if (!t->length || t->done + len <= t->length)
        return true;
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_STORAGE,
            "upload to '%s' sent more than the %" G_GUINT64_FORMAT " bytes announced", t->job.path,
            t->length);
    return false;
}

/* A hole reads back as zeroes: punched where the new file already has data (a partial
 * upload's copy), simply skipped past its end; zeroed on a block device. */
bool vd_vol_transfer_skip(vd_vol_transfer *t, uint64_t len, vd_error **err)
{
    if (!t->sparse) {
        vd_fail(err, VIR_ERR_RPC, VIR_FROM_STORAGE, "a hole in a stream that is not sparse");
        return false;
    }
    if (!check_room(t, len, err))
        return false;
    off_t pos = lseek(t->fd, 0, SEEK_CUR);
    if (pos >= 0 && t->in_place && !vd_block_dev_zero(t->fd, t->job.path, pos, len, err))
        return false;
    if (pos < 0 ||
        (!t->in_place &&
         fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, pos, len) != 0 &&
         errno != EOPNOTSUPP) ||
        lseek(t->fd, len, SEEK_CUR) < 0) {
        vd_fail_errno(err, errno, "cannot skip a hole in the upload to '%s'", t->job.path);
        return false;
    }
    t->done += len;
    return true;
}

bool vd_vol_transfer_write(vd_vol_transfer *t, const void *buf, size_t len, vd_error **err)
{
    if (!check_room(t, len, err))
        return false;
    const char *p = buf;
    while (len) {
        ssize_t n = write(t->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vd_fail_errno(err, n ? errno : EIO, "cannot write the upload to '%s'", t->job.path);
            return false;
        }
        p += n;
        len -= n;
        t->done += n;
    }
    return true;
}

vd_vol_transfer *vd_vol_download_begin(vd_daemon *d, const vd_vol_ref *vol, uint64_t offset,
                                       uint64_t length, unsigned flags, vd_error **err)
{
    VD_STORAGE_CHECK_FLAGS(flags, VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM, err, NULL);
    vd_vol_transfer *t = begin(d, vol, length, false, err);
    if (!t)
        return NULL;
    t->sparse = flags & VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM;
    t->fd = open(t->job.path, O_RDONLY | O_CLOEXEC);
    if (t->fd < 0 || lseek(t->fd, offset, SEEK_SET) < 0) {
        vd_fail_errno(err, errno, "cannot open volume '%s' for download", t->job.path);
        transfer_free(t);
        return NULL;
    }
    return t;
}

/* Sparse downloads: how far the data (or the hole) at pos goes, within max bytes. */
static uint64_t extent(int fd, off_t pos, uint64_t max, bool *hole)
{
    off_t data = lseek(fd, pos, SEEK_DATA);
    if (data < 0 || data > pos) {
        /* ENXIO: only a hole up to the end. */
        *hole = true;
        return data < 0 ? max : MIN(max, (uint64_t)(data - pos));
    }
    off_t next = lseek(fd, pos, SEEK_HOLE);
    *hole = false;
    return next > pos ? MIN(max, (uint64_t)(next - pos)) : max;
}

gssize vd_vol_transfer_read(vd_vol_transfer *t, void *buf, size_t len, uint64_t *hole,
                            vd_error **err)
{
    uint64_t left = t->length ? t->length - t->done : G_MAXUINT64;
    off_t pos = lseek(t->fd, 0, SEEK_CUR);
    *hole = 0;
    if (pos < 0 || (uint64_t)pos >= t->size || !left)
        return 0;
    left = MIN(left, t->size - pos);
    bool in_hole = false;
    uint64_t span = t->sparse ? extent(t->fd, pos, left, &in_hole) : left;
    if (lseek(t->fd, in_hole ? pos + (off_t)span : pos, SEEK_SET) < 0) {
        vd_fail_errno(err, errno, "cannot seek in volume '%s'", t->job.path);
        return -1;
    }
    if (in_hole) {
        *hole = span;
        t->done += span;
        return 0;
    }
    len = MIN(len, span);
    for (;;) {
        ssize_t n = read(t->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            vd_fail_errno(err, errno, "cannot read volume '%s'", t->job.path);
        else
            t->done += n;
        return n;
    }
}

/* The whole volume was sent: it becomes the new data, no shorter than it was (a raw
 * volume keeps its capacity, as libvirt leaves the rest of the file in place). */
static bool put_in_place(vd_vol_transfer *t, vd_error **err)
{
    struct stat st;
    g_autofree char *dir = g_path_get_dirname(t->job.path);
    off_t end = lseek(t->fd, 0, SEEK_CUR); /* past a final hole the file must grow */
    if (end < 0 || fstat(t->fd, &st) != 0 ||
        (st.st_size < MAX(end, t->orig.st_size) &&
         ftruncate(t->fd, MAX(end, t->orig.st_size)) != 0) ||
        fsync(t->fd) != 0) {
        vd_fail_errno(err, errno, "cannot finish the upload to '%s'", t->job.path);
        return false;
    }
    if (rename(t->tmp, t->job.path) != 0) {
        vd_fail_errno(err, errno, "cannot put the upload in place of '%s'", t->job.path);
        return false;
    }
    g_clear_pointer(&t->tmp, g_free);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    g_message("storage volume '%s': %" G_GUINT64_FORMAT " bytes uploaded", t->job.path, t->done);
    return true;
}

/* Written in place: only the sync is left. */
static bool sync_device(vd_vol_transfer *t, vd_error **err)
{
    if (fsync(t->fd) != 0) {
        vd_fail_errno(err, errno, "cannot finish the upload to '%s'", t->job.path);
        return false;
    }
    g_message("storage volume '%s': %" G_GUINT64_FORMAT " bytes uploaded", t->job.path, t->done);
    return true;
}

bool vd_vol_transfer_finish(vd_vol_transfer *t, vd_error **err)
{
    bool ok = !t->upload || (t->in_place ? sync_device(t, err) : put_in_place(t, err));
    transfer_free(t);
    return ok;
}

void vd_vol_transfer_abort(vd_vol_transfer *t)
{
    if (t->upload)
        g_message("storage volume '%s': upload abandoned after %" G_GUINT64_FORMAT " bytes, %s",
                  t->job.path, t->done,
                  t->in_place ? "those written in place" : "volume unchanged");
    transfer_free(t);
}
