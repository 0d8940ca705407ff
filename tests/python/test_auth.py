#!/usr/bin/python3
"""The package against a server with an authkey ($OBJMGR_AUTHKEY_FILE, set by
tests/with-server with WITH_SERVER_AUTHKEY=1): the handshake of
docs/protocol.md, refusals, and the key reaching spawned children."""
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import time
import unittest

import objmgr

SOCKET = os.environ["OBJMGR_SOCKET"]
KEY_FILE = os.environ.get("OBJMGR_AUTHKEY_FILE")  # spawned children import this without it


def append_without_key_file(proxy, value):
    os.environ.pop("OBJMGR_AUTHKEY_FILE", None)
    proxy.append(value)


class Auth(unittest.TestCase):
    def setUp(self):
        with open(KEY_FILE, "rb") as f:
            self.key = f.read()

    def test_the_key_file_from_the_environment_is_used(self):
        self.assertEqual(objmgr.connect().ping(), "pong")

    def test_a_key_given_as_bytes_or_file(self):
        env = os.environ.pop("OBJMGR_AUTHKEY_FILE")
        try:
            self.assertEqual(objmgr.connect(SOCKET, self.key).ping(), "pong")
            self.assertEqual(objmgr.connect(SOCKET, authkey_file=KEY_FILE).ping(), "pong")
            with self.assertRaises(objmgr.AuthRequired) as e:
                objmgr.connect(SOCKET).ping()
            self.assertEqual(e.exception.code, "auth_required")
        finally:
            os.environ["OBJMGR_AUTHKEY_FILE"] = env

    def test_a_wrong_key_is_refused(self):
        with self.assertRaises(objmgr.AuthFailed) as e:
            objmgr.connect(SOCKET, b"x" * 32)
        self.assertEqual(e.exception.code, "auth_failed")
        self.assertIsInstance(e.exception, PermissionError)

    def test_unsafe_or_malformed_keys_are_refused_before_connecting(self):
        with self.assertRaisesRegex(objmgr.BadParams, "an authkey has 16 to 4096 bytes, not 3"):
            objmgr.connect(SOCKET, b"abc")
        d = tempfile.mkdtemp()
        try:
            open_key = os.path.join(d, "key")
            shutil.copy(KEY_FILE, open_key)
            os.chmod(open_key, 0o644)
            with self.assertRaisesRegex(objmgr.BadParams, "readable or writable by others"):
                objmgr.connect(SOCKET, authkey_file=open_key)
        finally:
            shutil.rmtree(d)

    def test_a_key_given_to_the_manager_reaches_spawned_children(self):
        env = os.environ.pop("OBJMGR_AUTHKEY_FILE")
        try:
            with objmgr.Manager(SOCKET, self.key) as mgr:
                l = mgr.list()
                p = multiprocessing.get_context("spawn").Process(
                    target=append_without_key_file, args=(l, "spawned"))
                p.start()
                p.join(60)
                self.assertEqual(p.exitcode, 0)
                self.assertEqual(l[:], ["spawned"])
        finally:
            os.environ["OBJMGR_AUTHKEY_FILE"] = env

    def test_a_tcp_server_with_the_key(self):
        d = tempfile.mkdtemp()
        server = subprocess.Popen([os.environ["OBJMGRD"], "--socket", d + "/s.sock", "--listen",
                                   "tcp:127.0.0.1:0", "--authkey-file", KEY_FILE],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                if os.path.exists(d + "/s.sock"):
                    break
                time.sleep(0.05)
            local = objmgr.connect(d + "/s.sock")
            tcp = [a for a in local.info()["listening"] if a.startswith("tcp:")][0]
            remote = objmgr.connect(tcp, self.key)
            remote.dict("over-tcp")["k"] = [1, b"\x00"]
            self.assertEqual(local.dict("over-tcp")["k"], [1, b"\x00"])
            self.assertIn("tcp:127.0.0.1:", [c["address"] for c in remote.call("clients.list")
                                             if c["me"]][0])
            with self.assertRaises(objmgr.AuthFailed):
                objmgr.connect(tcp, b"y" * 32)
            local.close()
            remote.close()
        finally:
            server.terminate()
            server.wait(10)
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
