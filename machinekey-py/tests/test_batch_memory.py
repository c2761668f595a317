"""A large batch streams: memory stays that of one group, whatever the batch's length."""

import base64
import os

import machinekey
from conftest import vectors


def rss_kib():
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def test_large_batch_without_memory_growth():
    v = [v for v in vectors("viewstate_legacy.json") if v["id"] == "bs-legacy-NOENC-SHA1"][0]
    raw = base64.b64decode(v["viewstate_b64"])
    keys = machinekey.KeyList.from_text("%s,%s" % ("C" * 128, "D" * 48))

    def values(n):
        for i in range(n):
            yield {"id": i, "viewstate": base64.b64encode(raw[:-1] + bytes([i % 256])).decode(), "generator": v["generator"]}

    def run(n):
        count = 0
        for r in machinekey.audit_many(values(n), keys=keys, group=512):
            assert not r.found and r.error is None
            count += 1
        return count

    assert run(5_000) == 5_000  # warm: the allocator's arenas, the list's states
    before = rss_kib()
    assert run(100_000) == 100_000
    grown = rss_kib() - before
    assert grown < 20_000, "grew %d KiB over 100,000 values" % grown
