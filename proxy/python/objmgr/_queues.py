"""Queue and JoinableQueue proxies (queue.Queue's API) and Pipe() ends
(multiprocessing.connection.Connection's API) over server queues."""
import msgpack

from ._base import BaseProxy, _spawning
from ._errors import Empty


def _wire_timeout(block, timeout):
    if not block:
        return [0]
    if timeout is None:
        return []
    if timeout < 0:
        raise ValueError("'timeout' must be a non-negative number")
    return [timeout]


class QueueProxy(BaseProxy):
    """A shared FIFO. get() and put() raise objmgr.Empty and objmgr.Full, which
    are queue.Empty and queue.Full; every queue is joinable (task_done, join)."""

    _type = "queue"
    _pickled = ("_maxsize",)

    def __init__(self, client, name, maxsize=None):
        super().__init__(client, name)
        self._maxsize = maxsize

    @property
    def maxsize(self):
        """The bound it was made with, 0 for none (read once from the server)."""
        if self._maxsize is None:
            d = self._client.call("objects.describe", self._name)
            self._maxsize = (d or {}).get("options", {}).get("maxsize", 0)
        return self._maxsize

    def put(self, item, block=True, timeout=None):
        self._client.call("queue.put", self._name, item, *_wire_timeout(block, timeout))

    def get(self, block=True, timeout=None):
        return self._client.call("queue.get", self._name, *_wire_timeout(block, timeout))

    def put_nowait(self, item):
        self.put(item, False)

    def get_nowait(self):
        return self.get(False)

    def qsize(self):
        return self._client.call("queue.len", self._name)

    def empty(self):
        return self.qsize() == 0

    def full(self):
        return 0 < self.maxsize <= self.qsize()

    def task_done(self):
        self._client.call("queue.task_done", self._name)

    def join(self, timeout=None):
        """Waits until every item put has been marked done; False if timeout expired first."""
        return self._client.call("queue.join", self._name, *([] if timeout is None else [timeout]))

    def items(self):
        """Every item waiting, oldest first, taking none (an objmgr extension)."""
        return self._client.call("queue.items", self._name)


JoinableQueueProxy = QueueProxy

# What close() puts in the queue to tell the other end: an ext value no
# Python value packs into (objmgr uses ext 1 for references only).
PIPE_EOF = msgpack.ExtType(2, b"objmgr.pipe.eof")


class PipeConnection:
    """One end of Pipe(): send() puts on one server queue, recv() gets from the
    other (the same one for a one-way pipe's two ends). Values are sent as
    objmgr values, not pickled. close() tells the other end, whose recv()
    then raises EOFError once the messages before it are read."""

    def __init__(self, client, recv_name, send_name):
        self._client = client
        self._recv = recv_name
        self._send = send_name
        self._buffered = []
        self._closed = False
        self._eof = False

    def __reduce__(self):
        key = self._client._key if _spawning() else None
        return (_rebuild_end, (self._client.address, key, self._recv, self._send))

    @property
    def closed(self):
        return self._closed

    @property
    def readable(self):
        return self._recv is not None

    @property
    def writable(self):
        return self._send is not None

    def _check(self, what):
        if self._closed:
            raise OSError("handle is closed")
        if what == "r" and self._recv is None:
            raise OSError("connection is write-only")
        if what == "w" and self._send is None:
            raise OSError("connection is read-only")

    def send(self, obj):
        self._check("w")
        self._client.call("queue.put", self._send, obj)

    def send_bytes(self, buf, offset=0, size=None):
        self._check("w")
        view = memoryview(buf).cast("B")
        if offset < 0 or offset > len(view):
            raise ValueError("offset is out of range")
        if size is None:
            size = len(view) - offset
        if size < 0 or offset + size > len(view):
            raise ValueError("size is out of range")
        self._client.call("queue.put", self._send, bytes(view[offset:offset + size]))

    def _take(self, timeout):
        """The next message, [] when none came within timeout (None: forever)."""
        if self._buffered:
            return [self._buffered.pop(0)]
        if self._eof:
            raise EOFError
        try:
            msg = self._client.call("queue.get", self._recv, *([] if timeout is None else [timeout]))
        except Empty:
            return []
        if msg == PIPE_EOF:
            self._eof = True
            raise EOFError
        return [msg]

    def recv(self):
        self._check("r")
        return self._take(None)[0]

    def recv_bytes(self, maxlength=None):
        self._check("r")
        msg = self._take(None)[0]
        if not isinstance(msg, bytes):
            raise TypeError("recv_bytes: the message is a %s, not bytes" % type(msg).__name__)
        if maxlength is not None and len(msg) > maxlength:
            raise OSError("bad message length")
        return msg

    def poll(self, timeout=0.0):
        """Whether a message (or the other end's close) is waiting. A wait
        longer than 0 takes the message into this end, for the next recv()."""
        self._check("r")
        if self._buffered or self._eof:
            return True
        if timeout is not None and timeout <= 0:
            return self._client.call("queue.len", self._recv) > 0
        try:
            got = self._take(timeout)
        except EOFError:
            return True
        self._buffered.extend(got)
        return bool(got)

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self._send is not None:
            self._client.call("queue.put", self._send, PIPE_EOF)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<objmgr PipeConnection recv=%r send=%r>" % (self._recv, self._send)


def _rebuild_end(address, key, recv_name, send_name):
    from ._client import Client
    return PipeConnection(Client.shared(address, key), recv_name, send_name)
