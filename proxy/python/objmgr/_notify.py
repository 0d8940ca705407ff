"""Watch and Monitor: what the server tells a connection that asked
(docs/protocol.md, Watching changes and Monitoring), read as a queue.

Each has a connection of its own: its notifications then never wait behind
(or are mixed with) the calls a thread makes, and a watcher that stops
reading is the server's to drop (Overflow) instead of piling up in memory
here.
"""
import collections
import time

from ._connection import generation
from ._errors import Empty, Overflow

Change = collections.namedtuple("Change", "name method params version")
Change.__doc__ = """A change to a watched object: its name, the call that made it
("dict.set", "objects.delete", ...), that call's params after the name
(long values summarised by the server), and the object's new version."""

Call = collections.namedtuple("Call", "time client method params")
Call.__doc__ = """A call the server ran: when (Unix time), the caller's connection id
(as clients.list shows it), its method and its params (name included)."""


class _Subscription:
    """A queue of one kind of notification on a connection of its own."""

    _event = None      # the notification's method
    _overflow = None   # the one that ends it
    _item = None       # event params -> the item get() answers

    def __init__(self, client):
        self._conn = client._connect()
        self._ended = None  # the Overflow's params once the server ended it
        try:
            self.restart()
        except BaseException:
            self.close()
            raise

    def restart(self):
        """Subscribes again after an Overflow (or a first time); what _subscribe answers."""
        self._check()
        self._ended = None
        return self._subscribe()

    def get(self, block=True, timeout=None):
        """The next item, oldest first; waits for one unless block is false, at most
        timeout seconds. Empty (a queue.Empty) when none came; Overflow, at that
        point of the stream, when the server ended it for reading too slowly."""
        self._check()
        wait = timeout if block else 0
        deadline = None if wait is None else time.monotonic() + max(wait, 0)
        while self._ended is None:
            note = self._conn.note(deadline)
            if note is None:
                raise Empty("nothing came within %gs" % wait, code="empty")
            method, params = note
            if method == self._event:
                return self._item(*params)
            if method == self._overflow:
                self._ended = params
        raise self._overflowed(self._ended)

    def get_nowait(self):
        return self.get(False)

    def _check(self):
        if self._conn.closed:
            raise ValueError("%s is closed" % type(self).__name__)
        if self._conn.generation != generation():
            raise ValueError("a %s belongs to the process that made it" % type(self).__name__)

    def __iter__(self):
        return self

    def __next__(self):
        if self._conn.closed:
            raise StopIteration
        return self.get()

    def close(self):
        """Ends it: its connection closes, which ends every subscription on it."""
        self._conn.close()

    @property
    def closed(self):
        return self._conn.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Watch(_Subscription):
    """Changes to the objects whose names match patterns (globs), as Change
    items: client.watch(). .revision: every change after it is told."""

    _event, _overflow, _item = "objects.changed", "objects.overflow", Change

    def __init__(self, client, patterns):
        self.patterns = tuple(patterns) or ("*",)
        self.revision = None
        super().__init__(client)

    def _subscribe(self):
        """Watches every pattern in one write; the revision the last one answers,
        after which nothing matching any pattern goes untold."""
        ids = self._conn.send_many([("objects.watch", [p]) for p in self.patterns])
        revisions = [self._conn.recv(msgid) for msgid in ids]
        self.revision = revisions[-1]
        return self.revision

    def _overflowed(self, params):
        message, revision = params
        return Overflow(message, revision=revision)

    def __repr__(self):
        return "<objmgr.Watch of %s%s>" % (" ".join(self.patterns),
                                            " (closed)" if self.closed else "")


class Monitor(_Subscription):
    """Every call any client makes, as Call items: client.monitor()."""

    _event, _overflow, _item = "server.call", "server.overflow", Call

    def _subscribe(self):
        return self._conn.call("server.monitor", [True])

    def _overflowed(self, params):
        return Overflow(params[0])

    def __repr__(self):
        return "<objmgr.Monitor%s>" % (" (closed)" if self.closed else "")
