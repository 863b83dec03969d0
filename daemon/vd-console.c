/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Console sessions: one client at a time reads and writes a running domain's console
 * through the hv backend; FORCE takes it over, and the session ends when the domain stops.
 */
#include "vd-daemon-private.h"

#include <string.h>

struct vd_console {
    gint refs;   /* the client's, plus one per queued end-of-stream notice */
    bool closed; /* the client called vd_console_close */
    vd_daemon *d;
    vd_domain *dom; /* NULL once the session ended */
    vd_hv_console *hv_console;
    vd_console_data_fn on_data;
    vd_console_eof_fn on_eof;
    void *user;
};

static void forward_data(const void *buf, size_t len, void *user)
{
    vd_console *c = user;
    c->on_data(buf, len, c->user);
}

static void forward_eof(void *user)
{
    vd_console *c = user;
    c->on_eof(c->user);
}

static void console_unref(gpointer data)
{
    vd_console *c = data;
    if (g_atomic_int_dec_and_test(&c->refs))
        g_free(c);
}

/* Runs in the main context, outside the daemon lock, as vd-driver.h promises. */
static gboolean notify_eof(gpointer data)
{
    vd_console *c = data;
    vd_read_lock(c->d);
    bool closed = c->closed;
    vd_read_unlock(c->d);
    if (!closed)
        c->on_eof(c->user);
    return G_SOURCE_REMOVE;
}

/* Write lock held. Stops the hv side and, if asked, tells the client the stream ended. */
static void end_session(vd_console *c, bool notify)
{
    if (!c->dom)
        return;
    c->dom->console = NULL;
    c->dom = NULL;
    c->d->hv->ops->console_close(c->hv_console);
    c->hv_console = NULL;
    if (notify) {
        g_atomic_int_inc(&c->refs);
        g_idle_add_full(G_PRIORITY_DEFAULT, notify_eof, c, console_unref);
    }
}

void vd_console_end_locked(vd_domain *dom, bool notify)
{
    if (dom->console)
        end_session(dom->console, notify);
}

vd_console *vd_domain_open_console(vd_daemon *d, const vd_domain_ref *ref, const char *dev_name,
                                   unsigned flags, vd_console_data_fn on_data,
                                   vd_console_eof_fn on_eof, void *user, vd_error **err)
{
    VD_CHECK_FLAGS(flags, VIR_DOMAIN_CONSOLE_FORCE | VIR_DOMAIN_CONSOLE_SAFE, err, NULL);
    vd_console *c = NULL;
    vd_write_lock(d);
    vd_domain *dom = vd_resolve_active(d, ref, err);
    if (!dom)
        goto out;
    vd_domain_def *live = dom->live;
    if (!live->console && !live->serial) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "cannot find character device %s",
                dev_name ? dev_name : "<null>");
        goto out;
    }
    if (dev_name && strcmp(dev_name, "console0") != 0 && strcmp(dev_name, "serial0") != 0) {
        vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "cannot find character device %s",
                dev_name);
        goto out;
    }
    if (dom->console) {
        if (!(flags & VIR_DOMAIN_CONSOLE_FORCE)) {
            vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN,
                    "Active console session exists for this domain");
            goto out;
        }
        end_session(dom->console, true);
    }
    c = g_new0(vd_console, 1);
    c->refs = 1;
    c->d = d;
    c->on_data = on_data;
    c->on_eof = on_eof;
    c->user = user;
    c->hv_console = d->hv->ops->console_open(d->hv, dom->id, forward_data, forward_eof, c, err);
    if (!c->hv_console) {
        g_clear_pointer(&c, g_free);
        goto out;
    }
    c->dom = dom;
    dom->console = c;
out:
    vd_write_unlock(d);
    return c;
}

bool vd_console_write(vd_console *c, const void *buf, size_t len, vd_error **err)
{
    vd_read_lock(c->d);
    bool ok = false;
    if (!c->dom)
        vd_fail(err, VIR_ERR_OPERATION_INVALID, VIR_FROM_DOMAIN, "console session has ended");
    else
        ok = c->d->hv->ops->console_write(c->hv_console, buf, len, err);
    vd_read_unlock(c->d);
    return ok;
}

void vd_console_close(vd_console *c)
{
    if (!c)
        return;
    vd_write_lock(c->d);
    c->closed = true;
    end_session(c, false);
    vd_write_unlock(c->d);
    console_unref(c);
}
