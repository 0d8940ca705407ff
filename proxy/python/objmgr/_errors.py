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


class ConnectionLost(Error, ConnectionError):
    """The server could not be reached, or closed the connection."""

    code = "io"


_BY_CODE = {cls.code: cls for cls in (
    NoSuchMethod, BadParams, WrongType, KeyNotFound, IndexOutOfRange, InvalidValue,
    BadRequest, TooLarge, TooDeep, Limit, Empty, Full, NotOwner, Broken, Timeout,
    AuthFailed, AuthRequired, ConnectionLost)}


def from_wire(error):
    """The exception for a response's error, [code, message]; any other shape is Error."""
    if isinstance(error, (list, tuple)) and len(error) == 2:
        code, message = error
        cls = _BY_CODE.get(code, Error)
        return cls(str(message), code=str(code))
    return Error("malformed error from the server: %r" % (error,))
