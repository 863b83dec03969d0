/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl: the dom0 command line tool in the spirit of xl. Dispatches to commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const struct {
    const char *name;
    ctl_command_fn fn;
    const char *help;
} commands[] = {
    { "info", cmd_info, "host CPUs, memory and hv version" },
    { "dmesg", cmd_dmesg, "hv's log" },
    { "list", cmd_list, "list domains" },
    { "create", cmd_create, "build and start a domain from a config file or key=value" },
    { "shutdown", cmd_shutdown, "ask a domain's guest to power off (-w waits)" },
    { "reboot", cmd_reboot, "ask a domain's guest to reboot (-w waits)" },
    { "destroy", cmd_destroy, "destroy a domain" },
    { "pause", cmd_pause, "pause a domain" },
    { "unpause", cmd_unpause, "unpause a domain" },
    { "console", cmd_console, "attach to a domain's console (Ctrl-] leaves)" },
    { "sched-credit", cmd_sched_credit, "show or set scheduler weight and cap" },
    { "mem-set", cmd_mem_set, "set a domain's balloon target (within maxmem)" },
    { "vcpu-set", cmd_vcpu_set, "set the number of online vCPUs" },
    { "vcpu-list", cmd_vcpu_list, "a domain's vCPUs: state, CPU, CPU time" },
    { "top", cmd_top, "domains' CPU use, refreshed" },
    { "exits", cmd_exits, "a domain's VM exits by kind (-i S: rates over S seconds)" },
    { "log-dirty", cmd_log_dirty, "a domain's dirty-page log: enable, fetch (count), disable" },
};

static void usage(FILE *out)
{
    fprintf(out, "usage: vireo-ctl COMMAND [ARGS]   (vireo-ctl COMMAND --help)\n\n");
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].help);
}

vctl_t *ctl_open(void)
{
    vctl_t *h = vctl_open();
    if (!h) {
        fprintf(stderr, "vireo-ctl: cannot open %s: %s%s\n", VIREO_DEV_PATH, strerror(errno),
                errno == ENOENT ? " (is vireo.ko loaded, and is this dom0 under hv?)" : "");
        exit(1);
    }
    return h;
}

int ctl_check(int err, const char *what, ...)
{
    if (err >= 0)
        return 0;
    va_list ap;
    va_start(ap, what);
    fprintf(stderr, "vireo-ctl: ");
    vfprintf(stderr, what, ap);
    fprintf(stderr, ": %s\n", strerror(-err));
    va_end(ap);
    return 1;
}

void ctl_lookup(vctl_t *h, const char *dom, struct vireo_domain_info *out)
{
    int ret = vctl_domain_lookup(h, dom, out);
    if (ret == -ESRCH) {
        fprintf(stderr, "vireo-ctl: no domain \"%s\"\n", dom);
        exit(1);
    }
    if (ctl_check(ret, "looking up domain \"%s\"", dom))
        exit(1);
}

int ctl_domu_command(int argc, char **argv, const char *usage, vctl_t **h,
                     struct vireo_domain_info *info)
{
    if (argc != 2) {
        fprintf(stderr, "usage: vireo-ctl %s %s\n", argv[0], usage);
        return 2;
    }
    *h = ctl_open();
    ctl_lookup(*h, argv[1], info);
    if (info->domid == VIREO_DOMID_DOM0) {
        fprintf(stderr, "vireo-ctl %s: not on dom0\n", argv[0]);
        vctl_close(*h);
        return 1;
    }
    return 0;
}

void ctl_parse_options(int *argc, char ***argv, const GOptionEntry *entries,
                       const char *params, const char *summary)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new(params);
    g_autoptr(GError) error = NULL;
    g_autofree char *prog = g_strdup_printf("vireo-ctl %s", (*argv)[0]);

    g_set_prgname(prog);
    g_option_context_set_summary(ctx, summary);
    if (entries)
        g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        fprintf(stderr, "%s: %s\n", prog, error->message);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "vireo-ctl: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return 2;
}
