#!/usr/bin/python3
"""Watches, monitors, batches and ephemeral objects (issue 15) on the wire,
with python3-msgpack's own packer and a plain socket: real processes
against a real objmgrd ($OBJMGR_SOCKET, from tests/with-server; those that
need a server of their own start $OBJMGRD)."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
from multiprocessing import Process

import msgpack

SOCKET = os.environ["OBJMGR_SOCKET"]
OBJMGRD = os.environ["OBJMGRD"]
TIMEOUT = 60
WRITERS = 8
UPDATES = 10000


class Raw:
    """A msgpack-RPC connection that keeps the notifications it reads past."""

    def __init__(self, path=SOCKET):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        self.msgid = 0
        self.notes = []

    def close(self):
        self.sock.close()

    def send(self, method, *params):
        self.msgid += 1
        self.sock.sendall(msgpack.packb([0, self.msgid, method, list(params)]))
        return self.msgid

    def message(self, timeout=TIMEOUT):
        self.sock.settimeout(timeout)
        while True:
            for m in self.unpacker:
                return m
            data = self.sock.recv(1 << 16)
            if not data:
                raise EOFError("the server closed the connection")
            self.unpacker.feed(data)

    def reply(self, msgid):
        while True:
            m = self.message()
            if m[0] == 1 and m[1] == msgid:
                return m[2], m[3]
            self.notes.append(m)

    def call(self, method, *params):
        error, result = self.reply(self.send(method, *params))
        if error:
            raise AssertionError("%s failed: %s" % (method, error))
        return result

    def error(self, method, *params):
        error, _ = self.reply(self.send(method, *params))
        return error

    def note(self, timeout=TIMEOUT):
        if self.notes:
            return self.notes.pop(0)
        m = self.message(timeout)
        assert m[0] == 2, "a reply where a notification was due: %r" % (m,)
        return m

    def quiet(self, seconds):
        try:
            self.note(seconds)
        except socket.timeout:
            return True
        return False


def write(i):
    """A writer: UPDATES dict.set on d, pipelined 100 at a time."""
    c = Raw()
    for base in range(0, UPDATES, 100):
        ids = [c.send("dict.set", "d", "w%d" % i, base + k) for k in range(100)]
        for m in ids:
            assert c.reply(m)[0] is None
    c.close()


def join_all(test, procs):
    for p in procs:
        p.join(TIMEOUT)
        test.assertEqual(p.exitcode, 0, "%s exited %s" % (p.name, p.exitcode))


class Server:
    """An objmgrd of the test's own, with extra options."""

    def __init__(self, *args, directory=None):
        self.dir = directory or tempfile.TemporaryDirectory()
        self.socket = os.path.join(self.dir.name, "s.sock")
        self.proc = subprocess.Popen([OBJMGRD, "--socket", self.socket, *args],
                                     stderr=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(self.socket):
                return
            time.sleep(0.025)
        raise AssertionError("objmgrd did not start")

    def stop(self, keep=False):
        self.proc.terminate()
        assert self.proc.wait(TIMEOUT) == 0
        if not keep:
            self.dir.cleanup()


class Watches(unittest.TestCase):
    def setUp(self):
        self.c = Raw()
        self.c.call("objects.delete", "d")

    def tearDown(self):
        self.c.close()

    def test_every_change_of_eight_writers_once_in_order(self):
        w = Raw()
        w.call("objects.watch", "d")
        procs = [Process(target=write, args=(i,)) for i in range(WRITERS)]
        for p in procs:
            p.start()
        last = {}
        versions = []
        for _ in range(WRITERS * UPDATES):
            _, method, params = w.note()
            self.assertEqual(method, "objects.changed")
            name, op, args, version = params
            self.assertEqual((name, op), ("d", "dict.set"))
            key, value = args
            self.assertEqual(value, last.get(key, -1) + 1, "a change of %s lost or doubled" % key)
            last[key] = value
            versions.append(version)
        join_all(self, procs)
        self.assertTrue(w.quiet(0.2), "more notifications than changes")
        self.assertEqual(versions, sorted(set(versions)), "versions out of the server's order")
        self.assertEqual(last, {"w%d" % i: UPDATES - 1 for i in range(WRITERS)})
        self.assertEqual(dict(self.c.call("dict.items", "d")), last)
        self.assertEqual(self.c.call("objects.version", "d"), versions[-1])
        w.close()

    def test_patterns_creation_deletion_and_unwatch(self):
        w = Raw()
        self.assertIsInstance(w.call("objects.watch", "cfg.*"), int)
        w.call("objects.watch", "[ab]?")
        self.c.call("objects.create", "cfg.x", "list", {})
        self.c.call("list.append", "cfg.x", "v" * 1000)
        self.c.call("counter.add", "other", 1)
        self.c.call("counter.add", "a1", 1)
        self.c.call("objects.delete", "cfg.x")
        got = [w.note()[2] for _ in range(4)]
        self.assertEqual([g[:3] for g in got], [
            ["cfg.x", "objects.create", ["list", {}]],
            ["cfg.x", "list.append", ["<str of 1000 bytes>"]],
            ["a1", "counter.add", [1]],
            ["cfg.x", "objects.delete", []]])
        self.assertEqual([g[3] for g in got], sorted(g[3] for g in got))
        self.assertEqual(self.c.call("objects.version", "cfg.x"), 0)
        self.assertEqual(self.c.call("objects.version", "a1"), got[2][3])
        self.assertTrue(w.call("objects.unwatch", "cfg.*"))
        self.assertFalse(w.call("objects.unwatch", "cfg.*"))
        self.c.call("counter.add", "cfg.y", 1)
        self.c.call("counter.add", "b2", 1)
        self.assertEqual(w.note()[2][:2], ["b2", "counter.add"])
        self.assertTrue(w.call("objects.unwatch"))
        self.c.call("counter.add", "b2", 1)
        self.assertTrue(w.quiet(0.2))
        w.close()

    def test_watch_limits(self):
        w = Raw()
        for i in range(32):
            w.call("objects.watch", "p%d*" % i)
        self.assertEqual(w.error("objects.watch", "one-too-many")[0], "limit")
        self.assertEqual(w.error("objects.watch", 5)[0], "bad_params")
        w.close()

    def test_list_with_a_pattern_and_versions(self):
        self.c.call("counter.add", "ls.a", 1)
        self.c.call("dict.set", "ls.b", 1, 2)
        v = self.c.call("objects.version", "ls.b")
        self.assertEqual(self.c.call("objects.list", "ls.*"), {"ls.a": "counter", "ls.b": "dict"})
        listed = self.c.call("objects.list", "ls.?", {"versions": True})
        self.assertEqual(listed["ls.b"], ["dict", v])
        self.assertLess(listed["ls.a"][1], v)
        info = self.c.call("server.info")
        self.assertGreaterEqual(info["revision"], v)
        self.assertEqual(len(info["run_id"]), 32)


class Overflow(unittest.TestCase):
    def test_a_watcher_that_stops_reading_is_dropped(self):
        srv = Server("--max-output", "65536")
        try:
            w, c = Raw(srv.socket), Raw(srv.socket)
            w.call("objects.watch")
            w.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            for base in range(0, 20000, 500):
                ids = [c.send("dict.set", "d", k, "x" * 40) for k in range(base, base + 500)]
                for m in ids:
                    self.assertIsNone(c.reply(m)[0])
            seen = 0
            while True:
                _, method, params = w.note()
                if method == "objects.overflow":
                    break
                seen += 1
            self.assertLess(seen, 20000)
            self.assertIn("--max-output", params[0])
            self.assertGreater(params[1], seen)  # the revision it was dropped at
            self.assertEqual(c.call("objects.version", "d"), 20000)
            c.call("dict.set", "d", "after", 1)
            self.assertTrue(w.quiet(0.3), "still watching after the overflow")
            self.assertIsInstance(w.call("objects.watch"), int)
            c.call("dict.set", "d", "again", 1)
            self.assertEqual(w.note()[2][:2], ["d", "dict.set"])
        finally:
            srv.stop()


class Monitor(unittest.TestCase):
    def test_monitor_sees_every_call(self):
        m, c = Raw(), Raw()
        self.assertTrue(m.call("server.monitor"))
        c.call("dict.set", "mon", "k", "u")
        self.assertEqual(m.note()[2][2:], ["dict.set", ["mon", "k", "u"]])
        c.call("dict.set", "mon", "k", "v")
        self.assertEqual(c.error("dict.get", "mon", "nokey")[0], "key_error")
        notes = [m.note()[2] for _ in range(2)]
        self.assertEqual([n[2:] for n in notes], [
            ["dict.set", ["mon", "k", "v"]],
            ["dict.get", ["mon", "nokey"]]])
        self.assertEqual(notes[0][1], notes[1][1])
        self.assertLess(abs(notes[0][0] - time.time()), 60)
        self.assertTrue(m.call("server.monitor", False))
        self.assertEqual([n[2][2] for n in m.notes], ["server.monitor"])
        m.notes.clear()
        c.call("dict.set", "mon", "k", "w")
        self.assertTrue(m.quiet(0.2))
        m.close()
        c.close()


def move(n):
    c = Raw()
    for i in range(n):
        src, dst = ("A", "B") if i % 2 == 0 else ("B", "A")
        res = c.call("server.batch", [["list.remove", [src, "item"]],
                                      ["list.append", [dst, "item"]]], {"atomic": True})
        assert [error for error, _ in res] == [None, None], res
    c.close()


def increment(n):
    c = Raw()
    done = 0
    while done < n:
        version = c.call("objects.version", "n")
        value = c.call("counter.get", "n")
        error, _ = c.reply(c.send("server.batch", [["counter.set", ["n", value + 1]]],
                                  {"if_versions": {"n": version}}))
        if error is None:
            done += 1
        else:
            assert error[0] == "conflict", error
    c.close()


class Batches(unittest.TestCase):
    def setUp(self):
        self.c = Raw()
        for name in ("A", "B", "n"):
            self.c.call("objects.delete", name)

    def tearDown(self):
        self.c.close()

    def test_a_move_is_never_seen_half_done(self):
        self.c.call("list.extend", "A", ["item", "x", "y"])
        self.c.call("list.extend", "B", ["z"])
        mover = Process(target=move, args=(2000,))
        mover.start()
        reads = 0
        while mover.is_alive() or reads == 0:
            (ea, a), (eb, b) = self.c.call("server.batch", [["list.items", ["A"]],
                                                             ["list.items", ["B"]]])
            self.assertEqual(sorted(a + b), ["item", "x", "y", "z"])
            reads += 1
        join_all(self, [mover])
        self.assertEqual(self.c.call("list.items", "A"), ["x", "y", "item"])

    def test_a_failing_third_call_leaves_both_lists_as_they_were(self):
        self.c.call("list.extend", "A", [1, 2])
        self.c.call("list.extend", "B", [3])
        va = self.c.call("objects.version", "A")
        w = Raw()
        w.call("objects.watch")
        error = self.c.error("server.batch", [["list.pop", ["A"]], ["list.append", ["B", 2]],
                                              ["list.pop", ["empty"]]], {"atomic": True})
        self.assertEqual(error, ["index_error", "server.batch: call 3 (list.pop) failed: "
                                 "list 'empty' is empty; nothing was changed"])
        self.assertEqual(self.c.call("list.items", "A"), [1, 2])
        self.assertEqual(self.c.call("list.items", "B"), [3])
        self.assertEqual(self.c.call("objects.version", "A"), va)
        self.assertIsNone(self.c.call("objects.type", "empty"))
        self.assertTrue(w.quiet(0.2), "a watcher heard of an undone batch")
        ok = self.c.call("server.batch", [["list.pop", ["A"]], ["list.append", ["B", 2]]],
                         {"atomic": True})
        self.assertEqual(ok, [[None, 2], [None, 2]])
        self.assertEqual([w.note()[2][:2] for _ in range(2)],
                         [["A", "list.pop"], ["B", "list.append"]])
        w.close()

    def test_if_versions_retries_lose_no_increment(self):
        self.c.call("counter.set", "n", 0)
        procs = [Process(target=increment, args=(500,)) for _ in range(2)]
        for p in procs:
            p.start()
        join_all(self, procs)
        self.assertEqual(self.c.call("counter.get", "n"), 1000)

    def test_conflict_and_shape_errors_run_nothing(self):
        self.c.call("counter.set", "n", 5)
        v = self.c.call("objects.version", "n")
        self.assertEqual(self.c.error("server.batch", [["counter.add", ["n", 1]]],
                                      {"if_versions": {"n": v + 1}}),
                         ["conflict", 'server.batch: "n" is at version %d, not %d' % (v, v + 1)])
        self.assertEqual(self.c.error("server.batch", [["counter.add", ["n", 1]], ["x.y", []]])[0],
                         "no_such_method")
        self.assertEqual(self.c.error("server.batch", [["counter.add", ["n", 1]], [1]])[0],
                         "bad_params")
        self.assertEqual(self.c.error("server.batch", [["lock.acquire", ["l"]]],
                                      {"atomic": True})[0], "bad_params")
        self.assertEqual(self.c.call("counter.get", "n"), 5)
        got = self.c.call("server.batch", [["counter.add", ["n", 1]], ["dict.get", ["no", 1]],
                                           ["queue.get", ["q"]]], {"if_versions": {"n": v}})
        self.assertEqual(got[0], [None, 6])
        self.assertEqual(got[1][0][0], "key_error")
        self.assertEqual(got[2][0][0], "empty")


class Durable(unittest.TestCase):
    def test_an_atomic_batch_is_journaled_whole_and_an_ephemeral_object_not_at_all(self):
        directory = tempfile.TemporaryDirectory()
        data = os.path.join(directory.name, "data")
        srv = Server("--data-dir", data, directory=directory)
        c = Raw(srv.socket)
        c.call("list.extend", "A", [1, 2, 3])
        c.call("objects.create", "E", "dict", {"ephemeral": True})
        c.call("dict.set", "E", "k", "v")
        self.assertEqual(c.call("server.batch", [["list.pop", ["A"]], ["list.append", ["B", 3]]],
                                {"atomic": True}), [[None, 3], [None, 1]])
        self.assertEqual(c.error("server.batch", [["list.pop", ["A"]], ["list.append", ["B", 2]],
                                                  ["list.pop", ["Z"]]], {"atomic": True})[0],
                         "index_error")
        c.call("server.batch", [["counter.add", ["n", 1]], ["dict.get", ["no", 1]]])
        c.close()
        srv.stop(keep=True)
        with open(os.path.join(data, "journal.1"), "rb") as f:
            self.assertIn(b"\xacserver.batch", f.read())
        srv = Server("--data-dir", data, directory=directory)
        c = Raw(srv.socket)
        self.assertEqual(c.call("objects.list"), {"A": "list", "B": "list", "n": "counter"})
        self.assertEqual(c.call("list.items", "A"), [1, 2])
        self.assertEqual(c.call("list.items", "B"), [3])
        self.assertEqual(c.call("counter.get", "n"), 1)
        c.close()
        srv.stop()


def hold_ephemeral(path):
    c = Raw(path)
    c.call("objects.create", "svc.worker", "dict", {"ephemeral": True})
    c.call("dict.set", "svc.worker", "pid", os.getpid())
    time.sleep(TIMEOUT)


class Ephemeral(unittest.TestCase):
    def test_it_goes_with_its_creator_killed_and_its_watcher_is_told(self):
        c, w = Raw(), Raw()
        w.call("objects.watch", "svc.*")
        p = Process(target=hold_ephemeral, args=(SOCKET,))
        p.start()
        self.assertEqual(w.note()[2][:2], ["svc.worker", "objects.create"])
        self.assertEqual(w.note()[2][:2], ["svc.worker", "dict.set"])
        self.assertEqual(c.error("objects.create", "svc.worker", "dict", {"ephemeral": True})[0],
                         "value_error")
        os.kill(p.pid, signal.SIGKILL)
        p.join(TIMEOUT)
        self.assertEqual(w.note()[2][:3], ["svc.worker", "objects.delete", []])
        self.assertIsNone(c.call("objects.type", "svc.worker"))
        c.call("objects.create", "svc.worker", "dict", {"ephemeral": True})
        self.assertEqual(c.call("objects.create", "svc.worker", "dict", {"ephemeral": True}),
                         None)
        c.close()
        self.assertEqual(w.note()[2][1], "objects.create")
        self.assertEqual(w.note()[2][:2], ["svc.worker", "objects.delete"])
        w.close()


if __name__ == "__main__":
    unittest.main()
