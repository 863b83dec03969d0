/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hv's log: whole lines under one lock so CPUs never interleave within a line. Every
 * line goes to the serial port and into a ring dom0 reads (vireo-ctl dmesg).
 */
#include <stdarg.h>
#include "hv/hv.h"
#include "public/vireo.h"
#include "hv/ring.h"
#include "hv/spinlock.h"
#include "arch/serial.h"
#include "arch/traps.h"
#include "arch/x86.h"

static spinlock_t log_lock = SPINLOCK_INIT;
static volatile int panicking;
static char ring_buf[VIREO_HV_LOG_SIZE];
static struct byte_ring ring = {ring_buf, sizeof(ring_buf), 0};

static void log_lock_take(void)
{
    /* A CPU that panics while another holds the lock must still be heard. */
    for (unsigned long spins = 0; !spin_trylock(&log_lock); spins++)
        if (panicking && spins > 10000000)
            return;
}

void hv_log_write(const char *s, size_t len)
{
    log_lock_take();
    serial_write(s, len);
    ring_put(&ring, s, len);
    spin_unlock(&log_lock);
}

size_t hv_log_read(uint64_t *pos, char *buf, size_t len, uint64_t *prod)
{
    log_lock_take();
    *prod = ring.prod;
    size_t n = ring_read(&ring, pos, buf, len);
    spin_unlock(&log_lock);
    return n;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
    char line[512];
    size_t n = strlcpy(line, prefix, sizeof(line));
    int m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
    n += m < 0 ? 0 : MIN((size_t)m, sizeof(line) - n - 2);
    line[n++] = '\n';
    hv_log_write(line, n);
}

void hv_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("hv: ", fmt, ap);
    va_end(ap);
}

void hv_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("hv: FATAL: ", fmt, ap);
    va_end(ap);
    hv_log("halted");
    halt_forever();
}

void hv_panic(const char *fmt, ...)
{
    va_list ap;
    uint64_t rbp;

    irq_disable();
    panicking = 1;
    va_start(ap, fmt);
    vlog("hv: PANIC: ", fmt, ap);
    va_end(ap);
    __asm__ volatile("mov %%rbp, %0" : "=r"(rbp));
    print_backtrace(rbp);
    stop_other_cpus();
    hv_log("halted");
    halt_forever();
}
