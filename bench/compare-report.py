#!/usr/bin/python3
"""compare-report.py DIR -- prints bench/compare's report from the results
it left in DIR: machine, disk and memory (key=value lines) and
runs/SYSTEM.CONFIG.WORKLOAD.csv with .cpu beside each (server CPU ticks,
ticks per second, requests, wall-clock ns) and, for durable objmgr runs,
.fsyncs (the fdatasyncs the run took). SYSTEM objmgrpy is bench/pymanager.py
through the objmgr package against objmgrd, set beside SYSTEM python.
Configs c1gap and c1gapshm ran with the client pausing gap_us (machine)
before each request; their rates leave the pauses out. Configs
c1cpu0pair-auto and c1cpu0pair-none are alternating rounds, their
workloads named WORKLOAD-ROUND."""
import csv
import glob
import os
import sys

CONFIGS = [
    ("c1", "c=1 P=1, 2 CPUs"),
    ("c1bp", "c=1 P=1, 2 CPUs, objmgrd --busy-poll 50"),
    ("c1bp0", "c=1 P=1, 2 CPUs, no polling on either side"),
    ("c1shm", "c=1 P=1, 2 CPUs, shared memory"),
    ("c1cpu0", "c=1 P=1, 1 CPU"),
    ("c1cpu0bp0", "c=1 P=1, 1 CPU, no polling on either side"),
    ("c50", "c=50 P=1"),
    ("c50p16", "c=50 P=16"),
    ("c50p16key", "c=50 P=16, objmgrd --authkey-file"),
]
WORKLOADS = ["PING", "SET", "GET", "INCR", "HSET", "LPUSH", "LPOP"]
# objmgr and Python have one keyspace operation for Redis's SET and HSET.
SAME_AS = {"HSET": "SET"}
# Configs that run objmgr alone: their other columns are another config's runs.
BORROWS = {"c1bp": "c1", "c1bp0": "c1", "c1shm": "c1", "c1cpu0bp0": "c1cpu0",
           "c50p16key": "c50p16"}
# The idle rows, c=1 P=1 on 2 CPUs with a pause before each request: socket
# and shared memory, each beside the floor run of config GAP_FLOOR.
GAP_CONFIGS = [("c1gap", "socket"), ("c1gapshm", "shared memory")]
GAP_FLOOR = "c1gap"
# The workloads of the alternating one-CPU rounds (bench/compare, run_paired).
PAIRED_WORKLOADS = ["PING", "GET"]
SIZE_TESTS = ["dict.get", "dict.set", "list.get", "list.append+popleft"]
# The durable runs: config MODE+base, each beside its memory-only base config.
FSYNC_MODES = ["always", "everysec"]
DURABLE_BASES = ["c50", "c50p16"]
DURABLE_WORKLOADS = [wl for wl in WORKLOADS if wl != "PING"]
# Python's clients: the objmgr package against multiprocessing's proxies.
PY_CONFIGS = [
    ("c1", "c=1, 2 CPUs"),
    ("c1cpu0", "c=1, 1 CPU"),
    ("c8", "c=8"),
    ("c50", "c=50"),
]
PY_WORKLOADS = ["SET", "GET", "LPUSH", "LPOP"]
PY_CALLS = {"SET": "d[k] = v", "GET": "d.get(k)", "LPUSH": "l.append(v)", "LPOP": "l.pop(0)"}
# The Python client's goal: objmgr's package at least this many times
# multiprocessing's manager, at these configs.
PY_GOAL = 2.0
PY_GOAL_CONFIGS = ["c1", "c1cpu0", "c8"]


def read_kv(path):
    with open(path) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)


def read_runs(d):
    runs = {}
    for path in glob.glob(os.path.join(d, "runs", "*.csv")):
        sysname, cfg, wl = os.path.basename(path)[:-4].split(".", 2)
        with open(path) as f:
            rows = list(csv.DictReader(f))
        # redis-benchmark names its rows after the command; there is one, or PING_MBULK.
        row = rows[-1]
        with open(path[:-4] + ".cpu") as f:
            ticks, hz, n, wall = (int(x) for x in f.read().split())
        runs[sysname, cfg, wl] = {
            "rps": float(row["rps"]),
            "us_per_op": ticks / hz * 1e6 / n,
            "errors": int(row.get("errors", 0) or 0),
            "n": n,
            # bench/pymanager.py's: its processes' CPU time per call
            "client_us": float(row["client_cpu_us"]) if row.get("client_cpu_us") else None,
            "p50_ms": float(row["p50_latency_ms"]) if row.get("p50_latency_ms") else None,
        }
        if os.path.exists(path[:-4] + ".fsyncs"):
            with open(path[:-4] + ".fsyncs") as f:
                runs[sysname, cfg, wl]["fsyncs"] = int(f.read())
    return runs


def fmt_rate(r):
    if r is None:
        return "-"
    return "{:,.0f} [{:.2f}]".format(r["rps"], r["us_per_op"])


def ratio(a, b):
    if a is None or b is None or b["rps"] == 0:
        return None
    return a["rps"] / b["rps"]


def fmt_ratio(x):
    return "-" if x is None else "{:.2f}".format(x)


def mb(x):
    return "{:.1f} MB".format(int(x) / 1e6)


def span(xs):
    xs = [x for x in xs if x is not None]
    return (min(xs), max(xs)) if xs else (None, None)


def print_checks(checks):
    for label, lo, hi, goal in checks:
        if lo is None:
            continue
        verdict = "met" if lo >= goal else ("met for some ops" if hi >= goal else "missed")
        got = fmt_ratio(lo) if lo == hi else fmt_ratio(lo) + ".." + fmt_ratio(hi)
        print("  {:<50} {:>12} {}".format(label, got, verdict))


def durable_label(labels, base, mode):
    return "{}, fsync {}".format(labels[base], mode)


def print_durable(d, runs, labels):
    """The durable rows beside Redis's and beside the memory-only runs of
    the same config; returns {(base, mode, workload): (/redis, /memory)}."""
    disk = read_kv(os.path.join(d, "disk"))
    print("Durable, c=50: objmgrd --data-dir DIR --fsync MODE against redis-server --appendonly yes")
    print("--appendfsync MODE --save '', both fresh, their data side by side on {}".format(
        disk["disk"]))
    print("(device, file system, mount point). fdatasync after a 64-byte append there: "
          "p50 {} µs, p99 {} µs".format(disk["fdatasync_p50_us"], disk["fdatasync_p99_us"]))
    print("({} in a row). ops/s [server µs per op]; /memory: against the same server's memory-only"
          .format(disk["fdatasync_n"]))
    print("run of the same config above; calls/sync: objmgr's requests per fdatasync in the run.")
    width = max(len(durable_label(labels, b, m)) for b in DURABLE_BASES for m in FSYNC_MODES)
    head = "{:<%d} {:<6} {:>22} {:>22} {:>8} {:>14} {:>13} {:>10}" % width
    print(head.format("config", "op", "objmgr", "redis", "/redis", "objmgr/memory", "redis/memory",
                      "calls/sync"))
    ratios = {}
    for mode in FSYNC_MODES:
        for base in DURABLE_BASES:
            for wl in DURABLE_WORKLOADS:
                om = runs.get(("objmgr", base + mode, SAME_AS.get(wl, wl)))
                rd = runs.get(("redis", base + mode, wl))
                if om is None and rd is None:
                    continue
                om_mem = ratio(om, runs.get(("objmgr", base, SAME_AS.get(wl, wl))))
                rd_mem = ratio(rd, runs.get(("redis", base, wl)))
                per_sync = "-"
                if om and om.get("fsyncs"):
                    per_sync = "{:,.0f}".format(om["n"] / om["fsyncs"])
                ratios[base, mode, wl] = (ratio(om, rd), om_mem)
                print(head.format(durable_label(labels, base, mode), wl, fmt_rate(om),
                                  fmt_rate(rd), fmt_ratio(ratio(om, rd)), fmt_ratio(om_mem),
                                  fmt_ratio(rd_mem), per_sync))
            print()
    return ratios


def p50_ratio(a, b):
    """b's p50 latency over a's: how many times faster a's typical round trip is."""
    if a is None or b is None or not a["p50_ms"] or b["p50_ms"] is None:
        return None
    return b["p50_ms"] / a["p50_ms"]


def print_gap(runs, gap_us):
    """The idle rows: objmgr's workloads over the socket and through shared
    memory against the floor, each request after a pause; returns
    {(config, workload): ratio to the floor}."""
    print("Idle between requests: c=1 P=1, 2 CPUs, objmgrd with its defaults on CPU 0, the client on")
    print("CPU 1 sleeping {} µs between a reply and its next request (objmgr-benchmark and".format(
        gap_us))
    print("pingpong --gap-us), past every polling window, so each request wakes a sleeping server.")
    print("ops/s over the time not slept, i.e. one over the mean round trip [server µs per op,")
    print("its polling included], and the p50 round trip in µs. /floor: the floor's p50 round")
    print("trip (pingpong with the same pause) over objmgr's, so above 1 is faster than the")
    print("floor; p50 rather than the mean, which a few slow wake-ups on a busy machine sway.")
    head = "{:<14} {:<6} {:>22} {:>8} {:>22} {:>8} {:>7}"
    print(head.format("transport", "op", "objmgr", "p50 µs", "floor", "p50 µs", "/floor"))

    def p50(r):
        return "-" if r is None or r["p50_ms"] is None else "{:.1f}".format(r["p50_ms"] * 1000)

    floor = runs.get(("floor", GAP_FLOOR, "PING"))
    ratios = {}
    for cfg, label in GAP_CONFIGS:
        for wl in WORKLOADS:
            om = runs.get(("objmgr", cfg, wl))
            if om is None:
                continue
            ratios[cfg, wl] = p50_ratio(om, floor)
            print(head.format(label, wl, fmt_rate(om), p50(om), fmt_rate(floor), p50(floor),
                              fmt_ratio(ratios[cfg, wl])))
        print()
    return ratios


def print_python_clients(runs):
    """The objmgr package against multiprocessing's proxies, the same calls
    from the same processes; returns {(config, workload): ratio}."""
    print("Python clients: bench/pymanager.py's calls, one at a time from each of c forked")
    print("processes, each with its own proxies: through the objmgr package (proxy/python,")
    print("objmgr.connect()'s DictProxy and ListProxy) to the objmgrd above, and through")
    print("multiprocessing's proxies to the SyncManager above. ops/s [server µs per op], and")
    print("the client processes' CPU time per op in µs. c=1 runs are pinned as above.")
    head = "{:<13} {:<6} {:<12} {:>22} {:>9} {:>22} {:>9} {:>7}"
    print(head.format("config", "op", "call", "objmgr package", "client", "multiprocessing",
                      "client", "ratio"))

    def client(r):
        return "-" if r is None or r["client_us"] is None else "{:.1f}".format(r["client_us"])

    ratios = {}
    for cfg, label in PY_CONFIGS:
        if not any(s == "objmgrpy" and c == cfg for (s, c, w) in runs):
            continue
        for wl in PY_WORKLOADS:
            om, py = runs.get(("objmgrpy", cfg, wl)), runs.get(("python", cfg, wl))
            ratios[cfg, wl] = ratio(om, py)
            print(head.format(label, wl, PY_CALLS[wl], fmt_rate(om), client(om), fmt_rate(py),
                              client(py), fmt_ratio(ratios[cfg, wl])))
        print()
    return ratios


def main():
    d = sys.argv[1]
    m = read_kv(os.path.join(d, "machine"))
    runs = read_runs(d)
    get = runs.get

    print("objmgr bench/compare, {}".format(m["date"]))
    print("machine: {} CPUs, {}, Linux {}".format(m["nproc"], m["cpu"], m["kernel"]))
    print("servers: {}, redis-server {}, {} multiprocessing SyncManager".format(
        m["objmgr"], m["redis"], m["python"]))
    print("load average: {} before, {} after".format(m["load_before"], m["load_after"]))
    if m["quick"] == "true":
        print("QUICK RUN: a few thousand requests per workload; the numbers mean nothing.")
    print()
    print("Throughput in ops/s, with the server's CPU time per operation in µs in brackets.")
    print("objmgr: objmgr-benchmark; Redis: redis-benchmark; Python: bench/pymanager.py.")
    print("Redis SET/GET/INCR are dict.set/get/incr on one objmgr dict (and d[k] = v, d.get(k)")
    print("in Python), HSET the same dict.set, LPUSH/LPOP list.append/popleft (l.append, l.pop(0)).")
    print("Python cannot pipeline: at c=50 P=16 its column is its best run of any config.")
    print("c=1 runs are pinned: servers on CPU 0, the client on CPU 1 (2 CPUs) or CPU 0 (1 CPU);")
    print("c=50 runs are placed by the scheduler. The floor is pingpong: blocking write/read only.")
    print("objmgrd runs with its defaults (polling for requests while it pays off: --busy-poll")
    print("auto), except in the --busy-poll 50 rows (always) and the no-polling rows (--busy-poll")
    print("0). With one connection objmgr-benchmark polls for each reply while that pays off, as")
    print("libobjmgr does, except in the no-polling rows (--no-poll): those are the defaults")
    print("before issue 17. objmgrd's CPU time includes its polling; in the --busy-poll 50 and")
    print("no-polling rows the Redis, Python and floor columns are those")
    print("of the same placement's default row (all three sleep between requests). In the")
    print("--authkey-file rows every connection authenticated first (not timed); the Redis")
    print("and Python columns there are those of c=50 P=16. In the shared-memory rows")
    print("objmgr-benchmark --shm talks to a fresh objmgrd through server.shm's rings, both")
    print("sides polling them; its Redis, Python and floor columns are those of c=1 P=1, 2 CPUs.")
    print()
    width = max(len(label) for _, label in CONFIGS)
    head = "{:<%d} {:<6} {:>22} {:>22} {:>22} {:>8} {:>8}" % width
    print(head.format("config", "op", "objmgr", "redis", "python", "/redis", "/python"))
    best_py = {}
    for wl in WORKLOADS:
        py = [v for (s, c, w), v in runs.items() if s == "python" and w == SAME_AS.get(wl, wl)]
        best_py[wl] = max(py, key=lambda v: v["rps"]) if py else None
    ratios = {}
    for cfg, label in CONFIGS:
        if not any(s == "objmgr" and c == cfg for (s, c, w) in runs):
            continue
        other = BORROWS.get(cfg, cfg)
        floor = get(("floor", other, "PING"))
        for wl in WORKLOADS:
            om = get(("objmgr", cfg, SAME_AS.get(wl, wl)))
            rd = get(("redis", other, wl))
            py = best_py[wl] if cfg == "c50p16" else get(("python", other, SAME_AS.get(wl, wl)))
            ratios[cfg, wl] = (ratio(om, rd), ratio(om, py))
            print(head.format(label, wl, fmt_rate(om), fmt_rate(rd), fmt_rate(py),
                              fmt_ratio(ratios[cfg, wl][0]), fmt_ratio(ratios[cfg, wl][1])))
        if floor:
            ratios[cfg, "floor"] = ratio(get(("objmgr", cfg, "PING")), floor)
            print(("{:<%d} {:<6} {:>22}   objmgr PING / floor = {}" % width).format(
                label, "floor", fmt_rate(floor), fmt_ratio(ratios[cfg, "floor"])))
        print()
    errors = [(k, v["errors"]) for k, v in sorted(runs.items()) if v["errors"]]
    for (s, c, w), e in errors:
        print("note: {} {} {}: {} error replies".format(s, c, w, e))

    gap_ratios = {}
    if any(s == "objmgr" and c == cfg for (s, c, w) in runs for cfg, _ in GAP_CONFIGS):
        gap_ratios = print_gap(runs, m["gap_us"])

    py_ratios = print_python_clients(runs)

    labels = dict(CONFIGS)
    durable = None
    if os.path.exists(os.path.join(d, "disk")):
        durable = print_durable(d, runs, labels)

    mem = read_kv(os.path.join(d, "memory"))
    n = int(mem["entries"])
    print("Memory: one dict of {:,} entries \"key:N\" -> N; Redis: one hash of the same fields "
          "({} encoding, {} fields)".format(n, mem["redis_encoding"], mem["redis_len"]))
    head = "{:<14} {:>12} {:>12} {:>8} {:>14} {:>14}"
    print(head.format("", "objmgr", "redis", "ratio", "objmgr/entry", "redis/entry"))
    mem_ratio = {}
    for what, label in (("used", "used_memory"), ("rss", "RSS")):
        o, r = int(mem["objmgr_" + what]), int(mem["redis_" + what])
        o0, r0 = int(mem["objmgr_%s_before" % what]), int(mem["redis_%s_before" % what])
        mem_ratio[what] = o / r
        print(head.format(label, mb(o), mb(r), "{:.2f}".format(o / r),
                          "{:.0f} B".format((o - o0) / n), "{:.0f} B".format((r - r0) / n)))
    print("(objmgr: server.info used_memory and /proc VmRSS; Redis: INFO used_memory and "
          "used_memory_rss; per entry: growth over the empty server)")
    print()

    sizes = sorted({int(c) for (s, c, w) in runs if s == "size"})
    print("Cost per operation as the objects grow: c=50 P=16, ops/s [server µs per op]")
    head = "{:>12}" + " {:>22}" * len(SIZE_TESTS)
    print(head.format("entries", *SIZE_TESTS))
    for size in sizes:
        print(head.format("{:,}".format(size),
                          *(fmt_rate(get(("size", str(size), t))) for t in SIZE_TESTS)))
    growth = {}
    if len(sizes) > 1:
        for t in SIZE_TESTS:
            a, b = get(("size", str(sizes[0]), t)), get(("size", str(sizes[-1]), t))
            growth[t] = b["us_per_op"] / a["us_per_op"] if a and b and a["us_per_op"] else None
        print("{:>12}".format("growth") + "".join(
            " {:>22}".format(fmt_ratio(growth[t]) + "x") for t in SIZE_TESTS))
    print()

    def config_span(cfg, which):
        return span(ratios.get((cfg, wl), (None, None))[which] for wl in WORKLOADS)

    print("Targets (issue 5), from this run, with objmgrd's defaults:")
    checks = []
    for cfg, goal in (("c1", 1.2), ("c1cpu0", 1.2), ("c50", 1.0), ("c50p16", 1.0)):
        lo, hi = config_span(cfg, 0)
        checks.append(("{} objmgr >= {}x Redis".format(labels[cfg], goal), lo, hi, goal))
    for cfg in ("c1", "c1cpu0"):
        f = ratios.get((cfg, "floor"))
        checks.append(("{} objmgr PING >= 0.8x the floor".format(labels[cfg]), f, f, 0.8))
    for cfg, goal in (("c1", 1.5), ("c1cpu0", 1.5), ("c50", 3.0), ("c50p16", 3.0)):
        lo, hi = config_span(cfg, 1)
        checks.append(("{} objmgr >= {}x Python".format(labels[cfg], goal), lo, hi, goal))
    print_checks(checks)
    for what, label in (("used", "used_memory"), ("rss", "RSS")):
        print("  {:<50} {:>12} {}".format("memory, " + label + " <= Redis",
                                           fmt_ratio(mem_ratio[what]),
                                           "met" if mem_ratio[what] <= 1 else "missed"))
    if growth:
        worst = max(g for g in growth.values() if g is not None)
        print("  {:<50} {:>12} {}".format(
            "server cost per op within 1.25x from {:,} to {:,} entries".format(sizes[0], sizes[-1]),
            "up to " + fmt_ratio(worst) + "x", "met" if worst <= 1.25 else "missed"))
    if ("c1bp", "PING") in ratios:
        print("Beside them, with objmgrd --busy-poll 50 (opt-in; Redis and Python as they run by default):")
        print_checks([("{} objmgr >= 1.2x Redis".format(labels["c1"]),) + config_span("c1bp", 0)
                      + (1.2,),
                      ("{} objmgr >= 1.5x Python".format(labels["c1"]),) + config_span("c1bp", 1)
                      + (1.5,)])
    if ("c1", "PING") in ratios and ("c1cpu0bp0", "PING") in ratios:
        def against(cfg, base):
            return span(ratio(get(("objmgr", cfg, SAME_AS.get(wl, wl))),
                              get(("objmgr", base, SAME_AS.get(wl, wl)))) for wl in WORKLOADS)
        # The one-CPU target from the alternating rounds when they ran (run_paired).
        paired = {}
        for wl in PAIRED_WORKLOADS:
            rs = sorted(x for x in (ratio(get(("objmgr", "c1cpu0pair-auto", "{}-{}".format(wl, r))),
                                          get(("objmgr", "c1cpu0pair-none", "{}-{}".format(wl, r))))
                                    for r in range(1, 100)) if x is not None)
            if rs:
                paired[wl] = (rs[len(rs) // 2], rs[0], rs[-1], len(rs))
        if paired:
            print("One CPU, objmgrd's defaults over no polling on either side, in alternating"
                  " rounds (ops/s ratio of each round's pair):")
            for wl, (med, lo, hi, k) in paired.items():
                print("  {:<6} median {:.2f} of {} rounds, {:.2f}..{:.2f}".format(wl, med, k, lo, hi))
        one_cpu = (span(v[0] for v in paired.values()) if paired
                   else against("c1cpu0", "c1cpu0bp0"))
        print("Targets (issue 17), with objmgrd's defaults:")
        checks = [("{} objmgr >= 2x Redis".format(labels["c1"]),) + config_span("c1", 0) + (2.0,),
                  ("{} objmgr PING >= 2x the floor".format(labels["c1"]),
                   ratios.get(("c1", "floor")), ratios.get(("c1", "floor")), 2.0),
                  ("{} >= 0.95x no polling{}".format(labels["c1cpu0"],
                                                     ", median" if paired else ""),)
                  + one_cpu + (0.95,),
                  ("{} >= 1x no polling".format(labels["c1"]),)
                  + against("c1", "c1bp0") + (1.0,)]
        # Shared memory: every workload's ops/s over the floor's, polling and idle.
        floor_c1 = get(("floor", "c1", "PING"))
        if ("c1shm", "PING") in ratios:
            checks.append(("{} >= 5x the floor".format(labels["c1shm"]),)
                          + span(ratio(get(("objmgr", "c1shm", wl)), floor_c1)
                                 for wl in WORKLOADS) + (5.0,))
        if gap_ratios:
            checks.append(("idle, {} µs gap, shared memory >= 1x the floor".format(m["gap_us"]),)
                          + span(gap_ratios.get(("c1gapshm", wl)) for wl in WORKLOADS) + (1.0,))
        print_checks(checks)
    if py_ratios:
        py_labels = dict(PY_CONFIGS)
        print("Python's clients: the objmgr package against multiprocessing's manager (a goal):")
        print_checks([("Python {}: objmgr pkg >= {}x Manager()".format(py_labels[cfg], PY_GOAL),)
                      + span(py_ratios.get((cfg, wl)) for wl in PY_WORKLOADS) + (PY_GOAL,)
                      for cfg in PY_GOAL_CONFIGS])
    if durable:
        print("Durable (issue 13), objmgrd --fsync MODE against Redis's appendfsync MODE:")
        checks = []

        def durable_span(base, mode, which):
            return span(durable.get((base, mode, wl), (None, None))[which]
                        for wl in DURABLE_WORKLOADS)

        for mode in FSYNC_MODES:
            for base in DURABLE_BASES:
                checks.append(("{} objmgr >= 1.0x Redis".format(durable_label(labels, base, mode)),)
                              + durable_span(base, mode, 0) + (1.0,))
        for base in DURABLE_BASES:
            checks.append(("{} objmgr everysec >= 0.85x memory-only".format(labels[base]),)
                          + durable_span(base, "everysec", 1) + (0.85,))
        print_checks(checks)


if __name__ == "__main__":
    main()
