"""Manager: multiprocessing.Manager()'s common use, served by objmgrd."""
import itertools
import os
import secrets
import weakref

from ._client import Client


class Manager(Client):
    """A drop-in for multiprocessing.Manager(): mgr.dict(), mgr.list(),
    mgr.Queue(), mgr.Lock(), ... make anonymous shared objects, named
    "mp-<pid>-<random>.<n>", which shutdown() deletes (so does leaving a
    `with` block, or the process's exit). Named access (mgr.dict("users"))
    meets objects other programs use, and never deletes them.

    There is no server process to start: objmgrd is already running. start()
    and connect() are accepted and do nothing, for code written for
    BaseManager. owned=False makes Locks and Semaphores with Python's rule
    (anyone may release; nothing is freed when a holder dies) instead of
    objmgr's, for programs that take a lock in one process and release it in
    another.
    """

    def __init__(self, address=None, authkey=None, *, owned=True, **kwargs):
        super().__init__(address, authkey, **kwargs)
        self._owned = bool(owned)
        self._prefix = "mp-%d-%s" % (os.getpid(), secrets.token_hex(4))
        self._count = itertools.count(1)
        self._made = []
        self._owner_pid = os.getpid()
        self._state = "started"
        # Runs at shutdown(), when the manager is collected, or at exit (finalize's atexit).
        self._finalizer = weakref.finalize(self, Manager._delete_all, self.address, self._key,
                                           self._made, self._owner_pid)

    def _anonymous(self, what):
        name = "%s.%d" % (self._prefix, next(self._count))
        self._made.append(name)
        if what == "Pipe":
            self._made.append(name + ":0")
            self._made.append(name + ":1")
        return name

    @staticmethod
    def _delete_all(address, key, names, owner_pid):
        """Deletes the anonymous objects, from the process that made them only."""
        if os.getpid() != owner_pid or not names:
            return
        try:
            with Client(address, key, name="") as c:
                p = c.pipeline()
                for name in names:
                    p.call("objects.delete", name)
                p.execute(raise_on_error=False)
        except Exception:
            pass  # the server is gone: so are the objects, unless it keeps them on disk
        names.clear()

    def start(self, initializer=None, initargs=()):
        """Accepted for BaseManager's sake: objmgrd runs already."""
        if initializer is not None:
            initializer(*initargs)

    def connect(self):
        """Accepted for BaseManager's sake: the connection is made on first use."""

    def join(self, timeout=None):
        """Accepted for BaseManager's sake: there is no manager process to join."""

    def shutdown(self):
        """Deletes the anonymous objects this manager made, and closes its connections."""
        if self._state == "shutdown":
            return
        self._state = "shutdown"
        self._finalizer()
        self.close()

    def __exit__(self, *exc):
        self.shutdown()

    def __repr__(self):
        return "<objmgr.Manager of %s>" % self.where
