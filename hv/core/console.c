/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain consoles: each domU's output goes to a ring dom0 drains (VIREO_HC_CONSOLE_RING_READ)
 * and, for boot-time domains, line by line into hv's log as "(d<id> <name>) text";
 * console input queues in a small ring the guest reads with VIREO_HC_CONSOLE_READ.
 * A domU's lines reach hv's log at a bounded rate (LOG_BURST, then LOG_RATE per second):
 * past it they are counted and dropped from the log (never from the domain's own ring).
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/sched.h"
#include "hv/time.h"

#define LOG_BURST 100u /* lines a domU may log at once */
#define LOG_RATE 20u   /* lines per second after that */
#define NS_PER_LINE (1000000000ull / LOG_RATE)

/* Takes a token for one line of d in hv's log; false if the domain is over its rate. */
static bool log_allowed(struct domain *d)
{
    struct console *c = &d->console;

    if (d->privileged)
        return true; /* dom0 owns the machine, and hv's log with it */
    uint64_t now = hv_now_ns();
    if (now - c->log_refill_ns >= NS_PER_LINE) {
        uint64_t add = (now - c->log_refill_ns) / NS_PER_LINE;
        c->log_tokens = (uint32_t)MIN((uint64_t)LOG_BURST, c->log_tokens + add);
        c->log_refill_ns += add * NS_PER_LINE;
    }
    if (!c->log_tokens) {
        c->log_dropped++;
        return false;
    }
    c->log_tokens--;
    return true;
}

static void flush_line(struct domain *d)
{
    struct console *c = &d->console;
    char out[CONSOLE_LINE_MAX + VIREO_NAME_MAX + 64];
    int n = 0;

    if (log_allowed(d)) {
        if (c->log_dropped)
            n = snprintf(out, sizeof(out), "(d%u %s) [%lu lines not logged: over %u/s]\n",
                         d->id, d->name, (unsigned long)c->log_dropped, LOG_RATE);
        c->log_dropped = 0;
        n += snprintf(out + n, sizeof(out) - (size_t)n, "(d%u %s) %.*s\n", d->id, d->name,
                      (int)c->line_len, c->line);
        hv_log_write(out, MIN((size_t)n, sizeof(out) - 1));
    }
    c->line_len = 0;
}

void console_init(struct domain *d)
{
    struct console *c = &d->console;

    c->lock = (spinlock_t)SPINLOCK_INIT;
    c->out = (struct byte_ring){c->out_buf, CONSOLE_OUT_SIZE, 0};
    c->log_tokens = LOG_BURST;
    c->log_refill_ns = hv_now_ns();
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
