/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl: host-wide commands: info, list, top. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"

#define PAGES_TO_MIB(p) ((p) >> (20 - VIREO_PAGE_SHIFT))

int cmd_dmesg(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "",
                      "Print hv's log: the newest 64 KiB of what it wrote to its serial port.");
    vctl_t *h = ctl_open();
    char buf[16384];
    uint64_t pos = 0, prod = 0;
    int n;
    /* Position 0 starts at the oldest byte hv still keeps. */
    do {
        n = vctl_hv_log_read(h, &pos, buf, sizeof(buf), &prod);
        if (ctl_check(n, "VIREO_HC_HV_LOG_READ"))
            break;
        fwrite(buf, 1, (size_t)n, stdout);
        pos += (uint64_t)n;
    } while (n > 0 && pos < prod);
    vctl_close(h);
    return n < 0;
}

int cmd_info(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "", "Show the host as hv sees it.");
    vctl_t *h = ctl_open();
    struct vireo_physinfo pi;
    struct vireo_dev_info di = { 0 };
    int ret = vctl_physinfo(h, &pi);
    if (ctl_check(ret, "VIREO_HC_PHYSINFO"))
        return 1;
    vctl_dev_info(h, &di);
    pi.hv_version[sizeof(pi.hv_version) - 1] = '\0';
    printf("hv_version       : %s\n", pi.hv_version);
    printf("abi_version      : %u.%u\n", pi.abi_version >> 16, pi.abi_version & 0xffff);
    printf("nr_cpus          : %u\n", pi.nr_cpus);
    printf("domu_cpus        : %u\n", pi.nr_domu_cpus);
    printf("tsc_khz          : %" PRIu64 "\n", pi.tsc_khz);
    printf("total_memory     : %" PRIu64 " MiB\n", PAGES_TO_MIB(pi.total_pages));
    printf("hv_memory        : %" PRIu64 " MiB\n", PAGES_TO_MIB(pi.hv_pages));
    printf("dom0_memory      : %" PRIu64 " MiB\n", PAGES_TO_MIB(pi.dom0_pages));
    printf("free_memory      : %" PRIu64 " MiB\n", PAGES_TO_MIB(pi.free_pages));
    printf("free_pages       : %" PRIu64 "\n", pi.free_pages);
    printf("nr_domains       : %u\n", pi.nr_domains);
    printf("foreign_window   : gfn 0x%" PRIx64 " pages %" PRIu64 " in use %" PRIu64 "\n",
           pi.foreign_window_gfn, pi.foreign_window_pages,
           (uint64_t)di.window_pages_in_use);
    printf("event_vector     : 0x%x (%" PRIu64 " interrupts)\n", di.event_vector,
           (uint64_t)di.event_interrupts);
    vctl_close(h);
    return 0;
}

static void print_domain_row(const struct vireo_domain_info *d)
{
    char name[VIREO_NAME_MAX];
    memcpy(name, d->name, sizeof(name));
    name[sizeof(name) - 1] = '\0';
    const char *state = vctl_domstate_name(d->state);
    if (d->domid != VIREO_DOMID_DOM0 && vctl_build_in_progress(name))
        state = "building";
    printf("%-24s %5u %8" PRIu64 " %5u/%-3u %-9s %10.1f %6u %4u\n", name, d->domid,
           PAGES_TO_MIB(d->tot_pages), d->nr_online_vcpus, d->nr_vcpus, state,
           (double)d->cpu_time_ns / 1e9, d->weight, d->cap);
    if (d->state == VIREO_DOMSTATE_CRASHED)
        printf("%-24s   crashed: %s\n", "", vctl_crash_reason_name(d->crash_reason));
}

/* One key=value line per domain: stable for scripts and tests. */
static void print_domain_long(const struct vireo_domain_info *d)
{
    printf("domid=%u name=%.*s state=%s crash_reason=%u shutdown_reason=%u vcpus=%u "
           "online_vcpus=%u pause_count=%u weight=%u cap=%u tot_pages=%" PRIu64
           " max_pages=%" PRIu64 " target_pages=%" PRIu64 " cpu_time_ns=%" PRIu64
           " console_prod=%" PRIu64 "\n",
           d->domid, VIREO_NAME_MAX, d->name, vctl_domstate_name(d->state), d->crash_reason,
           d->shutdown_reason, d->nr_vcpus, d->nr_online_vcpus, d->pause_count, d->weight,
           d->cap, (uint64_t)d->tot_pages, (uint64_t)d->max_pages, (uint64_t)d->target_pages,
           (uint64_t)d->cpu_time_ns,
           (uint64_t)d->console_prod);
}

int cmd_list(int argc, char **argv)
{
    gboolean long_format = FALSE;
    const GOptionEntry entries[] = {
        { "long", 'l', 0, G_OPTION_ARG_NONE, &long_format, "one key=value line per domain",
          NULL },
        { NULL },
    };
    ctl_parse_options(&argc, &argv, entries, "",
                      "List domains. Domains whose builder died are destroyed first.");
    vctl_t *h = ctl_open();
    int reaped = vctl_build_reap(h);
    if (reaped > 0)
        fprintf(stderr, "vireo-ctl: destroyed %d half-built domain(s)\n", reaped);

    struct vireo_domain_info *all;
    size_t n;
    int ret = vctl_domain_list(h, &all, &n);
    if (ctl_check(ret, "listing domains"))
        return 1;
    if (!long_format)
        printf("%-24s %5s %8s %9s %-9s %10s %6s %4s\n", "Name", "ID", "Mem(MiB)", "VCPUs",
               "State", "Time(s)", "Weight", "Cap");
    for (size_t i = 0; i < n; i++) {
        if (long_format)
            print_domain_long(&all[i]);
        else
            print_domain_row(&all[i]);
    }
    free(all);
    vctl_close(h);
    return 0;
}

/* Finds the previous sample of a domain (same id) to compute its CPU share. */
static const struct vireo_domain_info *find_prev(const struct vireo_domain_info *prev,
                                                 size_t n, uint32_t domid)
{
    for (size_t i = 0; i < n; i++)
        if (prev[i].domid == domid)
            return &prev[i];
    return NULL;
}

int cmd_top(int argc, char **argv)
{
    int iterations = 0, delay = 1;
    gboolean batch = FALSE;
    const GOptionEntry entries[] = {
        { "batch", 'b', 0, G_OPTION_ARG_NONE, &batch, "plain output, no screen clearing",
          NULL },
        { "iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "stop after N refreshes", "N" },
        { "delay", 'd', 0, G_OPTION_ARG_INT, &delay, "seconds between refreshes", "S" },
        { NULL },
    };
    ctl_parse_options(&argc, &argv, entries, "", "Show domains' CPU use, refreshed.");
    if (delay < 1)
        delay = 1;
    vctl_t *h = ctl_open();

    struct vireo_domain_info *prev = NULL;
    size_t nprev = 0;
    uint64_t prev_ns = 0;
    for (int it = 0; !iterations || it < iterations; it++) {
        struct vireo_domain_info *cur;
        size_t n;
        uint64_t now;
        if (ctl_check(vctl_domain_list(h, &cur, &n), "listing domains") ||
            ctl_check(vctl_time_now(h, &now), "reading hv time"))
            return 1;
        if (!batch)
            printf("\033[H\033[2J");
        printf("%-24s %5s %-9s %8s %7s %8s %6s %4s\n", "Name", "ID", "State", "CPU(s)",
               "CPU(%)", "Mem(MiB)", "Weight", "Cap");
        for (size_t i = 0; i < n; i++) {
            const struct vireo_domain_info *p = find_prev(prev, nprev, cur[i].domid);
            double pct = 0;
            if (p && now > prev_ns && cur[i].cpu_time_ns >= p->cpu_time_ns)
                pct = 100.0 * (double)(cur[i].cpu_time_ns - p->cpu_time_ns) /
                      (double)(now - prev_ns);
            char name[VIREO_NAME_MAX];
            memcpy(name, cur[i].name, sizeof(name));
            name[sizeof(name) - 1] = '\0';
            printf("%-24s %5u %-9s %8.1f %7.1f %8" PRIu64 " %6u %4u\n", name, cur[i].domid,
                   vctl_domstate_name(cur[i].state), (double)cur[i].cpu_time_ns / 1e9, pct,
                   PAGES_TO_MIB(cur[i].tot_pages), cur[i].weight, cur[i].cap);
        }
        fflush(stdout);
        free(prev);
        prev = cur;
        nprev = n;
        prev_ns = now;
        if (!iterations || it + 1 < iterations)
            sleep((unsigned)delay);
    }
    free(prev);
    vctl_close(h);
    return 0;
}
