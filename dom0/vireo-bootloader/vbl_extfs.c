/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libext2fs over the disk file: every library error code becomes a sentence naming the
 * path, and every size is checked before anything is read, since the image is the guest's.
 */
#include "vbl_extfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <et/com_err.h>
#include <ext2fs/ext2_err.h>
#include <ext2fs/ext2fs.h>

#define COPY_CHUNK (1024 * 1024)

struct vbl_extfs {
    ext2_filsys fs;
};

static void set_ext2_error(GError **error, errcode_t err, const char *what)
{
    g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "%s: %s", what, error_message(err));
}

bool vbl_extfs_open(const char *disk, uint64_t offset, struct vbl_extfs **out, GError **error)
{
    g_autofree char *options = g_strdup_printf("offset=%" PRIu64, offset);
    ext2_filsys fs = NULL;
    errcode_t err;

    *out = NULL;
    initialize_ext2_error_table();
    /* No EXT2_FLAG_RW: libext2fs opens the file O_RDONLY and writes nothing back. */
    err = ext2fs_open2(disk, options, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP, 0, 0, unix_io_manager,
                       &fs);
    if (err != 0) {
        set_ext2_error(error, err, "cannot open the filesystem");
        return false;
    }
    *out = g_new0(struct vbl_extfs, 1);
    (*out)->fs = fs;
    return true;
}

void vbl_extfs_close(struct vbl_extfs *fs)
{
    if (fs == NULL)
        return;
    ext2fs_close_free(&fs->fs);
    g_free(fs);
}

char *vbl_extfs_uuid(const struct vbl_extfs *fs)
{
    const uint8_t *u = fs->fs->super->s_uuid;

    return g_strdup_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                           "%02x%02x%02x%02x%02x%02x",
                           u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
                           u[12], u[13], u[14], u[15]);
}

/* The inode a path leads to, following symlinks inside the filesystem. */
static bool lookup(struct vbl_extfs *fs, const char *path, ext2_ino_t *ino,
                   struct ext2_inode *inode, GError **error)
{
    errcode_t err = ext2fs_namei_follow(fs->fs, EXT2_ROOT_INO, EXT2_ROOT_INO, path, ino);

    if (err == EXT2_ET_FILE_NOT_FOUND || err == EXT2_ET_NO_DIRECTORY) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_NOT_FOUND, "%s: not found", path);
        return false;
    }
    if (err != 0) {
        set_ext2_error(error, err, path);
        return false;
    }
    err = ext2fs_read_inode(fs->fs, *ino, inode);
    if (err != 0) {
        set_ext2_error(error, err, path);
        return false;
    }
    if (!LINUX_S_ISREG(inode->i_mode)) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL, "%s: not a regular file", path);
        return false;
    }
    return true;
}

static bool check_limit(const char *path, uint64_t size, uint64_t limit, GError **error)
{
    if (size <= limit)
        return true;
    g_set_error(error, VBL_ERROR, VBL_ERROR_NO_KERNEL,
                "%s is %" PRIu64 " MiB, more than the %" PRIu64 " MiB vireo-bootloader reads", path,
                size >> 20, limit >> 20);
    return false;
}

bool vbl_extfs_check(struct vbl_extfs *fs, const char *path, uint64_t limit, GError **error)
{
    struct ext2_inode inode;
    ext2_ino_t ino;

    return lookup(fs, path, &ino, &inode, error) &&
           check_limit(path, EXT2_I_SIZE(&inode), limit, error);
}

/* Calls sink for each chunk of the file, at most limit bytes in all. */
static bool read_file(struct vbl_extfs *fs, const char *path, uint64_t limit,
                      bool (*sink)(const char *buf, unsigned len, void *opaque, GError **),
                      void *opaque, GError **error)
{
    struct ext2_inode inode;
    ext2_file_t file = NULL;
    g_autofree char *buf = NULL;
    uint64_t total = 0;
    ext2_ino_t ino;
    errcode_t err;
    bool ok = false;

    if (!lookup(fs, path, &ino, &inode, error) ||
        !check_limit(path, EXT2_I_SIZE(&inode), limit, error))
        return false;
    err = ext2fs_file_open2(fs->fs, ino, &inode, 0, &file);
    if (err != 0) {
        set_ext2_error(error, err, path);
        return false;
    }
    buf = g_malloc(COPY_CHUNK);
    for (;;) {
        unsigned got = 0;

        err = ext2fs_file_read(file, buf, COPY_CHUNK, &got);
        if (err != 0) {
            set_ext2_error(error, err, path);
            goto out;
        }
        if (got == 0)
            break;
        total += got;
        /* The size was checked, but a hostile inode may still read on. */
        if (!check_limit(path, total, limit, error) || !sink(buf, got, opaque, error))
            goto out;
    }
    ok = true;
out:
    ext2fs_file_close(file);
    return ok;
}

static bool append_to_string(const char *buf, unsigned len, void *opaque, GError **error)
{
    (void)error;
    g_string_append_len(opaque, buf, len);
    return true;
}

bool vbl_extfs_read(struct vbl_extfs *fs, const char *path, uint64_t limit, char **contents,
                    GError **error)
{
    GString *s = g_string_new(NULL);

    if (!read_file(fs, path, limit, append_to_string, s, error)) {
        g_string_free(s, true);
        return false;
    }
    *contents = g_string_free(s, false);
    return true;
}

struct output {
    int fd;
    const char *name;
};

static bool write_to_fd(const char *buf, unsigned len, void *opaque, GError **error)
{
    const struct output *out = opaque;

    while (len > 0) {
        ssize_t n = write(out->fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "writing %s: %s", out->name,
                        g_strerror(errno));
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

bool vbl_extfs_copy(struct vbl_extfs *fs, const char *path, uint64_t limit, int dirfd,
                    const char *name, GError **error)
{
    /* O_EXCL | O_NOFOLLOW: a new file in OUTDIR, never through a link someone left. */
    struct output out = {
        .fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644),
        .name = name,
    };
    bool ok;

    if (out.fd < 0) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "creating %s: %s", name, g_strerror(errno));
        return false;
    }
    ok = read_file(fs, path, limit, write_to_fd, &out, error);
    if (close(out.fd) != 0 && ok) {
        g_set_error(error, VBL_ERROR, VBL_ERROR_FAILED, "writing %s: %s", name, g_strerror(errno));
        ok = false;
    }
    if (!ok)
        unlinkat(dirfd, name, 0);
    return ok;
}
