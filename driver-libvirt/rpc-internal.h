/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared state of the protocol layer: the server, its listeners and client connections,
 * and the call object handed from the socket reader to a worker. Threading: sockets are
 * read and written only from the server's main context; workers touch a client only
 * through the functions in rpc-client.h, which take client->lock.
 */
#ifndef VD_RPC_INTERNAL_H
#define VD_RPC_INTERNAL_H

#include <gio/gio.h>
#include <stdbool.h>
#include <sys/types.h>

#include "rpc-tls.h"
#include "vd-libvirt.h"
#include "vd-rpc.h"
#include "vd_remote_protocol.h"

/* Calls one client may have queued or running before we stop reading from it. */
#define VD_RPC_MAX_CLIENT_REQUESTS 64
/* Replies and events a client has not read yet; past this it is cut off. */
#define VD_RPC_MAX_CLIENT_BACKLOG (64u << 20)
#define VD_RPC_WORKERS 16
/* libvirt API level we speak, reported by CONNECT_GET_LIB_VERSION. */
#define VD_RPC_LIB_VERSION 9000000ull

typedef enum vd_rpc_transport {
    VD_RPC_UNIX_RW,
    VD_RPC_UNIX_RO,
    VD_RPC_TCP,
    VD_RPC_TLS,
} vd_rpc_transport;

typedef struct vd_rpc_client vd_rpc_client;
typedef struct vd_rpc_stream vd_rpc_stream;

typedef struct vd_rpc_listener {
    struct vd_rpc_server *server;
    GSocket *socket;
    GSource *source; /* readable: accept; NULL while paused */
    GSource *pause;  /* timer ending a pause, or NULL */
    vd_rpc_transport transport;
    char *path; /* unix socket path we bound, unlinked on shutdown; NULL otherwise */
} vd_rpc_listener;

struct vd_rpc_server {
    vd_daemon *daemon;
    GMainContext *ctx;
    vd_rpc_config cfg; /* a deep copy of the daemon's configuration */
    vd_rpc_tls_context *tls; /* credentials, when the TLS listener is on */
    GPtrArray *listeners;    /* of vd_rpc_listener* */
    GThreadPool *pool;
    unsigned lifecycle_listener;
    unsigned pool_listener; /* storage pool events (rpc-events-storage.c) */
    unsigned network_listener;
    GSource *keepalive_timer;
    gint next_callback_id; /* atomic: event callback ids, unique per daemon */

    GMutex lock;        /* guards clients and admitted */
    GPtrArray *clients; /* of vd_rpc_client*, each holding one reference */
    unsigned admitted;  /* clients counted against max_clients (not the refused ones) */
};

/* One registration made with 316 (callback_id >= 0), 167 or 105 (legacy, id < 0), or for
 * storage pools with 368. */
/* Whose events a registration asks for: its uuid names an object of that kind. */
typedef enum {
    VD_RPC_EVENTS_DOMAIN,      /* rpc-events.c */
    VD_RPC_EVENTS_NETWORK,     /* 313, rpc-events-network.c */
    VD_RPC_EVENTS_POOL,        /* 368, rpc-events-storage.c */
    VD_RPC_EVENTS_NODE_DEVICE, /* 374: accepted; Vireo has no node devices to report */
} vd_rpc_event_kind;

typedef struct vd_rpc_event_reg {
    vd_rpc_event_kind kind;
    int callback_id;
    int event_id;
    bool legacy;
    bool any_domain; /* every object of its kind, not only uuid's */
    unsigned char uuid[16];
} vd_rpc_event_reg;

struct vd_rpc_client {
    gatomicrefcount ref;
    struct vd_rpc_server *server; /* valid while the client is open */
    vd_daemon *daemon;
    GMainContext *ctx;
    GSocket *socket;
    char *peer; /* for log lines: "unix uid=0 pid=42", "tcp 127.0.0.1:40000" */
    vd_rpc_transport transport;
    bool has_creds;
    pid_t pid;
    uid_t uid;
    uint64_t daemon_id; /* the daemon's id of this connection (vd_daemon_client_opened) */
    /* Set at accept when max_clients is reached: the first call is answered with this
     * error, then the connection closes. Such a client never counts as admitted. */
    char *refusal;

    /* Main context only. */
    vd_rpc_tls_session *tls;     /* VD_RPC_TLS: all I/O goes through it */
    bool tls_ready;              /* handshake done and certificate accepted */
    GSource *handshake_source;   /* the socket direction the handshake waits for */
    GSource *deadline;           /* closes a refused client that never calls, or a TLS
                                    client slow to finish its handshake */
    const char *deadline_reason; /* the log line's reason when it fires */
    GSource *in_source;
    GSource *out_source;
    guint8 *in_buf;
    gsize in_len, in_cap;

    GMutex lock; /* guards everything below */
    bool closed;
    bool flush_pending;      /* an idle flush is scheduled */
    bool close_when_flushed; /* close once the output queue drains (refusals) */
    bool opened;             /* CONNECT_OPEN succeeded */
    bool readonly;           /* changing calls refused */
    bool authenticated;      /* false until polkit says yes, when polkit applies */
    bool keepalive;          /* the client probed PROGRAM_KEEPALIVE: we may ping it */
    unsigned in_flight;      /* calls queued or running on workers */
    bool reading_paused;     /* in_flight reached the limit */
    GQueue out_queue;        /* of GBytes*, whole packets */
    gsize out_offset;        /* bytes of the head packet already sent */
    gsize out_bytes;         /* total bytes queued */
    gint64 last_rx_us;
    unsigned pings_unanswered;
    GArray *events;      /* of vd_rpc_event_reg */
    GHashTable *streams; /* serial -> vd_rpc_stream* */
};

/* A decoded call on its way to a handler, and what the handler leaves for the reply. */
typedef struct vd_rpc_call {
    vd_rpc_client *client; /* holds a reference */
    const struct vd_rpc_proc *proc;
    vd_wire_header header;
    void *args;
    void *ret;
    /* Console streams: runs once, under client->lock, right after the reply is queued
     * (sent: the handler's OK reply; !sent: an error replaced it). */
    void (*after_reply)(struct vd_rpc_call *call, bool sent);
    void *after_reply_data;
} vd_rpc_call;

typedef bool (*vd_rpc_handler)(vd_rpc_call *call, void *args, void *ret, vd_error **err);

enum {
    VD_RPC_PROC_BEFORE_OPEN = 1 << 0, /* allowed before CONNECT_OPEN */
    VD_RPC_PROC_BEFORE_AUTH = 1 << 1, /* allowed before authentication completes */
    VD_RPC_PROC_CHANGES = 1 << 2,     /* refused on read-only connections */
    VD_RPC_PROC_INLINE = 1 << 3,      /* cheap (protocol state, table reads): run in the reader */
};

typedef struct vd_rpc_proc {
    int number;
    const char *api; /* libvirt API name, for messages: "virDomainDefineXML" */
    xdrproc_t args_filter;
    size_t args_size;
    xdrproc_t ret_filter;
    size_t ret_size;
    vd_rpc_handler handler;
    unsigned flags;
} vd_rpc_proc;

/* rpc-procs.c */
const vd_rpc_proc *vd_rpc_proc_find(int number);
/* The whole table, sorted by number (for tests and docs). */
const vd_rpc_proc *vd_rpc_proc_table(size_t *n);

#endif /* VD_RPC_INTERNAL_H */
