#!/usr/bin/python3
"""What docs/protocol.md tells client writers about map keys, checked with
Python's msgpack module against objmgrd.

A map the server answers may have keys that are not strings, and 1 and 1.0
are two different keys. msgpack's defaults refuse the first (it raises on a
key that is not str or bytes) and would merge the second in a Python dict
(1 == 1.0 there); unpacking with strict_map_key=False and an
object_pairs_hook keeps every pair as sent. Run by tests/with-server, which
exports the socket path as OBJMGR_SOCKET.
"""
import os
import socket

import msgpack


def request(sock, msgid, method, *params):
    """Sends one request and answers the raw bytes of its response."""
    sock.sendall(msgpack.packb([0, msgid, method, list(params)]))
    unpacker = msgpack.Unpacker(raw=False, strict_map_key=False, object_pairs_hook=list)
    data = b""
    while True:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
        unpacker.feed(chunk)
        for _ in unpacker:
            return data


def main(path):
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(path)
    request(sock, 1, "dict.set", "m", 1, "int")
    request(sock, 2, "dict.set", "m", 1.0, "float")
    request(sock, 3, "dict.set", "m", [1, 2], "array")
    reply = request(sock, 4, "dict.items", "m")

    # msgpack's defaults: a key that is not a string is refused.
    try:
        msgpack.unpackb(reply, raw=False)
    except ValueError as e:
        assert "not allowed for map key" in str(e), str(e)
    else:
        raise AssertionError("msgpack's default unpacker took an int key")

    # strict_map_key=False alone: a dict merges 1 and 1.0 (and cannot hold an array key).
    try:
        msgpack.unpackb(reply, raw=False, strict_map_key=False)
    except TypeError as e:
        assert "unhashable" in str(e), str(e)
    else:
        raise AssertionError("an array key went into a Python dict")
    merged = msgpack.unpackb(msgpack.packb([1, 4, None, {1: "int", 1.0: "float"}]),
                             raw=False, strict_map_key=False)[3]
    assert merged == {1: "float"}, merged

    # With an object_pairs_hook every pair stays, in order, with its own key.
    pairs = msgpack.unpackb(reply, raw=False, strict_map_key=False, object_pairs_hook=list)[3]
    assert pairs == [(1, "int"), (1.0, "float"), ([1, 2], "array")], pairs
    assert type(pairs[0][0]) is int and type(pairs[1][0]) is float, pairs
    sock.close()


if __name__ == "__main__":
    main(os.environ["OBJMGR_SOCKET"])
