/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain XML -> libvireoctl build configuration (vd-hv-build.c), and the libvirt errors a
 * builder refusal becomes. Pure logic: no hv, no files read.
 */
#include <errno.h>
#include <string.h>

#include "vd-domain-xml.h"
#include "vd-hv-build.h"
#include "vd-libvirt.h"

#define LINUX_DOMU                                                                                 \
    "<domain type='vireo'><name>deb</name>"                                                        \
    "<uuid>8f0a4a3e-7c1b-4d7e-9a52-0e4f1c2b3d4e</uuid>"                                            \
    "<memory unit='MiB'>256</memory><currentMemory unit='MiB'>192</currentMemory>"                 \
    "<vcpu placement='static'>2</vcpu>"                                                            \
    "<cputune><shares>512</shares><period>100000</period><quota>50000</quota></cputune>"           \
    "<os><type arch='x86_64' machine='pc'>%s</type>"                                               \
    "<kernel>/usr/share/vireo/guests/vmlinuz</kernel>"                                             \
    "<initrd>/usr/share/vireo/guests/domu-initrd.img</initrd>"                                     \
    "<cmdline>console=ttyS0 quiet</cmdline></os>"                                                  \
    "<features><acpi/><apic/></features>"                                                          \
    "<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot>"                             \
    "<on_crash>preserve</on_crash>"                                                                \
    "<devices><console type='pty'><target type='serial' port='0'/></console></devices>"            \
    "</domain>"

static vd_domain_def *parse(const char *xml)
{
    g_autoptr(vd_error) err = NULL;
    vd_domain_def *def = vd_domain_def_parse(xml, NULL, &err);
    if (!def)
        g_test_message("parse failed: %s", err->message);
    g_assert_nonnull(def);
    return def;
}

static void linux_domu_becomes_a_kernel_initrd_cmdline_build(gconstpointer os_type)
{
    g_autofree char *xml = g_strdup_printf(LINUX_DOMU, (const char *)os_type);
    g_autoptr(vd_domain_def) def = parse(xml);
    struct vctl_build_config cfg;
    g_autoptr(vd_error) err = NULL;
    g_assert_true(vd_hv_build_config(def, &cfg, &err));
    g_assert_cmpstr(cfg.name, ==, "deb");
    g_assert_cmpuint(cfg.memory_bytes, ==, 256u << 20);
    g_assert_cmpuint(cfg.maxmem_bytes, ==, 256u << 20);
    g_assert_cmpuint(cfg.target_bytes, ==, 192u << 20);
    g_assert_cmpuint(cfg.nr_vcpus, ==, 2);
    g_assert_cmpuint(cfg.weight, ==, 512);
    g_assert_cmpuint(cfg.cap, ==, 50);
    g_assert_cmpstr(cfg.kernel_path, ==, "/usr/share/vireo/guests/vmlinuz");
    g_assert_cmpstr(cfg.initrd_path, ==, "/usr/share/vireo/guests/domu-initrd.img");
    g_assert_cmpstr(cfg.cmdline, ==, "console=ttyS0 quiet");
    g_assert_cmpmem(cfg.uuid, 4, "\x8f\x0a\x4a\x3e", 4);
    /* The bytes are read by libvireoctl later, never guessed here. */
    g_assert_null(cfg.kernel);
    g_assert_null(cfg.initrd);

    /* 'linux' is written back as what the guest gets: hvm on machine vireo. */
    g_autofree char *out = vd_domain_def_format(def, -1);
    g_assert_nonnull(strstr(out, "<type arch=\"x86_64\" machine=\"vireo\">hvm</type>"));
    g_assert_nonnull(strstr(out, "<on_crash>preserve</on_crash>"));
    g_assert_nonnull(strstr(out, "<target type=\"isa-serial\" port=\"0\">"));
}

static void elf_test_guest_without_initrd_builds_as_before(void)
{
    g_autoptr(vd_domain_def) def =
        parse("<domain type='vireo'><name>hello</name><memory unit='MiB'>8</memory>"
              "<os><type>hvm</type><kernel>/usr/share/vireo/guests/hello.elf</kernel></os>"
              "</domain>");
    struct vctl_build_config cfg;
    g_assert_true(vd_hv_build_config(def, &cfg, NULL));
    g_assert_null(cfg.initrd_path);
    g_assert_null(cfg.cmdline);
    g_assert_cmpuint(cfg.nr_vcpus, ==, 1);
    g_assert_cmpuint(cfg.target_bytes, ==, cfg.memory_bytes);
}

static void device_model_devices_are_described_by_their_slots(void)
{
    static const struct {
        const char *xml;
        uint32_t slots;
    } cases[] = {
        {"", 0},
        {"<disk type='file' device='disk'><source file='/d.img'/>"
         "<target dev='vda' bus='virtio'/></disk>",
         0x1},
        {"<interface type='bridge'><source bridge='br0'/></interface>"
         "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
         "<memballoon model='virtio'/>",
         0x7},
        {"<memballoon model='none'/>", 0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml =
            g_strdup_printf("<domain type='vireo'><name>dev</name><memory unit='MiB'>64</memory>"
                            "<os><type>hvm</type><kernel>/k</kernel></os><devices>%s</devices>"
                            "</domain>",
                            cases[i].xml);
        g_autoptr(vd_domain_def) def = parse(xml);
        struct vctl_build_config cfg;
        g_autoptr(vd_error) err = NULL;
        g_assert_true(vd_hv_build_config(def, &cfg, &err));
        g_assert_cmphex(cfg.dm_slots, ==, cases[i].slots);
    }
}

static void virtio_console_is_refused_by_name(void)
{
    g_autoptr(vd_domain_def) def =
        parse("<domain type='vireo'><name>dev</name><memory unit='MiB'>64</memory>"
              "<os><type>hvm</type><kernel>/k</kernel></os><devices>"
              "<console type='pty'><target type='virtio'/></console></devices></domain>");
    struct vctl_build_config cfg;
    g_autoptr(vd_error) err = NULL;
    g_assert_false(vd_hv_build_config(def, &cfg, &err));
    g_test_message("%s", err->message);
    g_assert_cmpint(err->code, ==, VIR_ERR_CONFIG_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "virtio target"));
}

static void builder_refusals_name_the_file_and_the_reason(void)
{
    static const struct {
        bool reading;
        int rc;
        const char *why;
        int code;
    } cases[] = {
        {true, -ENOENT, "/k/vmlinuz: No such file or directory", VIR_ERR_SYSTEM_ERROR},
        {false, -ENOEXEC, "/k/vmlinuz: neither an ELF test guest nor a Linux bzImage",
         VIR_ERR_CONFIG_UNSUPPORTED},
        {false, -ENOMEM, "/k/vmlinuz: needs 40 MiB, the domain has 16 MiB",
         VIR_ERR_CONFIG_UNSUPPORTED},
        {false, -E2BIG, "command line of 3000 bytes, /k/vmlinuz takes 2047",
         VIR_ERR_CONFIG_UNSUPPORTED},
        {false, -EINVAL, "/k/initrd: an initrd needs a Linux bzImage kernel",
         VIR_ERR_CONFIG_UNSUPPORTED},
        /* hv ran out of memory while populating: no file to blame. */
        {false, -ENOMEM, "", VIR_ERR_OPERATION_FAILED},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(vd_error) err = NULL;
        vd_hv_build_fail(&err, "deb", cases[i].reading, cases[i].rc, cases[i].why);
        g_test_message("%d: %s", err->code, err->message);
        g_assert_cmpint(err->code, ==, cases[i].code);
        g_assert_cmpint(err->domain, ==, VIR_FROM_DOMAIN);
        g_assert_nonnull(strstr(err->message, "'deb'"));
        g_assert_nonnull(
            strstr(err->message, *cases[i].why ? cases[i].why : g_strerror(-cases[i].rc)));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/hv-build/linux-domu-becomes-a-kernel-initrd-cmdline-build/hvm", "hvm",
                         linux_domu_becomes_a_kernel_initrd_cmdline_build);
    g_test_add_data_func("/hv-build/linux-domu-becomes-a-kernel-initrd-cmdline-build/linux",
                         "linux", linux_domu_becomes_a_kernel_initrd_cmdline_build);
    g_test_add_func("/hv-build/elf-test-guest-without-initrd-builds-as-before",
                    elf_test_guest_without_initrd_builds_as_before);
    g_test_add_func("/hv-build/device-model-devices-are-described-by-their-slots",
                    device_model_devices_are_described_by_their_slots);
    g_test_add_func("/hv-build/virtio-console-is-refused-by-name",
                    virtio_console_is_refused_by_name);
    g_test_add_func("/hv-build/builder-refusals-name-the-file-and-the-reason",
                    builder_refusals_name_the_file_and_the_reason);
    return g_test_run();
}
