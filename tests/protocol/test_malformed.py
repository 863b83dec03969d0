# SPDX-License-Identifier: GPL-2.0-only
"""Malformed packets close that one connection with one log line; other clients go on."""
import random
import socket
import struct

import vdrpc
from vdrpc import CALL, MESSAGE, REMOTE, KEEPALIVE, RawClient, opt_str, u32, xstr
from vdrpc import check


def hdr(length, prog=REMOTE, vers=1, proc=3, typ=CALL, serial=0, status=0):
    return struct.pack(">IIIiiIi", length, prog, vers, proc, typ, serial, status)


def call_with(proc, payload, **kw):
    return hdr(28 + len(payload), proc=proc, **kw) + payload


def corpus():
    rnd = random.Random(4)
    cases = [
        ("length_below_header", struct.pack(">I", 27) + b"\0" * 23),
        ("length_zero", struct.pack(">I", 0) + b"\0" * 24),
        ("length_over_32mib", struct.pack(">I", 32 * 1024 * 1024 + 1) + b"\0" * 24),
        ("wrong_program", hdr(28, prog=0x12345678)),
        ("qemu_program", hdr(28, prog=0x20008087)),
        ("wrong_version", hdr(28, vers=2)),
        ("reply_from_client", hdr(28, typ=1)),
        ("call_with_fds", hdr(28, typ=4)),
        ("unknown_type", hdr(28, typ=77)),
        ("call_with_error_status", hdr(28, status=1)),
        ("keepalive_as_call", hdr(28, prog=KEEPALIVE, proc=1, typ=CALL)),
        ("keepalive_with_payload", hdr(32, prog=KEEPALIVE, proc=1, typ=MESSAGE) + b"\0" * 4),
        ("stream_for_non_stream_proc", hdr(28, typ=3, status=2)),
        ("open_name_longer_than_packet", call_with(1, u32(1) + u32(0x7FFFFFFF) + b"abcd")),
        ("open_trailing_garbage", call_with(1, opt_str("vireo:///system") + u32(0) + b"junk")),
        ("open_bad_optional_flag", call_with(1, u32(7) + u32(0))),
        ("feature_arg_truncated", call_with(60, b"\0\0")),
        ("auth_list_with_args", call_with(66, u32(1))),
        ("string_over_4mib", call_with(1, u32(1) + xstr("a" * (4 * 1024 * 1024 + 1)) + u32(0))),
    ]
    for i in range(4):
        cases.append(("random_bytes_%d" % i, bytes(rnd.randrange(256) for _ in range(64))))
    # a plausible length followed by random bytes: reaches header/argument decoding
    for i in range(4):
        body = bytes(rnd.randrange(256) for _ in range(60))
        cases.append(("random_after_length_%d" % i, struct.pack(">I", 64) + body))
    return cases


def truncated_packet_then_eof_is_logged(d):
    c = RawClient(d.sock)
    c.send_raw(hdr(40)[:20])
    c.sock.shutdown(socket.SHUT_WR)
    check(c.is_closed(), "daemon kept a half-closed connection")
    c.close()


def malformed_packets_close_only_their_connection():
    with vdrpc.daemon() as d:
        bystander = RawClient(d.sock)
        bystander.open()
        cases = corpus()
        for name, data in cases:
            c = RawClient(d.sock)
            try:
                c.send_raw(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # closed before we finished writing: fine
            check(c.is_closed(), "%s: connection left open" % name)
            c.close()
            # the bystander still gets answers
            check(vdrpc.Reader(bystander.call(3)).str(), name)
        truncated_packet_then_eof_is_logged(d)
        lines = [l for l in d.log_text().splitlines() if "closing connection" in l]
        check(len(lines) == len(cases) + 1, "want one log line per bad connection:\n" + \
            "\n".join(lines))
        check(d.alive(), 'd.alive()')
        bystander.close()


def oversized_legal_length_is_read_and_refused():
    # 8 MiB of garbage inside a legal length: read whole, then refused as garbage arguments
    with vdrpc.daemon() as d:
        c = RawClient(d.sock)
        c.send_raw(call_with(1, b"\xff" * (8 * 1024 * 1024)))
        check(c.is_closed(10), 'c.is_closed(10)')
        ok = RawClient(d.sock)
        ok.open()


vdrpc.main([malformed_packets_close_only_their_connection,
            oversized_legal_length_is_read_and_refused])
