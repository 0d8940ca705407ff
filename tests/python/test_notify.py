#!/usr/bin/python3
"""The package's watches, monitors, batches, transactions and ephemeral
objects against a real objmgrd ($OBJMGR_SOCKET, from tests/with-server; the
overflow tests start one of their own from $OBJMGRD), with real processes."""
import multiprocessing
import os
import queue
import signal
import time
import unittest
from multiprocessing import Process

import objmgr
from test_watch import Server  # an objmgrd of the test's own, with extra options

SOCKET = os.environ["OBJMGR_SOCKET"]
TIMEOUT = 60


def fresh(prefix):
    fresh.n += 1
    return "%s-%d-%d" % (prefix, os.getpid(), fresh.n)


fresh.n = 0


def eventually(fn, want):
    """fn()'s answer once it is want (the server acts on a closed connection
    when it notices), failing after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    while fn() != want and time.monotonic() < deadline:
        time.sleep(0.01)
    return fn()


def start(target, *args):
    p = Process(target=target, args=args)
    p.start()
    return p


def stop(test, procs):
    """Joins procs, killing those still running (a failed assertion must not
    leave one behind), and checks that each exited 0."""
    for p in procs:
        p.join(TIMEOUT)
        if p.is_alive():
            p.kill()
            p.join()
        test.assertEqual(p.exitcode, 0, "%s exited %s" % (p.name, p.exitcode))


def write_config(name):
    c = objmgr.connect(SOCKET)
    c.create(name, "dict")
    d = c.dict(name)
    d["host"] = "db1"
    d.update({"port": 5432})
    del d["host"]
    c.delete(name)
    c.close()


class Watches(unittest.TestCase):
    def setUp(self):
        self.c = objmgr.connect(SOCKET)

    def tearDown(self):
        self.c.close()

    def test_a_watch_sees_another_process_changes_exactly_in_order(self):
        name = fresh("cfg.db")
        with self.c.watch("cfg.*") as w:
            self.assertEqual(w.revision, self.c.info()["revision"])
            stop(self, [start(write_config, name)])
            got = [w.get(timeout=TIMEOUT) for _ in range(5)]
            r = w.revision
            self.assertEqual(got, [
                objmgr.Change(name, "objects.create", ["dict"], r + 1),
                objmgr.Change(name, "dict.set", ["host", "db1"], r + 2),
                objmgr.Change(name, "dict.update", [{"port": 5432}], r + 3),
                objmgr.Change(name, "dict.del", ["host"], r + 4),
                objmgr.Change(name, "objects.delete", [], r + 5)])
            self.assertRaises(objmgr.Empty, w.get, timeout=0.2)
        self.assertEqual(self.c.version(name), 0)

    def test_only_matching_names_are_told_and_iteration_ends_with_the_watch(self):
        a, b = fresh("a"), fresh("b")
        with self.c.watch(a, "b-*") as w:
            self.assertEqual(w.patterns, (a, "b-*"))
            for n in (a, "zz-" + a, b, a):
                self.c.call("counter.add", n, 1)
            got = [(ch.name, ch.params) for ch in (next(w), next(w), next(w))]
            self.assertEqual(got, [(a, [1]), (b, [1]), (a, [1])])
            with self.assertRaises(objmgr.Empty) as e:
                w.get_nowait()
            self.assertIsInstance(e.exception, queue.Empty)
        self.assertTrue(w.closed)
        self.assertEqual(list(w), [])
        self.assertRaisesRegex(ValueError, "Watch is closed", w.get)

    def test_a_change_read_past_while_waiting_for_a_reply_is_kept(self):
        name = fresh("kept")
        with self.c.watch(name) as w:
            self.c.call("counter.add", name, 7)
            # The change's notification comes ahead of this reply: it must not be lost.
            revision = w.restart()
            self.assertEqual(revision, self.c.version(name))
            self.assertEqual(w.get(timeout=TIMEOUT), objmgr.Change(name, "counter.add", [7], revision))

    def test_a_watch_has_a_connection_of_its_own_which_closing_it_closes(self):
        def connections():
            return len(self.c.call("clients.list"))
        before = connections()
        with self.c.watch() as w:
            self.assertEqual(connections(), before + 1)
            self.c.call("counter.add", fresh("n"), 1)
            self.assertEqual(w.get(timeout=TIMEOUT).method, "counter.add")
        self.assertEqual(eventually(connections, before), before)


class Overflow(unittest.TestCase):
    def test_a_watch_read_too_slowly_raises_overflow_where_it_fell_behind(self):
        srv = Server("--max-output", "65536")
        try:
            c = objmgr.connect(srv.socket)
            w = c.watch("d")
            p = c.pipeline()
            for k in range(20000):
                p.call("dict.set", "d", k, "x" * 40)
            p.execute()
            seen = []
            with self.assertRaises(objmgr.Overflow) as e:
                for change in w:
                    seen.append(change)
            self.assertEqual([ch.version for ch in seen], list(range(1, len(seen) + 1)))
            self.assertEqual([ch.params[0] for ch in seen], list(range(len(seen))))
            self.assertLess(len(seen), 20000)
            self.assertEqual(e.exception.revision, len(seen) + 1)
            self.assertEqual(e.exception.code, "overflow")
            self.assertIn("--max-output", e.exception.message)
            self.assertRaises(objmgr.Overflow, w.get, timeout=0.2)  # ended until restart()
            self.assertEqual(w.restart(), 20000)
            c.call("dict.set", "d", "again", 1)
            self.assertEqual(w.get(timeout=TIMEOUT), objmgr.Change("d", "dict.set", ["again", 1], 20001))
            w.close()
            c.close()
        finally:
            srv.stop()

    def test_a_monitor_read_too_slowly_raises_overflow(self):
        srv = Server("--max-output", "65536")
        try:
            c = objmgr.connect(srv.socket)
            m = c.monitor()
            p = c.pipeline()
            for k in range(20000):
                p.call("counter.add", "n", 1)
            p.execute()
            seen = 0
            with self.assertRaises(objmgr.Overflow) as e:
                for call in m:
                    self.assertEqual(call[2:], ("counter.add", ["n", 1]))
                    seen += 1
            self.assertLess(seen, 20000)
            self.assertIsNone(e.exception.revision)
            self.assertIn("--max-output", e.exception.message)
            m.close()
            c.close()
        finally:
            srv.stop()


class Monitors(unittest.TestCase):
    def test_a_monitor_sees_every_call_of_another_client_with_its_id(self):
        c, other = objmgr.connect(SOCKET), objmgr.connect(SOCKET)
        name = fresh("mon")
        with c.monitor() as m:
            other.call("dict.set", name, "k", "v")
            self.assertRaises(objmgr.KeyNotFound, other.call, "dict.get", name, "nokey")
            me = [cl for cl in other.call("clients.list") if cl["me"]][0]["id"]
            calls = [m.get(timeout=TIMEOUT) for _ in range(3)]
            self.assertEqual([cl[1:] for cl in calls], [
                (me, "dict.set", [name, "k", "v"]),
                (me, "dict.get", [name, "nokey"]),
                (me, "clients.list", [])])
            self.assertLess(abs(calls[0].time - time.time()), 60)
            self.assertRaises(objmgr.Empty, m.get, timeout=0.2)
        other.close()
        c.close()


def increment(n, name):
    """n increments of the counter name, each read, computed and written back
    under if_versions, retried on Conflict."""
    c = objmgr.connect(SOCKET)
    done = 0
    while done < n:
        version, value = c.batch([("objects.version", [name]), ("counter.get", [name])])
        try:
            c.batch([("counter.set", [name, value + 1])], if_versions={name: version})
            done += 1
        except objmgr.Conflict:
            pass
    c.close()


class Batches(unittest.TestCase):
    def setUp(self):
        self.c = objmgr.connect(SOCKET)

    def tearDown(self):
        self.c.close()

    def test_an_atomic_batch_that_fails_changes_nothing_and_tells_no_watcher(self):
        a, b = self.c.list(fresh("A")), self.c.list(fresh("B"))
        a.extend([1, 2])
        b.append(3)
        va = self.c.version(a.name)
        with self.c.watch() as w:
            with self.assertRaises(objmgr.IndexOutOfRange) as e:
                self.c.batch([("list.pop", [a.name]), ("list.append", [b.name, 2]),
                              ("list.pop", ["empty"])], atomic=True)
            self.assertEqual(str(e.exception), "server.batch: call 3 (list.pop) failed: "
                             "list 'empty' is empty; nothing was changed")
            self.assertEqual((a[:], b[:], self.c.version(a.name)), ([1, 2], [3], va))
            self.assertRaises(objmgr.Empty, w.get, timeout=0.2)
            self.assertEqual(self.c.batch([("list.pop", [a.name]), ("list.append", [b.name, 2])],
                                          atomic=True), [2, 2])
            self.assertEqual([w.get(timeout=TIMEOUT)[:2] for _ in range(2)],
                             [(a.name, "list.pop"), (b.name, "list.append")])

    def test_a_plain_batch_runs_every_call_and_gives_errors_in_place_or_raises_the_first(self):
        n = fresh("n")
        got = self.c.batch([("counter.add", [n, 1]), ("dict.get", [fresh("no"), 1]),
                            ("queue.get", [fresh("q")]), ("counter.add", [n, 1])],
                           raise_on_error=False)
        self.assertEqual(got[0::3], [1, 2])
        self.assertEqual([type(e) for e in got[1:3]], [objmgr.KeyNotFound, objmgr.Empty])
        with self.assertRaises(objmgr.KeyNotFound):
            self.c.batch([("counter.add", [n, 1]), ("dict.get", [fresh("no"), 1]),
                          ("counter.add", [n, 1])])
        self.assertEqual(self.c.call("counter.get", n), 4)

    def test_if_versions_refuses_a_stale_batch_with_conflict(self):
        n = fresh("n")
        self.c.call("counter.set", n, 5)
        v = self.c.version(n)
        with self.assertRaises(objmgr.Conflict) as e:
            self.c.batch([("counter.add", [n, 1])], if_versions={n: v - 1})
        self.assertEqual((e.exception.code, str(e.exception)),
                         ("conflict", 'server.batch: "%s" is at version %d, not %d' % (n, v, v - 1)))
        self.assertNotIsInstance(e.exception, (ValueError, RuntimeError))
        self.assertEqual(self.c.batch([("counter.add", [n, 1])], if_versions={n: v}), [6])

    def test_a_transaction_fills_its_futures_or_fails_them_all(self):
        n, items = fresh("n"), fresh("l")
        with self.c.transaction(if_versions={n: 0}) as t:
            f = t.call("counter.add", n, 3)
            g = t.call("list.append", items, "x")
        self.assertEqual((f.result(), g.result(), t.results), (3, 1, [3, 1]))
        t = self.c.transaction()
        f = t.call("counter.add", n, 1)
        t.call("list.pop", fresh("empty"))
        self.assertRaises(objmgr.IndexOutOfRange, t.execute, raise_on_error=False)
        self.assertRaises(objmgr.IndexOutOfRange, f.result)
        self.assertEqual(self.c.call("counter.get", n), 3)

    def test_if_versions_retries_from_two_processes_lose_no_increment(self):
        n = fresh("n")
        self.c.call("counter.set", n, 0)
        stop(self, [start(increment, 500, n) for _ in range(2)])
        self.assertEqual(self.c.call("counter.get", n), 1000)


def hold_ephemeral(name, ready):
    c = objmgr.connect(SOCKET)
    c.create(name, "dict", ephemeral=True)["pid"] = os.getpid()
    ready.set()
    time.sleep(TIMEOUT)


class Ephemeral(unittest.TestCase):
    def test_an_ephemeral_object_goes_when_its_creator_is_killed(self):
        c = objmgr.connect(SOCKET)
        name = fresh("svc.worker")
        ready = multiprocessing.Event()
        with c.watch("svc.*") as w:
            p = start(hold_ephemeral, name, ready)
            try:
                self.assertTrue(ready.wait(TIMEOUT))
                self.assertEqual(c.dict(name)["pid"], p.pid)
                with self.assertRaises(objmgr.InvalidValue) as e:
                    c.create(name, "dict", ephemeral=True)
                self.assertEqual(str(e.exception), 'objects.create: "%s" exists already (an '
                                 'ephemeral object must be new)' % name)
            finally:
                os.kill(p.pid, signal.SIGKILL)
                p.join(TIMEOUT)
            self.assertEqual(p.exitcode, -signal.SIGKILL)
            got = [w.get(timeout=TIMEOUT)[:3] for _ in range(3)]
            self.assertEqual(got, [(name, "objects.create", ["dict", {"ephemeral": True}]),
                                   (name, "dict.set", ["pid", p.pid]),
                                   (name, "objects.delete", [])])
        self.assertIsNone(c.type(name))
        c.close()

    def test_an_ephemeral_object_goes_with_its_clients_connection(self):
        c, other = objmgr.connect(SOCKET), objmgr.connect(SOCKET)
        name = fresh("eph")
        q = c.create(name, "queue", ephemeral=True, maxsize=2)
        self.assertIsInstance(q, objmgr.QueueProxy)
        self.assertIsNone(c.create(name, "queue", ephemeral=True).put(1))  # its owner may ask again
        self.assertEqual(other.call("objects.describe", name),
                         {"type": "queue", "options": {"maxsize": 2}, "len": 1})
        c.close()
        self.assertIsNone(eventually(lambda: other.type(name), None))
        other.close()


class Listing(unittest.TestCase):
    def test_objects_with_a_pattern_and_versions(self):
        c = objmgr.connect(SOCKET)
        a, b = fresh("ls.a"), fresh("ls.b")
        c.call("counter.add", a, 1)
        c.call("dict.set", b, 1, 2)
        va, vb = c.version(a), c.version(b)
        self.assertLess(va, vb)
        self.assertEqual(c.objects("ls.*"), {a: "counter", b: "dict"})
        self.assertEqual(c.objects("ls.*", versions=True), {a: ("counter", va), b: ("dict", vb)})
        self.assertEqual(c.version(fresh("none")), 0)
        self.assertEqual(c.objects()[a], "counter")
        c.close()


if __name__ == "__main__":
    unittest.main()
