/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vireo-ctl: commands that ask the guest rather than act on it: shutdown and reboot
 * (VIREO_HC_DOMAIN_CONTROL; -w waits for the guest to stop) and mem-set (the balloon
 * target; the guest releases or repopulates its own frames, within maxmem).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ctl.h"
#include "domain_spec.h"

static const char *shutdown_reason_name(uint32_t reason)
{
    switch (reason) {
    case VIREO_SHUTDOWN_POWEROFF: return "poweroff";
    case VIREO_SHUTDOWN_REBOOT: return "reboot";
    case VIREO_SHUTDOWN_CRASH: return "crash";
    default: return "unknown";
    }
}

/* True once the domain no longer runs: shut down, crashed, dying or gone. */
static bool stopped(vctl_t *h, uint32_t domid, struct vireo_domain_info *info, int *err)
{
    *err = vctl_domain_info(h, domid, info);
    if (*err == -ESRCH)
        return true;
    return *err < 0 || info->state == VIREO_DOMSTATE_SHUTDOWN ||
           info->state == VIREO_DOMSTATE_CRASHED || info->state == VIREO_DOMSTATE_DYING;
}

/*
 * Waits for the domain to stop, woken by hv's DOMAIN_STATE events (no polling), and says
 * how it ended. A toolstack may already have destroyed it (virtvireod applies on_reboot):
 * then a domain of the same name under another id is the restarted one.
 */
static int wait_stopped(vctl_t *h, int events, const char *name, uint32_t domid)
{
    struct vireo_domain_info info;
    int err;
    while (!stopped(h, domid, &info, &err)) {
        struct pollfd pfd = { .fd = events, .events = POLLIN };
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            return ctl_check(-errno, "waiting for d%u", domid);
        vctl_events_read(events);
    }
    if (err == -ESRCH) {
        struct vireo_domain_info again;
        if (vctl_domain_lookup(h, name, &again) == 0 && again.domid != domid)
            printf("d%u gone; %s runs again as d%u\n", domid, name, again.domid);
        else
            printf("d%u gone\n", domid);
        return 0;
    }
    if (ctl_check(err, "reading d%u", domid))
        return 1;
    if (info.state == VIREO_DOMSTATE_SHUTDOWN)
        printf("d%u shut down: %s\n", domid, shutdown_reason_name(info.shutdown_reason));
    else
        printf("d%u %s\n", domid, vctl_domstate_name(info.state));
    return 0;
}

static int request_command(int argc, char **argv, uint32_t request, const char *summary)
{
    gboolean wait = FALSE;
    const GOptionEntry entries[] = {
        { "wait", 'w', 0, G_OPTION_ARG_NONE, &wait, "wait until the guest has stopped", NULL },
        { NULL },
    };
    ctl_parse_options(&argc, &argv, entries, "DOMAIN", summary);
    vctl_t *h;
    struct vireo_domain_info info;
    int status = ctl_domu_command(argc, argv, "[-w] DOMAIN", &h, &info);
    if (status)
        return status;
    /* Listen before asking, so the guest's answer cannot slip past us. */
    int events = wait ? vctl_events_open(false) : -1;
    if (wait && ctl_check(events, "opening hv's event channel")) {
        vctl_close(h);
        return 1;
    }
    status = ctl_check(vctl_domain_control(h, info.domid, request), "asking d%u to %s",
                           info.domid, argv[0]);
    if (!status)
        printf("d%u asked to %s\n", info.domid, argv[0]);
    fflush(stdout);
    if (!status && wait)
        status = wait_stopped(h, events, argv[1], info.domid);
    if (events >= 0)
        close(events);
    vctl_close(h);
    return status;
}

int cmd_shutdown(int argc, char **argv)
{
    return request_command(argc, argv, VIREO_CONTROL_POWEROFF,
                           "Ask a domain's guest to power off.");
}

int cmd_reboot(int argc, char **argv)
{
    return request_command(argc, argv, VIREO_CONTROL_REBOOT,
                           "Ask a domain's guest to reboot. The toolstack restarts it "
                           "(virtvireod's on_reboot); without one it stays shut down.");
}

/* Like xl mem-set: the guest's balloon driver gets the new target; maxmem stays the limit. */
int cmd_mem_set(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "DOMAIN SIZE",
                      "Set a domain's memory target (MiB, or with K/M/G), up to its maxmem.\n"
                      "The guest balloons to it; `list` shows what it holds.");
    uint64_t bytes;
    if (argc != 3 || !ctl_parse_size(argv[2], &bytes)) {
        fprintf(stderr, "usage: vireo-ctl mem-set DOMAIN SIZE\n");
        return 2;
    }
    vctl_t *h = ctl_open();
    struct vireo_domain_info info;
    ctl_lookup(h, argv[1], &info);
    uint64_t target = bytes / VIREO_PAGE_SIZE;
    if (target > info.max_pages) {
        fprintf(stderr, "vireo-ctl mem-set: %" PRIu64 " MiB is above d%u's maxmem (%" PRIu64
                " MiB)\n", bytes >> 20, info.domid, info.max_pages >> 8);
        return 1;
    }
    int status = ctl_check(vctl_domain_set_target(h, info.domid, target),
                           "setting d%u's memory target", info.domid);
    if (!status)
        printf("d%u memory target %" PRIu64 " MiB (holds %" PRIu64 " MiB now)\n", info.domid,
               bytes >> 20, info.tot_pages >> 8);
    vctl_close(h);
    return status;
}
