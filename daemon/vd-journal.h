/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A write-ahead journal of named changes (put NAME DATA, delete NAME) in one preallocated
 * file: an append returns once the record is on disk (fdatasync, one for every append
 * queued meanwhile); a checkpoint makes the owner's own files durable and empties it.
 */
#ifndef VD_JOURNAL_H
#define VD_JOURNAL_H

#include "vd-driver.h"

typedef struct vd_journal vd_journal;

/* Layout (vd-journal.c): records start at this offset, each this many bytes plus its
 * name and data. */
#define VD_JOURNAL_DATA_OFFSET 4096
#define VD_JOURNAL_RECORD_OVERHEAD 36

typedef enum {
    VD_JOURNAL_PUT = 1,
    VD_JOURNAL_DELETE = 2,
} vd_journal_op;

/* Replays one record into the owner's files (start-up, after a crash). */
typedef void (*vd_journal_apply_fn)(vd_journal_op op, const char *name, const char *data,
                                    void *user);
/* Makes the owner's files for these names (a set of char*) durable. */
typedef bool (*vd_journal_settle_fn)(GHashTable *names, void *user, vd_error **err);

typedef enum {
    VD_JOURNAL_DURABLE, /* on disk: apply the change to the files, then vd_journal_applied() */
    VD_JOURNAL_TOO_BIG, /* never fits: checkpoint, then write the file durably yourself */
    VD_JOURNAL_FAILED,  /* *err set; nothing to apply */
} vd_journal_result;

/* Opens (or creates, up to `capacity` bytes, less when the file system is small) the
 * journal at `path`, replays what it holds through `apply` and checkpoints. */
vd_journal *vd_journal_open(const char *path, gsize capacity, vd_journal_apply_fn apply,
                            vd_journal_settle_fn settle, void *user, vd_error **err);
void vd_journal_close(vd_journal *j);
vd_journal_result vd_journal_append(vd_journal *j, vd_journal_op op, const char *name,
                                    const char *data, vd_error **err);
/* The change of a DURABLE append is in the owner's files (or failed to get there). */
void vd_journal_applied(vd_journal *j);
/* Settles every name changed since the last checkpoint and empties the journal. */
bool vd_journal_checkpoint(vd_journal *j, vd_error **err);

/* fsync of a directory: makes the renames and unlinks in it durable. */
bool vd_fsync_dir(const char *dir);

/* Tests: the records of a journal file's bytes that replay, each whole or not at all. */
unsigned vd_journal_replay_bytes(const guint8 *buf, gsize len, vd_journal_apply_fn apply,
                                 void *user);

#endif /* VD_JOURNAL_H */
