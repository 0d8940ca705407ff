"""What every proxy shares: its client and name, pickling, references."""
import multiprocessing.context

from ._values import ref_name


def _spawning():
    """Whether a proxy is being pickled to start a child process (then the
    authkey may travel with it, as multiprocessing's own proxies do)."""
    return multiprocessing.context.get_spawning_popen() is not None


class BaseProxy:
    """A handle on the shared object `name` of the server `client` talks to.

    Proxies hold no state of the object: every method is a call. They pickle
    as (address, name, type): unpickled in another process (a
    multiprocessing child, fork, spawn or forkserver) they connect there.
    Two proxies are equal when they name the same object on the same server.
    """

    _type = None
    _pickled = ()  # attributes a proxy carries through pickling besides its name
    _typeid = None  # multiprocessing's name of the type, when not the class's less "Proxy"

    def __init__(self, client, name):
        self._client = client
        self._name = name

    @property
    def name(self):
        """The object's name on the server."""
        return self._name

    @property
    def _objmgr_ref(self):
        return self._name

    def __reduce__(self):
        key = self._client._key if _spawning() else None
        extra = tuple(getattr(self, attr) for attr in self._pickled)
        return (_rebuild, (type(self), self._client.address, key, self._name, extra))

    def __eq__(self, other):
        if isinstance(other, BaseProxy):
            return (self._type == other._type and self._name == other._name
                    and self._client.address == other._client.address)
        name = ref_name(other)
        return name is not None and name == self._name

    def __hash__(self):
        return hash(self._name)

    def __repr__(self):
        """multiprocessing's proxy repr, which programs and tests match, then
        the object's name and server."""
        typeid = self._typeid or type(self).__name__[:-len("Proxy")]
        return "<%s object, typeid %r at %#x; %r of objmgr at %s>" % (
            type(self).__name__, typeid, id(self), self._name, self._client.where)


def _rebuild(cls, address, key, name, extra):
    from ._client import Client
    proxy = cls.__new__(cls)
    BaseProxy.__init__(proxy, Client.shared(address, key), name)
    for attr, value in zip(cls._pickled, extra):
        setattr(proxy, attr, value)
    return proxy
