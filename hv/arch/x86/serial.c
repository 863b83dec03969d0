/* SPDX-License-Identifier: GPL-2.0-only */
/* hv's log output: polled 16550 UART at 115200 8N1, or QEMU's 0xe9 debug console. */
#include "arch/serial.h"
#include "arch/x86.h"
#include "fmt.h"

static uint16_t uart = 0x2f8; /* COM2: dom0 owns COM1 */
static int use_e9;

void serial_init(const char *which)
{
    if (which && !strcmp(which, "e9")) {
        use_e9 = 1;
        uart = 0;
        return;
    }
    uart = which && !strcmp(which, "com1") ? 0x3f8 : 0x2f8;
    outb(uart + 1, 0x00); /* no interrupts */
    outb(uart + 3, 0x80); /* DLAB */
    outb(uart + 0, 0x01); /* divisor 1: 115200 baud */
    outb(uart + 1, 0x00);
    outb(uart + 3, 0x03); /* 8N1 */
    outb(uart + 2, 0xc7); /* FIFO on, cleared */
    outb(uart + 4, 0x03); /* DTR, RTS */
}

static void put(char c)
{
    if (use_e9) {
        outb(0xe9, c);
        return;
    }
    for (int spin = 0; spin < 100000 && !(inb(uart + 5) & 0x20); spin++)
        cpu_relax();
    outb(uart, c);
}

void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            put('\r');
        put(s[i]);
    }
}

uint16_t serial_port(void)
{
    return uart;
}
