/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A prime sieve over 1 MiB plus a hash of the result: integer work and memory touches
 * spread over 256 pages, so both instruction execution and address translation count.
 * Prints TSC cycles per run; the caller's console decides where the line goes.
 */
#include "guest.h"
#include "workload.h"

#define SIEVE_BYTES (1u << 20)
#define SIEVE_ROUNDS 8

static uint8_t composite[SIEVE_BYTES];

static uint64_t sieve_once(void)
{
    uint64_t primes = 0, hash = 1469598103934665603ull; /* FNV-1a offset basis */

    memset(composite, 0, sizeof(composite));
    for (uint64_t i = 2; i < SIEVE_BYTES; i++) {
        if (composite[i])
            continue;
        primes++;
        hash = (hash ^ i) * 1099511628211ull;
        for (uint64_t j = i * i; j < SIEVE_BYTES; j += i)
            composite[j] = 1;
    }
    return primes ^ hash;
}

void workload_report(unsigned runs)
{
    for (unsigned run = 1; run <= runs; run++) {
        uint64_t result = 0;
        uint64_t t0 = rdtsc();

        for (unsigned r = 0; r < SIEVE_ROUNDS; r++)
            result += sieve_once();
        uint64_t cycles = rdtsc() - t0;

        guest_printf("workload: run=%u cycles=%llu result=0x%llx\n", run,
                     (unsigned long long)cycles, (unsigned long long)result);
    }
}
