#!/usr/bin/python3
"""The authkey handshake of docs/protocol.md, done with Python's own hmac,
hashlib and msgpack modules against objmgrd: first as the protocol's
example is printed, then step by step, with a wrong proof and a replayed
one. Run by tests/with-server with WITH_SERVER_AUTHKEY=1, which exports
OBJMGR_SOCKET and OBJMGR_AUTHKEY_FILE; argv[1] is docs/protocol.md.
"""
import hashlib
import hmac
import os
import socket
import sys

import msgpack

SOCK = os.environ["OBJMGR_SOCKET"]
KEY_FILE = os.environ["OBJMGR_AUTHKEY_FILE"]
KEY = open(KEY_FILE, "rb").read()


def example_as_printed():
    """Runs protocol.md's Python example with its two paths filled in."""
    text = open(sys.argv[1]).read()
    code = text.split("In Python, with the `msgpack` module:\n\n```python\n")[1].split("```")[0]
    code = code.replace('"/path/to/key"', repr(KEY_FILE))
    code = code.replace('"/path/to/objmgr.sock"', repr(SOCK))
    exec(code, {})


class Conn:
    def __init__(self):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(SOCK)
        self.unpacker = msgpack.Unpacker()

    def recv(self):
        while True:
            for msg in self.unpacker:
                return msg
            data = self.sock.recv(65536)
            if not data:
                return None
            self.unpacker.feed(data)

    def send(self, msg):
        self.sock.sendall(msgpack.packb(msg))


def mac(role, a, b):
    return hmac.new(KEY, role + a + b, hashlib.sha256).digest()


def main():
    example_as_printed()

    c = Conn()
    kind, method, (version, server_nonce) = c.recv()
    assert (kind, method, version, len(server_nonce)) == (2, "auth.challenge", 1, 32)
    c.send([0, 1, "objects.list", []])
    assert c.recv()[2][0] == "auth_required"
    client_nonce = os.urandom(32)
    proof = mac(b"objmgr-client", server_nonce, client_nonce)
    c.send([0, 2, "auth.hello", [client_nonce, proof]])
    _, msgid, error, server_proof = c.recv()
    assert (msgid, error) == (2, None)
    assert hmac.compare_digest(server_proof, mac(b"objmgr-server", client_nonce, server_nonce))
    c.send([0, 3, "server.ping", []])
    assert c.recv() == [1, 3, None, "pong"]

    # The same proof on a new connection (a new server nonce) is refused, and the connection closed.
    replay = Conn()
    replay.recv()
    replay.send([0, 1, "auth.hello", [client_nonce, proof]])
    assert replay.recv()[2][0] == "auth_failed"
    assert replay.recv() is None
    print("compat-auth: the handshake of docs/protocol.md works with Python's hmac and msgpack")


main()
