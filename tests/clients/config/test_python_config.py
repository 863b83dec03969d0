# SPDX-License-Identifier: GPL-2.0-only
"""python3-libvirt against virtvireod: configuration calls return libvirt's own error
codes and domains (what virt-manager and other API users test for)."""
import libvirt

import configlib as c
from vdrpc import check

VIR_FROM_DOMAIN = 20


def errors_carry_libvirt_codes():
    with c.daemon() as d:
        libvirt.registerErrorHandler(lambda ctx, err: None, None)
        conn = libvirt.open(c.uri(d))
        try:
            e = c.expect_error(lambda: conn.lookupByName("nope"), libvirt.VIR_ERR_NO_DOMAIN,
                             "Domain not found: no domain with matching name 'nope'")
            check(e.get_error_domain() == VIR_FROM_DOMAIN, e.get_error_domain())
            refused = open(c.corpus("refused", "virt-install-default.xml")).read()
            c.expect_error(lambda: conn.defineXML(refused), libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                         "graphics type 'spice'")
            c.expect_error(lambda: conn.defineXML("<domain type='vireo'><name>x</name>"),
                         libvirt.VIR_ERR_XML_DETAIL, "line 1")
            dom = conn.defineXML(open(c.corpus("good", "minimal.xml")).read())
            c.expect_error(dom.shutdown, libvirt.VIR_ERR_OPERATION_INVALID,
                         "domain is not running")
            c.expect_error(dom.create, libvirt.VIR_ERR_OPERATION_FAILED,
                         "Vireo hypervisor not present")
            c.expect_error(lambda: dom.undefineFlags(1 << 12), libvirt.VIR_ERR_INVALID_ARG,
                         "unsupported flags")
        finally:
            conn.close()


def define_lookup_and_describe():
    with c.daemon() as d:
        conn = libvirt.open(c.uri(d))
        try:
            xml = open(c.corpus("good", "everything.xml")).read()
            dom = conn.defineXML(xml)
            check(dom.name() == "every-thing_1.0", 'dom.name() == "every-thing_1.0"')
            check(dom.UUIDString() == "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", 'dom.UUIDString() == "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"')
            same = conn.lookupByUUIDString("4dea22b3-1d52-d8f3-2516-782e98ab3fa0")
            check(same.name() == dom.name(), 'same.name() == dom.name()')
            check(dom.isPersistent() == 1 and dom.isActive() == 0, 'dom.isPersistent() == 1 and dom.isActive() == 0')
            state, maxmem, mem, vcpus, cpu = dom.info()
            check((state, maxmem, mem, vcpus) == (libvirt.VIR_DOMAIN_SHUTOFF, 1048576, 524288,
                                                  2), dom.info())
            check(dom.OSType() == "hvm", 'dom.OSType() == "hvm"')
            check(dom.schedulerType()[0] == "credit", 'dom.schedulerType()[0] == "credit"')
            params = dom.schedulerParametersFlags(libvirt.VIR_DOMAIN_AFFECT_CONFIG)
            check(params == {"weight": 512, "cap": 150}, params)
            doms = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_INACTIVE)
            check([x.name() for x in doms] == ["every-thing_1.0"], '[x.name() for x in doms] == ["every-thing_1.0"]')
            check(conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE) == [], 'conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE) == []')
            stats = conn.getAllDomainStats()
            check(stats[0][1]["block.count"] == 2, stats)
            check(conn.getType() == "Vireo", 'conn.getType() == "Vireo"')
            dom.undefine()
            check(conn.listAllDomains(0) == [], 'conn.listAllDomains(0) == []')
        finally:
            conn.close()


if __name__ == "__main__":
    c.needs_real_daemon()
    c.main([errors_carry_libvirt_codes, define_lookup_and_describe])
