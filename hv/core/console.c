/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain consoles: each domU's output goes to a ring dom0 drains (VIREO_HC_CONSOLE_RING_READ)
 * and, for boot-time domains, line by line into hv's log as "(d<id> <name>) text";
 * console input queues in a small ring the guest reads with VIREO_HC_CONSOLE_READ.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/sched.h"

static void flush_line(struct domain *d)
{
    struct console *c = &d->console;
    char out[CONSOLE_LINE_MAX + VIREO_NAME_MAX + 24];
    int n = snprintf(out, sizeof(out), "(d%u %s) %.*s\n", d->id, d->name, (int)c->line_len,
                     c->line);
    hv_log_write(out, MIN((size_t)n, sizeof(out) - 1));
    c->line_len = 0;
}

void console_guest_write(struct domain *d, const char *buf, size_t len)
{
    struct console *c = &d->console;

    spin_lock(&c->lock);
    ring_put(&c->out, buf, len);
    for (size_t i = 0; i < len && (d->boot_domain || d->privileged); i++) {
        /* Non-printable bytes would upset terminals reading hv's log. */
        char ch = buf[i];
        if (ch == '\n') {
            flush_line(d);
        } else if (ch != '\r') {
            c->line[c->line_len++] = (ch >= 0x20 && ch < 0x7f) || ch == '\t' ? ch : '?';
            if (c->line_len == CONSOLE_LINE_MAX)
                flush_line(d);
        }
    }
    spin_unlock(&c->lock);
    if (!d->privileged)
        event_raise(VIREO_EVENT_CONSOLE);
}

size_t console_ring_read(struct domain *d, uint64_t *pos, char *buf, size_t len, uint64_t *prod)
{
    struct console *c = &d->console;

    spin_lock(&c->lock);
    *prod = c->out.prod;
    size_t n = ring_read(&c->out, pos, buf, len);
    spin_unlock(&c->lock);
    return n;
}

size_t console_input_push(struct domain *d, const char *buf, size_t len)
{
    struct console *c = &d->console;
    size_t n = 0;

    spin_lock(&c->lock);
    while (n < len && c->in_prod - c->in_cons < CONSOLE_IN_SIZE)
        c->in[c->in_prod++ & (CONSOLE_IN_SIZE - 1)] = buf[n++];
    spin_unlock(&c->lock);
    if (n)
        sched_notify_domain(d);
    return n;
}

size_t console_input_pop(struct domain *d, char *buf, size_t len)
{
    struct console *c = &d->console;
    size_t n = 0;

    spin_lock(&c->lock);
    while (n < len && c->in_cons != c->in_prod)
        buf[n++] = c->in[c->in_cons++ & (CONSOLE_IN_SIZE - 1)];
    spin_unlock(&c->lock);
    return n;
}
