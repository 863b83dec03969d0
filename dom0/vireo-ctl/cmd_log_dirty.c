/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-ctl log-dirty: switches a domain's dirty-page logging on and off and fetches its
 * log by hand, for tests and for looking at how fast a guest dirties memory. Each action
 * prints how long it took, in µs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

#define HIGH_RAM_GFN (1ull << 20) /* RAM above the MMIO hole starts at 4 GiB */

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Fetches the two places a domain's RAM can be, each max_pages frames long. */
static int64_t fetch_all(vctl_t *h, const struct vireo_domain_info *info)
{
    uint64_t nr = info->max_pages;
    uint64_t *bitmap = calloc((nr + 63) / 64, sizeof(*bitmap));
    if (!bitmap)
        return -ENOMEM;
    uint64_t low = nr < HIGH_RAM_GFN ? nr : HIGH_RAM_GFN;
    int64_t dirty = vctl_domain_log_dirty_fetch(h, info->domid, 0, low, bitmap);
    if (dirty >= 0) {
        int64_t high = vctl_domain_log_dirty_fetch(h, info->domid, HIGH_RAM_GFN, nr, bitmap);
        dirty = high < 0 ? high : dirty + high;
    }
    free(bitmap);
    return dirty;
}

int cmd_log_dirty(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "DOMAIN enable|fetch|disable",
                      "Dirty-page logging of a domain's RAM (what live migration uses).");
    const char *action = argc == 3 ? argv[2] : "";
    if (strcmp(action, "enable") && strcmp(action, "fetch") && strcmp(action, "disable")) {
        fprintf(stderr, "usage: vireo-ctl %s DOMAIN enable|fetch|disable\n", argv[0]);
        return 2;
    }
    vctl_t *h;
    struct vireo_domain_info info;
    int status = ctl_domu_command(2, argv, "DOMAIN enable|fetch|disable", &h, &info);
    if (status)
        return status;
    uint64_t t0 = now_us();
    int64_t ret = !strcmp(action, "enable")    ? vctl_domain_log_dirty_enable(h, info.domid)
                  : !strcmp(action, "disable") ? vctl_domain_log_dirty_disable(h, info.domid)
                                               : fetch_all(h, &info);
    uint64_t us = now_us() - t0;
    status = ctl_check(ret < 0 ? (int)ret : 0, "log-dirty %s d%u", action, info.domid);
    if (!status && !strcmp(action, "fetch"))
        printf("d%u dirty=%lld us=%llu\n", info.domid, (long long)ret, (unsigned long long)us);
    else if (!status)
        printf("d%u log-dirty %sd us=%llu\n", info.domid, action, (unsigned long long)us);
    vctl_close(h);
    return status;
}
