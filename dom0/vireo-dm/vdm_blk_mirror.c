/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A disk's mirror (vdm_blk_mirror.h): node "mirror-target" (QEMU's NBD client to the
 * destination) and job "mirror" (blockdev-mirror from "fmt") in the disk's
 * qemu-storage-daemon, over one QMP connection kept while they exist. No copy code here.
 */
#include "vdm_blk_mirror.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "vdm_device.h"

#define TARGET_NODE "mirror-target"
#define JOB_ID "mirror"
#define STOP_WAIT_MS 5000 /* a forced cancel drops what is in flight: quick */
#define STOP_POLL_MS 20

/* {name: value} */
static JsonNode *one_member(const char *name, const char *value)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static void add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value);
}

static JsonNode *target_args(const char *host, const char *port, const char *export)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "driver", "nbd");
    add_string(b, "node-name", TARGET_NODE);
    json_builder_set_member_name(b, "server");
    json_builder_begin_object(b);
    add_string(b, "type", "inet");
    add_string(b, "host", host);
    add_string(b, "port", port);
    json_builder_end_object(b);
    add_string(b, "export", export);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* auto-dismiss off: a job that ended stays, with its error, until mirror-status saw it. */
static JsonNode *mirror_args(void)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "job-id", JOB_ID);
    add_string(b, "device", "fmt");
    add_string(b, "target", TARGET_NODE);
    add_string(b, "sync", "full");
    json_builder_set_member_name(b, "auto-dismiss");
    json_builder_add_boolean_value(b, false);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static JsonNode *cancel_args(bool force)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "device", JOB_ID);
    json_builder_set_member_name(b, "force");
    json_builder_add_boolean_value(b, force);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* A command whose return value says nothing. */
static bool run(struct vdm_qmp *qmp, const char *command, JsonNode *args, GError **error)
{
    JsonNode *ret = vdm_qmp_execute(qmp, command, args, error);

    if (ret == NULL)
        return false;
    json_node_unref(ret);
    return true;
}

/* The element of the list `command` returns whose `key` is `value` (json_object_unref it),
 * NULL if none or on error; *found tells the two apart when error is NULL. */
static JsonObject *find_in_list(struct vdm_qmp *qmp, const char *command, JsonNode *args,
                                const char *key, const char *value, bool *found, GError **error)
{
    g_autoptr(JsonNode) list = vdm_qmp_execute(qmp, command, args, error);
    JsonArray *a;

    *found = false;
    if (list == NULL)
        return NULL;
    a = JSON_NODE_HOLDS_ARRAY(list) ? json_node_get_array(list) : NULL;
    for (unsigned i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonObject *o = json_array_get_object_element(a, i);

        if (o != NULL &&
            g_strcmp0(json_object_get_string_member_with_default(o, key, NULL), value) == 0) {
            *found = true;
            return json_object_ref(o);
        }
    }
    return NULL;
}

/* The job's entry in query-block-jobs (json_object_unref it); NULL with *error unset when
 * there is no such job. */
static JsonObject *query_job(struct vdm_qmp *qmp, GError **error)
{
    bool found;

    return find_in_list(qmp, "query-block-jobs", NULL, "device", JOB_ID, &found, error);
}

static bool target_exists(struct vdm_qmp *qmp, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    JsonObject *o;
    bool found;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "flat");
    json_builder_add_boolean_value(b, true);
    json_builder_end_object(b);
    o = find_in_list(qmp, "query-named-block-nodes", json_builder_get_root(b), "node-name",
                     TARGET_NODE, &found, error);
    if (o != NULL)
        json_object_unref(o);
    return found;
}

static const char *job_status(JsonObject *job)
{
    return json_object_get_string_member_with_default(job, "status", "");
}

/* "concluded": ended, kept for us by auto-dismiss off; "null": on its way out. */
static bool job_ended(JsonObject *job)
{
    return strcmp(job_status(job), "concluded") == 0 || strcmp(job_status(job), "null") == 0;
}

/* Waits (bounded) until the job has ended; true also when it is gone. */
static bool wait_job_ended(struct vdm_qmp *qmp, GError **error)
{
    const struct timespec step = {.tv_nsec = STOP_POLL_MS * 1000 * 1000};

    for (unsigned waited = 0; waited < STOP_WAIT_MS; waited += STOP_POLL_MS) {
        GError *err = NULL;
        JsonObject *job = query_job(qmp, &err);
        bool ended = job == NULL || job_ended(job);

        if (job != NULL)
            json_object_unref(job);
        if (err != NULL) {
            g_propagate_error(error, err);
            return false;
        }
        if (ended)
            return true;
        nanosleep(&step, NULL);
    }
    g_set_error(error, VDM_ERROR, 0, "the mirror job did not stop in %u s", STOP_WAIT_MS / 1000);
    return false;
}

/* Removes the job (stopping it first if it runs) and the target node, whichever exist. */
static bool remove_job_and_target(struct vdm_qmp *qmp, GError **error)
{
    GError *err = NULL;
    JsonObject *job = query_job(qmp, &err);
    bool running = job != NULL && !job_ended(job), ok = err == NULL;

    if (job != NULL)
        json_object_unref(job);
    if (running)
        ok = run(qmp, "block-job-cancel", cancel_args(true), &err) && wait_job_ended(qmp, &err);
    if (ok && job != NULL)
        ok = run(qmp, "job-dismiss", one_member("id", JOB_ID), &err);
    if (ok && target_exists(qmp, &err))
        ok = run(qmp, "blockdev-del", one_member("node-name", TARGET_NODE), &err);
    if (err != NULL) {
        g_propagate_error(error, err);
        return false;
    }
    return ok;
}

static void end(struct vdm_blk_mirror *m)
{
    vdm_qmp_close(m->qmp);
    g_free(m->name);
    m->qmp = NULL;
    m->name = NULL;
}

/* The job ended (or vanished): it and the target go, then the connection. */
static void finish(struct vdm_blk_mirror *m)
{
    GError *err = NULL;

    if (!remove_job_and_target(m->qmp, &err)) {
        g_message("%s: mirror: removing the ended job: %s", m->name, err->message);
        g_error_free(err);
    }
    end(m);
}

bool vdm_blk_mirror_start(struct vdm_blk_mirror *m, const struct vdm_qsd *qsd, const char *name,
                          const char *host, const char *port, const char *export, GError **error)
{
    struct vdm_qmp *qmp;

    if (m->qmp != NULL) {
        g_set_error(error, VDM_ERROR, 0, "a mirror exists already (mirror-cancel it first)");
        return false;
    }
    if (qsd->qmp_path == NULL) {
        g_set_error(error, VDM_ERROR, 0, "the disk's qemu-storage-daemon has no monitor");
        return false;
    }
    qmp = vdm_qmp_connect(qsd->qmp_path, error);
    if (qmp == NULL)
        return false;
    /* What a mirror that lost its monitor half way may have left (best effort: a leftover
     * that stays makes blockdev-add fail, naming it). */
    remove_job_and_target(qmp, NULL);
    if (!run(qmp, "blockdev-add", target_args(host, port, export), error))
        goto fail;
    if (!run(qmp, "blockdev-mirror", mirror_args(), error)) {
        run(qmp, "blockdev-del", one_member("node-name", TARGET_NODE), NULL);
        goto fail;
    }
    m->qmp = qmp;
    m->name = g_strdup(name);
    g_message("%s: mirroring to export '%s' at %s port %s", name, export, host, port);
    return true;
fail:
    vdm_qmp_close(qmp);
    return false;
}

static bool no_mirror(const struct vdm_blk_mirror *m, GError **error)
{
    if (m->qmp != NULL)
        return false;
    g_set_error(error, VDM_ERROR, 0, "no mirror");
    return true;
}

/* A lost connection ends our hold on the mirror: a later start cleans up after it. */
static bool failed(struct vdm_blk_mirror *m)
{
    if (vdm_qmp_broken(m->qmp)) {
        g_message("%s: mirror: lost the monitor", m->name);
        end(m);
    }
    return false;
}

/* The job's entry, or NULL with *error: the query failed (a lost connection also drops
 * the mirror), or there is no job at all (*gone). */
static JsonObject *mirror_job(struct vdm_blk_mirror *m, bool *gone, GError **error)
{
    GError *err = NULL;
    JsonObject *job = query_job(m->qmp, &err);

    *gone = false;
    if (err != NULL) {
        g_propagate_error(error, err);
        failed(m);
        return NULL;
    }
    if (job == NULL) {
        g_set_error(error, VDM_ERROR, 0, "the mirror job is gone");
        *gone = true;
    }
    return job;
}

bool vdm_blk_mirror_status(struct vdm_blk_mirror *m, GString *reply, GError **error)
{
    g_autoptr(JsonObject) job = NULL;
    g_autofree char *why = NULL;
    bool gone;

    if (no_mirror(m, error))
        return false;
    job = mirror_job(m, &gone, error);
    if (job == NULL) {
        if (gone)
            finish(m);
        return false;
    }
    if (!job_ended(job)) {
        g_string_append_printf(
            reply, "%s %" PRId64 " %" PRId64,
            json_object_get_boolean_member_with_default(job, "ready", false) ? "ready" : "copying",
            json_object_get_int_member_with_default(job, "offset", 0),
            json_object_get_int_member_with_default(job, "len", 0));
        return true;
    }
    why = g_strdup(json_object_get_string_member_with_default(job, "error", NULL));
    g_message("%s: mirror ended%s%s", m->name, why != NULL ? ": " : "", why != NULL ? why : "");
    finish(m);
    if (why != NULL) {
        g_set_error(error, VDM_ERROR, 0, "the mirror failed: %s", why);
        return false;
    }
    g_string_append(reply, "done");
    return true;
}

bool vdm_blk_mirror_complete(struct vdm_blk_mirror *m, GError **error)
{
    g_autoptr(JsonObject) job = NULL;
    bool gone;

    if (no_mirror(m, error))
        return false;
    job = mirror_job(m, &gone, error);
    if (job == NULL)
        return false; /* gone: mirror-status reports it and cleans up */
    if (job_ended(job) || !json_object_get_boolean_member_with_default(job, "ready", false)) {
        g_set_error(error, VDM_ERROR, 0, "the mirror is not ready (mirror-status tells)");
        return false;
    }
    /*
     * Not block-job-complete, which would switch the disk over to the target: a cancel,
     * not forced, of a ready mirror waits until the target is in sync, then ends the job
     * without error and leaves the disk on its source (what libvirt does for NBD
     * migration). Guest writes after that point reach only the source: the daemon pauses
     * the guest first.
     */
    if (!run(m->qmp, "block-job-cancel", cancel_args(false), error))
        return failed(m);
    g_message("%s: mirror completing", m->name);
    return true;
}

bool vdm_blk_mirror_cancel(struct vdm_blk_mirror *m, GError **error)
{
    if (m->qmp == NULL)
        return true;
    if (!remove_job_and_target(m->qmp, error))
        return failed(m); /* a job that would not stop stays ours, to cancel again */
    g_message("%s: mirror cancelled", m->name);
    end(m);
    return true;
}

void vdm_blk_mirror_drop(struct vdm_blk_mirror *m)
{
    end(m);
}

/* "HOST PORT EXPORT", each a word; the port a number QEMU takes as it is. */
static bool start_request(struct vdm_blk_mirror *m, const struct vdm_qsd *qsd, const char *name,
                          const char *arg, GError **error)
{
    g_auto(GStrv) word = g_strsplit(arg, " ", -1);
    guint64 port;

    if (g_strv_length(word) != 3 || *word[0] == '\0' || *word[2] == '\0' ||
        !g_ascii_string_to_unsigned(word[1], 10, 1, 65535, &port, NULL)) {
        g_set_error(error, VDM_ERROR, 0,
                    "mirror-start takes HOST PORT EXPORT (port 1 to 65535), not '%s'", arg);
        return false;
    }
    return vdm_blk_mirror_start(m, qsd, name, word[0], word[1], word[2], error);
}

bool vdm_blk_mirror_control(struct vdm_blk_mirror *m, const struct vdm_qsd *qsd, const char *name,
                            const char *verb, const char *arg, GString *reply, GError **error)
{
    if (strcmp(verb, "mirror-start") == 0)
        return start_request(m, qsd, name, arg, error);
    if (*arg != '\0' && g_str_has_prefix(verb, "mirror-")) {
        g_set_error(error, VDM_ERROR, 0, "%s takes no argument", verb);
        return false;
    }
    if (strcmp(verb, "mirror-status") == 0)
        return vdm_blk_mirror_status(m, reply, error);
    if (strcmp(verb, "mirror-complete") == 0)
        return vdm_blk_mirror_complete(m, error);
    if (strcmp(verb, "mirror-cancel") == 0)
        return vdm_blk_mirror_cancel(m, error);
    g_set_error(error, VDM_ERROR, 0,
                "unknown request '%s' (a disk takes mirror-start HOST PORT EXPORT, "
                "mirror-status, mirror-complete, mirror-cancel)",
                verb);
    return false;
}
