#!/usr/bin/env python3
"""The known-key audit's performance table (the manual's performance chapter,
src/manual/performance.rs), measured in one run on this machine.

For each case: the figure (whole-process time of the `machinekey` CLI, pinned to one core,
median of --runs runs), the floor (the compressions and blocks the audit performs, counted by
`audit-work`, times their cost measured by the `floor` bench, plus reading the key list file;
for the batch, without the HMAC pad-state compressions, which a batch shares between every
blob and reading of a key), the floor as a percentage of the figure (and again with the
per-block cost of two independent streams in alternation where that is lower: the bound for
work made of independent MACs), and the peer (badsecrets 1.3.0, installed from PyPI into
--peer-venv) on the same inputs, pinned to the same core. Then blobs per second on 1 and 2
cores, with the efficiency.

    python3 benches/report.py [--runs 7] [--peer-venv target/badsecrets-venv] [--no-peer]

Writes its inputs under target/report/ and prints Markdown.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "target", "report")
BIN = os.path.join(ROOT, "target", "release", "machinekey")
# The counting build (`--cfg machinekey_work_count`) has its own target directory, so it never
# replaces the timed binaries with counting ones.
WORK_TARGET = os.path.join(ROOT, "target", "work-count")
WORK = os.path.join(WORK_TARGET, "release", "audit-work")
TRUE_VK, TRUE_DK = "7" * 128, "9A" * 24
GENERATOR = "EDD8C9AE"
PAYLOAD = "ff010f0f05093831313031393736396464"


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, cwd=ROOT, **kwargs)


def big_list(path):
    """The 200,000-line list of `machinekey_benches::big_list` (the same xorshift)."""
    state, mask = 0x2545F4914F6CDD1D, (1 << 64) - 1
    lines = []
    for _ in range(199_999):
        out = []
        for _ in range(88):
            state ^= (state << 13) & mask
            state ^= state >> 7
            state ^= (state << 17) & mask
            out.append("%02X" % (state & 0xFF))
        lines.append("".join(out[:64]) + "," + "".join(out[64:]))
    lines.append(TRUE_VK + "," + TRUE_DK)
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")


def pinned(cpus, f):
    """`f()` with this process (and so every process it starts) pinned to `cpus` ("0",
    "0,1"): the children inherit the affinity, so no `taskset` process is started and timed
    with each run (`taskset` is about 0.8 ms of process start of its own here)."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
    try:
        return f()
    finally:
        os.sched_setaffinity(0, before)


# Idle seconds before each case is timed. Right after seconds of load on both cores (the
# corpus counting, the case before on two cores) this machine runs the next half second or
# so 20 to 25% slower (measured: a 47 ms audit took 58 to 60 ms for its first ten runs
# after `audit-work`), which is the previous step's, not the case's.
SETTLE = 3


def timed(cmd, runs, cpus="0"):
    """Median wall seconds of `cmd` pinned to `cpus`, after `SETTLE` idle seconds and two
    warm-up runs."""
    def run():
        time.sleep(SETTLE)
        for _ in range(2):
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    return pinned(cpus, run)


def floor_costs():
    """Median ns of each `floor` bench case."""
    sh("cargo", "bench", "-q", "-p", "machinekey-benches", "--bench", "floor",
       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    costs = {}
    base = os.path.join(ROOT, "target", "criterion", "floor")
    for case in os.listdir(base):
        est = os.path.join(base, case, "new", "estimates.json")
        if os.path.exists(est):
            with open(est) as f:
                costs[case] = json.load(f)["median"]["point_estimate"]
    return costs


def floor_ns(counts, costs, shared_keying, two_streams=False):
    """The floor of `counts`: one stream's cost a block or, with `two_streams`, the lower of
    that and the per-block cost of two independent streams in alternation."""
    per = {"sha1": costs["sha1_block"], "sha256": costs["sha256_block"],
           "sha512": costs["sha512_block"], "md5": costs["md5_block"]}
    if two_streams:
        for h in ("sha1", "sha256", "sha512"):
            pair = costs.get(h + "_two_streams")
            if pair:
                per[h] = min(per[h], pair / 2)
    total = 0.0
    for h, c in per.items():
        n = counts[h] - (counts["keying"][h] if shared_keying else 0)
        total += n * c
    total += counts["aes_blocks"] * costs["aes256_block"] + counts["des_blocks"] * costs["tdes_block"]
    return total


def peer_python(venv):
    return os.path.join(venv, "bin", "python")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--peer-venv", default=os.path.join(ROOT, "target", "badsecrets-venv"))
    ap.add_argument("--no-peer", action="store_true")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    sh("cargo", "build", "-q", "--release", "-p", "machinekey-cli")
    sh("cargo", "build", "-q", "--release", "-p", "machinekey-benches", "--bin", "audit-work",
       env=dict(os.environ, RUSTFLAGS="--cfg machinekey_work_count", CARGO_TARGET_DIR=WORK_TARGET))
    if not args.no_peer and not os.path.exists(peer_python(args.peer_venv)):
        sh(sys.executable, "-m", "venv", args.peer_venv)
        sh(peer_python(args.peer_venv), "-m", "pip", "install", "-q", "badsecrets==1.3.0")

    lst = os.path.join(OUT, "list.txt")
    if not os.path.exists(lst):
        big_list(lst)
    common = ["--validation-key", TRUE_VK, "--decryption-key", TRUE_DK, "--validation", "SHA1",
              "--decryption", "AES", "--mode", "framework20sp2", "--generator", GENERATOR,
              "--payload-hex", PAYLOAD]
    signed = sh(BIN, "viewstate", "encode", *common, capture_output=True, text=True).stdout.strip()
    encrypted = sh(BIN, "viewstate", "encode", *common, "--encrypt", capture_output=True,
                   text=True).stdout.strip()
    work = {}
    out = sh(WORK, "--write-corpus", OUT, capture_output=True, text=True).stdout
    for line in out.splitlines():
        case = json.loads(line)
        work[case["case"]] = case
    timings = {}
    rows = []
    scaling = []
    for name, value in [("signed", signed), ("encrypted", encrypted)]:
        cmd = [BIN, "audit", "--keys", lst, "--generator", GENERATOR, value]
        found = sh(*cmd, capture_output=True, text=True).stdout
        assert "list.txt:200000" in found, found
        t1 = timed(cmd, args.runs)
        t2 = timed(cmd, args.runs, "0,1")
        timings[name] = (t1, t2)
    for kind in ["legacy_signed", "legacy_encrypted", "framework45"]:
        cmd = [BIN, "audit", "--batch", os.path.join(OUT, kind + ".jsonl")]
        timings[kind] = (timed(cmd, max(3, args.runs // 2)),
                         timed(cmd, max(3, args.runs // 2), "0,1"))
    # The floor costs after the timings, on the machine in the same state.
    costs = floor_costs()
    list_read_ns = costs["read_list_file_35_6_mb"]
    for name, value in [("signed", signed), ("encrypted", encrypted)]:
        t1, t2 = timings[name]
        case = work["one_blob_" + name]
        floor = (floor_ns(case["counts"], costs, False) + list_read_ns) / 1e9
        floor2 = (floor_ns(case["counts"], costs, False, True) + list_read_ns) / 1e9
        peer = None
        if not args.no_peer:
            code = ("from badsecrets.modules.passive.aspnet_viewstate import ASPNET_Viewstate\n"
                    "r = ASPNET_Viewstate(custom_resource=%r).check_secret(%r, %r)\n"
                    "assert r, 'badsecrets found nothing'\n" % (lst, value, GENERATOR))
            peer = timed([peer_python(args.peer_venv), "-c", code], max(3, args.runs // 2))
        rows.append(("one %s legacy ViewState (SHA1%s), 200,000-pair list, true key last"
                     % (name, " + AES" if name == "encrypted" else ""),
                     "%.1f ms" % (t1 * 1e3), "%.1f ms" % (floor * 1e3), floor / t1, floor2 / t1,
                     peer and "%.0f ms" % (peer * 1e3),
                     peer and peer / t1))
        keys = case["keys"]
        scaling.append(("one %s blob, keys/s" % name, keys / t1, keys / t2))

    for kind in ["legacy_signed", "legacy_encrypted", "framework45"]:
        path = os.path.join(OUT, kind + ".jsonl")
        case = work["batch_" + kind]
        blobs = case["blobs"]
        t1, t2 = timings[kind]
        floor = floor_ns(case["counts"], costs, True) / 1e9
        floor2 = floor_ns(case["counts"], costs, True, True) / 1e9
        peer = None
        if not args.no_peer:
            code = ("import json, time\n"
                    "from badsecrets.modules.passive.aspnet_viewstate import ASPNET_Viewstate\n"
                    "lines = [json.loads(l) for l in open(%r)][:10]\n"
                    "x = ASPNET_Viewstate()\n"
                    "x.check_secret(lines[0]['viewstate'], lines[0]['generator'], lines[0]['url'])\n"
                    "t = time.perf_counter()\n"
                    "for l in lines:\n"
                    "    assert not x.check_secret(l['viewstate'], l['generator'], l['url'])\n"
                    "print(len(lines) / (time.perf_counter() - t))\n" % path)
            out = pinned("0", lambda: subprocess.run([peer_python(args.peer_venv), "-c", code],
                                                     check=True, capture_output=True,
                                                     text=True).stdout)
            peer = float(out.strip().splitlines()[-1])
        rows.append(("batch %s, %d blobs, built-in list (%d keys)" % (kind, blobs, case["keys"]),
                     "%.0f blobs/s" % (blobs / t1), "%.0f blobs/s" % (blobs / floor), floor / t1,
                     floor2 / t1,
                     peer and "%.1f blobs/s" % peer, peer and (blobs / t1) / peer))
        scaling.append(("batch %s, blobs/s" % kind, blobs / t1, blobs / t2))

    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print("Measured %s on %s (%d cores), one core unless said (the report pins itself to core 0 with `sched_setaffinity`; its children inherit it)." % (
        time.strftime("%Y-%m-%d"), cpu or "this machine", os.cpu_count() or 0))
    print()
    print("Floor costs (`cargo bench -p machinekey-benches --bench floor`): " + ", ".join(
        "%s %.1f ns" % (k.replace("_block", ""), v) for k, v in sorted(costs.items()) if k.endswith("_block"))
        + "; two streams in alternation, per block: " + ", ".join(
        "%s %.1f ns" % (k.replace("_two_streams", ""), v / 2) for k, v in sorted(costs.items())
        if k.endswith("_two_streams"))
        + "; the 35.6 MB list read from the page cache %.2f ms (from memory %.2f ms)." % (
        list_read_ns / 1e6, costs.get("read_list_35_6_mb", 0) / 1e6))
    print()
    print("| case | machinekey | floor | floor / figure | two streams | badsecrets 1.3.0 | ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, fig, floor, pct, pct2, peer, ratio in rows:
        print("| %s | %s | %s | %.0f%% | %.0f%% | %s | %s |" % (
            name, fig, floor, pct * 100, pct2 * 100, peer or "-",
            ("%.0f×" % ratio) if ratio else "-"))
    print()
    print("| case | 1 core | 2 cores | efficiency |")
    print("|---|---|---|---|")
    for name, one, two in scaling:
        print("| %s | %s | %s | %.0f%% |" % (name, "{:,.0f}".format(one), "{:,.0f}".format(two),
                                             100 * two / (2 * one)))
    print()
    print("Work per case (`audit-work`): " + "; ".join(
        "%s: %s" % (k, json.dumps(v["counts"], separators=(",", ":"))) for k, v in work.items()))


if __name__ == "__main__":
    main()
