#!/usr/bin/python3
"""The objmgr Python package against a real objmgrd ($OBJMGR_SOCKET, set by
tests/with-server): values, errors, every proxy's Python API, pipelines,
threads, fork and pickling."""
import os
import pickle
import queue
import signal
import threading
import time
import unittest
import multiprocessing

import msgpack
import objmgr
from objmgr import _address

SOCKET = os.environ["OBJMGR_SOCKET"]


def fresh(prefix):
    fresh.n += 1
    return "%s-%d-%d" % (prefix, os.getpid(), fresh.n)


fresh.n = 0


class Base(unittest.TestCase):
    def setUp(self):
        self.c = objmgr.connect(SOCKET)
        self.mgr = objmgr.Manager(SOCKET)

    def tearDown(self):
        self.mgr.shutdown()
        self.c.close()


class TestValues(Base):
    def roundtrip(self, value):
        d = self.c.dict(fresh("v"))
        d["k"] = value
        return d["k"]

    def test_every_msgpack_type_comes_back_as_its_python_type(self):
        for v in [None, True, False, 0, -1, 2**63 - 1, -2**63, 2**64 - 1, 1.5, -0.0, "",
                  "h\u00e9llo \u2603", b"", b"\x00\xff", [], [1, [2, [3]]], {"a": 1, "b": [None]}]:
            got = self.roundtrip(v)
            self.assertEqual(got, v)
            self.assertIs(type(got), type(v))

    def test_a_tuple_comes_back_as_a_list(self):
        self.assertEqual(self.roundtrip((1, (2, 3))), [1, [2, 3]])

    def test_array_keys_come_back_as_tuples(self):
        d = self.c.dict(fresh("d"))
        d[(1, 2)] = "pair"
        self.assertEqual(d.copy(), {(1, 2): "pair"})
        self.assertEqual(d[(1, 2)], "pair")
        self.assertEqual(d[[1, 2]], "pair")

    def test_keys_python_merges_come_back_as_pairs(self):
        d = self.c.dict(fresh("d"))
        d[1] = "int"
        d[1.0] = "float"
        d[True] = "bool"
        self.assertEqual(len(d), 3)
        whole = d.copy()
        self.assertIsInstance(whole, objmgr.Pairs)
        self.assertEqual(whole.items(), [(1, "int"), (1.0, "float"), (True, "bool")])
        self.assertEqual(whole.get(1.0), "float")
        self.assertEqual(d.items(), [(1, "int"), (1.0, "float"), (True, "bool")])

    def test_a_map_as_a_key_comes_back_as_pairs_and_goes_back_unchanged(self):
        d = self.c.dict(fresh("d"))
        key = objmgr.Pairs([("a", 1), ("a", 2)])
        d[key] = "dup"
        self.assertEqual(d[key], "dup")
        whole = d.copy()
        self.assertIsInstance(whole, objmgr.Pairs)
        (k, v), = whole.items()
        self.assertEqual((k, v), (key, "dup"))
        other = self.c.dict(fresh("d"))
        other.update(whole)
        self.assertEqual(other[key], "dup")

    def test_strings_that_are_not_utf8_survive(self):
        s = b"\xff\xfe".decode("utf-8", "surrogateescape")
        self.assertEqual(self.roundtrip(s), s)

    def test_other_exts_come_back_as_exttype(self):
        v = msgpack.ExtType(7, b"raw")
        self.assertEqual(self.roundtrip(v), v)

    def test_a_stored_proxy_comes_back_as_a_ref_that_acts_as_the_proxy(self):
        inner = self.mgr.list([1, 2])
        outer = self.mgr.dict()
        outer["l"] = inner
        ref = outer["l"]
        self.assertIsInstance(ref, objmgr.Ref)
        self.assertEqual(ref, inner)
        self.assertEqual(ref.name, inner.name)
        ref.append(3)
        self.assertEqual(inner[:], [1, 2, 3])
        self.assertEqual(len(ref), 3)
        self.assertEqual(list(ref), [1, 2, 3])
        self.assertIsInstance(ref.open(), objmgr.ListProxy)
        self.assertEqual(self.c.call("dict.get", outer.name, "l"), objmgr.Ref(inner.name))

    def test_a_dangling_ref_fails_to_open(self):
        d = self.c.dict(fresh("d"))
        d["r"] = objmgr.Ref(fresh("nothing"))
        with self.assertRaises(objmgr.KeyNotFound):
            d["r"].open()

    def test_values_python_cannot_send_are_refused_before_sending(self):
        d = self.c.dict(fresh("d"))
        with self.assertRaisesRegex(TypeError, "cannot send a set"):
            d["k"] = {1, 2}
        with self.assertRaises(OverflowError):
            d["k"] = 2**64
        self.assertEqual(len(d), 0)
        d["k"] = 1  # the connection is still usable
        self.assertEqual(d["k"], 1)


class TestErrors(Base):
    def test_each_code_is_its_class_and_the_builtin_python_catches(self):
        d = self.c.dict(fresh("d"))
        l = self.c.list(fresh("l"))
        with self.assertRaises(KeyError) as e:
            d["missing"]
        self.assertIsInstance(e.exception, objmgr.KeyNotFound)
        self.assertEqual(e.exception.code, "key_error")
        self.assertEqual(e.exception.args, ("missing",))
        with self.assertRaises(IndexError) as e:
            l[5]
        self.assertEqual(e.exception.code, "index_error")
        with self.assertRaises(ValueError) as e:
            l.remove("x")
        self.assertIsInstance(e.exception, objmgr.InvalidValue)
        d["k"] = 1
        with self.assertRaises(TypeError) as e:
            self.c.list(d.name).append(1)
        self.assertIsInstance(e.exception, objmgr.WrongType)
        self.assertIn("is a dict, not a list", str(e.exception))
        with self.assertRaises(RuntimeError) as e:
            self.mgr.Lock().release()
        self.assertIsInstance(e.exception, objmgr.NotOwner)
        q = self.mgr.Queue(1)
        with self.assertRaises(queue.Empty):
            q.get(timeout=0.01)
        q.put(1)
        with self.assertRaises(queue.Full):
            q.put(2, block=False)
        b = self.mgr.Barrier(2)
        with self.assertRaises(threading.BrokenBarrierError) as e:
            b.wait(0.01)
        self.assertIsInstance(e.exception, objmgr.Broken)
        with self.assertRaises(objmgr.NoSuchMethod):
            self.c.call("dict.nope", "d")
        with self.assertRaises(objmgr.BadParams) as e:
            self.c.call("dict.get", "")
        self.assertIn("parameter 'name'", str(e.exception))
        self.assertTrue(issubclass(objmgr.Error, Exception))

    def test_an_unknown_code_is_a_plain_error(self):
        from objmgr._errors import from_wire
        e = from_wire(["brand_new", "something"])
        self.assertIs(type(e), objmgr.Error)
        self.assertEqual((e.code, e.message), ("brand_new", "something"))

    def test_a_server_that_asks_for_no_key_is_refused_by_a_client_with_one(self):
        with self.assertRaisesRegex(objmgr.AuthFailed, "it asks for no authkey"):
            objmgr.connect(SOCKET, b"k" * 16)

    def test_no_server_is_connection_lost_with_a_hint(self):
        with self.assertRaisesRegex(objmgr.ConnectionLost, r"is objmgrd running\?") as e:
            objmgr.connect(SOCKET + ".none")
        self.assertIsInstance(e.exception, ConnectionError)


class TestInfo(Base):
    def test_info_whole_or_one_section(self):
        self.assertIn("methods", self.c.info())
        self.assertEqual(list(self.c.info("clients")), ["connections", "waiting", "parked_runs"])
        self.assertEqual(self.c.info("persistence"), {"mode": "memory"})
        with self.assertRaises(objmgr.BadParams) as e:
            self.c.info("nope")
        self.assertIn('no section "nope" (the sections: server, clients, memory, persistence, '
                      'config, polling, methods)', str(e.exception))
        self.assertEqual(self.c.info("polling")["mode"], "auto")


class TestAddress(unittest.TestCase):
    def test_addresses_parse_as_libobjmgr_reads_them(self):
        self.assertEqual(_address.parse("unix:/x/s"), ("unix", "/x/s", False))
        self.assertEqual(_address.parse("/x/s"), ("unix", "/x/s", False))
        self.assertEqual(_address.parse("tcp:db1:6000"), ("tcp", "db1", 6000))
        self.assertEqual(_address.parse("tcp:[::1]:6000"), ("tcp", "::1", 6000))
        for bad in ["tcp:db1", "tcp:db1:0", "tcp:::1:6000", "tcp:h:99999"]:
            with self.assertRaises(objmgr.ConnectionLost):
                _address.parse(bad)

    def test_the_default_is_objmgr_socket_then_xdg_then_tmp(self):
        env = dict(os.environ)
        try:
            os.environ["OBJMGR_SOCKET"] = "/a/b.sock"
            self.assertEqual(_address.parse(None), ("unix", "/a/b.sock", False))
            del os.environ["OBJMGR_SOCKET"]
            os.environ["XDG_RUNTIME_DIR"] = "/run/user/7"
            self.assertEqual(_address.parse(None), ("unix", "/run/user/7/objmgr.sock", True))
            del os.environ["XDG_RUNTIME_DIR"]
            self.assertEqual(_address.parse(None),
                             ("unix", "/tmp/objmgr-%d/objmgr.sock" % os.getuid(), True))
        finally:
            os.environ.clear()
            os.environ.update(env)

    def test_a_tcp_address_needs_a_key(self):
        with self.assertRaisesRegex(objmgr.AuthFailed, "needs an authkey"):
            objmgr.connect("tcp:127.0.0.1:1")


class TestDict(Base):
    def test_mutable_mapping_protocol(self):
        d = self.mgr.dict({"a": 1}, b=2)
        self.assertEqual(d.copy(), {"a": 1, "b": 2})
        d["c"] = 3
        del d["a"]
        self.assertEqual(list(d), ["b", "c"])
        self.assertEqual(d.keys(), ["b", "c"])
        self.assertEqual(d.values(), [2, 3])
        self.assertEqual(d.items(), [("b", 2), ("c", 3)])
        self.assertEqual(d.get("zz"), None)
        self.assertEqual(d.get("zz", 9), 9)
        self.assertEqual(d.setdefault("b", 7), 2)
        self.assertEqual(d.setdefault("n", 7), 7)
        self.assertEqual(d.pop("n"), 7)
        self.assertEqual(d.pop("n", "gone"), "gone")
        self.assertEqual(d.popitem(), ("c", 3))
        d.update([("x", 1), ("y", 2)])
        d.update({"z": 3}, w=4)
        self.assertEqual(dict(d.items()), {"b": 2, "x": 1, "y": 2, "z": 3, "w": 4})
        self.assertEqual(d.incr("x", 5), 6)
        self.assertTrue("x" in d and "q" not in d)
        self.assertEqual(d, d)
        self.assertEqual(d, self.c.dict(d.name))
        d.clear()
        self.assertEqual(len(d), 0)

    def test_scan_reads_a_big_dict_in_pages(self):
        d = self.c.dict(fresh("big"))
        d.update({"k%05d" % i: i for i in range(25000)})
        pairs = list(d.scan(count=1000))
        self.assertEqual(pairs, [("k%05d" % i, i) for i in range(25000)])
        self.assertEqual(list(self.c.dict(fresh("none")).scan()), [])
        with self.assertRaises(objmgr.InvalidValue):
            list(d.scan(count=10001))

    def test_scan_objects_finds_each_matching_object_once(self):
        prefix = fresh("many")
        self.c.batch([("counter.add", ["%s-%d" % (prefix, i), 1]) for i in range(3000)])
        got = list(self.c.scan_objects(prefix + "-*", count=500))
        self.assertEqual(sorted(got), sorted(("%s-%d" % (prefix, i), "counter") for i in range(3000)))

    def test_named_access_meets_the_same_object(self):
        name = fresh("users")
        self.c.dict(name)["alice"] = 3
        other = objmgr.connect(SOCKET)
        self.assertEqual(other.dict(name)["alice"], 3)
        other.close()

    def test_contents_with_a_name_are_refused(self):
        with self.assertRaisesRegex(TypeError, "initial contents go to a new"):
            self.mgr.dict("x", {"a": 1})
        with self.assertRaisesRegex(TypeError, "needs a name here"):
            self.c.dict()


class TestList(Base):
    def test_mutable_sequence_protocol(self):
        l = self.mgr.list(range(5))
        self.assertEqual(l[:], [0, 1, 2, 3, 4])
        self.assertEqual(l[-1], 4)
        self.assertEqual(l[1:3], [1, 2])
        self.assertEqual(l[::2], [0, 2, 4])
        self.assertEqual(l[::-1], [4, 3, 2, 1, 0])
        l.append(5)
        l.extend([6, 7])
        l.insert(0, -1)
        self.assertEqual(len(l), 9)
        self.assertEqual(l.pop(), 7)
        self.assertEqual(l.pop(0), -1)
        self.assertEqual(l.popleft(), 0)
        self.assertEqual(l.index(3), 2)
        self.assertEqual(l.index(3, 1, 4), 2)
        self.assertEqual(l.count(3), 1)
        self.assertTrue(3 in l and 99 not in l)
        l.remove(3)
        self.assertEqual(list(l), [1, 2, 4, 5, 6])
        self.assertEqual(list(reversed(l)), [6, 5, 4, 2, 1])
        l.reverse()
        self.assertEqual(l[:], [6, 5, 4, 2, 1])
        l.sort()
        self.assertEqual(l[:], [1, 2, 4, 5, 6])
        l.sort(reverse=True)
        self.assertEqual(l[:], [6, 5, 4, 2, 1])
        l.sort(key=lambda x: x % 3)
        self.assertEqual(l[:], [6, 4, 1, 5, 2])
        self.assertEqual(l + [0], [6, 4, 1, 5, 2, 0])
        self.assertEqual([0] + l, [0, 6, 4, 1, 5, 2])
        self.assertEqual(l * 2, [6, 4, 1, 5, 2] * 2)
        l[0] = "x"
        self.assertEqual(l[0], "x")
        l.clear()
        self.assertEqual(l[:], [])

    def test_slices_are_assigned_and_deleted_as_python_does(self):
        for index, value in [(slice(1, 3), ["a"]), (slice(None, 2), []), (slice(-2, None), [7, 8, 9]),
                             (slice(4, 1), ["z"]), (slice(None, None), []), (slice(None, None, 2), "abc"),
                             (slice(5, 0, -2), [0, 0, 0])]:
            want = list(range(6))
            want[index] = value
            l = self.mgr.list(range(6))
            l[index] = value
            self.assertEqual(l[:], want, index)
        for index in [slice(1, 3), slice(-2, None), slice(None, None, 2), 0, -1]:
            want = list(range(6))
            del want[index]
            l = self.mgr.list(range(6))
            del l[index]
            self.assertEqual(l[:], want, index)

    def test_in_place_add_and_multiply(self):
        l = self.mgr.list([1, 2])
        alias = l
        l += [3]
        l *= 2
        self.assertIs(l, alias)
        self.assertEqual(l[:], [1, 2, 3, 1, 2, 3])
        l *= 0
        self.assertEqual(len(l), 0)


class TestValueArrayNamespace(Base):
    def test_value_holds_a_number_checked_against_its_typecode(self):
        v = self.mgr.Value("i", 5)
        self.assertEqual(v.value, 5)
        v.value += 1
        self.assertEqual(v.get(), 6)
        self.assertEqual(v.add(4), 10)
        with self.assertRaises(OverflowError):
            v.value = 2**31
        with self.assertRaises(TypeError):
            v.value = "7"
        self.assertEqual(v.value, 10)
        self.assertEqual(self.mgr.Value("d", 1).value, 1.0)
        self.assertIs(type(self.mgr.Value("d", 1).value), float)
        c = self.mgr.Value("c", b"x")
        self.assertEqual(c.value, b"x")
        c.value = b"y"
        self.assertEqual(c.value, b"y")
        self.assertEqual(self.mgr.Value("u", "\u2603").value, "\u2603")
        with self.assertRaises(OverflowError):
            self.mgr.Value("b", 200)
        with self.assertRaises(ValueError):
            self.mgr.Value("z", 1)

    def test_value_get_lock_guards_read_modify_write(self):
        v = self.mgr.Value("i", 0)
        with v.get_lock():
            v.value += 1
        self.assertEqual(v.value, 1)
        self.assertIsInstance(v.get_lock(), objmgr.RLockProxy)

    def test_array_keeps_its_length_and_typecode(self):
        a = self.mgr.Array("i", [1, 2, 3])
        self.assertEqual((len(a), a[:], a[-1]), (3, [1, 2, 3], 3))
        a[0] = 9
        a[1:3] = [7, 8]
        self.assertEqual(a[:], [9, 7, 8])
        with self.assertRaises(ValueError):
            a[0:2] = [1]
        with self.assertRaises(OverflowError):
            a[0] = 2**40
        with self.assertRaises(IndexError):
            a[3] = 1
        self.assertEqual(a[:], [9, 7, 8])
        self.assertEqual(self.mgr.Array("d", 2)[:], [0.0, 0.0])
        self.assertEqual(self.mgr.Array("c", b"ab")[:], [b"a", b"b"])
        self.assertEqual(pickle.loads(pickle.dumps(a)).typecode, "i")

    def test_namespace_attributes(self):
        ns = self.mgr.Namespace(x=1)
        ns.y = [2]
        ns.name = "attribute, not the object's name"
        self.assertEqual((ns.x, ns.y, ns.name), (1, [2], "attribute, not the object's name"))
        del ns.x
        with self.assertRaises(AttributeError):
            ns.x
        self.assertIn("y=[2]", repr(ns))


class TestQueue(Base):
    def test_queue_api(self):
        q = self.mgr.Queue(2)
        self.assertTrue(q.empty())
        q.put(1)
        q.put_nowait(2)
        self.assertTrue(q.full())
        self.assertEqual(q.qsize(), 2)
        self.assertEqual(q.maxsize, 2)
        self.assertEqual(q.items(), [1, 2])
        start = time.monotonic()
        with self.assertRaises(objmgr.Full):
            q.put(3, timeout=0.2)
        self.assertGreaterEqual(time.monotonic() - start, 0.2)
        self.assertEqual(q.get(), 1)
        self.assertEqual(q.get_nowait(), 2)
        with self.assertRaises(objmgr.Empty):
            q.get(False)
        self.assertEqual(self.c.Queue(q.name).maxsize, 2)

    def test_joinable_queue_task_done_and_join(self):
        q = self.mgr.JoinableQueue()
        q.put("job")
        self.assertFalse(q.join(timeout=0.05))
        self.assertEqual(q.get(), "job")
        q.task_done()
        self.assertTrue(q.join())
        with self.assertRaises(ValueError):
            q.task_done()

    def test_a_get_blocked_in_one_thread_does_not_hold_up_another(self):
        q = self.mgr.Queue()
        got = []
        t = threading.Thread(target=lambda: got.append(q.get(timeout=10)))
        t.start()
        time.sleep(0.1)
        q.put("hello")  # this thread's own connection
        t.join(10)
        self.assertEqual(got, ["hello"])

    def test_an_interrupted_get_takes_nothing(self):
        q = self.mgr.Queue()

        def interrupt(*_):
            raise KeyboardInterrupt

        old = signal.signal(signal.SIGALRM, interrupt)
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            with self.assertRaises(KeyboardInterrupt):
                q.get()
        finally:
            signal.signal(signal.SIGALRM, old)
        time.sleep(0.1)  # the server sees the closed connection and drops the get
        other = objmgr.connect(SOCKET)
        other.call("queue.put", q.name, "kept")
        self.assertEqual(q.get(timeout=5), "kept")  # reconnected; the value was not lost
        other.close()


class TestSync(Base):
    def test_locks(self):
        lock = self.mgr.Lock()
        self.assertTrue(lock.acquire())
        self.assertFalse(lock.acquire(False))
        self.assertFalse(lock.acquire(timeout=0.05))
        self.assertTrue(lock.locked())
        lock.release()
        with lock:
            self.assertTrue(lock.locked())
        self.assertFalse(lock.locked())
        with self.assertRaises(ValueError):
            lock.acquire(False, 1)
        r = self.mgr.RLock()
        with r:
            with r:
                self.assertTrue(r.locked())
        self.assertFalse(r.locked())

    def test_a_lock_is_the_acquiring_threads(self):
        lock = self.mgr.Lock()
        lock.acquire()
        errors = []

        def release():
            try:
                lock.release()
            except objmgr.NotOwner as e:
                errors.append(e)
        t = threading.Thread(target=release)
        t.start()
        t.join()
        self.assertEqual(len(errors), 1)
        lock.release()

    def test_owned_false_gives_pythons_rule(self):
        mgr = objmgr.Manager(SOCKET, owned=False)
        lock = mgr.Lock()
        lock.acquire()
        t = threading.Thread(target=lock.release)
        t.start()
        t.join()
        self.assertFalse(lock.locked())
        mgr.shutdown()

    def test_semaphores(self):
        s = self.mgr.Semaphore(2)
        self.assertTrue(s.acquire())
        self.assertTrue(s.acquire())
        self.assertFalse(s.acquire(timeout=0.05))
        self.assertEqual(s.get_value(), 0)
        s.release(2)
        self.assertEqual(s.get_value(), 2)
        b = self.mgr.BoundedSemaphore(1)
        with self.assertRaises(ValueError):
            b.release()
        with b:
            self.assertEqual(b.get_value(), 0)

    def test_condition_wakes_a_waiter(self):
        cond = self.mgr.Condition()
        ready = self.mgr.Value("i", 0)
        woken = []

        def waiter():
            with cond:
                woken.append(cond.wait_for(lambda: ready.value == 1, timeout=10))
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.1)
        with cond:
            ready.value = 1
            cond.notify()
        t.join(10)
        self.assertEqual(woken, [True])
        with cond:
            self.assertFalse(cond.wait(0.01))
            self.assertFalse(cond.wait_for(lambda: False, timeout=0.05))
        lock = self.mgr.Lock()
        over = self.mgr.Condition(lock)
        with over:
            self.assertTrue(lock.locked())
        with self.assertRaises(TypeError):
            self.mgr.Condition(self.mgr.RLock())

    def test_event(self):
        e = self.mgr.Event()
        self.assertFalse(e.is_set())
        self.assertFalse(e.wait(0.05))
        threading.Timer(0.1, e.set).start()
        self.assertTrue(e.wait(10))
        e.clear()
        self.assertFalse(e.is_set())

    def test_barrier(self):
        b = self.mgr.Barrier(3, timeout=10)
        self.assertEqual((b.parties, b.n_waiting, b.broken), (3, 0, False))
        got = []
        threads = [threading.Thread(target=lambda: got.append(b.wait())) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        self.assertEqual(sorted(got), [0, 1, 2])
        b.abort()
        self.assertTrue(b.broken)
        b.reset()
        self.assertFalse(b.broken)
        with self.assertRaisesRegex(ValueError, "cannot run an action"):
            self.mgr.Barrier(2, action=print)


class TestPipe(Base):
    def test_duplex_pipe(self):
        a, b = self.mgr.Pipe()
        self.assertFalse(b.poll())
        a.send({"k": [1, 2]})
        self.assertTrue(b.poll())
        self.assertEqual(b.recv(), {"k": [1, 2]})
        b.send_bytes(b"xhellox", 1, 5)
        self.assertTrue(a.poll(5))
        self.assertEqual(a.recv_bytes(), b"hello")
        self.assertFalse(a.poll(0.05))
        b.close()
        self.assertTrue(b.closed)
        with self.assertRaises(OSError):
            b.send(1)
        with self.assertRaises(EOFError):
            a.recv()

    def test_one_way_pipe(self):
        r, w = self.mgr.Pipe(duplex=False)
        self.assertEqual((r.readable, r.writable, w.readable, w.writable), (True, False, False, True))
        w.send(1)
        self.assertEqual(r.recv(), 1)
        with self.assertRaises(OSError):
            r.send(1)
        w.close()
        self.assertTrue(r.poll(1))
        with self.assertRaises(EOFError):
            r.recv()


class TestPipeline(Base):
    def test_results_come_in_call_order_even_when_a_call_waits(self):
        q = fresh("q")
        with self.c.pipeline() as p:
            got = p.call("queue.get", q, 10)
            p.call("queue.put", q, "v")
            n = p.call("queue.len", q)
        self.assertEqual(p.results, ["v", None, 0])
        self.assertEqual((got.result(), n.result()), ("v", 0))

    def test_many_calls_in_one_round_trip(self):
        name = fresh("n")
        p = self.c.pipeline()
        for _ in range(10000):
            p.call("counter.add", name, 1)
        self.assertEqual(p.execute()[-1], 10000)
        self.assertEqual(self.c.call("counter.get", name), 10000)

    def test_errors_are_raised_after_every_reply_is_read(self):
        d = fresh("d")
        p = self.c.pipeline()
        p.call("dict.set", d, "a", 1)
        bad = p.call("dict.get", d, "missing")
        p.call("dict.get", d, "a")
        with self.assertRaises(objmgr.KeyNotFound):
            p.execute()
        self.assertEqual(p.results[2], 1)
        with self.assertRaises(KeyError):
            bad.result()
        p.call("dict.get", d, "missing")
        self.assertIsInstance(p.execute(raise_on_error=False)[0], objmgr.KeyNotFound)
        self.assertEqual(self.c.call("dict.get", d, "a"), 1)


def _child_appends(proxy, value):
    proxy.append(value)


class TestProcesses(Base):
    def test_proxies_reach_children_of_every_start_method(self):
        l = self.mgr.list()
        for method in ("fork", "spawn", "forkserver"):
            ctx = multiprocessing.get_context(method)
            p = ctx.Process(target=_child_appends, args=(l, method))
            p.start()
            p.join(30)
            self.assertEqual(p.exitcode, 0, method)
        self.assertEqual(sorted(l), ["fork", "forkserver", "spawn"])

    def test_a_forked_child_gets_its_own_connection(self):
        l = self.mgr.list()
        l.append("parent")  # the parent's connection exists before the fork
        pid = os.fork()
        if pid == 0:
            try:
                l.append("child")
                self.mgr.list(l.name).append("child2")
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        l.append("parent again")
        self.assertEqual(l[:], ["parent", "child", "child2", "parent again"])

    def test_pickled_proxies_keep_their_kind(self):
        for proxy in [self.mgr.dict(), self.mgr.Queue(3), self.mgr.Value("d", 1.5), self.mgr.Lock(),
                      self.mgr.Barrier(2, timeout=4), objmgr.Ref(fresh("r"), self.c)]:
            copy = pickle.loads(pickle.dumps(proxy))
            self.assertIs(type(copy), type(proxy))
            self.assertEqual(copy, proxy)
        self.assertEqual(pickle.loads(pickle.dumps(self.mgr.Queue(3))).maxsize, 3)
        self.assertEqual(pickle.loads(pickle.dumps(self.mgr.Value("d", 1.5))).value, 1.5)


class TestManager(unittest.TestCase):
    def test_shutdown_deletes_the_anonymous_objects_only(self):
        c = objmgr.connect(SOCKET)
        named = fresh("kept")
        with objmgr.Manager(SOCKET) as mgr:
            made = [mgr.dict(a=1), mgr.list([1]), mgr.Queue(), mgr.Lock(), mgr.Value("i", 1)]
            a, b = mgr.Pipe()
            mgr.dict(named)["x"] = 1
            names = [p.name for p in made] + [a._recv, a._send]
            for name in names:
                self.assertIsNotNone(c.type(name), name)
        for name in names:
            self.assertIsNone(c.type(name), name)
        self.assertEqual(c.dict(named)["x"], 1)
        c.close()

    def test_a_collected_manager_deletes_its_objects(self):
        import gc
        mgr = objmgr.Manager(SOCKET)
        name = mgr.dict(a=1).name
        c = objmgr.connect(SOCKET)
        self.assertEqual(c.type(name), "dict")
        del mgr
        gc.collect()
        self.assertIsNone(c.type(name))
        c.close()

    def test_compat_methods_are_accepted(self):
        mgr = objmgr.Manager(SOCKET)
        mgr.start()
        mgr.connect()
        mgr.join()
        mgr.shutdown()
        mgr.shutdown()


if __name__ == "__main__":
    unittest.main()
