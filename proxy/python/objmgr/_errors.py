"""The exceptions objmgr raises: one class per wire error code, all under Error.

Each class also derives from the built-in exception a Python program already
catches for the same situation (KeyError, IndexError, queue.Empty, ...), so
code written for multiprocessing's proxies keeps working.
"""
import queue
import threading


class Error(Exception):
    """An objmgr failure: .code is the wire's error code, .message its text."""

    code = "error"

    def __init__(self, message, code=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self):
        return self.message


class NoSuchMethod(Error, AttributeError):
    code = "no_such_method"


class BadParams(Error, ValueError):
    code = "bad_params"


class WrongType(Error, TypeError):
    code = "wrong_type"


class KeyNotFound(Error, KeyError):
    code = "key_error"

    def __str__(self):  # KeyError's own __str__ would quote the message
        return self.message


class IndexOutOfRange(Error, IndexError):
    code = "index_error"


class InvalidValue(Error, ValueError):
    code = "value_error"


class BadRequest(Error):
    code = "bad_request"


class TooLarge(Error):
    code = "too_large"


class TooDeep(Error):
    code = "too_deep"


class Limit(Error):
    code = "limit"


class Empty(Error, queue.Empty):
    code = "empty"


class Full(Error, queue.Full):
    code = "full"


class NotOwner(Error, RuntimeError):
    code = "not_owner"


class Broken(Error, threading.BrokenBarrierError):
    code = "broken"


class Timeout(Error, TimeoutError):
    code = "timeout"


class AuthFailed(Error, PermissionError):
    code = "auth_failed"


class AuthRequired(Error, PermissionError):
    code = "auth_required"


class Conflict(Error):
    """A batch's if_versions did not hold: an object named there changed since its
    version was read, and nothing ran. Read again and retry. No built-in base: it
    is no fault of the arguments (ValueError) nor of the program (RuntimeError),
    only a lost race, as redis-py's WatchError is only a RedisError."""

    code = "conflict"


class Overflow(Error):
    """A watch or monitor fell further behind than the server's --max-output, so
    the server ended it: changes or calls after the ones read were not sent.
    .revision is the server's revision then (a watch's; None for a monitor)."""

    code = "overflow"

    def __init__(self, message, code=None, revision=None):
        super().__init__(message, code)
        self.revision = revision


class ConnectionLost(Error, ConnectionError):
    """The server could not be reached, or closed the connection."""

    code = "io"


_BY_CODE = {cls.code: cls for cls in (
    NoSuchMethod, BadParams, WrongType, KeyNotFound, IndexOutOfRange, InvalidValue,
    BadRequest, TooLarge, TooDeep, Limit, Empty, Full, NotOwner, Broken, Timeout,
    AuthFailed, AuthRequired, Conflict, ConnectionLost)}


def from_wire(error):
    """The exception for a response's error, [code, message]; any other shape is Error."""
    if isinstance(error, (list, tuple)) and len(error) == 2:
        code, message = error
        cls = _BY_CODE.get(code, Error)
        return cls(str(message), code=str(code))
    return Error("malformed error from the server: %r" % (error,))
