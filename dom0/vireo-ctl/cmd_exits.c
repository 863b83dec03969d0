/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl exits: a domain's VM exits by kind, since it was created or as rates over a
 * sample. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl.h"
#include "domain_spec.h"

/* A number goes to hv as it is, so hv itself says whether such a domain exists. */
static uint32_t resolve(vctl_t *h, const char *dom)
{
    struct vireo_domain_info info;
    uint32_t domid;
    if (ctl_parse_u32(dom, 0, UINT32_MAX, &domid))
        return domid;
    ctl_lookup(h, dom, &info); /* exits when there is no such name */
    return info.domid;
}

static int read_stats(vctl_t *h, const char *dom, uint32_t domid, struct vireo_exit_stats *st)
{
    int ret = vctl_domain_exit_stats(h, domid, st);
    if (ret == -ESRCH) {
        fprintf(stderr, "vireo-ctl: no domain \"%s\"\n", dom);
        return 1;
    }
    return ctl_check(ret, "reading d%u's exit counters", domid);
}

/* Prints every kind (zeros too, so a reader can rely on the rows): the counts in `now`
 * minus those in `then` (all zero for totals since start), and their rate per second. */
static void print_table(const struct vireo_exit_stats *now, const struct vireo_exit_stats *then)
{
    double secs = (double)(now->now_ns - then->now_ns) / 1e9;
    double cpu = (double)(now->cpu_time_ns - then->cpu_time_ns) / 1e9;
    bool rates = then->now_ns != 0;

    if (rates)
        printf("d%u: %u vCPUs, sampled over %.3f s, CPU time %.3f s\n", now->domid,
               now->nr_vcpus, secs, cpu);
    else
        printf("d%u: %u vCPUs, since it was created, CPU time %.3f s\n", now->domid,
               now->nr_vcpus, cpu);
    printf(rates ? "%-10s %14s %12s\n" : "%-10s %14s\n", "Kind", "Exits", "Exits/s");
    for (unsigned k = 0; k <= VIREO_EXIT_KINDS_MAX; k++) {
        bool total = k == VIREO_EXIT_KINDS_MAX;
        uint64_t n = total ? now->total - then->total : now->count[k] - then->count[k];
        if (k >= VIREO_EXIT_KINDS && !total && !n)
            continue; /* reserved, or a kind newer than this tool: only when it counts */
        const char *name = total ? "total" : vctl_exit_kind_name(k);
        if (rates)
            printf("%-10s %14" PRIu64 " %12.1f\n", name, n, (double)n / secs);
        else
            printf("%-10s %14" PRIu64 "\n", name, n);
    }
}

int cmd_exits(int argc, char **argv)
{
    int interval = 0;
    const GOptionEntry entries[] = {
        { "interval", 'i', 0, G_OPTION_ARG_INT, &interval,
          "count over S seconds and print rates per second", "S" },
        { NULL },
    };
    ctl_parse_options(&argc, &argv, entries, "DOMAIN",
                      "A domain's VM exits by kind (dom0's too): since it was created, or "
                      "over an interval as rates.");
    if (argc != 2 || interval < 0) {
        fprintf(stderr, "usage: vireo-ctl exits [-i SECONDS] DOMAIN\n");
        return 2;
    }
    vctl_t *h = ctl_open();
    struct vireo_exit_stats then = { 0 }, now;
    uint32_t domid = resolve(h, argv[1]);
    int status = 0;
    if (interval) {
        status = read_stats(h, argv[1], domid, &then);
        if (!status)
            sleep((unsigned)interval);
    }
    if (!status)
        status = read_stats(h, argv[1], domid, &now);
    if (!status)
        print_table(&now, &then);
    vctl_close(h);
    return status;
}
