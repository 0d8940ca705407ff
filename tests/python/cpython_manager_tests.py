"""CPython's own manager tests, run against objmgrd through objmgr.Manager.

CPython's test/_test_multiprocessing.py (Debian: libpython3.11-testsuite)
tests multiprocessing.Manager() with the WithManagerTest* classes and
TestSyncManagerTypes. This runner installs them as test_multiprocessing_fork
does, puts objmgr.Manager($OBJMGR_SOCKET) where they make a
multiprocessing.Manager(), leaves out the tests that cannot apply (EXCLUDED,
each with its reason), and runs the rest. It prints counted / passed /
failed and exits non-zero when a counted test fails (77, a skip, when
CPython's test suite is not installed).

    OBJMGR_SOCKET=/path/to.sock PYTHONPATH=proxy/python \\
        /usr/bin/python3 tests/python/cpython_manager_tests.py [-v] [Class[.test] ...]
"""
import faulthandler
import os
import sys
import time
import unittest

import multiprocessing

import objmgr

try:
    import test._test_multiprocessing as cpython
except ImportError as e:  # Debian ships it in libpython3.X-testsuite
    print("cpython_manager_tests: skipped: no CPython test suite (%s)" % e)
    sys.exit(77)

ADDRESS = os.environ.get("OBJMGR_SOCKET")

# The whole run is killed, with every thread's traceback, past this many
# seconds: a hung test must fail the suite, not stall it.
WATCHDOG_SECONDS = 300

_CALLABLES = "cannot apply: the manager runs Python callables (%s); objmgrd runs no Python"
_OWN_SERVER = ("cannot apply: a BaseManager subclass that register()s Python callables (%s) and "
               "starts or connects to its own manager process%s; objmgr has neither, and the "
               "test makes no use of the manager this runner substitutes")

# Test id (Class or Class.test) -> why it is not run.
EXCLUDED = {
    "WithManagerTestPool": _CALLABLES % "Pool: worker processes the manager runs functions in",
    "TestSyncManagerTypes.test_pool": _CALLABLES % "Pool",
    "WithManagerTestBarrier.test_action": _CALLABLES % "Barrier(action=callable), called when "
                                                       "the barrier is passed",
    "WithManagerTestMyManager": _OWN_SERVER % ("FooBar, baz, an iterator proxy",
                                               ", then checks manager._process.exitcode"),
    "WithManagerTestRemoteManager": _OWN_SERVER % ("get_queue", " on an address of its own"),
    "WithManagerTestManagerRestart": _OWN_SERVER % ("get_queue", ", shuts it down and starts "
                                                    "another on the same address"),
    "WithManagerTestContainers.test_dict_iter": (
        "deliberate difference: iterating a DictProxy reads one snapshot of the keys (the "
        "package's rule for reads of several keys, _containers.DictProxy), so a dict that "
        "another client changes meanwhile never raises 'dictionary changed size during "
        "iteration'; the test clears the dict after iter() and expects that RuntimeError"),
}

# Tests that take a lock or permit in a child process and give it back from
# the parent after the child exited. objmgr frees what a dead connection
# held (docs/protocol.md, Ownership); these run with Manager(owned=False),
# the package's opt-in Python rule, which is what they test.
PYTHON_RULE = {
    "TestSyncManagerTypes.test_lock": "a child acquires the Lock and exits; the parent releases it",
    "TestSyncManagerTypes.test_bounded_semaphore": "a child acquires the BoundedSemaphore(1) and "
                                                   "exits; the parent releases the permit",
    "TestSyncManagerTypes.test_semaphore": "a child acquires the Semaphore(1) and exits; the "
                                           "parent releases the permit (under objmgr's rule it "
                                           "passes too, but ends with 2 permits, not 1)",
}

# Counted tests of CPython's manager classes that use multiprocessing.Queue
# itself, not the manager: they pass whatever objmgr does, and are named in
# the summary so that the rate is read with them in mind.
NOT_THROUGH_OBJMGR = (
    "WithManagerTestQueue.test_no_import_lock_contention",
    "WithManagerTestQueue.test_timeout",
    "WithManagerTestQueue.test_closed_queue_put_get_exceptions",
)

# Server methods the package uses that objmgrd may not have yet: a failure
# naming one is reported as such (it still fails the run).
PENDING_METHODS = ("list.splice", "list.repeat")


def _key(test):
    """'Class.test' for a test case."""
    return "%s.%s" % (type(test).__name__, test._testMethodName)


def _manager_for(key):
    return objmgr.Manager(ADDRESS, owned=key not in PYTHON_RULE)


def _mixin_setup_class(cls):
    """ManagerMixin.setUpClass with objmgr's Manager; one per class, as CPython has."""
    super(cpython.ManagerMixin, cls).setUpClass()
    cls.manager = _manager_for(cls.__name__)


def _mixin_teardown_class(cls):
    """ManagerMixin.tearDownClass without the manager process CPython waits for."""
    deadline = time.monotonic() + 5.0
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.01)
    cls.manager.shutdown()
    cls.manager = None
    super(cpython.ManagerMixin, cls).tearDownClass()


def _sync_manager_class(test):
    """TestSyncManagerTypes.manager_class: called as self.manager_class(), so
    it gets the test and can give PYTHON_RULE's tests an owned=False manager."""
    return _manager_for(_key(test))


def install(module_globals):
    """Makes the With*Test* classes in module_globals, as test_multiprocessing_fork
    does, with objmgr's Manager in place of multiprocessing's."""
    cpython.install_tests_in_module_dict(module_globals, "fork")
    cpython.ManagerMixin.setUpClass = classmethod(_mixin_setup_class)
    cpython.ManagerMixin.tearDownClass = classmethod(_mixin_teardown_class)
    module_globals["TestSyncManagerTypes"].manager_class = _sync_manager_class


def manager_classes(module_globals):
    return [c for name, c in sorted(module_globals.items())
            if isinstance(c, type) and issubclass(c, unittest.TestCase)
            and (name.startswith("WithManager") or name == "TestSyncManagerTypes")]


def _wanted(key, selectors):
    return not selectors or any(key == s or key.startswith(s + ".") for s in selectors)


def select(classes, selectors):
    """The suite to run and the excluded tests: [(key, EXCLUDED's key)]."""
    suite, excluded = unittest.TestSuite(), []
    loader = unittest.TestLoader()
    for cls in classes:
        for test in loader.loadTestsFromTestCase(cls):
            key = _key(test)
            if not _wanted(key, selectors):
                continue
            why = key if key in EXCLUDED else type(test).__name__
            if why in EXCLUDED:
                excluded.append((key, why))
            else:
                suite.addTest(test)
    return suite, excluded


def _grouped(excluded):
    """One row per EXCLUDED entry: a whole class's tests counted on one line."""
    counts = {}
    for _key_, why in excluded:
        counts[why] = counts.get(why, 0) + 1
    return [(why if "." in why else "%s (whole class, %d)" % (why, n), EXCLUDED[why])
            for why, n in counts.items()]


def _pending(trace):
    return [m for m in PENDING_METHODS if m in trace and "NoSuchMethod" in trace]


def summarize(result, excluded, out=sys.stdout):
    """Prints the counts and lists; whether every counted test passed."""
    failed = [(_key(t), tr) for t, tr in result.failures + result.errors]
    failed += [(_key(t), "unexpected success") for t in result.unexpectedSuccesses]
    skipped = [(_key(t), why) for t, why in result.skipped]
    counted = result.testsRun - len(skipped)
    passed = counted - len(failed)
    pending = [(k, _pending(tr)) for k, tr in failed if _pending(tr)]
    w = out.write
    w("\nCPython manager tests against objmgr (%s)\n" % ADDRESS)
    w("counted %d, passed %d, failed %d (%.1f %%); excluded %d; skipped by CPython itself %d\n"
      % (counted, passed, len(failed), 100.0 * passed / counted if counted else 0.0,
         len(excluded), len(skipped)))
    plain = [k for k in NOT_THROUGH_OBJMGR if _ran(k, result)]
    if plain:
        w("of the counted, %d use multiprocessing.Queue, not the manager: %s\n"
          % (len(plain), ", ".join(plain)))
    if pending:
        w("of the failures, %d need server methods not in this build: %s\n"
          % (len(pending), ", ".join("%s (%s)" % (k, "/".join(m)) for k, m in pending)))
    for title, rows in (("failed", [(k, tr.strip().splitlines()[-1]) for k, tr in failed]),
                        ("excluded", _grouped(excluded)), ("skipped by CPython", skipped),
                        ("run with Manager(owned=False)", sorted(
                            (k, why) for k, why in PYTHON_RULE.items() if _ran(k, result)))):
        if rows:
            w("%s:\n" % title)
            for key, why in rows:
                w("  %s: %s\n" % (key, why))
    return not failed


def _ran(key, result):
    return key in result.keys_run


class _Result(unittest.TextTestResult):
    """Remembers which tests ran, for the summary."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys_run = set()

    def startTest(self, test):
        super().startTest(test)
        self.keys_run.add(_key(test))


def main(argv):
    if not ADDRESS:
        sys.exit("cpython_manager_tests: set OBJMGR_SOCKET to a running objmgrd's socket")
    verbose = "-v" in argv
    selectors = [a for a in argv if not a.startswith("-")]
    faulthandler.dump_traceback_later(WATCHDOG_SECONDS, exit=True)
    install(globals())
    suite, excluded = select(manager_classes(globals()), selectors)
    runner = unittest.TextTestRunner(verbosity=2 if verbose else 1, resultclass=_Result)
    result = runner.run(suite)
    return 0 if summarize(result, excluded) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
