"""One socket to objmgrd: connecting, the authkey handshake, requests and replies.

A Connection belongs to one thread of one process (Client keeps one per
thread and notices a fork); it is not thread-safe. Notifications the server
sends between replies (a watch's, a monitor's) are kept in order in .notes.
"""
import collections
import hashlib
import hmac
import os
import socket
import stat
import struct
import sys
import time

from . import _address
from ._errors import AuthFailed, BadParams, ConnectionLost, from_wire
from ._values import Packer, unpacker

KEY_MIN, KEY_MAX = 16, 4096
READ_SIZE = 256 * 1024

# Bumped in a child after fork(): a connection of an older generation is the
# parent's. Cheaper than os.getpid() on every call (bench/README.md).
_generation = [0]
os.register_at_fork(after_in_child=lambda: _generation.__setitem__(0, _generation[0] + 1))


def generation():
    return _generation[0]
CLIENT_NAME_MAX = 64
_CRED = struct.Struct("3i")


def load_key(authkey=None, authkey_file=None):
    """The key bytes from authkey, the file authkey_file, or $OBJMGR_AUTHKEY_FILE; None for none."""
    if authkey is None and authkey_file is None:
        authkey_file = os.environ.get("OBJMGR_AUTHKEY_FILE") or None
    if authkey is not None:
        key = bytes(authkey)
    elif authkey_file is not None:
        try:
            with open(authkey_file, "rb") as f:
                st = os.fstat(f.fileno())
                if not stat.S_ISREG(st.st_mode):
                    raise BadParams("cannot connect: authkey file %s is not a regular file" % authkey_file)
                if st.st_mode & 0o077:
                    raise BadParams("cannot connect: authkey file %s is readable or writable by %s "
                                    "(mode %04o): chmod 600 it" % (
                                        authkey_file, "others" if st.st_mode & 0o007 else "its group",
                                        st.st_mode & 0o7777))
                key = f.read(KEY_MAX + 1)
        except OSError as e:
            raise BadParams("cannot connect: authkey file %s: %s" % (authkey_file, e.strerror)) from None
    else:
        return None
    if not KEY_MIN <= len(key) <= KEY_MAX:
        raise BadParams("cannot connect: an authkey has %d to %d bytes, not %d" % (KEY_MIN, KEY_MAX, len(key)))
    return key


def program_name():
    """The program's name as client.setname takes it: one printable word of at most 64 bytes."""
    base = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    raw = base.encode("utf-8", "replace")[:CLIENT_NAME_MAX]
    return "".join(chr(b) if 0x20 < b <= 0x7e else "_" for b in raw) or "python"


class Connection:
    """A connected, authenticated socket with msgid bookkeeping for pipelined calls."""

    def __init__(self, address, key, server_uid, name, make_ref):
        self.address = address if address is not None else _address.parse(None)[1]
        self.pid = os.getpid()
        self.generation = _generation[0]
        self._forget = None
        # Replies are read into one buffer: recv(n) would allocate (and map) n bytes each time.
        self._buf = bytearray(READ_SIZE)
        self._view = memoryview(self._buf)
        self.closed = False
        self._packer = Packer()
        self._unpacker = unpacker(make_ref)
        self._next = 1
        self._early = {}  # msgid -> (error, result) of replies read before they were asked for
        self.notes = collections.deque()  # (method, params) of notifications not taken yet
        self._server_error = None
        self.sock = self._open(address, key, server_uid)
        try:
            if key is not None:
                self._authenticate(key)
            if name:
                self._setname(name)
        except BaseException:
            self.close()
            raise

    def _open(self, address, key, server_uid):
        kind = _address.parse(address)
        where = self.address
        if kind[0] == "tcp":
            if key is None:
                raise AuthFailed("cannot connect to %s: a TCP server always needs an authkey "
                                 "(authkey=, authkey_file= or $OBJMGR_AUTHKEY_FILE)" % where)
            try:
                sock = socket.create_connection((kind[1], kind[2]))
            except OSError as e:
                raise ConnectionLost("cannot connect to %s: %s%s" % (where, e.strerror or e, _hint(e))) from None
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        path, check_dir = kind[1], kind[2]
        if check_dir:
            why = _address.check_dir(path)
            if why:
                raise AuthFailed("refusing the default socket %s: %s, so the server there may not "
                                 "be yours" % (path, why))
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError as e:
            sock.close()
            raise ConnectionLost("cannot connect to %s: %s%s" % (path, e.strerror or e, _hint(e))) from None
        _pid, uid, _gid = _CRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CRED.size))
        if uid not in (os.geteuid(), 0) and uid != server_uid:
            sock.close()
            raise AuthFailed("refusing the server at %s: it runs as uid %d, not as you (uid %d) or "
                             "root; pass server_uid=%d to trust that user" % (path, uid, os.geteuid(), uid))
        return sock

    def _authenticate(self, key):
        """docs/protocol.md, Authentication: prove we know the key, and check the server does."""
        early = self.send("server.ping", [])
        msg = self._read_message()
        if msg[0] == 1:
            raise AuthFailed("refusing the server at %s: it asks for no authkey, so it cannot prove "
                             "it is the server the key is for" % self.address)
        if msg[:2] != [2, "auth.challenge"] or not (isinstance(msg[2], list) and len(msg[2]) == 2
                                                    and msg[2][0] == 1 and isinstance(msg[2][1], bytes)):
            raise AuthFailed("unexpected first message from the server: %r" % (msg,))
        server_nonce = msg[2][1]
        client_nonce = os.urandom(32)
        proof = hmac.new(key, b"objmgr-client" + server_nonce + client_nonce, hashlib.sha256).digest()
        server_proof = self.call("auth.hello", [client_nonce, proof])
        want = hmac.new(key, b"objmgr-server" + client_nonce + server_nonce, hashlib.sha256).digest()
        if not isinstance(server_proof, bytes) or not hmac.compare_digest(server_proof, want):
            raise AuthFailed("the server's proof of the authkey is wrong: it does not know the key")
        self._early.pop(early, None)
        self._forget = early  # its auth_required answer may still come; dropped when it does

    def _setname(self, name):
        try:
            self.call("client.setname", [name])
        except Exception as e:
            if getattr(e, "code", None) not in ("no_such_method", "auth_required"):
                raise

    def __del__(self):
        self.close()

    def close(self):
        if not getattr(self, "sock", None):
            self.closed = True
            return
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def _msgid(self):
        msgid = self._next
        self._next = msgid + 1 if msgid < 0xFFFFFFFF else 0
        return msgid

    def _write(self, data):
        """Sends data whole; a connection a send failed on (or was interrupted in) is closed."""
        try:
            self.sock.sendall(data)
        except BaseException as e:
            self.close()
            if isinstance(e, OSError):
                raise self._lost(e) from None
            raise

    def send(self, method, params):
        """Sends a request; its msgid, for recv()."""
        msgid = self._msgid()
        self._write(self._packer.pack([0, msgid, method, params]))
        return msgid

    def send_many(self, calls):
        """Sends [(method, params), ...] in one write; their msgids."""
        ids = [self._msgid() for _ in calls]
        self._write(b"".join(self._packer.pack([0, msgid, method, params])
                             for msgid, (method, params) in zip(ids, calls)))
        return ids

    def recv(self, msgid):
        """The result of request msgid, or its error raised. Interrupted (a signal's
        exception while waiting), the connection is closed: the server then drops the
        call if it still waits, so it takes nothing that would be lost."""
        early = self._early.pop(msgid, None)
        if early is not None:
            return _result(early)
        while True:
            msg = self._read_message()
            if msg[0] == 1 and len(msg) == 4 and msg[1] == msgid:
                return _result((msg[2], msg[3]))
            self._keep(msg)

    def call(self, method, params):
        return self.recv(self.send(method, params))

    def note(self, deadline=None):
        """The oldest notification not taken yet, (method, params); None when none
        has come by deadline (time.monotonic(); None: wait for one). Replies read
        meanwhile are kept for recv(). A deadline passing leaves the connection open."""
        while not self.notes:
            msg = self._read_message(deadline)
            if msg is None:
                return None
            self._keep(msg)
        return self.notes.popleft()

    def _keep(self, msg):
        """Files a message read while waiting for another: a reply for its recv(),
        a notification in .notes; server.error for when the server closes."""
        if msg[0] == 1 and len(msg) == 4:
            if msg[1] != self._forget:
                self._early[msg[1]] = (msg[2], msg[3])
        elif msg[0] == 2 and len(msg) == 3:
            if msg[1] == "server.error":
                self._server_error = msg[2]
            else:
                self.notes.append((msg[1], msg[2]))

    def _read_message(self, deadline=None):
        """The next message; None, with a deadline, when none is whole by then."""
        try:
            while True:
                for msg in self._unpacker:
                    if isinstance(msg, list) and msg:
                        return msg
                if deadline is None:
                    n = self.sock.recv_into(self._buf)
                else:
                    # A timeout loses nothing: the unpacker keeps a message's first part.
                    self.sock.settimeout(max(deadline - time.monotonic(), 0))
                    try:
                        n = self.sock.recv_into(self._buf)
                    except (socket.timeout, BlockingIOError):
                        return None
                    finally:
                        self.sock.settimeout(None)
                if not n:
                    self.close()
                    if self._server_error is not None:
                        raise from_wire(self._server_error)
                    raise ConnectionLost("the server at %s closed the connection" % self.address)
                self._unpacker.feed(self._view[:n])
        except BaseException as e:
            self.close()
            if isinstance(e, OSError):
                raise self._lost(e) from None
            raise

    def _lost(self, e):
        return ConnectionLost("connection to %s lost: %s" % (self.address, e.strerror or e))


def _hint(e):
    return " (is objmgrd running?)" if isinstance(e, (FileNotFoundError, ConnectionRefusedError)) else ""


def _result(reply):
    error, result = reply
    if error is None:
        return result
    raise from_wire(error)
