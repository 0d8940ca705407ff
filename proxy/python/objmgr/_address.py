"""Addresses, as objmgrd and libobjmgr read them (docs/protocol.md, Transport)."""
import os
import re
import stat

from ._errors import ConnectionLost


def default_address():
    """The server's default socket: $OBJMGR_SOCKET, $XDG_RUNTIME_DIR/objmgr.sock,
    else /tmp/objmgr-$UID/objmgr.sock. Second item: whether it is the fallback
    chosen for the user (so its directory must be checked), not one named."""
    path = os.environ.get("OBJMGR_SOCKET")
    if path:
        return path, False
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return runtime + "/objmgr.sock", True
    return "/tmp/objmgr-%d/objmgr.sock" % os.getuid(), True


_TCP = re.compile(r"^tcp:(?:\[([^\]]+)\]|([^:\[\]]+)):(\d+)$")


def parse(address):
    """("unix", path, check_dir) or ("tcp", host, port) for an address (None: the default)."""
    if address is None:
        path, check_dir = default_address()
        return ("unix", path, check_dir)
    if not isinstance(address, str):
        raise TypeError("an objmgr address is a str, not %s" % type(address).__name__)
    if address.startswith("tcp:"):
        m = _TCP.match(address)
        if not m or not 0 < int(m.group(3)) < 65536:
            raise ConnectionLost("cannot connect to %s: not tcp:HOST:PORT (tcp:[IPv6]:PORT "
                                 "for an IPv6 address)" % address)
        return ("tcp", m.group(1) or m.group(2), int(m.group(3)))
    path = address[5:] if address.startswith("unix:") else address
    return ("unix", path, False)


def check_dir(path):
    """None when the default socket's directory is the user's and closed to writers
    other than the user, else why not: another user's server could sit there."""
    d = os.path.dirname(path) or "."
    try:
        st = os.lstat(d)
    except OSError as e:
        return "%s: %s" % (d, e.strerror)
    if not stat.S_ISDIR(st.st_mode):
        return "%s is not a directory%s" % (d, " but a symbolic link" if stat.S_ISLNK(st.st_mode) else "")
    if st.st_uid != os.geteuid():
        return "%s belongs to uid %d, not to uid %d" % (d, st.st_uid, os.geteuid())
    if st.st_mode & 0o022:
        return "%s is writable by %s (mode %04o)" % (
            d, "others" if st.st_mode & 0o002 else "its group", st.st_mode & 0o7777)
    return None
