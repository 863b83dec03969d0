/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fuzzers' random numbers (test guests and dom0 probes alike): xorshift64*, so a run
 * is replayed exactly from the seed it prints. Header-only, freestanding.
 */
#ifndef VIREO_TEST_RNG_H
#define VIREO_TEST_RNG_H

#include <stdint.h>

/* Next number from *state, which must not be 0. */
static inline uint64_t test_rng_next(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dull;
}

#endif
