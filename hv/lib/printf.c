/* SPDX-License-Identifier: GPL-2.0-only */
/* vsnprintf for freestanding code: the subset of C99 formatting hv and test guests use. */
#include <stdbool.h>
#include "fmt.h"

struct out {
    char *buf;
    size_t size;
    size_t len; /* characters produced so far, written or not */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left, zero;
    int width, precision; /* precision < 0: none */
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
    size_t n = strnlen(s, sp->precision >= 0 ? (size_t)sp->precision : (size_t)-1);

    if (!sp->left)
        pad(o, ' ', sp->width - (int)n);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left)
        pad(o, ' ', sp->width - (int)n);
}

static void put_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
                    const struct spec *sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int prec = sp->precision > n ? sp->precision : n;
    int total = prec + (neg ? 1 : 0);
    bool zero = sp->zero && !sp->left && sp->precision < 0;

    if (!sp->left && !zero)
        pad(o, ' ', sp->width - total);
    if (neg)
        put(o, '-');
    if (zero)
        pad(o, '0', sp->width - total);
    pad(o, '0', prec - n);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        pad(o, ' ', sp->width - total);
}

static int read_int(const char **fmt, va_list *ap)
{
    int v = 0;

    if (**fmt == '*') {
        (*fmt)++;
        return va_arg(*ap, int);
    }
    while (**fmt >= '0' && **fmt <= '9')
        v = v * 10 + (*(*fmt)++ - '0');
    return v;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = {buf, size, 0};
    va_list ap;

    va_copy(ap, ap_in);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        fmt++;
        struct spec sp = {false, false, 0, -1};
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else
                break;
        }
        sp.width = read_int(&fmt, &ap);
        if (sp.width < 0) {
            sp.left = true;
            sp.width = -sp.width;
        }
        if (*fmt == '.') {
            fmt++;
            sp.precision = read_int(&fmt, &ap);
        }
        int lng = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long / size_t */
        for (;; fmt++) {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'h')
                lng--;
            else if (*fmt == 'z')
                lng = 2;
            else
                break;
        }
        uint64_t u;
        int64_t s;
        switch (*fmt) {
        case 'd':
        case 'i':
            s = lng >= 1 ? va_arg(ap, long long) : va_arg(ap, int);
            if (lng == -1)
                s = (short)s;
            else if (lng == -2)
                s = (signed char)s;
            put_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, false, &sp);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = lng >= 1 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            if (lng == -1)
                u = (unsigned short)u;
            else if (lng == -2)
                u = (unsigned char)u;
            put_num(&o, u, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X', &sp);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            put_str(&o, str ? str : "(null)", &sp);
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!sp.left)
                pad(&o, ' ', sp.width - 1);
            put(&o, c);
            if (sp.left)
                pad(&o, ' ', sp.width - 1);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
        }
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
