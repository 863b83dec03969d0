/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor backend chosen at run time. The real calls go through libvireoctl over
 * /dev/vireo (vd-hv-vireoctl.c); where the device is missing, or the daemon was built
 * without libvireoctl, the backend below refuses each operation with libvirt's
 * "hypervisor not present" error, so nothing ever pretends to run a domain.
 */
#include "vd-hv.h"
#include "vd-error.h"
#ifdef VD_HAVE_VIREOCTL
#include "vd-hv-vireoctl.h"
#endif

typedef struct absent_hv {
    vd_hv base;
    char *reason; /* shown in every refusal */
} absent_hv;

static const char *absent_reason(vd_hv *hv)
{
    return ((absent_hv *)hv)->reason;
}

static void refuse(vd_hv *hv, vd_error **err)
{
    vd_fail(err, VIR_ERR_OPERATION_FAILED, VIR_FROM_DOMAIN, "%s", absent_reason(hv));
}

static bool absent_physinfo(vd_hv *hv, vd_hv_physinfo *out, vd_error **err)
{
    (void)out;
    refuse(hv, err);
    return false;
}

static int absent_start(vd_hv *hv, const vd_domain_def *def, bool paused, bool *platform,
                        vd_error **err)
{
    (void)def;
    (void)paused;
    (void)platform;
    refuse(hv, err);
    return -1;
}

static bool absent_domid_op(vd_hv *hv, int domid, vd_error **err)
{
    (void)domid;
    refuse(hv, err);
    return false;
}

static bool absent_shutdown(vd_hv *hv, int domid, bool reboot, vd_error **err)
{
    (void)reboot;
    return absent_domid_op(hv, domid, err);
}

/* Without hv no domain runs. */
static int absent_info(vd_hv *hv, int domid, vd_hv_info *out, vd_error **err)
{
    (void)hv;
    (void)domid;
    (void)out;
    (void)err;
    return 0;
}

/* Without hv no domain runs. */
static bool absent_list(vd_hv *hv, GArray **out, vd_error **err)
{
    (void)hv;
    (void)err;
    *out = g_array_new(FALSE, FALSE, sizeof(vd_hv_domain));
    return true;
}

static bool absent_set_memory(vd_hv *hv, int domid, uint64_t max_kib, uint64_t target_kib,
                              vd_error **err)
{
    (void)max_kib;
    (void)target_kib;
    return absent_domid_op(hv, domid, err);
}

static bool absent_set_vcpus(vd_hv *hv, int domid, unsigned online, vd_error **err)
{
    (void)online;
    return absent_domid_op(hv, domid, err);
}

static bool absent_set_sched(vd_hv *hv, int domid, unsigned weight, unsigned cap, vd_error **err)
{
    (void)weight;
    (void)cap;
    return absent_domid_op(hv, domid, err);
}

static int absent_vcpu_list(vd_hv *hv, int domid, vd_hv_vcpu *out, unsigned max, vd_error **err)
{
    (void)out;
    (void)max;
    absent_domid_op(hv, domid, err);
    return -1;
}

static bool absent_save(vd_hv *hv, int domid, const vd_domain_def *def, vd_save_writer *w,
                        vd_error **err)
{
    (void)def;
    (void)w;
    return absent_domid_op(hv, domid, err);
}

static int absent_restore(vd_hv *hv, const vd_domain_def *def, vd_save_reader *r, bool *platform,
                          GBytes **dm_state, vd_error **err)
{
    (void)r;
    (void)dm_state;
    return absent_start(hv, def, true, platform, err);
}

static vd_hv_console *absent_console_open(vd_hv *hv, int domid, vd_hv_console_data_fn on_data,
                                          vd_hv_console_eof_fn on_eof, void *user, vd_error **err)
{
    (void)on_data;
    (void)on_eof;
    (void)user;
    absent_domid_op(hv, domid, err);
    return NULL;
}

static void absent_free(vd_hv *hv)
{
    g_free(((absent_hv *)hv)->reason);
    g_free(hv);
}

static const vd_hv_ops absent_ops = {
    .physinfo = absent_physinfo,
    .domain_start = absent_start,
    .domain_destroy = absent_domid_op,
    .domain_request_shutdown = absent_shutdown,
    .domain_pause = absent_domid_op,
    .domain_unpause = absent_domid_op,
    .domain_info = absent_info,
    .domain_list = absent_list,
    .domain_set_memory = absent_set_memory,
    .domain_set_vcpus = absent_set_vcpus,
    .domain_set_sched = absent_set_sched,
    .domain_vcpu_list = absent_vcpu_list,
    .domain_save = absent_save,
    .domain_restore = absent_restore,
    .console_open = absent_console_open,
    .free = absent_free,
};

vd_hv *vd_hv_open(const char *device)
{
    char *reason = NULL;
    if (!g_file_test(device, G_FILE_TEST_EXISTS)) {
        reason = g_strdup_printf("Vireo hypervisor not present: %s not found", device);
    } else {
#ifdef VD_HAVE_VIREOCTL
        vd_hv *real = vd_hv_vireoctl_open(device, &reason);
        if (real)
            return real;
#else
        reason = g_strdup_printf("Vireo hypervisor not usable: %s exists but virtvireod "
                                 "was built without libvireoctl",
                                 device);
#endif
    }
    absent_hv *hv = g_new0(absent_hv, 1);
    hv->base.ops = &absent_ops;
    hv->reason = reason;
    g_message("hypervisor: %s", hv->reason);
    return &hv->base;
}

bool vd_hv_present(const vd_hv *hv)
{
    return hv->ops != &absent_ops;
}

void vd_hv_free(vd_hv *hv)
{
    if (hv)
        hv->ops->free(hv);
}
