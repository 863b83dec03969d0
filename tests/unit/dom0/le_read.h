/* SPDX-License-Identifier: GPL-2.0-only */
/* Little-endian reads at byte offsets, as the dom0 unit tests parse guest structures. */
#ifndef TEST_LE_READ_H
#define TEST_LE_READ_H

#include <stdint.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p, uint64_t off)
{
    uint16_t v;
    memcpy(&v, p + off, sizeof(v));
    return v;
}

static inline uint32_t rd32(const uint8_t *p, uint64_t off)
{
    uint32_t v;
    memcpy(&v, p + off, sizeof(v));
    return v;
}

static inline uint64_t rd64(const uint8_t *p, uint64_t off)
{
    uint64_t v;
    memcpy(&v, p + off, sizeof(v));
    return v;
}

#endif
