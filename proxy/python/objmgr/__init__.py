"""objmgr: Python programs share dicts, lists, queues, locks and more with each
other and with programs in any language, through objmgrd.

    import objmgr
    with objmgr.Manager() as mgr:          # multiprocessing.Manager()'s API
        d = mgr.dict()
        q = mgr.Queue()

    c = objmgr.connect()                   # meet by name across unrelated programs
    users = c.dict("users")
    users["alice"] = 3

No pickle anywhere: values are msgpack (see docs/python.md).
"""
from ._client import Client, Future, Pipeline
from ._notify import Call, Change, Monitor, Watch
from ._containers import ArrayProxy, DictProxy, ListProxy, NamespaceProxy, ValueProxy
from ._errors import (AuthFailed, AuthRequired, BadParams, BadRequest, Broken, Conflict,
                      ConnectionLost, Empty, Error, Full, IndexOutOfRange, InvalidValue,
                      KeyNotFound, Limit, NoSuchMethod, NotOwner, Overflow, Timeout, TooDeep,
                      TooLarge, WrongType)
from ._manager import Manager
from ._queues import PIPE_EOF, JoinableQueueProxy, PipeConnection, QueueProxy
from ._ref import Ref
from ._sync import (BarrierProxy, BoundedSemaphoreProxy, ConditionProxy, EventProxy, LockProxy,
                    RLockProxy, SemaphoreProxy)
from ._values import Pairs
from ._base import BaseProxy

__version__ = "0.1.0"


def connect(address=None, authkey=None, **kwargs):
    """A Client of the objmgrd at address: None for the default socket
    ($OBJMGR_SOCKET, $XDG_RUNTIME_DIR/objmgr.sock, /tmp/objmgr-$UID/objmgr.sock),
    "unix:PATH" or a path, "tcp:HOST:PORT". authkey: the key's bytes; or
    authkey_file=PATH, or $OBJMGR_AUTHKEY_FILE. Other options: server_uid
    (a user to trust besides yourself and root), name (shown in clients.list)."""
    return Client(address, authkey, **kwargs)


__all__ = [
    "connect", "Client", "Manager", "Pipeline", "Future", "Watch", "Change", "Monitor", "Call",
    "Ref", "Pairs", "PIPE_EOF",
    "BaseProxy", "DictProxy", "ListProxy", "ValueProxy", "ArrayProxy", "NamespaceProxy",
    "QueueProxy", "JoinableQueueProxy", "PipeConnection", "LockProxy", "RLockProxy",
    "SemaphoreProxy", "BoundedSemaphoreProxy", "ConditionProxy", "EventProxy", "BarrierProxy",
    "Error", "NoSuchMethod", "BadParams", "WrongType", "KeyNotFound", "IndexOutOfRange",
    "InvalidValue", "BadRequest", "TooLarge", "TooDeep", "Limit", "Empty", "Full", "NotOwner",
    "Broken", "Timeout", "AuthFailed", "AuthRequired", "Conflict", "Overflow", "ConnectionLost",
]
