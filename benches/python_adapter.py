#!/usr/bin/env python3
"""badsecrets 1.3.0 against machinekey's Python adapter, in one Python process, pinned to one
core, and the adapter against the Rust library on the same work.

Cases: one ViewState against the built-in list (a signed legacy one, an encrypted legacy one
and a Framework45 one with its URL, each with its last byte flipped so every key is tried,
as badsecrets tries them when a site's key is not public), and a crawl's batch (200 signed
ViewStates of 20 pages, none under a known key). For each: badsecrets'
`ASPNET_Viewstate().check_secret(...)` and `machinekey.badsecrets.ASPNET_Viewstate().check_secret(...)`
on the same values (both with their built-in lists, loaded and warmed before timing), the
ratio, and the adapter's time against `py-same-work` (the library's `Auditor::audit_item` on
the same items, in a native process pinned to the same core): the share of the Rust speed
the Python call keeps.

    python3 benches/python_adapter.py [--python PYTHON] [--reps 5]

PYTHON must have both `machinekey` (the wheel) and `badsecrets==1.3.0` installed; the script
re-runs itself under it. Prints a Markdown table.
"""
import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGNED = "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w=="
ENCRYPTED = "QhNlfAmxL3x1eiDHXDyjc8Nv7IsFX/OsUgF2hrtevccYC3a56XmssuVxjhHAYqgBNSOMlN1IztaNEGRMl56UOofadCc="
FX45 = "7ir5mtqZunytBPczxZoTSbqiqNob4udW/Hgsw/o3Q5gLgmovvmdZaHS5EDdHbqrk408hRX3FwD8MA8Rlo6e0ta0R+Zc8KIsUEO01jXHnMBE7es73jYNsqEFKa3E6JJ1Qt1Pn48quS79NPhyr4m7wkE9wBT+a00nqTp4r7IrI/7hvBSY1i7Ebv/xrWRu84OuS1bp51TYzcbcq33yYXT/aSg=="
FX45_URL = "http://10.1.1.43/mac/vsk/test/default.aspx"


def flip(b64, i=0):
    raw = bytearray(base64.b64decode(b64))
    raw[-1] ^= 1 + (i % 255)
    return base64.b64encode(bytes(raw)).decode()


def cases():
    one = [
        ("one signed legacy ViewState, built-in list", [(flip(SIGNED), "EDD8C9AE", None)]),
        ("one encrypted legacy ViewState, built-in list", [(flip(ENCRYPTED), "EDD8C9AE", None)]),
        ("one Framework45 ViewState with its URL, built-in list", [(flip(FX45), None, FX45_URL)]),
    ]
    crawl = []
    for page in range(20):
        url = "https://site%d.example/app/page%d.aspx" % (page % 4, page)
        for n in range(10):
            crawl.append((flip(SIGNED, page * 10 + n), "%08X" % (0xEDD8C9AE ^ page), url))
    one.append(("a crawl: 200 signed ViewStates of 20 pages, built-in list", crawl))
    return one


def median_time(f, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def inner(reps):
    from badsecrets.modules.passive.aspnet_viewstate import ASPNET_Viewstate as Theirs
    from machinekey.badsecrets import ASPNET_Viewstate as Ours

    theirs, ours = Theirs(), Ours()
    rows = []
    for name, values in cases():
        def args(v):
            return [a for a in v if a]

        for v in values[:2]:  # warm: lists loaded, MAC states keyed
            assert theirs.check_secret(*args(v)) is None
            assert ours.check_secret(*args(v)) is None
        t_theirs = median_time(lambda: [theirs.check_secret(*args(v)) for v in values], max(1, reps // 2 if len(values) > 1 else reps))
        t_ours = median_time(lambda: [ours.check_secret(*args(v)) for v in values], reps)
        items = [{k: x for k, x in (("viewstate", v[0]), ("generator", v[1]), ("url", v[2])) if x} for v in values]
        rows.append({"name": name, "n": len(values), "badsecrets": t_theirs / len(values), "adapter": t_ours / len(values), "items": items})
    print(json.dumps(rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    os.sched_setaffinity(0, {0})
    if a.inner:
        inner(a.reps)
        return
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "machinekey-benches", "--bin", "py-same-work"], cwd=ROOT, check=True)
    out = subprocess.run([a.python, os.path.abspath(__file__), "--inner", "--reps", str(a.reps)], check=True, capture_output=True, text=True).stdout
    rows = json.loads(out.strip().splitlines()[-1])
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([{"name": r["name"], "items": r["items"], "reps": a.reps} for r in rows], f)
    native = subprocess.run([os.path.join(ROOT, "target", "release", "py-same-work"), f.name], check=True, capture_output=True, text=True).stdout
    rust = {j["name"]: j["ns_per_item"] / 1e9 for j in map(json.loads, native.splitlines())}
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "this machine")
    print("Measured %s on %s, pinned to core 0 (`sched_setaffinity`), median of %d runs.\n" % (time.strftime("%Y-%m-%d"), cpu, a.reps))
    print("| case | badsecrets 1.3.0 | machinekey.badsecrets | ratio | Rust library | Python share of Rust speed |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ms = lambda s: "%.2f ms" % (s * 1e3) if s >= 1e-3 else "%.0f µs" % (s * 1e6)
        print("| %s | %s | %s | %.0f× | %s | %.0f%% |" % (
            r["name"], ms(r["badsecrets"]), ms(r["adapter"]), r["badsecrets"] / r["adapter"], ms(rust[r["name"]]), 100 * rust[r["name"]] / r["adapter"]))


if __name__ == "__main__":
    main()
