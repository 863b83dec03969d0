# SPDX-License-Identifier: GPL-2.0-only
"""Storage volumes in a dir pool through stock virsh and python3-libvirt: formats qemu-img
creates (raw, qcow2, qcow2 on a backing file, others), clone, create-from, resize, wipe,
delete, upload and download streams round trip, and an upload that fails leaving the
volume as it was."""
import json
import os
import subprocess

import libvirt

import storagelib as s
from vdrpc import check

MiB = 1 << 20


def image_info(path):
    out = subprocess.run(["qemu-img", "info", "--output=json", "--force-share", path],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    return json.loads(out)


def pool_dir(d):
    return os.path.join(d.tmp, "var", "lib", "libvirt", "images")


def formats_qemu_img_creates():
    with s.daemon() as d:
        s.virsh(d, "vol-create-as", "default", "r.img", "8M", "--format", "raw")
        s.virsh(d, "vol-create-as", "default", "q.qcow2", "16M", "--format", "qcow2")
        for fmt in ("vmdk", "vdi", "vpc", "vhdx", "qed"):
            s.virsh(d, "vol-create-as", "default", "x." + fmt, "4M", "--format", fmt)
            check(image_info(os.path.join(pool_dir(d), "x." + fmt))["format"] == fmt, fmt)
        check(image_info(os.path.join(pool_dir(d), "r.img"))["format"] == "raw", "raw")
        q = os.path.join(pool_dir(d), "q.qcow2")
        check(image_info(q)["virtual-size"] == 16 * MiB, image_info(q))
        info = s.virsh(d, "vol-info", "--pool", "default", "q.qcow2").stdout
        check("Capacity:       16.00 MiB" in info and "Type:           file" in info, info)
        xml = s.virsh(d, "vol-dumpxml", "--pool", "default", "q.qcow2").stdout
        check("<format type=\"qcow2\"/>" in xml and "<key>%s</key>" % q in xml, xml)
        check(s.virsh(d, "vol-path", "--pool", "default", "q.qcow2").stdout.strip() == q, q)
        check(s.virsh(d, "vol-key", "--pool", "default", "q.qcow2").stdout.strip() == q, q)
        check(s.virsh(d, "vol-name", q).stdout.strip() == "q.qcow2", "vol-name by path")
        names = s.virsh(d, "vol-list", "default").stdout
        for n in ("r.img", "q.qcow2", "x.vmdk"):
            check(n in names, n, names)
        err = s.virsh_error(d, "vol-create-as", "default", "r.img", "1M")
        check("already exists" in err, err)
        err = s.virsh_error(d, "vol-create-as", "default", "z.iso9", "1M", "--format", "iso9")
        check("not supported" in err, err)
        check(not os.path.exists(os.path.join(pool_dir(d), "z.iso9")), "nothing left")


def qcow2_on_a_backing_file():
    with s.daemon() as d:
        c = s.conn(d)
        try:
            pool = c.storagePoolLookupByName("default")
            base = pool.createXML("<volume><name>base.img</name><capacity>%d</capacity>"
                                  "<target><format type='raw'/></target></volume>" % (8 * MiB), 0)
            top_xml = ("<volume><name>top.qcow2</name><target><format type='qcow2'/></target>"
                       "<backingStore><path>%s</path><format type='raw'/></backingStore>"
                       "</volume>" % base.path())
            top = pool.createXML(top_xml, 0)
            info = image_info(top.path())
            check(info["format"] == "qcow2" and info["virtual-size"] == 8 * MiB, info)
            check(info.get("full-backing-filename") == base.path(), info)
            xml = top.XMLDesc(0)
            check("<backingStore>" in xml and base.path() in xml, xml)
            s.expect_error(lambda: pool.createXML(top_xml.replace("top.qcow2", "r2").replace(
                "type='qcow2'", "type='raw'"), 0), libvirt.VIR_ERR_CONFIG_UNSUPPORTED,
                "raw volume cannot have a backing store")
        finally:
            c.close()


def clone_create_from_resize_wipe_delete():
    with s.daemon() as d:
        c = s.conn(d)
        try:
            pool = c.storagePoolLookupByName("default")
            src = pool.createXML("<volume><name>src.img</name><capacity>%d</capacity></volume>"
                                 % (4 * MiB), 0)
            data = os.urandom(MiB)
            with open(src.path(), "r+b") as f:
                f.write(data)
            s.virsh(d, "vol-clone", "--pool", "default", "src.img", "copy.img")
            with open(os.path.join(pool_dir(d), "copy.img"), "rb") as f:
                check(f.read(MiB) == data, "clone holds the data")
            conv = pool.createXMLFrom("<volume><name>conv.qcow2</name><capacity>%d</capacity>"
                                      "<target><format type='qcow2'/></target></volume>"
                                      % (8 * MiB), src, 0)
            info = image_info(conv.path())
            check(info["format"] == "qcow2" and info["virtual-size"] == 8 * MiB, info)
            out = subprocess.run(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", src.path(),
                                  conv.path()], capture_output=True, text=True, timeout=30)
            check(out.returncode == 0, out.stdout, out.stderr)
            # Resize: grow, refuse to shrink without the flag, shrink with it, delta.
            conv.resize(16 * MiB, 0)
            check(conv.info()[1] == 16 * MiB, conv.info())
            s.expect_error(lambda: conv.resize(MiB, 0), libvirt.VIR_ERR_INVALID_ARG,
                           "shrink flag")
            check(conv.info()[1] == 16 * MiB, "a refused resize changes nothing")
            conv.resize(12 * MiB, libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK)
            conv.resize(4 * MiB, libvirt.VIR_STORAGE_VOL_RESIZE_DELTA)
            check(conv.info()[1] == 16 * MiB, conv.info())
            s.virsh(d, "vol-resize", "--pool", "default", "src.img", "6M")
            check(os.path.getsize(src.path()) == 6 * MiB, os.path.getsize(src.path()))
            # Wipe: zeroes, same size and format.
            s.virsh(d, "vol-wipe", "--pool", "default", "src.img")
            with open(src.path(), "rb") as f:
                check(f.read() == bytes(6 * MiB), "wiped to zeroes")
            conv.wipe(0)
            check(image_info(conv.path())["format"] == "qcow2", "wipe keeps the format")
            s.expect_error(lambda: conv.wipePattern(libvirt.VIR_STORAGE_VOL_WIPE_ALG_NNSA, 0),
                           libvirt.VIR_ERR_ARGUMENT_UNSUPPORTED)
            # Delete, then the volume is gone from every lookup.
            path = conv.path()
            conv.delete(0)
            check(not os.path.exists(path), path)
            s.expect_error(lambda: pool.storageVolLookupByName("conv.qcow2"),
                           libvirt.VIR_ERR_NO_STORAGE_VOL)
            s.expect_error(lambda: c.storageVolLookupByPath(path), libvirt.VIR_ERR_NO_STORAGE_VOL)
            s.virsh(d, "vol-delete", "--pool", "default", "copy.img")
            check(sorted(pool.listVolumes()) == ["src.img"], pool.listVolumes())
            check(pool.numOfVolumes() == 1, pool.numOfVolumes())
        finally:
            c.close()


def upload_download_round_trip():
    with s.daemon() as d:
        size = 6 * MiB + 1234
        src = s.random_file(os.path.join(d.tmp, "src.bin"), size)
        s.virsh(d, "vol-create-as", "default", "up.img", str(size), "--format", "raw")
        s.virsh(d, "vol-upload", "--pool", "default", "up.img", src)
        back = os.path.join(d.tmp, "back.bin")
        s.virsh(d, "vol-download", "--pool", "default", "up.img", back)
        # qemu-img rounds a raw volume up to 512 bytes: the data comes back, then zeroes.
        with open(back, "rb") as f, open(src, "rb") as g:
            got = f.read()
            check(got[:size] == g.read() and got[size:] == bytes(len(got) - size),
                  "round trip", len(got))
        # A partial upload and download, through python3-libvirt's stream calls.
        c = s.conn(d)
        try:
            vol = c.storageVolLookupByPath(os.path.join(pool_dir(d), "up.img"))
            st = c.newStream(0)
            vol.upload(st, MiB, 4096, 0)
            st.send(b"\xab" * 4096)
            st.finish()
            st = c.newStream(0)
            vol.download(st, MiB - 10, 4106, 0)
            got = b""
            while len(got) < 4106:
                chunk = st.recv(65536)
                if not chunk:
                    break
                got += chunk
            st.finish()
            with open(src, "rb") as g:
                g.seek(MiB - 10)
                check(got == g.read(10) + b"\xab" * 4096, "partial round trip")
        finally:
            c.close()


def recv_all(st):
    """A download's data up to its end of stream (an empty recv)."""
    chunks = []
    while True:
        chunk = st.recv(1 << 18)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def aborted_download_and_upload_answer_at_once():
    # virStreamAbort (python's stream.abort(), virsh on Ctrl-C) waits for the daemon's
    # answer: it must come at once whatever the stream's state, the volume must be free
    # again and the connection go on.
    with s.daemon() as d:
        size = 32 * MiB  # far more than the daemon queues ahead of a client that does not read
        src = s.random_file(os.path.join(d.tmp, "src.bin"), size)
        s.virsh(d, "vol-create-as", "default", "ab.img", str(size), "--format", "raw")
        s.virsh(d, "vol-upload", "--pool", "default", "ab.img", src)
        before = s.sha256(src)
        c = s.conn(d)
        try:
            vol = c.storageVolLookupByPath(os.path.join(pool_dir(d), "ab.img"))
            # Download: aborted before reading, mid-stream, and after the end of data.
            st = c.newStream(0)
            vol.download(st, 0, 0, 0)
            s.abort_within(st)
            st = c.newStream(0)
            vol.download(st, 0, 0, 0)
            check(len(st.recv(65536)) > 0, "the download sends data")
            s.abort_within(st)
            st = c.newStream(0)
            vol.download(st, 0, 4096, 0)
            got = recv_all(st)
            check(len(got) == 4096, "partial download", len(got))
            s.abort_within(st)
            # Upload: aborted before any data and after some; the volume stays as it was.
            st = c.newStream(0)
            vol.upload(st, 0, 0, 0)
            s.abort_within(st)
            st = c.newStream(0)
            vol.upload(st, 0, 0, 0)
            st.send(os.urandom(3 * MiB))
            s.abort_within(st)
            check(s.sha256(vol.path()) == before, "an aborted upload changes nothing")
            # The volume is free and the connection goes on: a whole download on it.
            check(vol.info()[1] == size, vol.info())
            st = c.newStream(0)
            vol.download(st, 0, 0, 0)
            got = recv_all(st)
            st.finish()
            check(len(got) == size, "download after the aborts", len(got))
        finally:
            c.close()


def sparse_streams_keep_holes():
    with s.daemon() as d:
        src = os.path.join(d.tmp, "sparse.bin")
        with open(src, "wb") as f:
            f.truncate(64 * MiB)
            for at in (8, 40):
                f.seek(at * MiB)
                f.write(os.urandom(MiB))
        s.virsh(d, "vol-create-as", "default", "sp.img", "64M")
        s.virsh(d, "vol-upload", "--sparse", "--pool", "default", "sp.img", src)
        vol = os.path.join(pool_dir(d), "sp.img")
        check(s.sha256(vol) == s.sha256(src), "sparse upload round trip")
        check(os.stat(vol).st_blocks * 512 < 8 * MiB, "holes stay holes", os.stat(vol).st_blocks)
        back = os.path.join(d.tmp, "back.bin")
        s.virsh(d, "vol-download", "--sparse", "--pool", "default", "sp.img", back)
        check(s.sha256(back) == s.sha256(src), "sparse download round trip")
        check(os.stat(back).st_blocks * 512 < 8 * MiB, "downloaded holes", os.stat(back).st_blocks)


def failed_upload_leaves_the_volume_unchanged():
    with s.daemon() as d:
        c = s.conn(d)
        try:
            pool = c.storagePoolLookupByName("default")
            vol = pool.createXML("<volume><name>keep.img</name><capacity>%d</capacity>"
                                 "</volume>" % MiB, 0)
            with open(vol.path(), "r+b") as f:
                f.write(b"original")
            before = s.sha256(vol.path())
            st = c.newStream(0)
            vol.upload(st, 0, 0, 0)
            st.send(os.urandom(300 * 1024))
            st.abort()
            check(s.sha256(vol.path()) == before, "an aborted upload changes nothing")
            # The client vanishing mid-upload: same.
            c2 = s.conn(d)
            vol2 = c2.storageVolLookupByPath(vol.path())
            st2 = c2.newStream(0)
            vol2.upload(st2, 0, 0, 0)
            st2.send(os.urandom(300 * 1024))
            del st2, vol2  # they hold the connection open
            c2.close()
            # The daemon drops that upload when it sees the connection go: until then the
            # volume is busy. Too much data for the length announced fails the next upload.
            st = s.wait_until_free(c, lambda st: vol.upload(st, 0, 100, 0))
            s.expect_error(lambda: (st.send(b"x" * 200), st.finish()),
                           libvirt.VIR_ERR_OPERATION_FAILED, "more than the 100 bytes")
            vol.info()  # the volume is free again: the connection's other calls work
            check(s.sha256(vol.path()) == before, "a failed upload changes nothing")
            leftovers = [f for f in os.listdir(pool_dir(d)) if f.startswith(".")]
            check(leftovers == [], leftovers)
            check(pool.listVolumes() == ["keep.img"], pool.listVolumes())
        finally:
            c.close()


if __name__ == "__main__":
    s.main([formats_qemu_img_creates, qcow2_on_a_backing_file,
            clone_create_from_resize_wipe_delete, upload_download_round_trip,
            aborted_download_and_upload_answer_at_once,
            sparse_streams_keep_holes, failed_upload_leaves_the_volume_unchanged])
