/* SPDX-License-Identifier: GPL-2.0-only */
/* vireo-ctl: commands on one domain: create, destroy, pause, unpause, sched-credit,
 * vcpu-set. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "domain_spec.h"

/* Reads the config file (if any) and then key=value arguments into spec. */
static gboolean load_spec(struct ctl_domain_spec *spec, int argc, char **argv, GError **error)
{
    for (int i = 1; i < argc; i++) {
        if (strchr(argv[i], '=')) {
            if (!ctl_spec_parse_assignment(spec, argv[i], error))
                return FALSE;
            continue;
        }
        if (i != 1) {
            g_set_error(error, CTL_SPEC_ERROR, 0, "\"%s\": the config file comes first",
                        argv[i]);
            return FALSE;
        }
        g_autofree char *text = NULL;
        if (!g_file_get_contents(argv[i], &text, NULL, error) ||
            !ctl_spec_parse_text(spec, text, argv[i], error))
            return FALSE;
    }
    return ctl_spec_check(spec, error);
}

/* Reads the kernel and ramdisk; errors name the file. */
static int read_images(vctl_t *h, const struct ctl_domain_spec *spec,
                       struct vctl_build_config *cfg, void **kernel, void **ramdisk)
{
    int ret = vctl_build_read_file(h, spec->kernel, kernel, &cfg->kernel_size);
    if (ret == 0 && spec->ramdisk)
        ret = vctl_build_read_file(h, spec->ramdisk, ramdisk, &cfg->initrd_size);
    if (ret < 0) {
        fprintf(stderr, "vireo-ctl create: %s\n", vctl_build_error(h));
        return ret;
    }
    cfg->kernel = *kernel;
    cfg->initrd = *ramdisk;
    return 0;
}

int cmd_create(int argc, char **argv)
{
    gboolean paused = FALSE, console = FALSE;
    const GOptionEntry entries[] = {
        { "paused", 'p', 0, G_OPTION_ARG_NONE, &paused, "leave the domain paused", NULL },
        { "console", 'c', 0, G_OPTION_ARG_NONE, &console, "attach to its console", NULL },
        { NULL },
    };
    ctl_parse_options(&argc, &argv, entries, "[CONFIG] [KEY=VALUE...]",
                      "Build a domain from an ELF test guest or a Linux bzImage and start it.\n"
                      "Keys: name, kernel, ramdisk (bzImage only), memory (MiB or K/M/G),\n"
                      "maxmem, vcpus, weight, cap, cmdline (or extra), platform (1: an ELF\n"
                      "test guest gets the guest platform's devices). KEY=VALUE arguments\n"
                      "override the config file.");
    struct ctl_domain_spec spec;
    g_autoptr(GError) error = NULL;
    void *kernel = NULL, *ramdisk = NULL;
    int status = 1;

    ctl_spec_init(&spec);
    if (!load_spec(&spec, argc, argv, &error)) {
        fprintf(stderr, "vireo-ctl create: %s\n", error->message);
        ctl_spec_clear(&spec);
        return 2;
    }
    struct vctl_build_config cfg = {
        .name = spec.name, .memory_bytes = spec.memory_bytes,
        .maxmem_bytes = spec.maxmem_bytes, .nr_vcpus = spec.vcpus, .weight = spec.weight,
        .cap = spec.cap, .cmdline = spec.cmdline, .platform = spec.platform,
        .kernel_path = spec.kernel, .initrd_path = spec.ramdisk,
    };
    vctl_t *h = ctl_open();
    uint32_t domid;
    if (read_images(h, &spec, &cfg, &kernel, &ramdisk) < 0) {
        status = 2;
        goto out;
    }
    int ret = vctl_domain_build(h, &cfg, &domid);
    if (ret < 0 && *vctl_build_error(h)) {
        fprintf(stderr, "vireo-ctl: building domain \"%s\": %s\n", spec.name,
                vctl_build_error(h));
        goto out;
    }
    if (ctl_check(ret, "building domain \"%s\"", spec.name))
        goto out;
    if (!paused && ctl_check(vctl_domain_unpause(h, domid), "starting d%u", domid)) {
        vctl_domain_destroy(h, domid);
        goto out;
    }
    printf("created d%u (%s)%s\n", domid, spec.name, paused ? ", paused" : "");
    fflush(stdout);
    status = console ? ctl_console_attach(spec.name) : 0;
out:
    free(kernel);
    free(ramdisk);
    vctl_close(h);
    ctl_spec_clear(&spec);
    return status;
}

/* The shape every one-domain command shares: "vireo-ctl CMD DOMAIN". */
static int simple_domain_command(int argc, char **argv, const char *summary,
                                 int (*op)(vctl_t *, uint32_t), const char *done)
{
    ctl_parse_options(&argc, &argv, NULL, "DOMAIN", summary);
    vctl_t *h;
    struct vireo_domain_info info;
    int status = ctl_domu_command(argc, argv, "DOMAIN", &h, &info);
    if (status)
        return status;
    status = ctl_check(op(h, info.domid), "%s d%u", argv[0], info.domid);
    if (!status)
        printf("d%u %s\n", info.domid, done);
    vctl_close(h);
    return status;
}

/* The console ring goes with the domain: vireo-consoled (if running) logs it first. */
static int destroy_logged(vctl_t *h, uint32_t domid)
{
    vctl_console_log_sync();
    return vctl_domain_destroy(h, domid);
}

int cmd_destroy(int argc, char **argv)
{
    return simple_domain_command(argc, argv, "Destroy a domain and free its memory.",
                                 destroy_logged, "destroyed");
}

int cmd_pause(int argc, char **argv)
{
    return simple_domain_command(argc, argv, "Pause a domain.", vctl_domain_pause, "paused");
}

int cmd_unpause(int argc, char **argv)
{
    return simple_domain_command(argc, argv, "Unpause a domain.", vctl_domain_unpause,
                                 "unpaused");
}

int cmd_sched_credit(int argc, char **argv)
{
    char *dom = NULL, *weight_s = NULL, *cap_s = NULL;
    const GOptionEntry entries[] = {
        { "domain", 'd', 0, G_OPTION_ARG_STRING, &dom, "domain name or id", "DOM" },
        { "weight", 'w', 0, G_OPTION_ARG_STRING, &weight_s, "weight 1..65535", "W" },
        { "cap", 'c', 0, G_OPTION_ARG_STRING, &cap_s, "cap in % of one CPU, 0 = none", "C" },
        { NULL },
    };
    ctl_parse_options(&argc, &argv, entries, "",
                      "Show or set credit scheduler parameters (all domains without -d).");
    vctl_t *h = ctl_open();
    int status = 0;

    if (!dom) {
        if (weight_s || cap_s) {
            fprintf(stderr, "vireo-ctl sched-credit: -w and -c need -d DOMAIN\n");
            return 2;
        }
        struct vireo_domain_info *all;
        size_t n;
        if (ctl_check(vctl_domain_list(h, &all, &n), "listing domains"))
            return 1;
        printf("%-24s %5s %6s %4s\n", "Name", "ID", "Weight", "Cap");
        for (size_t i = 0; i < n; i++)
            printf("%-24.*s %5u %6u %4u\n", VIREO_NAME_MAX, all[i].name, all[i].domid,
                   all[i].weight, all[i].cap);
        free(all);
        vctl_close(h);
        return 0;
    }
    struct vireo_domain_info info;
    ctl_lookup(h, dom, &info);
    uint32_t weight = info.weight, cap = info.cap;
    if ((weight_s && !ctl_parse_u32(weight_s, 1, 65535, &weight)) ||
        (cap_s && !ctl_parse_u32(cap_s, 0, 100 * VIREO_MAX_VCPUS, &cap))) {
        fprintf(stderr, "vireo-ctl sched-credit: weight must be 1..65535, cap 0..%d\n",
                100 * VIREO_MAX_VCPUS);
        return 2;
    }
    if (weight_s || cap_s)
        status = ctl_check(vctl_sched_set_params(h, info.domid, weight, cap),
                           "setting scheduler parameters of d%u", info.domid);
    if (!status)
        printf("%-24.*s %5u weight=%u cap=%u\n", VIREO_NAME_MAX, info.name, info.domid,
               weight, cap);
    vctl_close(h);
    return status;
}

static const char *vcpu_state_name(uint32_t state)
{
    switch (state) {
    case VIREO_VCPUSTATE_OFFLINE:
        return "offline";
    case VIREO_VCPUSTATE_RUNNING:
        return "running";
    case VIREO_VCPUSTATE_BLOCKED:
        return "blocked";
    }
    return "?";
}

int cmd_vcpu_list(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "DOMAIN",
                      "List a domain's vCPUs: state, physical CPU (now or last), CPU time.");
    vctl_t *h;
    struct vireo_domain_info info;
    int status = ctl_domu_command(argc, argv, "DOMAIN", &h, &info);
    if (status)
        return status;
    struct vireo_vcpu_info vcpus[VIREO_MAX_VCPUS];
    int n = vctl_vcpu_list(h, info.domid, vcpus, VIREO_MAX_VCPUS);
    status = ctl_check(n, "listing d%u's vCPUs", info.domid);
    if (!status)
        printf("%-24s %5s %4s %4s %-8s %12s\n", "Name", "ID", "VCPU", "CPU", "State",
               "Time(s)");
    for (int i = 0; i < n; i++) {
        char cpu[12] = "-";
        if (vcpus[i].cpu != VIREO_VCPU_NO_CPU)
            snprintf(cpu, sizeof(cpu), "%u", vcpus[i].cpu);
        printf("%-24.*s %5u %4u %4s %-8s %12.3f\n", VIREO_NAME_MAX, info.name, info.domid,
               vcpus[i].vcpu, cpu, vcpu_state_name(vcpus[i].state),
               (double)vcpus[i].cpu_time_ns / 1e9);
    }
    vctl_close(h);
    return status;
}

int cmd_vcpu_set(int argc, char **argv)
{
    ctl_parse_options(&argc, &argv, NULL, "DOMAIN COUNT", "Set the number of online vCPUs.");
    uint32_t count;
    if (argc != 3 || !ctl_parse_u32(argv[2], 1, VIREO_MAX_VCPUS, &count)) {
        fprintf(stderr, "usage: vireo-ctl vcpu-set DOMAIN COUNT (1..%d)\n", VIREO_MAX_VCPUS);
        return 2;
    }
    vctl_t *h = ctl_open();
    struct vireo_domain_info info;
    ctl_lookup(h, argv[1], &info);
    if (count > info.nr_vcpus) {
        fprintf(stderr, "vireo-ctl vcpu-set: d%u has %u vCPUs\n", info.domid, info.nr_vcpus);
        return 1;
    }
    int status = ctl_check(vctl_domain_set_online_vcpus(h, info.domid, count),
                           "setting d%u's online vCPUs", info.domid);
    if (!status)
        printf("d%u online vCPUs %u\n", info.domid, count);
    vctl_close(h);
    return status;
}
