/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-consoled: dom0's console service. Drains every domU's console ring into
 * <log dir>/<name>.log when hv signals VIREO_EVENT_CONSOLE, and serves the consoles to
 * `vireo-ctl console` over a unix socket (protocol in vireo-console.h).
 */
#ifndef CONSOLED_H
#define CONSOLED_H

#include <glib.h>

#include "vireoctl.h"

struct console_client;

/* One domU's console: where its ring was read up to, its log, its attached clients. */
struct console {
    uint32_t domid;
    char name[VIREO_NAME_MAX];
    uint64_t pos;     /* next ring offset to read */
    int log_fd;
    GList *clients;   /* struct console_client * */
};

struct consoled {
    vctl_t *h;
    char *log_dir;
    GHashTable *consoles; /* domid -> struct console * */
};

/* drain.c: brings every console up to date with hv; forgets vanished domains. */
void consoled_drain_all(struct consoled *cd);
/* The console of a domain (by name or id), drained first; NULL if there is none. */
struct console *consoled_find(struct consoled *cd, const char *dom);
void console_free(gpointer data);

/* server.c */
int consoled_listen(struct consoled *cd, const char *path);
/* Sends console output to every client of c. */
void console_clients_send(struct console *c, const char *buf, size_t len);
/* Tells the clients of a vanished domain and disconnects them. */
void console_clients_close_all(struct console *c);

#endif /* CONSOLED_H */
