# SPDX-License-Identifier: GPL-2.0-only
"""python3-libvirt (as virt-install and virt-manager use it) against the daemon: connection
calls, node info, define/lookup/list/info/state/XML, events through the default event loop,
and errors carrying libvirt's code, domain and message."""
import threading
import time

import clientlib
import vdrpc
from clientlib import DOM_UUID
from vdrpc import check

try:
    import libvirt
except ImportError:
    clientlib.skip("python3-libvirt not installed")

VIR_ERR_NO_DOMAIN = 42


def silence(ctx, err):
    pass  # errors are checked through the exceptions


def connection_and_domain_calls(uri):
    c = libvirt.open(uri)
    try:
        check(c.getType() == "Vireo", c.getType())
        check(c.getVersion() > 0 and c.getLibVersion() >= 9000000, 'c.getVersion() > 0 and c.getLibVersion() >= 9000000')
        check(c.getHostname(), 'c.getHostname()')
        info = c.getInfo()
        check(info[0] and info[1] > 0 and info[2] > 0, info)
        check("<capabilities>" in c.getCapabilities(), '"<capabilities>" in c.getCapabilities()')
        check("<domainCapabilities" in c.getDomainCapabilities(), '"<domainCapabilities" in c.getDomainCapabilities()')

        dom = c.defineXML(vdrpc.domain_xml("py1", DOM_UUID))
        check(dom.name() == "py1" and dom.UUIDString() == DOM_UUID and dom.ID() == -1, 'dom.name() == "py1" and dom.UUIDString() == DOM_UUID and dom.ID() == -1')
        check(c.lookupByName("py1").UUIDString() == DOM_UUID, 'c.lookupByName("py1").UUIDString() == DOM_UUID')
        check(c.lookupByUUIDString(DOM_UUID).name() == "py1", 'c.lookupByUUIDString(DOM_UUID).name() == "py1"')
        check([d.name() for d in c.listAllDomains()] == ["py1"], '[d.name() for d in c.listAllDomains()] == ["py1"]')
        check(c.listDefinedDomains() == ["py1"] and c.listDomainsID() == [], 'c.listDefinedDomains() == ["py1"] and c.listDomainsID() == []')
        check(dom.info()[0] == libvirt.VIR_DOMAIN_SHUTOFF, 'dom.info()[0] == libvirt.VIR_DOMAIN_SHUTOFF')
        check(dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF, 'dom.state()[0] == libvirt.VIR_DOMAIN_SHUTOFF')
        check(not dom.isActive() and dom.isPersistent(), 'not dom.isActive() and dom.isPersistent()')
        check("<name>py1</name>" in dom.XMLDesc(), '"<name>py1</name>" in dom.XMLDesc()')
        dom.setAutostart(1)
        check(dom.autostart() == 1, 'dom.autostart() == 1')

        try:
            dom.create()
            raise AssertionError("a domain started without a hypervisor")
        except libvirt.libvirtError as e:
            check("hypervisor" in str(e).lower(), e)
        try:
            c.lookupByName("missing")
            raise AssertionError("lookup of a missing domain succeeded")
        except libvirt.libvirtError as e:
            print("  error triple: code=%d domain=%d message=%r" %
                  (e.get_error_code(), e.get_error_domain(), e.get_error_message()))
            check(e.get_error_code() == VIR_ERR_NO_DOMAIN, e.get_error_code())
            check(e.get_error_domain() > 0 and "missing" in e.get_error_message(), 'e.get_error_domain() > 0 and "missing" in e.get_error_message()')
        dom.undefine()
        check(c.listAllDomains() == [], 'c.listAllDomains() == []')
    finally:
        c.close()


def python_over_unix_and_tcp():
    libvirt.registerErrorHandler(silence, None)
    port = clientlib.free_port()
    with vdrpc.daemon(tcp_port=port) as d:
        connection_and_domain_calls(clientlib.unix_uri(d))
        connection_and_domain_calls("vireo+tcp://127.0.0.1:%d/system" % port)


def python_events_through_event_loop():
    libvirt.virEventRegisterDefaultImpl()
    with vdrpc.daemon() as d:
        c = libvirt.open(clientlib.unix_uri(d))
        seen = []
        cb = c.domainEventRegisterAny(
            None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
            lambda conn, dom, event, detail, opaque: seen.append((dom.name(), event, detail)),
            None)
        stop = []

        def loop():
            while not stop:
                libvirt.virEventRunDefaultImpl()

        t = threading.Thread(target=loop, daemon=True)
        t.start()
        other = libvirt.open(clientlib.unix_uri(d))
        dom = other.defineXML(vdrpc.domain_xml("pyev", DOM_UUID))
        dom.undefine()
        other.close()
        deadline = time.time() + 10
        while len(seen) < 2 and time.time() < deadline:
            time.sleep(0.05)
        c.domainEventDeregisterAny(cb)
        stop.append(1)
        c.close()
        check(seen == [("pyev", libvirt.VIR_DOMAIN_EVENT_DEFINED, 0),
                        ("pyev", libvirt.VIR_DOMAIN_EVENT_UNDEFINED, 0)], seen)


def python_stream_abort_returns():
    # virStreamAbort waits for the stream's closing packet: without it python (and virsh
    # console) hang for ever. The test daemon's console serves a defined domain.
    libvirt.registerErrorHandler(silence, None)
    with vdrpc.daemon(real=False) as d:
        c = libvirt.open(clientlib.unix_uri(d))
        dom = c.defineXML(vdrpc.domain_xml("pyabort", DOM_UUID))
        st = c.newStream(0)
        dom.openConsole(None, st, 0)
        st.send(b"hello\r")
        clientlib.abort_within(st)
        check(c.lookupByName("pyabort").name() == "pyabort", "the connection goes on")
        c.close()


if __name__ == "__main__":
    vdrpc.main([python_over_unix_and_tcp, python_events_through_event_loop,
                python_stream_abort_returns])
