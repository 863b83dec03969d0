/* SPDX-License-Identifier: GPL-2.0-only */
/* Block devices as volumes (a logical pool's LVs): their size, and zeroing a range of them. */
#include <errno.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vd-error.h"
#include "vd-storage-private.h"

bool vd_block_dev_size(int fd, const char *path, uint64_t *out, vd_error **err)
{
    if (ioctl(fd, BLKGETSIZE64, out) == 0)
        return true;
    vd_fail_errno(err, errno, "cannot read the size of block device '%s'", path);
    return false;
}

/* BLKZEROOUT wants whole sectors: anything else is written as zeroes. */
static bool write_zeroes(int fd, uint64_t offset, uint64_t len)
{
    static const char zeroes[65536];
    while (len) {
        ssize_t n = pwrite(fd, zeroes, MIN(len, sizeof(zeroes)), offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        offset += n;
        len -= n;
    }
    return true;
}

/* The kernel zeroes the range its fastest way (write-zeroes, discard that zeroes, or plain
 * writes): what a wipe and a hole in an upload both need. */
bool vd_block_dev_zero(int fd, const char *path, uint64_t offset, uint64_t len, vd_error **err)
{
    uint64_t range[2] = {offset, len};
    bool sectors = !(offset % 512) && !(len % 512);
    if (!len || (sectors ? ioctl(fd, BLKZEROOUT, range) == 0 : write_zeroes(fd, offset, len)))
        return true;
    vd_fail_errno(err, errno,
                  "cannot zero %" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT " of '%s'", len,
                  offset, path);
    return false;
}
