"""Ref: what a reference (msgpack ext 1) read from the server becomes."""


def _forward(method):
    def f(self, *args):
        return getattr(self.open(), method)(*args)
    f.__name__ = method
    return f


class Ref:
    """A reference to the shared object `name`, as stored in another object.

    ref.open() is the proxy of the object it names (its type asked once);
    a Ref also acts as that proxy, so ref["k"], ref.append(x), len(ref) and
    `with ref:` reach the referenced object. Storing a Ref or a proxy in an
    object stores a reference. Refs are equal when they name the same object.
    """

    __slots__ = ("name", "_client", "_proxy")

    def __init__(self, name, client=None):
        if not isinstance(name, str) or not name:
            raise ValueError("a reference names an object: a non-empty str")
        self.name = name
        self._client = client
        self._proxy = None

    @property
    def _objmgr_ref(self):
        return self.name

    def open(self, client=None):
        """The proxy of the referenced object; KeyNotFound when none exists by that name."""
        if self._proxy is None or client is not None:
            c = client or self._client
            if c is None:
                from ._client import Client
                c = Client.shared(None, None)
            proxy = c.open(self.name)
            if client is not None:
                return proxy
            self._proxy = proxy
        return self._proxy

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(self.open(), attr)

    def __eq__(self, other):
        name = getattr(other, "_objmgr_ref", None)
        return name is not None and name == self.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "Ref(%r)" % self.name

    def __reduce__(self):
        return (_rebuild, (self.name, self._client.address if self._client else None))

    for _m in ("__getitem__", "__setitem__", "__delitem__", "__contains__", "__len__",
               "__iter__", "__reversed__", "__enter__", "__exit__"):
        locals()[_m] = _forward(_m)
    del _m


def _rebuild(name, address):
    from ._client import Client
    return Ref(name, Client.shared(address, None))
