# SPDX-License-Identifier: GPL-2.0-only
"""A desktop for a stock GTK client with no desktop: Xvfb on a display it picks itself, a
private D-Bus session bus (GTK's single-instance application and GSettings want one), a
screenshot of the whole screen through GTK's Gdk, and a pure-Python PNG reader that tells a
real picture from a blank screen. Everything started here is killed by close()."""
import os
import select
import shutil
import signal
import struct
import subprocess
import time
import zlib

import node

SYSTEM_PYTHON = '/usr/bin/python3'  # Debian's python3-gi lives there, not in a venv's python
SCREENSHOT = r'''
import sys
import gi
gi.require_version('Gdk', '3.0')
from gi.repository import Gdk
root = Gdk.get_default_root_window()
shot = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
shot.savev(sys.argv[1], 'png', [], [])
'''


def missing():
    """What of Xvfb and dbus-daemon is not installed (a sentence), or None."""
    absent = [p for p, pkg in (('Xvfb', 'xvfb'), ('dbus-daemon', 'dbus-daemon'))
              if not shutil.which(p)]
    return f'{", ".join(absent)} not installed' if absent else None


def _read_line(fd, timeout, what):
    deadline = time.monotonic() + timeout
    data = b''
    while b'\n' not in data:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise node.TestFailure(f'{what}: nothing within {timeout} s')
        chunk = os.read(fd, 256)
        if not chunk:
            raise node.TestFailure(f'{what}: ended before saying it')
        data += chunk
    return data.split(b'\n', 1)[0].decode().strip()


class XSession:
    def __init__(self, workdir, size='1280x800'):
        self.workdir = workdir
        self.procs = []
        os.makedirs(workdir, exist_ok=True)
        try:
            self._start(size)
        except BaseException:
            self.close()
            raise

    def _spawn(self, args, log_name, **kwargs):
        """A process in its own process group, its output in workdir/log_name."""
        with open(os.path.join(self.workdir, log_name), 'ab') as log:
            p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stderr=log,
                                 stdout=kwargs.pop('stdout', log), start_new_session=True,
                                 **kwargs)
        self.procs.append(p)
        return p

    def _start(self, size):
        r, w = os.pipe()
        try:
            self._spawn(['Xvfb', '-displayfd', str(w), '-screen', '0', f'{size}x24',
                         '-nolisten', 'tcp'], 'xvfb.log', pass_fds=(w,))
            os.close(w)
            w = -1
            display = _read_line(r, 30, 'Xvfb -displayfd (its display number)')
        finally:
            os.close(r)
            if w >= 0:
                os.close(w)
        home = os.path.join(self.workdir, 'home')
        for sub in ('config', 'cache', 'data', 'runtime'):
            os.makedirs(os.path.join(home, sub), mode=0o700, exist_ok=True)
        self.env = dict(os.environ, DISPLAY=f':{display}', GSETTINGS_BACKEND='memory',
                        NO_AT_BRIDGE='1', XDG_CONFIG_HOME=f'{home}/config',
                        XDG_CACHE_HOME=f'{home}/cache', XDG_DATA_HOME=f'{home}/data',
                        XDG_RUNTIME_DIR=f'{home}/runtime')
        bus = self._spawn(['dbus-daemon', '--session', '--nofork', '--print-address=1'],
                          'dbus.log', stdout=subprocess.PIPE, env=self.env)
        self.env['DBUS_SESSION_BUS_ADDRESS'] = _read_line(bus.stdout.fileno(), 30,
                                                          'dbus-daemon --print-address')
        bus.stdout.close()
        self.display = self.env['DISPLAY']

    def spawn(self, args, log_name):
        """A client on this display and bus; its output goes to workdir/log_name."""
        return self._spawn(args, log_name, env=self.env)

    def screenshot(self, path):
        """The whole screen as a PNG at path."""
        r = subprocess.run([SYSTEM_PYTHON, '-c', SCREENSHOT, path], env=self.env,
                           capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0 or not os.path.exists(path):
            raise node.TestFailure(f'screenshot of {self.display} failed ({r.returncode}):\n'
                                   f'{r.stderr[-2000:]}')
        return path

    def close(self):
        """Every process started here, newest first: SIGTERM, then SIGKILL after 10 s."""
        for p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        self.procs = []


def _unfilter(rows, width, bpp):
    """PNG's per-row filters undone (RFC 2083, 6): the raw pixel rows."""
    stride = width * bpp
    prev = bytearray(stride)
    out = []
    for i in range(len(rows) // (stride + 1)):
        kind = rows[i * (stride + 1)]
        line = bytearray(rows[i * (stride + 1) + 1:(i + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xff
            elif kind == 2:
                line[x] = (line[x] + b) & 0xff
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xff
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 0xff
        out.append(bytes(line))
        prev = line
    return out


def png_colours(path):
    """(width, height, number of distinct colours) of an 8-bit RGB or RGBA PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise node.TestFailure(f'{path} is no PNG')
    pos, idat, header = 8, b'', None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = header[:4]
    if depth != 8 or colour_type not in (2, 6) or header[6]:
        raise node.TestFailure(f'{path}: PNG kind {header} is not 8-bit RGB(A)')
    bpp = 3 if colour_type == 2 else 4
    colours = set()
    for line in _unfilter(zlib.decompress(idat), width, bpp):
        colours.update(line[x:x + bpp] for x in range(0, len(line), bpp))
    return width, height, len(colours)
