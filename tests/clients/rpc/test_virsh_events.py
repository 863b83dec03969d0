# SPDX-License-Identifier: GPL-2.0-only
"""virsh event --loop receives DEFINED and UNDEFINED lifecycle events."""
import subprocess
import time

import clientlib
import vdrpc
from clientlib import virsh
from vdrpc import check


def event_loop_sees_define_and_undefine():
    with vdrpc.daemon() as d:
        uri = clientlib.unix_uri(d)
        watcher = subprocess.Popen(["virsh", "-c", uri, "event", "--loop", "--event",
                                    "lifecycle", "--timeout", "20"],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(1.0)  # let it register
            xml = clientlib.write_domain(d.tmp, "ev1")
            virsh(uri, "define", xml)
            virsh(uri, "undefine", "ev1")
            lines = []
            deadline = time.time() + 20
            while time.time() < deadline and len(lines) < 2:
                line = watcher.stdout.readline()
                if not line:
                    break
                if "event 'lifecycle'" in line:
                    lines.append(line.strip())
        finally:
            watcher.terminate()
            out, _ = watcher.communicate(timeout=10)
        check(len(lines) == 2, (lines, out))
        check("domain 'ev1': Defined Added" in lines[0], lines)
        check("domain 'ev1': Undefined Removed" in lines[1], lines)


clientlib.require_virsh()
vdrpc.main([event_loop_sees_define_and_undefine])
