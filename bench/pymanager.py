#!/usr/bin/python3
"""pymanager.py -- Python's multiprocessing SyncManager, served and measured
for bench/compare, with the workloads objmgr-benchmark and redis-benchmark
run; and the same Python code through the objmgr package against objmgrd.

  pymanager.py serve ADDRESS
      Serves one shared dict and one shared list on the Unix socket ADDRESS
      (the usual SyncManager server: a thread per connection) until killed.

  pymanager.py run ADDRESS [--client multiprocessing|objmgr] [-c CLIENTS] [-n REQUESTS]
                   [-t TESTS] [-r KEYSPACE] [-d SIZE] [--csv]
      Forks CLIENTS processes, each with its own proxies (its own
      connections), which together make REQUESTS calls per test, one at a
      time: a manager proxy cannot pipeline. With --client multiprocessing
      (the default) ADDRESS is `pymanager.py serve`'s socket, and the
      proxies multiprocessing's DictProxy and ListProxy; with --client
      objmgr it is objmgrd's, and each process calls objmgr.connect(ADDRESS)
      (the objmgr package of this source tree, proxy/python) and uses its
      DictProxy and ListProxy of the dict "pybench:dict" and the list
      "pybench:list" (what objmgr.Manager()'s dict() and list() give too).
      Tests, in this order, the same Python code for both:
        set     d[KEY] = VALUE      (Redis SET and HSET, objmgr dict.set)
        get     d.get(KEY)          (Redis GET, objmgr dict.get)
        lpush   l.append(VALUE)     (Redis LPUSH, objmgr list.append)
        lpop    l.pop(0)            (Redis LPOP; objmgr list.pop [name, 0],
                                     not the package's popleft() extension)
      KEY is "key:N", N random below KEYSPACE; VALUE is SIZE bytes "xxx".
      Prints, like objmgr-benchmark --csv, one line per test: test, rps,
      p50, p99, p99.9 and max latency in ms, errors; and, last, the client
      processes' CPU time (user + system) per call in µs.
"""
import argparse
import multiprocessing
import os
import random
import sys
import time
from multiprocessing.managers import DictProxy, ListProxy, SyncManager

AUTHKEY = b"objmgr-bench"
TESTS = ["set", "get", "lpush", "lpop"]
# The objects the objmgr runs use on objmgrd (objmgr-benchmark's are bench:*).
OBJMGR_DICT = "pybench:dict"
OBJMGR_LIST = "pybench:list"

_shared_dict = {}
_shared_list = []


def _get_dict():
    return _shared_dict


def _get_list():
    return _shared_list


class BenchManager(SyncManager):
    """A SyncManager whose clients all reach the same dict and list."""


BenchManager.register("shared_dict", callable=_get_dict, proxytype=DictProxy)
BenchManager.register("shared_list", callable=_get_list, proxytype=ListProxy)


def serve(address):
    manager = BenchManager(address=address, authkey=AUTHKEY)
    manager.get_server().serve_forever()


def multiprocessing_proxies(address):
    """This process's own proxies of the manager's dict and list."""
    manager = BenchManager(address=address, authkey=AUTHKEY)
    manager.connect()
    return manager.shared_dict(), manager.shared_list()


def objmgr_proxies(address):
    """This process's own client of objmgrd and its proxies of the dict and list."""
    import objmgr
    client = objmgr.connect(address)
    return client.dict(OBJMGR_DICT), client.list(OBJMGR_LIST)


CLIENTS = {"multiprocessing": multiprocessing_proxies, "objmgr": objmgr_proxies}


def worker(proxies, address, test, count, keyspace, value, barrier, results):
    """Makes count calls of test after every worker is connected; sends back its
    latencies (ns), times and CPU time (ns)."""
    d, lst = proxies(address)
    len(d), len(lst)  # open the proxies' connections before the clock starts
    keys = ["key:%d" % random.randrange(keyspace) for _ in range(min(count, 4096))]
    call = {
        "set": lambda k: d.__setitem__(k, value),
        "get": lambda k: d.get(k),
        "lpush": lambda k: lst.append(value),
        "lpop": lambda k: lst.pop(0),
    }[test]
    lat = []
    errors = 0
    clock = time.monotonic_ns
    barrier.wait()
    cpu = time.process_time_ns()
    start = clock()
    for i in range(count):
        t = clock()
        try:
            call(keys[i % len(keys)])
        except (KeyError, IndexError):
            errors += 1
        lat.append(clock() - t)
    end = clock()
    results.put((start, end, lat, errors, time.process_time_ns() - cpu))


def percentile_ms(sorted_lat, p):
    i = max(0, min(len(sorted_lat) - 1, int(len(sorted_lat) * p + 0.999999) - 1))
    return sorted_lat[i] / 1e6


def run_test(args, test):
    value = "x" * args.d
    per = [args.n // args.c + (1 if i < args.n % args.c else 0) for i in range(args.c)]
    per = [k for k in per if k > 0]
    barrier = multiprocessing.Barrier(len(per))
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker,
                                     args=(CLIENTS[args.client], args.address, test, k, args.r,
                                           value, barrier, results))
             for k in per]
    for p in procs:
        p.start()
    got = [results.get() for _ in procs]
    for p in procs:
        p.join()
    start = min(g[0] for g in got)
    end = max(g[1] for g in got)
    lat = sorted(x for g in got for x in g[2])
    errors = sum(g[3] for g in got)
    rps = len(lat) * 1e9 / (end - start)
    client_us = sum(g[4] for g in got) / 1e3 / len(lat)
    row = (test, rps, percentile_ms(lat, 0.5), percentile_ms(lat, 0.99),
           percentile_ms(lat, 0.999), lat[-1] / 1e6, errors, client_us)
    if args.csv:
        print('"%s","%.2f","%.3f","%.3f","%.3f","%.3f","%d","%.2f"' % row)
    else:
        print("%-8s %12.2f %9.3f %9.3f %9.3f %9.3f %6d %9.2f" % row)
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve")
    p.add_argument("address")
    p = sub.add_parser("run")
    p.add_argument("address")
    p.add_argument("--client", choices=sorted(CLIENTS), default="multiprocessing")
    p.add_argument("-c", type=int, default=50)
    p.add_argument("-n", type=int, default=10000)
    p.add_argument("-t", default=",".join(TESTS))
    p.add_argument("-r", type=int, default=100000)
    p.add_argument("-d", type=int, default=3)
    p.add_argument("--csv", action="store_true")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.address)
        return 0
    tests = args.t.split(",")
    for t in tests:
        if t not in TESTS:
            parser.error("no test called %r (tests: %s)" % (t, ", ".join(TESTS)))
    if args.c < 1 or args.n < 1 or args.r < 1 or args.d < 0:
        parser.error("-c, -n and -r must be positive, -d non-negative")
    if args.client == "objmgr":
        # This tree's package, imported once here rather than in every child.
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                        "proxy", "python"))
        import objmgr  # noqa: F401
    multiprocessing.set_start_method("fork")
    if args.csv:
        print('"test","rps","p50_latency_ms","p99_latency_ms","p999_latency_ms",'
              '"max_latency_ms","errors","client_cpu_us"')
    else:
        print("%-8s %12s %9s %9s %9s %9s %6s %9s" % ("test", "ops/s", "p50 ms", "p99 ms",
                                                     "p99.9 ms", "max ms", "errors", "cpu µs"))
    for t in TESTS:
        if t in tests:
            run_test(args, t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
