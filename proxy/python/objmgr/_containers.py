"""Proxies of the data types: dict, list, Value (a counter), Array (a list of
fixed length) and Namespace (a dict with attribute access)."""
from collections.abc import MutableMapping, MutableSequence

from ._base import BaseProxy
from ._errors import IndexOutOfRange, InvalidValue, KeyNotFound
from ._values import Pairs


def _as_map(obj):
    """A mapping, or an iterable of pairs, as something packed as a msgpack map."""
    if isinstance(obj, (dict, Pairs)):
        return obj
    if isinstance(obj, DictProxy):
        return obj.copy()
    if hasattr(obj, "keys"):
        return {k: obj[k] for k in obj.keys()}
    return Pairs(obj)


def _as_list(iterable):
    if isinstance(iterable, ListProxy):
        return iterable[:]
    return iterable if isinstance(iterable, list) else list(iterable)


class DictProxy(BaseProxy, MutableMapping):
    """A shared dict, with the MutableMapping protocol. Reads of several keys
    (keys(), items(), iteration) take one snapshot of the whole dict."""

    _type = "dict"
    _typeid = "dict"

    def __getitem__(self, key):
        try:
            return self._client.call("dict.get", self._name, key)
        except KeyNotFound as e:
            e.args = (key,)
            raise

    def __setitem__(self, key, value):
        self._client.call("dict.set", self._name, key, value)

    def __delitem__(self, key):
        try:
            self._client.call("dict.del", self._name, key)
        except KeyNotFound as e:
            e.args = (key,)
            raise

    def __contains__(self, key):
        return self._client.call("dict.has", self._name, key)

    def __len__(self):
        return self._client.call("dict.len", self._name)

    def __iter__(self):
        return iter(self.keys())

    def get(self, key, default=None):
        return self._client.call("dict.get", self._name, key, default)

    def keys(self):
        """The keys, in insertion order, as a list."""
        return self._client.call("dict.keys", self._name)

    def values(self):
        """The values, in insertion order, as a list."""
        return self._client.call("dict.values", self._name)

    def items(self):
        """The (key, value) pairs, in insertion order, as a list."""
        m = self._client.call("dict.items", self._name)
        return list(m.items())

    def scan(self, count=1000):
        """The (key, value) pairs, in insertion order, read count (1 to 10,000)
        at a time with dict.scan, so that no reply holds the whole dict. Pairs
        there for the whole walk all come; one set or deleted meanwhile may
        or may not, and deletes meanwhile may bring a pair twice
        (docs/protocol.md, "Walking a big object")."""
        cursor = 0
        while True:
            cursor, page = self._client.call("dict.scan", self._name, cursor, count)
            yield from page.items()
            if cursor == 0:
                return

    def copy(self):
        """The whole dict: a dict, or Pairs when Python cannot hold its keys in one."""
        return self._client.call("dict.items", self._name)

    def pop(self, key, *default):
        if len(default) > 1:
            raise TypeError("pop expected at most 2 arguments, got %d" % (1 + len(default)))
        try:
            return self._client.call("dict.pop", self._name, key, *default)
        except KeyNotFound as e:
            e.args = (key,)
            raise

    def popitem(self):
        return tuple(self._client.call("dict.popitem", self._name))

    def setdefault(self, key, default=None):
        return self._client.call("dict.setdefault", self._name, key, default)

    def update(self, other=(), /, **kwargs):
        """Stores every pair at once (atomically: no reader sees half of them)."""
        if other:
            self._client.call("dict.update", self._name, _as_map(other))
        if kwargs:
            self._client.call("dict.update", self._name, kwargs)

    def clear(self):
        self._client.call("dict.clear", self._name)

    def incr(self, key, delta=1):
        """Adds delta to the number under key (a missing key counts as 0), atomically;
        the new number. An objmgr extension: d[k] += 1 is a read and a write."""
        return self._client.call("dict.incr", self._name, key, delta)

    __hash__ = BaseProxy.__hash__
    __eq__ = BaseProxy.__eq__


def _slice_bounds(s):
    if s.step not in (None, 1):
        return None
    for v in (s.start, s.stop):
        if v is not None and not isinstance(v, int):
            raise TypeError("slice indices must be integers or None")
    return s.start, s.stop


def _read(proxy, i, out_of_range):
    """A server list's item i, or its slice i (one call); IndexError as Python words it."""
    if isinstance(i, slice):
        bounds = _slice_bounds(i)
        if bounds is not None:
            return proxy._client.call("list.slice", proxy._name, *bounds)
        return proxy._client.call("list.items", proxy._name)[i]
    try:
        return proxy._client.call("list.get", proxy._name, i)
    except IndexOutOfRange as e:
        e.args = (out_of_range,)
        raise


def _rewrite(proxy, edit):
    """Reads the whole list, edit(items) changes it here, and writes it back
    in one splice: for extended slices, which the server has no call for."""
    items = proxy._client.call("list.items", proxy._name)
    edit(items)
    proxy._client.call("list.splice", proxy._name, None, None, items)


class ListProxy(BaseProxy, MutableSequence):
    """A shared list, with the MutableSequence protocol. Slices with step 1 are
    read and assigned atomically; iteration reads one snapshot, when it starts."""

    _type = "list"
    _typeid = "list"

    def __getitem__(self, i):
        return _read(self, i, "list index out of range")

    def __setitem__(self, i, value):
        if isinstance(i, slice):
            bounds = _slice_bounds(i)
            if bounds is not None:
                self._client.call("list.splice", self._name, *bounds, _as_list(value))
                return
            value = _as_list(value)
            _rewrite(self, lambda items: items.__setitem__(i, value))
            return
        self._client.call("list.set", self._name, i, value)

    def __delitem__(self, i):
        if isinstance(i, slice):
            bounds = _slice_bounds(i)
            if bounds is not None:
                self._client.call("list.splice", self._name, *bounds, [])
                return
            _rewrite(self, lambda items: items.__delitem__(i))
            return
        self._client.call("list.pop", self._name, i)

    def __len__(self):
        return self._client.call("list.len", self._name)

    def __iter__(self):
        """The items of one snapshot, read at the first next(), not at iter():
        a change made between the two is seen, as with a Python list."""
        yield from self._client.call("list.items", self._name)

    def __reversed__(self):
        return reversed(self._client.call("list.items", self._name))

    def __contains__(self, value):
        try:
            self._client.call("list.index", self._name, value)
        except InvalidValue:
            return False
        return True

    def insert(self, index, value):
        self._client.call("list.insert", self._name, index, value)

    def append(self, value):
        self._client.call("list.append", self._name, value)

    def extend(self, values):
        self._client.call("list.extend", self._name, _as_list(values))

    def pop(self, index=-1):
        if index == -1:
            return self._client.call("list.pop", self._name)
        return self._client.call("list.pop", self._name, index)

    def popleft(self):
        """Removes and answers the first item (an objmgr extension, O(1))."""
        return self._client.call("list.popleft", self._name)

    def remove(self, value):
        self._client.call("list.remove", self._name, value)

    def index(self, value, start=0, stop=None):
        if start == 0 and stop is None:
            return self._client.call("list.index", self._name, value)
        return self._client.call("list.items", self._name).index(value, start, *(() if stop is None else (stop,)))

    def count(self, value):
        return self._client.call("list.count", self._name, value)

    def reverse(self):
        self._client.call("list.reverse", self._name)

    def sort(self, *, key=None, reverse=False):
        """Sorts in place. Without key the server sorts (atomically, in objmgr's
        total order of values); with key the items are read, sorted here with
        Python's order and written back, which is not atomic."""
        if key is None:
            self._client.call("list.sort", self._name, bool(reverse))
            return
        _rewrite(self, lambda items: items.sort(key=key, reverse=reverse))

    def clear(self):
        self._client.call("list.clear", self._name)

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __imul__(self, n):
        self._client.call("list.repeat", self._name, n)
        return self

    def __add__(self, other):
        return self[:] + _as_list(other)

    def __radd__(self, other):
        return _as_list(other) + self[:]

    def __mul__(self, n):
        return self[:] * n

    __rmul__ = __mul__
    __hash__ = BaseProxy.__hash__
    __eq__ = BaseProxy.__eq__


# Typecodes as the array module has them: Python type, and the range an integer must fit.
_INT_RANGES = {
    "b": (-2**7, 2**7 - 1), "B": (0, 2**8 - 1), "h": (-2**15, 2**15 - 1), "H": (0, 2**16 - 1),
    "i": (-2**31, 2**31 - 1), "I": (0, 2**32 - 1), "l": (-2**63, 2**63 - 1), "L": (0, 2**63 - 1),
    "q": (-2**63, 2**63 - 1), "Q": (0, 2**63 - 1),
}
TYPECODES = tuple(_INT_RANGES) + ("f", "d", "c", "u")


def check_typecode(typecode):
    if typecode is not None and typecode not in TYPECODES:
        raise ValueError("bad typecode %r (must be one of %s, or None for any number)"
                         % (typecode, ", ".join(TYPECODES)))


def to_number(typecode, value):
    """value as the number stored for typecode; TypeError or OverflowError as
    the array module raises them. A bool is the int it equals, as array and
    ctypes take it (Value('i', False) is common); untyped, it is refused, so
    that no True ever reads back as 1 unannounced."""
    if typecode in _INT_RANGES:
        if isinstance(value, bool):
            value = int(value)
        elif not isinstance(value, int):
            if not hasattr(value, "__index__"):
                raise TypeError("typecode %r takes an int, not %s" % (typecode, type(value).__name__))
            value = value.__index__()
        lo, hi = _INT_RANGES[typecode]
        if not lo <= value <= hi:
            raise OverflowError("%d does not fit typecode %r (%d to %d)" % (value, typecode, lo, hi))
        return value
    if typecode in ("f", "d"):
        if isinstance(value, (int, float)):
            return float(value)
        raise TypeError("typecode %r takes a float, not %s" % (typecode, type(value).__name__))
    if typecode == "c":
        if isinstance(value, (bytes, bytearray)) and len(value) == 1:
            return value[0]
        raise TypeError("typecode 'c' takes a bytes of length 1, not %r" % (value,))
    if typecode == "u":
        if isinstance(value, str) and len(value) == 1:
            return ord(value)
        raise TypeError("typecode 'u' takes a str of length 1, not %r" % (value,))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise TypeError("a Value holds a number, not %s" % type(value).__name__)


def from_number(typecode, n):
    if typecode == "c":
        return bytes([n & 0xFF])
    if typecode == "u":
        return chr(n)
    if typecode in ("f", "d"):
        return float(n)
    return n


def _item_to_wire(typecode, value):
    """An Array item as stored: numbers as numbers, 'c' items as 1-byte bins, 'u' as str."""
    if typecode == "c":
        to_number("c", value)
        return bytes(value)
    if typecode == "u":
        to_number("u", value)
        return value
    return to_number(typecode, value)


class _TypedProxy(BaseProxy):
    """What Value and Array share: a typecode, and get_lock()."""

    _pickled = ("_typecode",)

    def __init__(self, client, name, typecode=None):
        super().__init__(client, name)
        check_typecode(typecode)
        self._typecode = typecode

    @property
    def typecode(self):
        return self._typecode

    def get_lock(self):
        """An RLock named after the object, shared by every proxy of it."""
        from ._sync import RLockProxy
        return RLockProxy(self._client, self._name + ":lock")


class ValueProxy(_TypedProxy):
    """Value(typecode, value): a number held by a server counter. .value reads
    and writes it; get_lock() is an RLock for read-modify-write sequences, as
    multiprocessing's Value has; add() changes it atomically without one."""

    _type = "counter"

    def get(self):
        return from_number(self._typecode, self._client.call("counter.get", self._name))

    def set(self, value):
        self._client.call("counter.set", self._name, to_number(self._typecode, value))

    value = property(get, set)

    def add(self, delta):
        """Adds delta atomically and answers the new value (an objmgr extension)."""
        return from_number(self._typecode, self._client.call("counter.add", self._name, delta))

    def __repr__(self):
        return "%s(%r, %r)" % (type(self).__name__, self._typecode, self.get())


class ArrayProxy(_TypedProxy):
    """Array(typecode, size_or_initializer): a server list whose length this
    proxy keeps (it refuses appends and slice assignments that would change it),
    items checked against the typecode."""

    _type = "list"

    def __len__(self):
        return self._client.call("list.len", self._name)

    def __getitem__(self, i):
        return _read(self, i, "array index out of range")

    def __setitem__(self, i, value):
        if not isinstance(i, slice):
            try:
                self._client.call("list.set", self._name, i, _item_to_wire(self._typecode, value))
            except IndexOutOfRange as e:
                e.args = ("array assignment index out of range",)
                raise
            return
        values = [_item_to_wire(self._typecode, v) for v in _as_list(value)]
        items = self._client.call("list.items", self._name)
        start, stop, step = i.indices(len(items))
        if len(range(start, stop, step)) != len(values):
            raise ValueError("can only assign a sequence of the same size to an Array slice")
        if step == 1:
            self._client.call("list.splice", self._name, start, stop, values)
            return
        items[i] = values
        self._client.call("list.splice", self._name, None, None, items)

    def __iter__(self):
        """As ListProxy's: one snapshot, read at the first next()."""
        yield from self._client.call("list.items", self._name)

    def tolist(self):
        return self._client.call("list.items", self._name)

    def __repr__(self):
        return "%s(%r, %r)" % (type(self).__name__, self._typecode, self.tolist())


class NamespaceProxy(BaseProxy):
    """Namespace(**kwargs): a shared dict whose str keys are attributes.
    Names starting with '_' are the proxy's own, as in multiprocessing."""

    _type = "dict"

    def __getattribute__(self, attr):
        if attr.startswith("_"):
            return object.__getattribute__(self, attr)
        try:
            return self._client.call("dict.get", self._name, attr)
        except KeyNotFound:
            raise AttributeError("'Namespace' object has no attribute %r" % attr) from None

    @property
    def _objmgr_ref(self):
        return self._name

    def __setattr__(self, attr, value):
        if attr.startswith("_"):
            object.__setattr__(self, attr, value)
        else:
            self._client.call("dict.set", self._name, attr, value)

    def __delattr__(self, attr):
        if attr.startswith("_"):
            object.__delattr__(self, attr)
            return
        try:
            self._client.call("dict.del", self._name, attr)
        except KeyNotFound:
            raise AttributeError(attr) from None

    def __repr__(self):
        items = self._client.call("dict.items", self._name)
        pairs = items.items() if hasattr(items, "items") else items
        return "Namespace(%s)" % ", ".join("%s=%r" % kv for kv in pairs if isinstance(kv[0], str))
