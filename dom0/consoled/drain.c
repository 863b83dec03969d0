/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-consoled: copying domU console rings into per-domain logs and to clients. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "consoled.h"

void console_free(gpointer data)
{
    struct console *c = data;
    console_clients_close_all(c);
    if (c->log_fd >= 0)
        close(c->log_fd);
    g_free(c);
}

static struct console *console_new(struct consoled *cd, const struct vireo_domain_info *d)
{
    struct console *c = g_new0(struct console, 1);
    c->domid = d->domid;
    memcpy(c->name, d->name, sizeof(c->name));
    c->name[sizeof(c->name) - 1] = '\0';
    g_autofree char *path = g_strdup_printf("%s/%s.log", cd->log_dir, c->name);
    c->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (c->log_fd < 0)
        g_warning("d%u: cannot open %s: %s", c->domid, path, g_strerror(errno));
    return c;
}

static void log_append(struct console *c, const char *buf, size_t len)
{
    while (c->log_fd >= 0 && len) {
        ssize_t w = write(c->log_fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            g_warning("d%u: writing the console log failed: %s", c->domid, g_strerror(errno));
            return;
        }
        buf += w;
        len -= (size_t)w;
    }
}

/* Reads the ring up to hv's producer offset; output lost to ring overwrite is marked. */
static void drain_one(struct consoled *cd, struct console *c)
{
    char buf[16384];
    for (;;) {
        uint64_t pos = c->pos, prod = 0;
        int n = vctl_console_ring_read(cd->h, c->domid, &pos, buf, sizeof(buf), &prod);
        if (n < 0) {
            if (n != -ESRCH)
                g_warning("d%u: console ring read failed: %s", c->domid, g_strerror(-n));
            return;
        }
        if (pos > c->pos) {
            char note[96];
            int len = snprintf(note, sizeof(note), "\n[vireo-consoled: %llu bytes lost]\n",
                               (unsigned long long)(pos - c->pos));
            log_append(c, note, (size_t)len);
        }
        log_append(c, buf, (size_t)n);
        console_clients_send(c, buf, (size_t)n);
        c->pos = pos + (uint64_t)n;
        if (n == 0 || c->pos >= prod)
            return;
    }
}

void consoled_drain_all(struct consoled *cd)
{
    struct vireo_domain_info *all;
    size_t n;
    int ret = vctl_domain_list(cd->h, &all, &n);
    if (ret < 0) {
        g_warning("listing domains failed: %s", g_strerror(-ret));
        return;
    }
    g_autoptr(GHashTable) alive = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (size_t i = 0; i < n; i++) {
        if (all[i].domid == VIREO_DOMID_DOM0)
            continue;
        gpointer key = GUINT_TO_POINTER(all[i].domid);
        struct console *c = g_hash_table_lookup(cd->consoles, key);
        /* Same id, different name: the old domain died and its id was reused. */
        if (c && strncmp(c->name, all[i].name, VIREO_NAME_MAX) != 0) {
            g_hash_table_remove(cd->consoles, key);
            c = NULL;
        }
        if (!c) {
            c = console_new(cd, &all[i]);
            g_hash_table_insert(cd->consoles, key, c);
        }
        g_hash_table_add(alive, key);
        if (c->pos < all[i].console_prod)
            drain_one(cd, c);
    }
    free(all);

    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, cd->consoles);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!g_hash_table_contains(alive, key))
            g_hash_table_iter_remove(&it);
}

struct console *consoled_find(struct consoled *cd, const char *dom)
{
    struct vireo_domain_info info;
    consoled_drain_all(cd);
    if (vctl_domain_lookup(cd->h, dom, &info) < 0)
        return NULL;
    return g_hash_table_lookup(cd->consoles, GUINT_TO_POINTER(info.domid));
}
