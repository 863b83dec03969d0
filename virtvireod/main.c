/* SPDX-License-Identifier: GPL-2.0-only */
/* virtvireod: Vireo's management daemon, over the real hypervisor backend (/dev/vireo). */
#include "vd-serve.h"

static vd_hv *open_device(const vd_config *cfg)
{
    return vd_hv_open(cfg->hv_device);
}

int main(int argc, char **argv)
{
    return vd_serve(argc, argv, open_device);
}
