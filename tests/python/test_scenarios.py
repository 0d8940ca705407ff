#!/usr/bin/python3
"""The programs people write with multiprocessing, run with objmgr in its
place: real processes against a real objmgrd ($OBJMGR_SOCKET, set by
tests/with-server), counting every item so that a lost or doubled update fails."""
import os
import signal
import subprocess
import sys
import textwrap
import time
import unittest
from multiprocessing import Process

import objmgr

SOCKET = os.environ["OBJMGR_SOCKET"]
TIMEOUT = 60


def join_all(test, procs):
    for p in procs:
        p.join(TIMEOUT)
        test.assertEqual(p.exitcode, 0, "%s exited %s" % (p.name, p.exitcode))


def producer(q, first, n):
    for i in range(first, first + n):
        q.put(i)


def consumer(q, out):
    got = []
    while True:
        item = q.get()
        if item is None:
            break
        got.append(item)
    out.extend(got)


def add_under_lock(value, lock, times):
    for _ in range(times):
        with lock:
            value.value += 1


def fill(d, l, worker):
    d[worker] = worker * worker
    l.append(worker)


def ping_pong(conn, rounds):
    for _ in range(rounds):
        n = conn.recv()
        conn.send(n + 1)
    conn.close()


def limited(sem, inside, seen, done):
    with sem:
        seen.append(inside.add(1))
        time.sleep(0.05)
        inside.add(-1)
    done.add(1)


def meet(barrier, arrived, after):
    arrived.add(1)
    barrier.wait()
    after.append(arrived.value)


def hold_forever(lock, ready):
    lock.acquire()
    ready.set()
    time.sleep(3600)


class Scenarios(unittest.TestCase):
    def setUp(self):
        self.mgr = objmgr.Manager(SOCKET)

    def tearDown(self):
        self.mgr.shutdown()

    def test_producers_and_consumers_over_a_queue(self):
        q = self.mgr.Queue(50)
        out = self.mgr.list()
        producers = [Process(target=producer, args=(q, i * 1000, 1000)) for i in range(3)]
        consumers = [Process(target=consumer, args=(q, out)) for _ in range(2)]
        for p in producers + consumers:
            p.start()
        join_all(self, producers)
        for _ in consumers:
            q.put(None)
        join_all(self, consumers)
        self.assertEqual(sorted(out), list(range(3000)))
        self.assertEqual(q.qsize(), 0)

    def test_five_processes_increment_a_value_under_a_lock(self):
        for times, want in [(1, 5), (200, 1000)]:
            value = self.mgr.Value("i", 0)
            lock = self.mgr.Lock()
            procs = [Process(target=add_under_lock, args=(value, lock, times)) for _ in range(5)]
            for p in procs:
                p.start()
            join_all(self, procs)
            self.assertEqual(value.value, want)

    def test_workers_fill_a_manager_dict_and_list(self):
        d, l = self.mgr.dict(), self.mgr.list()
        procs = [Process(target=fill, args=(d, l, i)) for i in range(8)]
        for p in procs:
            p.start()
        join_all(self, procs)
        self.assertEqual(d.copy(), {i: i * i for i in range(8)})
        self.assertEqual(sorted(l), list(range(8)))

    def test_two_processes_talk_over_a_pipe(self):
        mine, theirs = self.mgr.Pipe()
        p = Process(target=ping_pong, args=(theirs, 100))
        p.start()
        n = 0
        for _ in range(100):
            mine.send(n)
            n = mine.recv()
        self.assertEqual(n, 100)
        with self.assertRaises(EOFError):
            mine.recv()
        join_all(self, [p])

    def test_a_daemon_serves_unrelated_clients_until_close(self):
        inbox = "inbox-%d" % os.getpid()
        env = dict(os.environ, INBOX=inbox)
        daemon = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
            import os, objmgr
            c = objmgr.connect()
            q, log = c.Queue(os.environ["INBOX"]), c.list(os.environ["INBOX"] + "-log")
            while True:
                msg = q.get()
                if msg == "close":
                    break
                log.append(msg)
            print("served", len(log))
            """)], env=env, stdout=subprocess.PIPE, text=True)
        clients = [subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
            import os, objmgr
            q = objmgr.connect().Queue(os.environ["INBOX"])
            for i in range(50):
                q.put("client %s message %d" % (os.environ["N"], i))
            """)], env=dict(env, N=str(n))) for n in range(4)]
        for c in clients:
            self.assertEqual(c.wait(TIMEOUT), 0)
        objmgr.connect().Queue(inbox).put("close")
        out, _ = daemon.communicate(timeout=TIMEOUT)
        self.assertEqual(daemon.returncode, 0)
        self.assertEqual(out, "served 200\n")
        log = objmgr.connect().list(inbox + "-log")
        self.assertEqual(sorted(log), sorted("client %d message %d" % (n, i)
                                             for n in range(4) for i in range(50)))
        for n in range(4):  # each client's messages in the order it sent them
            mine = [m for m in log if m.startswith("client %d " % n)]
            self.assertEqual(mine, ["client %d message %d" % (n, i) for i in range(50)])

    def test_a_semaphore_limits_concurrency(self):
        sem = self.mgr.Semaphore(2)
        inside, done = self.mgr.Value("i", 0), self.mgr.Value("i", 0)
        seen = self.mgr.list()
        procs = [Process(target=limited, args=(sem, inside, seen, done)) for _ in range(6)]
        for p in procs:
            p.start()
        join_all(self, procs)
        self.assertEqual(done.value, 6)
        self.assertEqual(len(seen), 6)
        self.assertLessEqual(max(seen), 2)
        self.assertEqual(inside.value, 0)
        self.assertEqual(sem.get_value(), 2)

    def test_a_barrier_holds_everyone_until_all_arrive(self):
        barrier = self.mgr.Barrier(4)
        arrived, after = self.mgr.Value("i", 0), self.mgr.list()
        procs = [Process(target=meet, args=(barrier, arrived, after)) for _ in range(4)]
        for p in procs:
            p.start()
        join_all(self, procs)
        self.assertEqual(after[:], [4, 4, 4, 4])

    def test_a_killed_lock_holder_frees_the_lock_for_the_next_waiter(self):
        lock, ready = self.mgr.Lock(), self.mgr.Event()
        holder = Process(target=hold_forever, args=(lock, ready))
        holder.start()
        self.assertTrue(ready.wait(TIMEOUT))
        self.assertFalse(lock.acquire(timeout=0.2))
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(TIMEOUT)
        self.assertEqual(holder.exitcode, -signal.SIGKILL)
        self.assertTrue(lock.acquire(timeout=TIMEOUT))
        lock.release()


if __name__ == "__main__":
    unittest.main()
