/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netfs (NFS) pool XML as virsh pool-define-as and virt-manager write it, written back the
 * way libvirt does, and the sources refused before anything is mounted. Mounting itself is
 * tested in the node (tests/clients/node), whose dom0 has an NFS client and server.
 */
#include <string.h>

#include "vd-error.h"
#include "vd-storage-private.h"

static void must_contain(const char *text, const char *needle)
{
    if (!strstr(text, needle))
        g_error("'%s' not in '%s'", needle, text);
}

static void netfs_pool_xml_as_virsh_writes_it(void)
{
    /* virsh pool-define-as nfs netfs --source-host 10.0.2.2 --source-path /export
     *     --target /var/lib/vireo/nfs */
    const char *xml = "<pool type='netfs'><name>nfs</name><source><host name='10.0.2.2'/>"
                      "<dir path='/export'/></source><target><path>/var/lib/vireo/nfs</path>"
                      "</target></pool>";
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, &err);
    g_assert_nonnull(def);
    g_assert_cmpint(def->type, ==, VD_POOL_NETFS);
    g_assert_cmpstr(def->host, ==, "10.0.2.2");
    g_assert_cmpstr(def->source_dir, ==, "/export");
    g_assert_cmpstr(def->fs_format, ==, "auto");
    g_assert_cmpuint(def->port, ==, 0);
    g_assert_cmpuint(def->nfs_version, ==, 0);
    g_assert_cmpstr(def->target, ==, "/var/lib/vireo/nfs");
    g_autofree char *out = vd_pool_def_format(def, NULL);
    must_contain(out, "<pool type=\"netfs\">");
    must_contain(out, "<host name=\"10.0.2.2\"/>");
    must_contain(out, "<dir path=\"/export\"/>");
    must_contain(out, "<format type=\"auto\"/>");
    g_assert_null(strstr(out, "<protocol"));

    /* What it writes back reads as the same pool, port and version included. */
    const char *full = "<pool type='netfs'><name>n2</name><source><host name='fd00::2' "
                       "port='2049'/><dir path='/srv/images'/><format type='nfs'/><protocol "
                       "ver='4'/></source><target><path>/mnt/n2/</path></target></pool>";
    g_autoptr(vd_pool_def) d2 = vd_pool_def_parse(full, &err);
    g_assert_nonnull(d2);
    g_autofree char *again = vd_pool_def_format(d2, NULL);
    g_autoptr(vd_pool_def) d3 = vd_pool_def_parse(again, &err);
    g_assert_nonnull(d3);
    g_assert_cmpstr(d3->host, ==, "fd00::2");
    g_assert_cmpuint(d3->port, ==, 2049);
    g_assert_cmpuint(d3->nfs_version, ==, 4);
    g_assert_cmpstr(d3->fs_format, ==, "nfs");
    g_assert_cmpstr(d3->target, ==, "/mnt/n2");
    g_autoptr(vd_pool_def) copy = vd_pool_def_copy(d3);
    g_assert_cmpstr(copy->source_dir, ==, "/srv/images");
}

static void expect_refused(const char *source, int code, const char *needle)
{
    g_autofree char *xml = g_strdup_printf(
        "<pool type='netfs'><name>n</name><source>%s</source><target><path>/mnt/n</path>"
        "</target></pool>",
        source);
    g_autoptr(vd_error) err = NULL;
    g_autoptr(vd_pool_def) def = vd_pool_def_parse(xml, &err);
    g_assert_null(def);
    g_assert_cmpint(err->code, ==, code);
    must_contain(err->message, needle);
}

static void netfs_refusals_name_the_problem(void)
{
    expect_refused("<dir path='/export'/>", VIR_ERR_XML_ERROR, "<source><host name=");
    /* A comma or a space would smuggle mount options in. */
    expect_refused("<host name='srv,vers=2'/><dir path='/export'/>", VIR_ERR_XML_ERROR,
                   "host name");
    expect_refused("<host name='srv'/>", VIR_ERR_XML_ERROR, "<source><dir path=");
    expect_refused("<host name='srv'/><dir path='export'/>", VIR_ERR_XML_ERROR, "absolute");
    expect_refused("<host name='srv'/><dir path='/e'/><format type='cifs'/>",
                   VIR_ERR_CONFIG_UNSUPPORTED, "'cifs'");
    expect_refused("<host name='srv'/><dir path='/e'/><protocol ver='5'/>", VIR_ERR_XML_ERROR,
                   "invalid ver '5'");
    expect_refused("<host name='srv' port='0'/><dir path='/e'/>", VIR_ERR_XML_ERROR,
                   "invalid port '0'");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/storage/netfs/xml-as-virsh-writes-it", netfs_pool_xml_as_virsh_writes_it);
    g_test_add_func("/storage/netfs/refusals-name-the-problem", netfs_refusals_name_the_problem);
    return g_test_run();
}
