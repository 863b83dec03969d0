/* SPDX-License-Identifier: GPL-2.0-only */
/* Events for dom0 (VIREO_EVENT_*): a pending mask and an IPI with dom0's chosen vector. */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <stdint.h>

void event_raise(uint32_t events);
uint32_t event_take(void);
int event_set_vector(uint32_t vector);

#endif
