#!/usr/bin/python3
"""A C program (libobjmgr, tests/python/cross-peer.c, its path in
$OBJMGR_CROSS_PEER) and this Python program share one dict and two queues
on one objmgrd ($OBJMGR_SOCKET)."""
import os
import subprocess
import unittest

import objmgr

SAMPLE = {"n": 42, "f": 2.5, "s": "h\u00e9", "b": b"\x00\xff", "l": [1, [2]], "none": None,
          "t": True, "ref": objmgr.Ref("cross")}


class CrossLanguage(unittest.TestCase):
    def test_c_and_python_share_a_dict_and_queues(self):
        c = objmgr.connect()
        d, to_c, from_c = c.dict("cross"), c.Queue("cross-py2c"), c.Queue("cross-c2py")
        d["from-python"] = SAMPLE
        peer = subprocess.Popen([os.environ["OBJMGR_CROSS_PEER"]])
        for i in range(1, 1001):
            to_c.put(i)
        to_c.put(None)
        self.assertEqual(from_c.get(timeout=60), [1000, 500500])
        self.assertEqual(peer.wait(60), 0)
        got = d["from-c"]
        self.assertEqual(got, SAMPLE)
        self.assertEqual({k: type(v) for k, v in got.items()}, {k: type(v) for k, v in SAMPLE.items()})
        self.assertIs(got["ref"].open().__class__, objmgr.DictProxy)
        self.assertEqual(len(got["ref"]), 2)  # the reference reaches the shared dict itself
        c.close()


if __name__ == "__main__":
    unittest.main()
