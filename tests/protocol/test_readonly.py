# SPDX-License-Identifier: GPL-2.0-only
"""The read-only socket refuses every changing call and serves every reading one."""
import os
import subprocess

import vdrpc
from vdrpc import RawClient, RpcError, u32, xdom
from vdrpc import check


def changing_procs():
    out = subprocess.run([os.environ["VD_RPC_PROCTABLE"]], check=True, capture_output=True,
                         text=True).stdout
    procs = [(int(l.split()[0]), l.split()[1]) for l in out.splitlines() if "changes" in l]
    check(len(procs) >= 20, procs)
    return procs


def read_only_socket_refuses_every_changing_call():
    with vdrpc.daemon() as d:
        rw = RawClient(d.sock)
        rw.open()
        dom = vdrpc.define(rw, "ro-vm", "6f1c7a52-3c1e-4b7e-9a55-0d1d9f0a0001")
        ro = RawClient(d.sock_ro)
        ro.open()
        for proc, api in changing_procs():
            try:
                ro.call(proc)  # refused before the arguments are even looked at
                raise AssertionError("%d %s was allowed" % (proc, api))
            except RpcError as e:
                check(e.code == 29 and api in e.message, (proc, e))
        # a well-formed define is refused too, and nothing changed
        try:
            vdrpc.define(ro, "ro-vm2", "6f1c7a52-3c1e-4b7e-9a55-0d1d9f0a0002")
            raise AssertionError("define allowed on the read-only socket")
        except RpcError as e:
            check(e.code == 29, e)
        doms, count = vdrpc.list_all(ro)
        check([x[0] for x in doms] == ["ro-vm"] and count == 1, doms)
        # reading calls work: XML without the secure flag, state
        check("ro-vm" in vdrpc.Reader(ro.call(14, xdom(*dom) + u32(0))).str(), '"ro-vm" in vdrpc.Reader(ro.call(14, xdom(*dom) + u32(0))).str()')
        try:
            ro.call(14, xdom(*dom) + u32(1))
            raise AssertionError("secure XML on a read-only connection")
        except RpcError as e:
            check(e.code == 29, e)


def read_only_flag_on_read_write_socket_is_honoured():
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.open(flags=1)
        try:
            vdrpc.define(c, "x", "6f1c7a52-3c1e-4b7e-9a55-0d1d9f0a0003")
            raise AssertionError("define allowed with VIR_CONNECT_RO")
        except RpcError as e:
            check(e.code == 29, e)


def socket_modes_follow_configuration():
    with vdrpc.daemon() as d:
        check(os.stat(d.sock).st_mode & 0o777 == 0o700, 'os.stat(d.sock).st_mode & 0o777 == 0o700')
        check(os.stat(d.sock_ro).st_mode & 0o777 == 0o777, 'os.stat(d.sock_ro).st_mode & 0o777 == 0o777')


vdrpc.main([read_only_socket_refuses_every_changing_call,
            read_only_flag_on_read_write_socket_is_honoured, socket_modes_follow_configuration])
