/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-rng (virtio 1.1 §5.4): every writable buffer the driver offers comes back full of
 * random bytes, from getrandom() or from the configured source file.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "vdm_virtio_mmio.h"

#define RNG_QUEUE_SIZE 64

struct vdm_rng {
    struct vdm_virtio virtio;
    int source_fd; /* -1: getrandom() */
};

static ssize_t fill_from(struct vdm_rng *rng, void *buf, size_t len)
{
    if (rng->source_fd < 0)
        return getrandom(buf, len, 0);
    return read(rng->source_fd, buf, len);
}

/* Fills the chain's writable buffers; returns the bytes written (short if the source is). */
static uint32_t fill_chain(struct vdm_rng *rng, const struct vdm_chain *c)
{
    size_t total = 0;

    for (unsigned i = c->nr_out; i < c->nr_out + c->nr_in; i++) {
        size_t done = 0;

        while (done < c->iov[i].iov_len) {
            ssize_t n = fill_from(rng, (uint8_t *)c->iov[i].iov_base + done,
                                  c->iov[i].iov_len - done);

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return (uint32_t)(total + done);
            done += (size_t)n;
        }
        total += done;
    }
    return (uint32_t)total;
}

static void rng_queue_notify(struct vdm_virtio *v, unsigned q)
{
    struct vdm_rng *rng = (struct vdm_rng *)v;
    struct vdm_chain *c;
    int ret;

    while ((ret = vdm_vq_pop(&v->queue[q].vq, &c)) > 0)
        vdm_vq_push(&v->queue[q].vq, c, fill_chain(rng, c));
    if (ret < 0) {
        vdm_virtio_needs_reset(v, "malformed request queue");
        return;
    }
    vdm_virtio_queue_interrupt(v, q);
}

static void rng_destroy(struct vdm_virtio *v)
{
    struct vdm_rng *rng = (struct vdm_rng *)v;

    if (rng->source_fd >= 0)
        close(rng->source_fd);
    g_free(rng);
}

static const struct vdm_virtio_ops rng_ops = {
    .queue_notify = rng_queue_notify,
    .destroy = rng_destroy,
};

/* The kernel's pools behind /dev/random and /dev/urandom are what getrandom() reads. */
static bool is_kernel_pool(const char *path)
{
    return path == NULL || *path == '\0' || strcmp(path, "/dev/urandom") == 0 ||
           strcmp(path, "/dev/random") == 0;
}

static struct vdm_device *rng_create(const struct vdm_env *env, GKeyFile *kf,
                                     const char *group, GError **error)
{
    g_autofree char *source = g_key_file_get_string(kf, group, "source", NULL);
    struct vdm_rng *rng = g_new0(struct vdm_rng, 1);

    rng->source_fd = -1;
    if (!is_kernel_pool(source)) {
        rng->source_fd = open(source, O_RDONLY | O_CLOEXEC);
        if (rng->source_fd < 0) {
            g_set_error(error, VDM_ERROR, 0, "%s: rng source %s: %s", group, source,
                        g_strerror(errno));
            g_free(rng);
            return NULL;
        }
    }
    vdm_virtio_init(&rng->virtio, env, group, &rng_ops, VIRTIO_ID_RNG, 0, NULL, 0, 1,
                    RNG_QUEUE_SIZE);
    return &rng->virtio.dev;
}

static const char *const rng_keys[] = { "source", NULL };

const struct vdm_device_type vdm_rng_type = {
    .name = "rng",
    .keys = rng_keys,
    .create = rng_create,
};
