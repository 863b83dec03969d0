/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dom0 notification. hv sets bits in a pending mask and, if dom0 registered a vector,
 * sends that vector to CPU 0 as a fixed IPI; dom0's module takes the mask with
 * VIREO_HC_EVENT_TAKE. An IPI is sent only when the mask goes from empty to non-empty,
 * so a burst of events costs dom0 one interrupt.
 */
#include "hv/hv.h"
#include "hv/event.h"
#include "hv/percpu.h"
#include "arch/apic.h"
#include "public/vireo.h"

static uint32_t pending;
static uint32_t vector;

void event_raise(uint32_t events)
{
    uint32_t before = __atomic_fetch_or(&pending, events, __ATOMIC_ACQ_REL);
    uint32_t vec = __atomic_load_n(&vector, __ATOMIC_ACQUIRE);
    if (!before && vec)
        apic_send_ipi(cpus[0].apic_id, (uint8_t)vec);
}

uint32_t event_take(void)
{
    return __atomic_exchange_n(&pending, 0, __ATOMIC_ACQ_REL);
}

int event_set_vector(uint32_t vec)
{
    if (vec && (vec < 0x20 || vec > 0xef))
        return -VIREO_EINVAL;
    __atomic_store_n(&vector, vec, __ATOMIC_RELEASE);
    return 0;
}
