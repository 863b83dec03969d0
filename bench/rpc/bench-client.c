/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench-client: one stock libvirt client (libvirt's public C API, Debian's libvirt0) doing
 * one kind of work against one daemon, for bench_rpc.py, which starts several at once.
 *
 *   bench-client URI info START_AT SECONDS      virDomainGetInfo round robin over all domains
 *   bench-client URI pairs START_AT SECONDS TAG  virDomainDefineXML + virDomainUndefine pairs
 *   bench-client URI sweep ROUNDS               listAllDomains + GetInfo on each, best round
 *
 * START_AT is a CLOCK_REALTIME second at which every client begins together. Prints
 * "count N" (calls or pairs done) or "best_s S". Exits non-zero on any failed call.
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wait_until(double start_at)
{
    while (now(CLOCK_REALTIME) < start_at) {
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
}

static int fail(const char *what)
{
    const virError *e = virGetLastError();
    fprintf(stderr, "bench-client: %s: %s\n", what, e && e->message ? e->message : "?");
    return 1;
}

static int run_info(virConnectPtr c, double start_at, double seconds)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(c, &doms, 0);
    if (n <= 0)
        return fail("listAllDomains");
    wait_until(start_at);
    double end = now(CLOCK_MONOTONIC) + seconds;
    long count = 0;
    virDomainInfo info;
    while (now(CLOCK_MONOTONIC) < end) {
        if (virDomainGetInfo(doms[count % n], &info) < 0)
            return fail("getInfo");
        count++;
    }
    printf("count %ld\n", count);
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return 0;
}

static int run_pairs(virConnectPtr c, const char *xml_fmt, double start_at, double seconds,
                     const char *tag)
{
    char xml[1024];
    wait_until(start_at);
    double end = now(CLOCK_MONOTONIC) + seconds;
    long count = 0;
    while (now(CLOCK_MONOTONIC) < end) {
        snprintf(xml, sizeof(xml), xml_fmt, tag, count);
        virDomainPtr d = virDomainDefineXML(c, xml);
        if (!d)
            return fail("defineXML");
        if (virDomainUndefine(d) < 0)
            return fail("undefine");
        virDomainFree(d);
        count++;
    }
    printf("count %ld\n", count);
    return 0;
}

static int run_sweep(virConnectPtr c, int rounds)
{
    double best = -1;
    for (int r = 0; r < rounds; r++) {
        double t = now(CLOCK_MONOTONIC);
        virDomainPtr *doms = NULL;
        int n = virConnectListAllDomains(c, &doms, 0);
        if (n < 0)
            return fail("listAllDomains");
        virDomainInfo info;
        for (int i = 0; i < n; i++) {
            if (virDomainGetInfo(doms[i], &info) < 0)
                return fail("getInfo");
            virDomainFree(doms[i]);
        }
        free(doms);
        t = now(CLOCK_MONOTONIC) - t;
        if (best < 0 || t < best)
            best = t;
    }
    printf("best_s %.6f\n", best);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of bench-client.c\n");
        return 2;
    }
    /* The domain XML of a pair: the bench passes it in BENCH_XML with %s (tag), %ld. */
    const char *xml_fmt = getenv("BENCH_XML");
    virConnectPtr c = virConnectOpen(argv[1]);
    if (!c)
        return fail("open");
    int rc;
    if (strcmp(argv[2], "info") == 0 && argc == 5)
        rc = run_info(c, atof(argv[3]), atof(argv[4]));
    else if (strcmp(argv[2], "pairs") == 0 && argc == 6 && xml_fmt)
        rc = run_pairs(c, xml_fmt, atof(argv[3]), atof(argv[4]), argv[5]);
    else if (strcmp(argv[2], "sweep") == 0)
        rc = run_sweep(c, atoi(argv[3]));
    else
        rc = 2;
    virConnectClose(c);
    return rc;
}
