/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * virtio-balloon (virtio 1.1 §5.5). hv's memory target for the domain (virsh setmem sets
 * it; the hv glue looks at it every second) becomes num_pages, the frames the guest puts in the balloon go back to hv and the
 * ones it takes out come back, zeroed. The guest's own memory statistics (the stats queue)
 * and the balloon's state are published in runtime_dir/balloon for virtvireod's
 * dommemstat (format: docs/device-model.md, "Balloon").
 *
 * Every frame number is the guest's word: one outside RAM, or one already in (or not in)
 * the balloon, is skipped and logged once; nothing the guest sends reaches hv unchecked.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vdm_virtio_mmio.h"

#define BALLOON_F_MUST_TELL_HOST 0
#define BALLOON_F_STATS_VQ 1
#define BALLOON_F_DEFLATE_ON_OOM 2

#define Q_INFLATE 0
#define Q_DEFLATE 1
#define Q_STATS 2
#define BALLOON_QUEUE_SIZE 128

#define FRAME_SIZE 4096u
#define FRAME_KIB (FRAME_SIZE / 1024)
/* Frame numbers taken from one chain: bounds the work one doorbell makes (Linux sends
 * at most 256). */
#define CHAIN_FRAMES_MAX 4096u
#define STATS_PERIOD_DEFAULT 5 /* seconds between asks for fresh guest statistics */
#define STATS_PERIOD_MAX 86400

/* The statistics' tags (§5.5.6.3), in the file's names. */
static const char *const stat_key[] = {
    "swap-in-bytes", "swap-out-bytes", "major-faults", "minor-faults",
    "free-bytes",    "total-bytes",    "available-bytes", "disk-caches-bytes",
    "hugetlb-allocations", "hugetlb-failures",
};
#define NR_STATS G_N_ELEMENTS(stat_key)

struct balloon_config {
    uint32_t num_pages; /* frames the device wants in the balloon (le32) */
    uint32_t actual;    /* frames the driver has put there (le32, driver-written) */
};

struct vdm_balloon {
    struct vdm_virtio virtio;
    struct balloon_config config;
    uint64_t ram_frames;    /* RAM the domain was built with */
    uint64_t frame_limit;   /* one past the highest RAM frame */
    uint64_t *given;        /* one bit per frame below frame_limit: given back to hv */
    uint64_t frames_given;
    struct vdm_chain *stats_chain; /* the driver's statistics buffer, held until we ask */
    uint64_t stats[NR_STATS];
    uint32_t stats_seen;    /* bit per tag the driver reported */
    gint64 stats_time;      /* wall clock (µs) of the last report, 0 before one */
    GSource *timer;         /* asks for statistics every stats_period s; NULL: period 0 */
    char *path;             /* runtime_dir/balloon */
    bool logged_bad_frame, logged_host_error;
};

static const struct vdm_env *env_of(const struct vdm_balloon *b)
{
    return b->virtio.dev.env;
}

static void publish(struct vdm_balloon *b)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    uint64_t want = le32toh(b->config.num_pages), has = le32toh(b->config.actual);

    g_key_file_set_uint64(kf, "balloon", "ram-kib", b->ram_frames * FRAME_KIB);
    g_key_file_set_uint64(kf, "balloon", "target-kib",
                          (b->ram_frames - MIN(want, b->ram_frames)) * FRAME_KIB);
    g_key_file_set_uint64(kf, "balloon", "actual-kib",
                          (b->ram_frames - MIN(has, b->ram_frames)) * FRAME_KIB);
    g_key_file_set_uint64(kf, "balloon", "given-back-kib", b->frames_given * FRAME_KIB);
    if (b->stats_time != 0) {
        g_key_file_set_int64(kf, "guest", "last-update", b->stats_time / G_USEC_PER_SEC);
        for (unsigned i = 0; i < NR_STATS; i++) {
            if (b->stats_seen & (1u << i))
                g_key_file_set_uint64(kf, "guest", stat_key[i], b->stats[i]);
        }
    }
    text = g_key_file_to_data(kf, NULL, NULL);
    /* Written aside and renamed: the daemon never reads half a file. */
    if (!g_file_set_contents(b->path, text, -1, &error))
        g_message("%s: %s: %s", env_of(b)->name, b->virtio.dev.group, error->message);
}

static bool given(const struct vdm_balloon *b, uint64_t gfn)
{
    return (b->given[gfn / 64] >> (gfn % 64)) & 1;
}

static void mark(struct vdm_balloon *b, uint64_t gfn, uint64_t nr, bool out)
{
    for (uint64_t f = gfn; f < gfn + nr; f++) {
        if (out)
            b->given[f / 64] |= 1ull << (f % 64);
        else
            b->given[f / 64] &= ~(1ull << (f % 64));
    }
    b->frames_given = out ? b->frames_given + nr : b->frames_given - nr;
}

/* May the guest put gfn in the balloon (inflate) or take it out (!inflate)? */
static bool frame_ok(const struct vdm_balloon *b, uint64_t gfn, bool inflate)
{
    if (gfn >= b->frame_limit ||
        vdm_guest_mem_ptr(env_of(b)->mem, gfn * FRAME_SIZE, FRAME_SIZE) == NULL)
        return false;
    return given(b, gfn) != inflate;
}

/* Frames [gfn, gfn + nr), all checked, go to hv (inflate) or come back. */
static void move_run(struct vdm_balloon *b, uint64_t gfn, uint64_t nr, bool inflate)
{
    const struct vdm_env *env = env_of(b);
    int ret;

    if (nr == 0)
        return;
    ret = inflate ? env->memory->give(env->memory_ctx, gfn, nr)
                  : env->memory->take(env->memory_ctx, gfn, nr);
    if (ret < 0) {
        if (!b->logged_host_error)
            g_message("%s: %s: %s frames 0x%" G_GINT64_MODIFIER "x+%" G_GUINT64_FORMAT
                      ": %s (logged once)", env->name, b->virtio.dev.group,
                      inflate ? "giving back" : "taking back", gfn, nr, g_strerror(-ret));
        b->logged_host_error = true;
        return;
    }
    /* Back zeroed: content the guest did not write, which a migration must copy again. */
    if (!inflate)
        vdm_guest_mem_wrote(env->mem, vdm_guest_mem_ptr(env->mem, gfn * FRAME_SIZE,
                                                        nr * FRAME_SIZE), nr * FRAME_SIZE);
    mark(b, gfn, nr, inflate);
}

/* One inflate or deflate request: a list of le32 frame numbers, moved in runs. */
static void take_frames(struct vdm_balloon *b, const struct vdm_chain *c, bool inflate)
{
    uint32_t pfn[256];
    uint64_t run = 0, run_len = 0;
    size_t offset = 0, got;

    while (offset < CHAIN_FRAMES_MAX * sizeof(uint32_t) &&
           (got = vdm_chain_gather(c, offset, pfn, sizeof(pfn))) >= sizeof(uint32_t)) {
        for (size_t i = 0; i < got / sizeof(uint32_t); i++) {
            uint64_t gfn = le32toh(pfn[i]);

            if (!frame_ok(b, gfn, inflate) || (run_len && gfn >= run && gfn < run + run_len)) {
                if (!b->logged_bad_frame)
                    g_message("%s: %s: the guest %s frame 0x%" G_GINT64_MODIFIER "x, which "
                              "%s (skipped; logged once)", env_of(b)->name,
                              b->virtio.dev.group, inflate ? "inflates" : "deflates", gfn,
                              inflate ? "is not RAM it holds" : "is not in the balloon");
                b->logged_bad_frame = true;
                continue;
            }
            if (run_len && gfn == run + run_len) {
                run_len++;
                continue;
            }
            move_run(b, run, run_len, inflate);
            run = gfn;
            run_len = 1;
        }
        offset += got - got % sizeof(uint32_t);
        if (got < sizeof(pfn))
            break;
    }
    move_run(b, run, run_len, inflate);
}

/* The driver's statistics buffer: a packed array of {le16 tag, le64 value}. */
static void take_stats(struct vdm_balloon *b, const struct vdm_chain *c)
{
    uint8_t raw[10 * 32];
    size_t got = vdm_chain_gather(c, 0, raw, sizeof(raw));

    for (size_t off = 0; off + 10 <= got; off += 10) {
        uint16_t tag;
        uint64_t value;

        memcpy(&tag, raw + off, 2);
        memcpy(&value, raw + off + 2, 8);
        tag = le16toh(tag);
        if (tag < NR_STATS) {
            b->stats[tag] = le64toh(value);
            b->stats_seen |= 1u << tag;
        }
    }
    b->stats_time = g_get_real_time();
}

static void balloon_queue_notify(struct vdm_virtio *v, unsigned q)
{
    struct vdm_balloon *b = (struct vdm_balloon *)v;
    struct vdm_chain *c;
    bool pushed = false;
    int ret;

    while ((ret = vdm_vq_pop(&v->queue[q].vq, &c)) > 0) {
        if (q == Q_STATS) {
            take_stats(b, c);
            /* Kept until we want fresh numbers (§5.5.6.3); a second one replaces it. */
            if (b->stats_chain != NULL) {
                vdm_vq_push(&v->queue[q].vq, b->stats_chain, 0);
                pushed = true;
            }
            b->stats_chain = c;
            continue;
        }
        take_frames(b, c, q == Q_INFLATE);
        vdm_vq_push(&v->queue[q].vq, c, 0);
        pushed = true;
    }
    if (ret < 0) {
        vdm_virtio_needs_reset(v, "malformed balloon queue");
        return;
    }
    if (pushed)
        vdm_virtio_queue_interrupt(v, q);
    /* The driver writes `actual` after each inflate or deflate (balloon_config_write
     * publishes then): only fresh statistics need the file rewritten here. */
    if (q == Q_STATS)
        publish(b);
}

/* Gives the driver its statistics buffer back: it refills it and sends it again. */
static gboolean ask_for_stats(gpointer data)
{
    struct vdm_balloon *b = data;
    struct vdm_virtio *v = &b->virtio;

    /* Not while a save runs: the saved state gives the held buffer back to the ring. */
    if (b->stats_chain != NULL && vdm_virtio_running(v) && !v->quiesced) {
        vdm_vq_push(&v->queue[Q_STATS].vq, b->stats_chain, 0);
        b->stats_chain = NULL;
        vdm_virtio_queue_interrupt(v, Q_STATS);
    }
    return G_SOURCE_CONTINUE;
}

/* Statistics every `period` seconds from now on, none for 0 (virsh dommemstat --period). */
static void set_stats_period(struct vdm_balloon *b, unsigned period)
{
    if (b->timer != NULL) {
        g_source_destroy(b->timer);
        g_clear_pointer(&b->timer, g_source_unref);
    }
    if (period > 0) {
        b->timer = g_timeout_source_new_seconds(period);
        g_source_set_callback(b->timer, ask_for_stats, b, NULL);
        g_source_attach(b->timer, env_of(b)->main);
    }
}

static bool check_period(int64_t period, const char *group, GError **error)
{
    if (period >= 0 && period <= STATS_PERIOD_MAX)
        return true;
    g_set_error(error, VDM_ERROR, 0, "%s: stats_period %" G_GINT64_FORMAT " is not 0 (off) to "
                "%u seconds", group, period, STATS_PERIOD_MAX);
    return false;
}

static bool balloon_control(struct vdm_virtio *v, const char *verb, const char *arg,
                            GString *reply, GError **error)
{
    struct vdm_balloon *b = (struct vdm_balloon *)v;
    gint64 period;

    (void)reply;
    if (strcmp(verb, "stats-period") != 0) {
        g_set_error(error, VDM_ERROR, 0, "%s: unknown request '%s' (a balloon takes "
                    "stats-period SECONDS)", v->dev.group, verb);
        return false;
    }
    if (!g_ascii_string_to_signed(arg, 10, G_MININT64, G_MAXINT64, &period, NULL)) {
        g_set_error(error, VDM_ERROR, 0, "%s: stats-period '%s' is not a number",
                    v->dev.group, arg);
        return false;
    }
    if (!check_period(period, v->dev.group, error))
        return false;
    set_stats_period(b, (unsigned)period);
    g_message("%s: statistics every %u s", v->dev.group, (unsigned)period);
    return true;
}

static void follow_target(void *data)
{
    struct vdm_balloon *b = data;
    const struct vdm_env *env = env_of(b);
    int64_t target = env->memory->target(env->memory_ctx);
    uint32_t want;

    if (target < 0) {
        g_message("%s: %s: reading the memory target: %s", env->name, b->virtio.dev.group,
                  g_strerror((int)-target));
        return;
    }
    want = (uint32_t)(b->ram_frames - MIN((uint64_t)target, b->ram_frames));
    if (htole32(want) == b->config.num_pages)
        return;
    b->config.num_pages = htole32(want);
    if (vdm_virtio_running(&b->virtio))
        vdm_virtio_config_changed(&b->virtio);
    else
        b->virtio.config_generation++; /* the driver reads it as it starts */
    publish(b);
}

static void balloon_config_write(struct vdm_virtio *v, unsigned offset, unsigned size)
{
    (void)offset;
    (void)size;
    publish((struct vdm_balloon *)v);
}

/* A reset driver forgets its balloon (a guest that rebooted uses all its RAM again): every
 * frame given back comes back first. */
static void balloon_reset(struct vdm_virtio *v)
{
    struct vdm_balloon *b = (struct vdm_balloon *)v;
    uint64_t run = 0, run_len = 0;

    for (uint64_t f = 0; f < b->frame_limit && b->frames_given > 0; f++) {
        if (given(b, f) && run_len && f == run + run_len) {
            run_len++;
        } else if (given(b, f)) {
            move_run(b, run, run_len, false);
            run = f;
            run_len = 1;
        }
    }
    move_run(b, run, run_len, false);
    free(b->stats_chain); /* its ring is forgotten: the chain is not pushed */
    b->stats_chain = NULL;
    b->config.actual = 0;
    publish(b);
}

static void balloon_destroy(struct vdm_virtio *v)
{
    struct vdm_balloon *b = (struct vdm_balloon *)v;

    set_stats_period(b, 0);
    free(b->stats_chain);
    unlink(b->path);
    g_free(b->path);
    g_free(b->given);
    g_free(b);
}

/* The driver's statistics buffer, held until the next request for statistics. */
static unsigned balloon_held(struct vdm_virtio *v, unsigned q)
{
    return q == Q_STATS && ((struct vdm_balloon *)v)->stats_chain != NULL;
}

static const struct vdm_virtio_ops balloon_ops = {
    .queue_notify = balloon_queue_notify,
    .held = balloon_held,
    .reset = balloon_reset,
    .config_write = balloon_config_write,
    .destroy = balloon_destroy,
    .control = balloon_control,
};

static struct vdm_device *balloon_create(const struct vdm_env *env, GKeyFile *kf,
                                         const char *group, GError **error)
{
    g_autoptr(GError) local = NULL, local2 = NULL;
    int64_t period = g_key_file_get_int64(kf, group, "stats_period", &local);
    struct vdm_balloon *b;

    if (local != NULL && !g_error_matches(local, G_KEY_FILE_ERROR,
                                          G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
        g_set_error(error, VDM_ERROR, 0, "%s: stats_period: %s", group, local->message);
        return NULL;
    }
    if (local != NULL)
        period = STATS_PERIOD_DEFAULT;
    if (!check_period(period, group, error))
        return NULL;
    bool deflate_on_oom = g_key_file_get_boolean(kf, group, "deflate_on_oom", &local2);
    if (local2 != NULL &&
        !g_error_matches(local2, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
        g_set_error(error, VDM_ERROR, 0, "%s: deflate_on_oom: %s", group, local2->message);
        return NULL;
    }
    if (env->memory == NULL) {
        g_set_error(error, VDM_ERROR, 0, "%s: a balloon needs hv's memory calls", group);
        return NULL;
    }
    b = g_new0(struct vdm_balloon, 1);
    for (unsigned i = 0; i < env->mem->nr; i++) {
        const struct vdm_mem_region *r = &env->mem->region[i];

        b->ram_frames += r->size / FRAME_SIZE;
        b->frame_limit = MAX(b->frame_limit, (r->gpa + r->size) / FRAME_SIZE);
    }
    b->given = g_new0(uint64_t, (b->frame_limit + 63) / 64);
    b->path = g_build_filename(env->runtime_dir, "balloon", NULL);
    vdm_virtio_init(&b->virtio, env, group, &balloon_ops, VIRTIO_ID_BALLOON,
                    (1ull << BALLOON_F_MUST_TELL_HOST) | (1ull << BALLOON_F_STATS_VQ) |
                        (deflate_on_oom ? 1ull << BALLOON_F_DEFLATE_ON_OOM : 0),
                    &b->config, sizeof(b->config), 3, BALLOON_QUEUE_SIZE);
    set_stats_period(b, (unsigned)period);
    env->memory->watch_target(env->memory_ctx, follow_target, b);
    follow_target(b);
    publish(b);
    return &b->virtio.dev;
}

static const char *const balloon_keys[] = { "stats_period", "deflate_on_oom", NULL };

const struct vdm_device_type vdm_balloon_type = {
    .name = "balloon",
    .keys = balloon_keys,
    .create = balloon_create,
};
