#!/usr/bin/python3
"""An existing msgpack-RPC client library, used unmodified, against objmgrd.

pynvim ships a general msgpack-RPC session (pynvim.msgpack_rpc) that knows
nothing of objmgr. If it can call methods, send notifications and read
errors, any spec-following client can. Run by tests/with-server, which
exports the socket path as OBJMGR_SOCKET.
"""
import os

from pynvim.msgpack_rpc import socket_session, ErrorResponse


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def main(path):
    s = socket_session(path)
    # Session leaves the error type to its user (pynvim's Nvim sets its own).
    s.error_wrapper = lambda err: ErrorResponse(repr(err))
    assert text(s.request("server.ping")) == "pong"
    s.request("dict.set", "compat", "k", [1, 2.5, None, True])
    assert s.request("dict.get", "compat", "k") == [1, 2.5, None, True]
    assert s.request("counter.add", "compat-n", 41) == 41
    # a notification: executed, never answered
    s.request("counter.add", "compat-n", 1, async_=True)
    assert s.request("counter.get", "compat-n") == 42
    try:
        s.request("dict.get", "compat", "missing")
    except ErrorResponse as e:
        assert "key_error" in str(e), str(e)
        assert "missing" in str(e), str(e)
    else:
        raise AssertionError("dict.get of a missing key did not fail")
    try:
        s.request("nosuch.method")
    except ErrorResponse as e:
        assert "no_such_method" in str(e), str(e)
    else:
        raise AssertionError("an unknown method did not fail")
    s.close()
    print("compat-pynvim: every check passed")


if __name__ == "__main__":
    main(os.environ["OBJMGR_SOCKET"])
