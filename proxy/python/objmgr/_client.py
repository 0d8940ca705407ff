"""Client: the way into one objmgrd, with a connection per thread and per
process, typed proxies by name, raw calls, pipelines, batches, watches."""
import os
import threading
import weakref

from . import _address
from ._connection import Connection, generation, load_key, program_name
from ._containers import (ArrayProxy, DictProxy, ListProxy, NamespaceProxy, ValueProxy,
                          _as_list, _as_map, _item_to_wire, check_typecode, to_number)
from ._errors import KeyNotFound, from_wire
from ._notify import Monitor, Watch
from ._queues import PipeConnection, QueueProxy
from ._ref import Ref
from ._sync import (BarrierProxy, BoundedSemaphoreProxy, ConditionProxy, EventProxy, LockProxy,
                    RLockProxy, SemaphoreProxy)

_MISSING = object()

# objects.type's answer -> the proxy class open() gives.
_PROXY_OF_TYPE = {
    "dict": DictProxy, "list": ListProxy, "counter": ValueProxy, "queue": QueueProxy,
    "lock": LockProxy, "rlock": RLockProxy, "semaphore": SemaphoreProxy,
    "condition": ConditionProxy, "event": EventProxy, "barrier": BarrierProxy,
}


def _split_name(args):
    """A leading str argument is the object's name; the rest are the usual arguments."""
    if args and isinstance(args[0], str):
        return args[0], args[1:]
    return None, args


class Client:
    """A client of one objmgrd (see connect()). Thread-safe: each thread, and
    each process after a fork, gets its own connection, made on first use, as
    multiprocessing's proxies do; a blocking call in one thread does not hold
    up another. Proxies made from it share it."""

    _shared = weakref.WeakValueDictionary()  # address -> a live client of it
    _shared_lock = threading.Lock()

    def __init__(self, address=None, authkey=None, *, authkey_file=None, server_uid=None,
                 name=None, lazy=False):
        self.address = address
        self.where = address if address is not None else _address.parse(None)[1]
        self._key = load_key(authkey, authkey_file)
        self._server_uid = server_uid
        self._conn_name = program_name() if name is None else name
        self._local = threading.local()
        self._conns = weakref.WeakSet()
        self._owned = True
        with Client._shared_lock:
            Client._shared.setdefault(address, self)
        if not lazy:
            self._conn()

    @classmethod
    def shared(cls, address, key):
        """This process's client of address (made when there is none), for
        proxies unpickled here."""
        with cls._shared_lock:
            c = cls._shared.get(address)
        if c is not None and (key is None or key == c._key):
            return c
        return Client(address, key, lazy=True)

    def _conn(self):
        c = getattr(self._local, "conn", None)
        if c is None or c.closed or c.generation != generation():
            c = self._connect()
            self._local.conn = c
        return c

    def _connect(self):
        """A new connection of this client's, for a thread or a subscription."""
        c = Connection(self.address, self._key, self._server_uid, self._conn_name,
                       lambda name: Ref(name, self))
        self._conns.add(c)
        return c

    def call(self, method, *params):
        """Runs method (a wire method, "dict.get") with params; its result, or its error raised."""
        return self._conn().call(method, list(params))

    def pipeline(self):
        """A Pipeline: calls queued, sent in one write, answered together."""
        return Pipeline(self)

    def batch(self, calls, atomic=False, if_versions=None, raise_on_error=True):
        """Runs calls, [(method, params), ...], as one step of the server's
        (server.batch): no other client's call runs in between. Their results,
        in order; a call's error raised when raise_on_error (the first one, after
        all ran), else the exception in its place. atomic: all or nothing, the
        first failing call's error raised, nothing changed. if_versions: {name:
        version}, run only if each is still at that version (0: no such
        object), else Conflict and nothing runs."""
        options = {}
        if atomic:
            options["atomic"] = True
        if if_versions:
            options["if_versions"] = dict(if_versions)
        answers = self.call("server.batch", [[method, list(params)] for method, params in calls],
                            options or None)
        results = [result if error is None else from_wire(error) for error, result in answers]
        if raise_on_error:
            for r in results:
                if isinstance(r, Exception):
                    raise r
        return results

    def transaction(self, if_versions=None):
        """A Pipeline whose calls run as one atomic batch (see batch()): at the end
        of a `with` block, or by execute()."""
        return Pipeline(self, {"atomic": True, "if_versions": if_versions})

    def watch(self, *patterns):
        """A Watch: the changes to the objects whose names match patterns (globs;
        none: every object), read as a queue or an iterator of Change, on a
        connection of its own."""
        return Watch(self, patterns)

    def monitor(self):
        """A Monitor: every call the server runs, as Call, on a connection of its own."""
        return Monitor(self)

    def close(self):
        """Closes this client's connections (every thread's); the next call reconnects."""
        for c in list(self._conns):
            if c.pid == os.getpid():
                c.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<objmgr.Client of %s>" % self.where

    # The registry and the server.

    def ping(self):
        return self.call("server.ping")

    def info(self, section=None):
        """server.info's map of facts; with section ("server", "clients",
        "memory", "persistence", "config", "polling", "methods"), only that
        part."""
        if section is None:
            return self.call("server.info")
        return self.call("server.info", section)

    def objects(self, pattern=None, versions=False):
        """The objects whose names match pattern (a glob; None: every object): a
        dict of name -> type name, sorted by name; with versions, name ->
        (type name, version)."""
        if not versions:
            return self.call("objects.list", pattern)
        listed = self.call("objects.list", pattern, {"versions": True})
        return {name: tuple(tv) for name, tv in listed.items()}

    def scan_objects(self, pattern=None, count=1000):
        """The (name, type name) of the objects whose names match pattern (a
        glob; None: every object), in no particular order, read with
        objects.scan looking at count (1 to 10,000) names a request: each
        object there for the whole walk comes once."""
        cursor = 0
        while True:
            cursor, page = self.call("objects.scan", cursor, pattern, count)
            yield from page.items()
            if cursor == 0:
                return

    def version(self, name):
        """The version of the object `name`: the server's revision at its last
        change; 0 when there is no such object."""
        return self.call("objects.version", name)

    def type(self, name):
        """The type name of the object `name`, or None."""
        return self.call("objects.type", name)

    def delete(self, name):
        """Deletes the object `name`; whether it existed."""
        return self.call("objects.delete", name)

    def create(self, name, type, *, ephemeral=False, **options):
        """Makes the object `name` of type (a server type name, "dict", "queue",
        ...) with options (maxsize=, value=, parties=, ...), unless it exists
        with that type; its proxy. ephemeral: the object must be new, and is
        deleted when this thread's connection closes (its process's end too)."""
        if ephemeral:
            options["ephemeral"] = True
        self._create(name, type, options)
        return _PROXY_OF_TYPE[type](self, name)

    def open(self, name):
        """A proxy of the existing object `name`, of its type; KeyNotFound when none exists."""
        t = self.call("objects.type", name)
        if t is None:
            raise KeyNotFound("no object named %r" % name, code="key_error")
        return _PROXY_OF_TYPE[t](self, name)

    # Typed proxies, by name (Manager makes anonymous ones too).

    def _anonymous(self, what):
        raise TypeError("%s needs a name here: objmgr.Manager() makes anonymous objects" % what)

    def _create(self, name, type_, options=None):
        if options:
            self.call("objects.create", name, type_, options)
        else:
            self.call("objects.create", name, type_)

    def _open_or_make(self, name, what, contents):
        """The object's name; a new anonymous one when name is None. Contents go
        only to a new object: a named one is met as it is."""
        if name is None:
            return self._anonymous(what), True
        if contents:
            raise TypeError("%s(%r, ...): initial contents go to a new (anonymous) object; fill a "
                            "named one through its proxy" % (what, name))
        return name, False

    def dict(self, *args, **kwargs):
        """dict(name) opens the shared dict `name`; dict(mapping, **kw) (Manager) makes one."""
        name, args = _split_name(args)
        if len(args) > 1:
            raise TypeError("dict expected at most 1 argument, got %d" % len(args))
        name, new = self._open_or_make(name, "dict", args or kwargs)
        if new:
            self._create(name, "dict")
            if args:
                self.call("dict.update", name, _as_map(args[0]))
            if kwargs:
                self.call("dict.update", name, kwargs)
        return DictProxy(self, name)

    def list(self, *args):
        """list(name) opens the shared list `name`; list(iterable) (Manager) makes one."""
        name, args = _split_name(args)
        if len(args) > 1:
            raise TypeError("list expected at most 1 argument, got %d" % len(args))
        name, new = self._open_or_make(name, "list", args)
        if new:
            self._create(name, "list")
            if args:
                self.call("list.extend", name, _as_list(args[0]))
        return ListProxy(self, name)

    def Namespace(self, *args, **kwargs):
        name, args = _split_name(args)
        if args:
            raise TypeError("Namespace takes keyword arguments only (and a name)")
        name, new = self._open_or_make(name, "Namespace", kwargs)
        if new:
            self._create(name, "dict")
            if kwargs:
                self.call("dict.update", name, kwargs)
        return NamespaceProxy(self, name)

    def Value(self, typecode, value=_MISSING, lock=True, *, name=None):
        """A number (a server counter) checked against typecode ('i', 'd', 'c', ..., or None)."""
        check_typecode(typecode)
        name, new = self._open_or_make(name, "Value", value is not _MISSING)
        if new:
            if value is _MISSING:
                value = {"c": b"\0", "u": "\0"}.get(typecode, 0)
            self.call("counter.set", name, to_number(typecode, value))
        return ValueProxy(self, name, typecode)

    def Array(self, typecode, size_or_initializer=None, lock=True, *, name=None):
        """A list of fixed length whose items are checked against typecode."""
        check_typecode(typecode)
        name, new = self._open_or_make(name, "Array", size_or_initializer is not None)
        if new:
            init = size_or_initializer
            if isinstance(init, int):
                zero = {"c": b"\0", "u": "\0", "f": 0.0, "d": 0.0}.get(typecode, 0)
                items = [zero] * init
            else:
                if typecode == "c" and isinstance(init, (bytes, bytearray)):
                    init = [init[i:i + 1] for i in range(len(init))]  # Array('c', b'ab')
                items = [_item_to_wire(typecode, v) for v in (init or ())]
            self._create(name, "list")
            if items:
                self.call("list.extend", name, items)
        return ArrayProxy(self, name, typecode)

    def Queue(self, *args, maxsize=0, name=None):
        """Queue(maxsize=0): a FIFO, bounded when maxsize > 0; maxsize by
        position or keyword, as queue.Queue and multiprocessing take it."""
        lead, args = _split_name(args)
        name = name or lead
        if args:
            maxsize = args[0]
        if not isinstance(maxsize, int) or maxsize < 0:
            raise ValueError("maxsize must be a non-negative int")
        new = name is None
        if new:
            name = self._anonymous("Queue")
        self._create(name, "queue", {"maxsize": maxsize} if maxsize else None)
        return QueueProxy(self, name, maxsize if new else None)

    JoinableQueue = Queue

    def _owned_option(self, owned):
        return self._owned if owned is None else bool(owned)

    def Lock(self, *args, name=None, owned=None):
        lead, _ = _split_name(args)
        name = name or lead or self._anonymous("Lock")
        self._create(name, "lock", {"owned": self._owned_option(owned)})
        return LockProxy(self, name)

    def RLock(self, *args, name=None):
        lead, _ = _split_name(args)
        name = name or lead or self._anonymous("RLock")
        self._create(name, "rlock")
        return RLockProxy(self, name)

    def Semaphore(self, *args, name=None, owned=None, _bounded=False):
        lead, args = _split_name(args)
        name = name or lead
        value = args[0] if args else 1
        if not isinstance(value, int) or value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        name = name or self._anonymous("Semaphore")
        self._create(name, "semaphore", {"value": value, "bounded": _bounded,
                                         "owned": self._owned_option(owned)})
        return (BoundedSemaphoreProxy if _bounded else SemaphoreProxy)(self, name)

    def BoundedSemaphore(self, *args, name=None, owned=None):
        return self.Semaphore(*args, name=name, owned=owned, _bounded=True)

    def Event(self, *args, name=None):
        lead, _ = _split_name(args)
        name = name or lead or self._anonymous("Event")
        self._create(name, "event")
        return EventProxy(self, name)

    def Condition(self, lock=None, *, name=None):
        """A condition with its own Lock, or over `lock` (a Lock proxy)."""
        if isinstance(lock, str) and name is None:
            lock, name = None, lock
        if lock is not None and not isinstance(lock, LockProxy):
            raise TypeError("objmgr's Condition takes a Lock proxy (a condition's lock is a Lock, "
                            "not re-entrant), not %s" % type(lock).__name__)
        name = name or self._anonymous("Condition")
        self._create(name, "condition", {"lock": lock.name} if lock is not None else None)
        return ConditionProxy(self, name)

    def Barrier(self, *args, action=None, timeout=None, name=None):
        """Barrier(parties): parties wait for each other. No action (the server runs no Python)."""
        lead, args = _split_name(args)
        name = name or lead
        if action is not None:
            raise ValueError("objmgr's Barrier cannot run an action: the server runs no Python; "
                             "run it in the caller whose wait() answers 0")
        parties = args[0] if args else None
        if parties is None:
            if name is None:
                raise TypeError("Barrier needs parties")
        else:
            if not isinstance(parties, int) or parties < 1:
                raise ValueError("parties must be >= 1")
            name = name or self._anonymous("Barrier")
            self._create(name, "barrier", {"parties": parties})
        return BarrierProxy(self, name, timeout)

    def Pipe(self, duplex=True, *, name=None):
        """Two connected ends: (conn1, conn2). Duplex by default; else conn1 only
        receives and conn2 only sends, as multiprocessing.Pipe(False)."""
        base = name or self._anonymous("Pipe")
        a, b = base + ":0", base + ":1"
        self._create(a, "queue")
        if not duplex:
            return PipeConnection(self, a, None), PipeConnection(self, None, a)
        self._create(b, "queue")
        return PipeConnection(self, a, b), PipeConnection(self, b, a)


class Future:
    """The result of a pipelined call, once its pipeline has run."""

    __slots__ = ("_done", "_value", "_error")

    def __init__(self):
        self._done = False
        self._value = self._error = None

    @property
    def done(self):
        return self._done

    def result(self):
        if not self._done:
            raise RuntimeError("the pipeline has not run yet")
        if self._error is not None:
            raise self._error
        return self._value


class Pipeline:
    """Calls queued with call() and sent in one write by execute() (or at the
    end of a `with` block), their replies read together: one round trip for
    the lot. Results are in the order of the calls. Made by
    client.transaction(), they run as one atomic batch instead."""

    def __init__(self, client, transaction=None):
        self._client = client
        self._transaction = transaction  # {"atomic": True, "if_versions": ...}, or None
        self._calls = []
        self._futures = []
        self.results = None

    def call(self, method, *params):
        f = Future()
        self._calls.append((method, list(params)))
        self._futures.append(f)
        return f

    def __len__(self):
        return len(self._calls)

    def execute(self, raise_on_error=True):
        """Sends the queued calls; their results (an error raised when raise_on_error,
        the first one, after every reply is read; else the exception in its place)."""
        calls, futures = self._calls, self._futures
        self._calls, self._futures = [], []
        if self._transaction is not None:
            return self._execute_batch(calls, futures)
        conn = self._client._conn()
        ids = conn.send_many(calls)
        results, first = [], None
        for msgid, f in zip(ids, futures):
            try:
                f._value = conn.recv(msgid)
                results.append(f._value)
            except Exception as e:
                if getattr(e, "code", None) is None or e.code == "io":
                    raise
                f._error = e
                first = first or e
                results.append(e)
            f._done = True
        self.results = results
        if raise_on_error and first is not None:
            raise first
        return results

    def _execute_batch(self, calls, futures):
        """A transaction's execute(): all or nothing, so a failure is raised (as
        every future's error) whatever raise_on_error says."""
        try:
            results = self._client.batch(calls, **self._transaction)
        except Exception as e:
            for f in futures:
                f._error, f._done = e, True
            raise
        for f, r in zip(futures, results):
            f._value, f._done = r, True
        self.results = results
        return results

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.execute()
