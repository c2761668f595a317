"""Objects are shared between threads, and long calls release the GIL."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import machinekey
from conftest import vectors

LEGACY = [v for v in vectors("viewstate_legacy.json") if not v.get("viewStateUserKey")]


def test_shared_key_list_and_machine_key_from_many_threads():
    keys = machinekey.KeyList.builtin()
    mk = machinekey.MachineKey("A" * 128, "B" * 48, validation="SHA1", decryption="AES", compatibility_mode="Framework45")

    def work(i):
        v = LEGACY[i % len(LEGACY)]
        f = machinekey.audit(v["viewstate_b64"], generator=v["generator"], keys=keys)
        blob = mk.protect(b"%d" % i, "p")
        return f.validation == v["validation"] and mk.unprotect(blob, "p") == b"%d" % i

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(400)))


def test_audit_releases_the_gil():
    # A value no key opens makes every candidate's MAC run; meanwhile a pure-Python thread
    # must keep counting, which it cannot while a call holds the GIL.
    v = LEGACY[0]
    raw = bytearray(__import__("base64").b64decode(v["viewstate_b64"]))
    raw[-1] ^= 1
    negative = __import__("base64").b64encode(bytes(raw)).decode()
    values = [negative] * 40
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.05)
        before = counter[0]
        start = time.perf_counter()
        results = list(machinekey.audit_many(values, generator=v["generator"], url="https://h/a/b/c/page.aspx"))
        elapsed = time.perf_counter() - start
        during = counter[0] - before
    finally:
        stop.set()
        t.join()
    assert not any(r.found for r in results)
    assert elapsed > 0.01
    assert during > 1000, (during, elapsed)
