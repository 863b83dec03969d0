/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs in dom0 user space (CPL 3) and makes hypercalls directly with VMMCALL, bypassing
 * /dev/vireo: hv must refuse every one with -VIREO_EPERM, whatever the number. Prints one
 * line per call and "all refused" when hv held.
 */
#include <stdint.h>
#include <stdio.h>
#include "public/vireo.h"

static int64_t vmmcall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    int64_t ret;
    __asm__ volatile("vmmcall" : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), "d"(a3) : "memory");
    return ret;
}

int main(void)
{
    static struct vireo_domain_info info[4];
    const struct {
        const char *name;
        uint64_t nr, a1, a2, a3;
    } calls[] = {
        {"ABI_VERSION", VIREO_HC_ABI_VERSION, 0, 0, 0},
        {"CONSOLE_WRITE", VIREO_HC_CONSOLE_WRITE, 0x1000, 8, 0},
        {"DOMAIN_LIST", VIREO_HC_DOMAIN_LIST, 0, (uintptr_t)info, 4},
        {"DOMAIN_DESTROY", VIREO_HC_DOMAIN_DESTROY, 1, 0, 0},
        {"MEMORY_POPULATE", VIREO_HC_MEMORY_POPULATE, 1, 0, 1},
        {"EVENT_SET_VECTOR", VIREO_HC_EVENT_SET_VECTOR, 0x40, 0, 0},
        {"unknown 0x1ff", 0x1ff, 0, 0, 0},
    };
    int bad = 0;

    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
        int64_t r = vmmcall(calls[i].nr, calls[i].a1, calls[i].a2, calls[i].a3);
        printf("%s from CPL 3: %lld\n", calls[i].name, (long long)r);
        bad += r != -VIREO_EPERM;
    }
    printf(bad ? "%d calls were not refused\n" : "all refused\n", bad);
    return bad != 0;
}
