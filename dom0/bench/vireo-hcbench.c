/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-hcbench: the cost of a null hypercall (VIREO_HC_ABI_VERSION) from dom0 user space
 * through /dev/vireo, next to the same ioctl path without a hypercall (VIREO_DEV_IOC_INFO),
 * so the VM exit's share is visible. Prints one key=value line for bench/dom0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

#include "vireoctl.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    if (iterations < 1) {
        fprintf(stderr, "usage: vireo-hcbench [ITERATIONS]\n");
        return 2;
    }
    vctl_t *h = vctl_open();
    if (!h) {
        perror("vireo-hcbench: " VIREO_DEV_PATH);
        return 1;
    }
    struct vireo_dev_info info;
    uint64_t t0 = now_ns(), c0 = __rdtsc();
    for (long i = 0; i < iterations; i++)
        if (vctl_dev_info(h, &info) < 0)
            return 1;
    uint64_t ioctl_ns = now_ns() - t0, ioctl_cycles = __rdtsc() - c0;

    t0 = now_ns();
    c0 = __rdtsc();
    for (long i = 0; i < iterations; i++)
        if (vctl_abi_version(h) < 0)
            return 1;
    uint64_t hc_ns = now_ns() - t0, hc_cycles = __rdtsc() - c0;

    printf("iterations=%ld null_hypercall_ns=%.0f null_hypercall_cycles=%.0f "
           "ioctl_only_ns=%.0f ioctl_only_cycles=%.0f\n",
           iterations, (double)hc_ns / iterations, (double)hc_cycles / iterations,
           (double)ioctl_ns / iterations, (double)ioctl_cycles / iterations);
    vctl_close(h);
    return 0;
}
