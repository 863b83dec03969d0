/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Byte rings that keep the newest output: a domU's console and hv's own log. Readers
 * name a position in the stream of every byte ever put; the ring keeps the last `size`
 * of them. Callers hold whatever lock guards the ring.
 */
#ifndef HV_RING_H
#define HV_RING_H

#include <stddef.h>
#include <stdint.h>

struct byte_ring {
    char *buf;
    uint64_t size; /* a power of two */
    uint64_t prod; /* bytes ever put: the next byte's stream position */
};

void ring_put(struct byte_ring *r, const char *s, size_t len);
/*
 * Copies at most len bytes from stream position *pos. A position the ring already
 * overwrote moves forward to the oldest byte kept, one past the end back to the end;
 * *pos says where the copy really started. Returns the bytes copied.
 */
size_t ring_read(const struct byte_ring *r, uint64_t *pos, char *out, size_t len);

#endif
