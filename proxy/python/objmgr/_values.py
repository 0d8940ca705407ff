"""How Python values cross the wire: msgpack with references (ext 1) and
maps Python cannot hold as a dict.

Every msgpack type has a Python type: nil None, bool, int, float, str, bin
bytes, array list, map dict, ext 1 Ref, other exts msgpack.ExtType. Tuples
are sent as arrays, so they come back as lists. A map whose keys Python
cannot put in one dict (a map as a key, or two keys Python calls equal such
as 1 and 1.0) comes back as Pairs, which is sent back as the same map.
Array keys come back as tuples, so that a map with them is still a dict.
"""
from collections.abc import Sequence

import msgpack

REF_EXT = 1


class Pairs(Sequence):
    """A map as its list of (key, value) pairs, in the order the server keeps.

    Sent, it is packed as a map again, duplicate keys included. Indexing gives
    the pairs; get(key) the value of the first pair with that key.
    """

    __slots__ = ("pairs",)

    def __init__(self, pairs=()):
        self.pairs = [tuple(p) for p in pairs]

    def __getitem__(self, i):
        return self.pairs[i]

    def __len__(self):
        return len(self.pairs)

    def __eq__(self, other):
        if isinstance(other, Pairs):
            return self.pairs == other.pairs
        return NotImplemented

    def __repr__(self):
        return "Pairs(%r)" % (self.pairs,)

    def keys(self):
        return [k for k, _ in self.pairs]

    def values(self):
        return [v for _, v in self.pairs]

    def items(self):
        return list(self.pairs)

    def get(self, key, default=None):
        for k, v in self.pairs:
            if type(k) is type(key) and k == key:
                return v
        return default


def ref_name(obj):
    """The object name obj refers to (a Ref or a proxy), or None."""
    return getattr(obj, "_objmgr_ref", None)


class _HasPairs(Exception):
    """Raised by the fast packer when a value holds Pairs: packed the slow way."""


def _default(obj):
    name = ref_name(obj)
    if name is not None:
        return msgpack.ExtType(REF_EXT, name.encode("utf-8", "surrogateescape"))
    if isinstance(obj, Pairs):
        raise _HasPairs()
    if isinstance(obj, (bytearray, memoryview)):
        return bytes(obj)
    if isinstance(obj, int):
        raise OverflowError("objmgr cannot send the int %d: msgpack integers are -2**63 to 2**64-1" % obj)
    raise TypeError("objmgr cannot send a %s (%r): values are None, bool, int, float, str, "
                    "bytes, lists, tuples, dicts, objmgr.Pairs, objmgr.Ref and proxies"
                    % (type(obj).__name__, obj))


class Packer:
    """Packs messages; one per connection (msgpack's Packer is not thread-safe)."""

    def __init__(self):
        self._packer = msgpack.Packer(default=_default, use_bin_type=True,
                                      unicode_errors="surrogateescape")

    def pack(self, obj):
        try:
            return self._packer.pack(obj)
        except _HasPairs:
            self._packer.reset()
        except BaseException:
            self._packer.reset()  # a failed pack leaves its bytes in the packer
            raise
        out = []
        try:
            self._pack_slow(obj, out)
        except BaseException:
            self._packer.reset()
            raise
        return b"".join(out)

    def _pack_slow(self, obj, out):
        p = self._packer
        if isinstance(obj, Pairs):
            out.append(p.pack_map_header(len(obj.pairs)))
            for k, v in obj.pairs:
                self._pack_slow(k, out)
                self._pack_slow(v, out)
        elif isinstance(obj, dict):
            out.append(p.pack_map_header(len(obj)))
            for k, v in obj.items():
                self._pack_slow(k, out)
                self._pack_slow(v, out)
        elif isinstance(obj, (list, tuple)):
            out.append(p.pack_array_header(len(obj)))
            for v in obj:
                self._pack_slow(v, out)
        else:
            out.append(p.pack(obj))


def _hashable_key(k):
    return tuple(_hashable_key(x) for x in k) if isinstance(k, list) else k


def _map_hook(pairs):
    try:
        d = {_hashable_key(k): v for k, v in pairs}
    except TypeError:
        return Pairs(pairs)
    return d if len(d) == len(pairs) else Pairs(pairs)


def unpacker(make_ref):
    """A streaming Unpacker for replies; make_ref(name) builds what an ext 1 becomes."""
    def ext_hook(code, data):
        if code == REF_EXT:
            return make_ref(data.decode("utf-8", "surrogateescape"))
        return msgpack.ExtType(code, data)
    return msgpack.Unpacker(raw=False, strict_map_key=False, unicode_errors="surrogateescape",
                            object_pairs_hook=_map_hook, ext_hook=ext_hook,
                            max_buffer_size=2**31 - 1)
