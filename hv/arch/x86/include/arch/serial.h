/* SPDX-License-Identifier: GPL-2.0-only */
/* hv's log port: a 16550 UART (COM1/COM2) or QEMU's debug port 0xe9. */
#ifndef HV_ARCH_SERIAL_H
#define HV_ARCH_SERIAL_H

#include <stddef.h>
#include <stdint.h>

void serial_init(const char *which); /* "com1", "com2" (default) or "e9" */
void serial_write(const char *s, size_t len);
uint16_t serial_port(void);          /* the UART base hv owns, 0 for e9 */

#endif
