"""Proxies of the coordination types: Lock, RLock, Semaphore, BoundedSemaphore,
Condition, Event and Barrier, with threading's API.

A lock or permit belongs to the connection that took it, and each thread has
its own connection: release it from the thread that acquired it. When a
process dies its connections close and the server frees what they held, so a
dead holder never blocks the others (an object made with owned=False keeps
Python's rule instead: anyone may release it, and nothing is freed).
"""
import time

from ._base import BaseProxy
from ._errors import Broken


def _timeout(blocking, timeout):
    """The wire's timeout param list for threading's (blocking, timeout)."""
    if not blocking:
        if timeout is not None and timeout != -1:
            raise ValueError("can't specify a timeout for a non-blocking call")
        return [0]
    if timeout is None or timeout == -1:
        return []
    if timeout < 0:
        raise ValueError("timeout value must be a non-negative number")
    return [timeout]


class _Acquirer(BaseProxy):
    _acquire = _release = None  # the wire methods

    def acquire(self, blocking=True, timeout=None):
        return self._client.call(self._acquire, self._name, *_timeout(blocking, timeout))

    def release(self):
        self._client.call(self._release, self._name)

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()


class LockProxy(_Acquirer):
    _type = "lock"
    _acquire, _release = "lock.acquire", "lock.release"

    def locked(self):
        return self._client.call("lock.locked", self._name)


class RLockProxy(_Acquirer):
    _type = "rlock"
    _acquire, _release = "rlock.acquire", "rlock.release"

    def locked(self):
        return self._client.call("rlock.locked", self._name)


class SemaphoreProxy(_Acquirer):
    _type = "semaphore"
    _acquire, _release = "semaphore.acquire", "semaphore.release"

    def release(self, n=1):
        for _ in range(n):
            self._client.call("semaphore.release", self._name)

    def get_value(self):
        """The free permits now."""
        return self._client.call("semaphore.value", self._name)


class BoundedSemaphoreProxy(SemaphoreProxy):
    pass


class ConditionProxy(_Acquirer):
    _type = "condition"
    _acquire, _release = "condition.acquire", "condition.release"

    def wait(self, timeout=None):
        if timeout is not None and timeout < 0:
            timeout = 0
        return self._client.call("condition.wait", self._name, *([] if timeout is None else [timeout]))

    def wait_for(self, predicate, timeout=None):
        """As threading.Condition.wait_for: waits until predicate() is true, with the lock held."""
        result = predicate()
        end = None if timeout is None else time.monotonic() + timeout
        while not result:
            wait = None
            if end is not None:
                wait = end - time.monotonic()
                if wait <= 0:
                    break
            self.wait(wait)
            result = predicate()
        return result

    def notify(self, n=1):
        self._client.call("condition.notify", self._name, n)

    def notify_all(self):
        self._client.call("condition.notify_all", self._name)

    notifyAll = notify_all


class EventProxy(BaseProxy):
    _type = "event"

    def is_set(self):
        return self._client.call("event.is_set", self._name)

    isSet = is_set

    def set(self):
        self._client.call("event.set", self._name)

    def clear(self):
        self._client.call("event.clear", self._name)

    def wait(self, timeout=None):
        if timeout is not None and timeout < 0:
            timeout = 0
        return self._client.call("event.wait", self._name, *([] if timeout is None else [timeout]))


class BarrierProxy(BaseProxy):
    """threading.Barrier's API; a broken barrier raises objmgr.Broken, a
    threading.BrokenBarrierError. No action: the server cannot run Python."""

    _type = "barrier"
    _pickled = ("_timeout",)

    def __init__(self, client, name, timeout=None):
        super().__init__(client, name)
        self._timeout = timeout

    def wait(self, timeout=None):
        if timeout is None:
            timeout = self._timeout
        if timeout is not None and timeout < 0:
            timeout = 0
        return self._client.call("barrier.wait", self._name, *([] if timeout is None else [timeout]))

    def reset(self):
        self._client.call("barrier.reset", self._name)

    def abort(self):
        self._client.call("barrier.abort", self._name)

    @property
    def parties(self):
        return self._client.call("barrier.parties", self._name)

    @property
    def n_waiting(self):
        return self._client.call("barrier.n_waiting", self._name)

    @property
    def broken(self):
        return self._client.call("barrier.broken", self._name)


__all__ = ["LockProxy", "RLockProxy", "SemaphoreProxy", "BoundedSemaphoreProxy",
           "ConditionProxy", "EventProxy", "BarrierProxy", "Broken"]
