#!/usr/bin/python3
"""The data directory's files as docs/protocol.md describes them, read with
Python's msgpack and crc32c modules: the framing, the checksums, the header
records, the calls a journal holds and the records of a snapshot.

Run by tests/with-server with WITH_SERVER_DATA_DIR=1, which exports the
socket as OBJMGR_SOCKET and the data directory as OBJMGR_DATA_DIR.
"""
import os
import socket
import struct
import time

import crc32c
import msgpack


def call(sock, msgid, method, *params):
    """Sends one request and answers [error, result]."""
    sock.sendall(msgpack.packb([0, msgid, method, list(params)]))
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
    while True:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        unpacker.feed(chunk)
        for reply in unpacker:
            assert reply[:2] == [1, msgid], reply
            return reply[2:]


def records(path):
    """Every record of a file, checked as protocol.md says: length, CRC-32C, one msgpack value."""
    data = open(path, "rb").read()
    at, out = 0, []
    while at < len(data):
        n, crc = struct.unpack_from("<II", data, at)
        assert 1 <= n <= 1 << 30 and at + 8 + n <= len(data), f"{path}: bad length at {at}"
        assert crc32c.crc32c(data[at:at + 4] + data[at + 8:at + 8 + n]) == crc, \
            f"{path}: bad checksum at {at}"
        out.append(msgpack.unpackb(data[at + 8:at + 8 + n], raw=False, strict_map_key=False))
        at += 8 + n
    return out


def main(path, data):
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    assert call(sock, 1, "dict.set", "d", "k", b"\x00\x01") == [None, None]
    assert call(sock, 2, "dict.get", "d", "k")[0] is None          # a read: not recorded
    assert call(sock, 3, "list.append", "d", 1)[0][0] == "wrong_type"  # failed: not recorded
    assert call(sock, 4, "counter.add", "n", 2) == [None, 2]
    assert call(sock, 5, "lock.acquire", "L") == [None, True]
    assert call(sock, 6, "lock.release", "L") == [None, None]

    journal = records(os.path.join(data, "journal.1"))
    assert journal == [
        {"objmgr": "journal", "version": 1, "generation": 1},
        ["dict.set", ["d", "k", b"\x00\x01"]],
        ["counter.add", ["n", 2]],
        ["objects.create", ["L", "lock"]],
    ], journal

    assert call(sock, 7, "server.save") == [None, 2]
    for _ in range(500):
        info = call(sock, 8, "server.info")[1]
        if not info["persistence"]["snapshot_running"]:
            break
        time.sleep(0.01)
    snapshot = records(os.path.join(data, "snapshot.2"))
    head, end = snapshot[0], snapshot[-1]
    assert head == {"objmgr": "snapshot", "version": 1, "generation": 2}, head
    assert end == {"end": True, "records": len(snapshot) - 2}, end
    calls = sorted(snapshot[1:-1], key=lambda r: (r[1][0], r[0] != "objects.create"))
    assert calls == [
        ["objects.create", ["L", "lock", {}]],
        ["objects.create", ["d", "dict", None]],
        ["dict.update", ["d", {"k": b"\x00\x01"}]],
        ["objects.create", ["n", "counter", None]],
        ["counter.set", ["n", 2]],
    ], calls
    assert not os.path.exists(os.path.join(data, "journal.1"))
    assert records(os.path.join(data, "journal.2")) == [
        {"objmgr": "journal", "version": 1, "generation": 2}]
    print("the data directory's files read as protocol.md describes them")


main(os.environ["OBJMGR_SOCKET"], os.environ["OBJMGR_DATA_DIR"])
