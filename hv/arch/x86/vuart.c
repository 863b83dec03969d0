/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * COM1: a 16550A at VIREO_PLAT_UART_PORT whose transmitter is the domain's console ring
 * (what `vireo-ctl console` and virtvireod read) and whose receiver is the domain's
 * console input queue (VIREO_HC_CONSOLE_INPUT). A byte is sent the moment it is written,
 * so THR and the transmitter are always empty; the baud rate is remembered, not obeyed.
 * Its interrupt (GSI 4, edge) follows the IIR as on a PC: high while any enabled cause is
 * pending. Loopback (MCR.LOOP) returns sent bytes and the modem lines, as Linux's probe
 * checks.
 */
#include "hv/hv.h"
#include "hv/domain.h"
#include "vplat.h"

#define REG_DATA 0 /* RBR / THR, DLL with DLAB */
#define REG_IER 1  /* DLM with DLAB */
#define REG_IIR 2  /* FCR on writes */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7

#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* THR empty */
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFOS 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_CARRIER 0xb0 /* DCD, DSR, CTS: a terminal is always there */

void vuart_reset(struct vuart *u)
{
    memset(u, 0, sizeof(*u));
    u->lock = (spinlock_t)SPINLOCK_INIT;
    u->dll = 12; /* 9600 baud, the PC default */
}

static uint8_t iir(const struct vuart *u)
{
    uint8_t fifos = u->fcr & FCR_ENABLE ? IIR_FIFOS : 0;

    if ((u->ier & IER_RDI) && u->rx_count)
        return fifos | IIR_RDI;
    if ((u->ier & IER_THRI) && u->thre_pending)
        return fifos | IIR_THRI;
    return fifos | IIR_NONE;
}

/* Drives the GSI from the IIR; lock held (the IOAPIC never calls back into the UART). */
static void update_line(struct domain *d, struct vuart *u)
{
    bool line = !(iir(u) & IIR_NONE);
    if (line != u->line) {
        u->line = line;
        vioapic_set_level(d, VIREO_PLAT_UART_GSI, line);
    }
}

static void rx_push(struct vuart *u, uint8_t ch)
{
    if (u->rx_count == VUART_FIFO)
        return; /* overrun: the byte is lost, as on the chip */
    u->rx[(u->rx_head + u->rx_count++) % VUART_FIFO] = ch;
}

static uint8_t rx_pop(struct vuart *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t ch = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % VUART_FIFO;
    u->rx_count--;
    return ch;
}

/* Moves console input into the FIFO; lock held. */
static void fill_rx(struct domain *d, struct vuart *u)
{
    char buf[VUART_FIFO];

    if (u->mcr & MCR_LOOP || u->rx_count == VUART_FIFO)
        return;
    size_t n = console_input_pop(d, buf, VUART_FIFO - u->rx_count);
    for (size_t i = 0; i < n; i++)
        rx_push(u, (uint8_t)buf[i]);
}

void vuart_poll_input(struct domain *d)
{
    struct vuart *u = &d->arch.plat->uart;
    const struct console *c = &d->console;

    if (READ_ONCE(c->in_prod) == READ_ONCE(c->in_cons))
        return; /* the common case, without the lock */
    spin_lock(&u->lock);
    fill_rx(d, u);
    update_line(d, u);
    spin_unlock(&u->lock);
}

static uint8_t modem_status(const struct vuart *u)
{
    if (!(u->mcr & MCR_LOOP))
        return MSR_CARRIER;
    /* Loopback: RTS -> CTS, DTR -> DSR, OUT1 -> RI, OUT2 -> DCD. */
    return (uint8_t)(((u->mcr & 0x02) << 3) | ((u->mcr & 0x01) << 5) | ((u->mcr & 0x04) << 4) |
                     ((u->mcr & 0x08) << 4));
}

static uint8_t read_reg(struct domain *d, struct vuart *u, unsigned reg)
{
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t val;

    switch (reg) {
    case REG_DATA:
        if (dlab)
            return u->dll;
        val = rx_pop(u);
        fill_rx(d, u);
        return val;
    case REG_IER:
        return dlab ? u->dlm : u->ier;
    case REG_IIR:
        val = iir(u);
        if ((val & 0x0f) == IIR_THRI)
            u->thre_pending = false; /* reading the IIR that names it acknowledges it */
        return val;
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        return (u->rx_count ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
    case REG_MSR:
        return modem_status(u);
    default:
        return u->scr;
    }
}

static void write_reg(struct domain *d, struct vuart *u, unsigned reg, uint8_t val)
{
    bool dlab = u->lcr & LCR_DLAB;

    switch (reg) {
    case REG_DATA:
        if (dlab) {
            u->dll = val;
            return;
        }
        if (u->mcr & MCR_LOOP)
            rx_push(u, val);
        else
            console_guest_write(d, (const char *)&val, 1);
        u->thre_pending = true; /* sent at once: THR is empty again */
        return;
    case REG_IER:
        if (dlab) {
            u->dlm = val;
            return;
        }
        /* Enabling the THR interrupt while THR is empty raises it, as a 16550A does
         * (Linux's start-up test checks that it does). */
        if (!(u->ier & IER_THRI) && (val & IER_THRI))
            u->thre_pending = true;
        u->ier = val & 0x0f;
        return;
    case REG_IIR: /* FCR */
        if ((val ^ u->fcr) & FCR_ENABLE || (val & FCR_CLEAR_RX))
            u->rx_count = 0;
        u->fcr = val & (FCR_ENABLE | 0xc0);
        return;
    case REG_LCR:
        u->lcr = val;
        return;
    case REG_MCR:
        u->mcr = val & 0x1f;
        fill_rx(d, u);
        return;
    case REG_SCR:
        u->scr = val;
        return;
    default:
        return; /* LSR and MSR are read-only */
    }
}

uint32_t vuart_read(struct vcpu *v, uint16_t port, unsigned size)
{
    struct vuart *u = &vplat_of(v)->uart;

    spin_lock(&u->lock);
    uint8_t val = read_reg(v->dom, u, port - VIREO_PLAT_UART_PORT);
    update_line(v->dom, u);
    spin_unlock(&u->lock);
    return 0xffffff00u | val; /* an 8-bit device: the upper bytes float */
}

void vuart_write(struct vcpu *v, uint16_t port, unsigned size, uint32_t val)
{
    struct vuart *u = &vplat_of(v)->uart;

    spin_lock(&u->lock);
    write_reg(v->dom, u, port - VIREO_PLAT_UART_PORT, (uint8_t)val);
    update_line(v->dom, u);
    spin_unlock(&u->lock);
}

void vuart_save(struct vuart *u, struct vireo_plat_uart *out)
{
    memset(out, 0, sizeof(*out));
    spin_lock(&u->lock);
    out->ier = u->ier, out->lcr = u->lcr, out->mcr = u->mcr, out->scr = u->scr;
    out->dll = u->dll, out->dlm = u->dlm, out->fcr = u->fcr;
    out->thre_pending = u->thre_pending;
    for (unsigned i = 0; i < u->rx_count; i++)
        out->rx[i] = u->rx[(u->rx_head + i) % VUART_FIFO];
    out->rx_count = u->rx_count;
    spin_unlock(&u->lock);
}

bool vuart_ctx_valid(const struct vireo_plat_uart *in)
{
    static const uint8_t zero[sizeof(in->pad)];
    return !(in->ier & ~0x0f) && !(in->mcr & ~0x1f) && !(in->fcr & ~(FCR_ENABLE | 0xc0)) &&
           in->thre_pending <= 1 && in->rx_count <= VUART_FIFO &&
           !memcmp(in->pad, zero, sizeof(zero));
}

void vuart_load(struct domain *d, struct vuart *u, const struct vireo_plat_uart *in)
{
    spin_lock(&u->lock);
    u->ier = in->ier, u->lcr = in->lcr, u->mcr = in->mcr, u->scr = in->scr;
    u->dll = in->dll, u->dlm = in->dlm, u->fcr = in->fcr;
    u->thre_pending = in->thre_pending;
    memcpy(u->rx, in->rx, sizeof(u->rx));
    u->rx_head = 0;
    u->rx_count = in->rx_count;
    update_line(d, u);
    spin_unlock(&u->lock);
}
