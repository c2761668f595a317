#!/usr/bin/env python3
"""A generated crawl for the Spark job's check: .warc.gz files (one gzip member per record, as
Common Crawl writes them) over several sites, with values protected by planted keys (in the
key list) among decoys (the same kinds of values under fresh keys that are in no list),
ordinary pages, and malformed records (garbage between records, a file cut inside a record).

Every protected value is made by the `machinekey` binary itself (`viewstate encode`,
`eventvalidation encode`, `ticket encrypt`, `resource encrypt`), the implementation the
vectors test against real ASP.NET output.

Usage: corpus.py MACHINEKEY OUT_DIR [--files N] [--filler-keys N]

Writes OUT_DIR/warc/*.warc.gz, OUT_DIR/paths.txt (the WARC paths), OUT_DIR/keys.txt (the
planted pairs among filler pairs) and OUT_DIR/expected.json (what was planted where, and the
decoys).
"""
import argparse
import gzip
import json
import os
import random
import subprocess

PAYLOAD_VIEWSTATE = "ff010f0f05093831313031393736396464"  # "811019769" with an empty pair
PAYLOAD_EVENTVALIDATION = "ff0116010205"

# (kind, validation, decryption, mode, encrypted?) for each planted key; the decoys repeat
# the list under fresh keys.
CASES = [
    ("viewstate", "SHA1", "AES", "framework20sp2", False),
    ("viewstate", "HMACSHA256", "AES", "framework20sp2", True),
    ("viewstate", "HMACSHA256", "AES", "framework45", True),
    ("eventvalidation", "SHA1", "3DES", "framework20sp2", False),
    ("eventvalidation", "HMACSHA512", "AES", "framework45", True),
    ("cookie", "SHA1", "AES", "framework20sp2", True),
    ("cookie", "HMACSHA256", "AES", "framework45", True),
    ("resource", "SHA1", "AES", "framework20sp2", True),
    ("resource", "HMACSHA256", "AES", "framework45", True),
]


def key_pair(rng, decryption):
    vk = "%0128X" % rng.getrandbits(512)
    dk = "%064X" % rng.getrandbits(256) if decryption == "AES" else "%048X" % rng.getrandbits(192)
    return vk, dk


def run(binary, *args):
    out = subprocess.run([binary, "--json", *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def protect(binary, case, vk, dk, app, page):
    kind, validation, decryption, mode, encrypted = case
    common = ["--validation-key", vk, "--decryption-key", dk, "--validation", validation,
              "--decryption", decryption, "--mode", mode, "--app-path", app]
    if kind in ("viewstate", "eventvalidation"):
        payload = PAYLOAD_VIEWSTATE if kind == "viewstate" else PAYLOAD_EVENTVALIDATION
        args = [kind, "encode", *common, "--path", page, "--payload-hex", payload]
        if encrypted:
            args.append("--encrypt")
        return run(binary, *args)[kind]
    if kind == "cookie":
        return run(binary, "ticket", "encrypt", *common, "--name", "planted",
                   "--minutes", "600")["cookie"]
    text = run(binary, "resource", "encrypt", *common, "s|WebForms.js")
    return text["token"]


def http_page(binary, kind, value, app, page, generator):
    headers = "Content-Type: text/html; charset=utf-8\r\n"
    fields = ""
    if kind == "viewstate":
        fields = ('<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="%s" />\n'
                  '<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR"'
                  ' value="%s" />' % (value, generator))
    elif kind == "eventvalidation":
        fields = ('<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION"'
                  ' value="%s" />' % value)
    elif kind == "cookie":
        headers += "Set-Cookie: .ASPXAUTH=%s; path=/; HttpOnly\r\n" % value
    elif kind == "resource":
        fields = ('<script src="%s/WebResource.axd?d=%s&amp;t=637100000000000000"></script>'
                  % (app.rstrip("/"), value))
    body = ("<html><body><form method=\"post\" action=\"%s\">\n%s\n</form></body></html>"
            % (page, fields)).encode()
    return b"HTTP/1.1 200 OK\r\n" + headers.encode() + b"\r\n" + body


def ordinary(n):
    body = ("<html><body><p>ordinary page %d</p></body></html>" % n).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body


def record(uri, http):
    head = ("WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s\r\n"
            "WARC-Date: 2026-11-01T00:00:00Z\r\n"
            "Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n"
            % (uri, len(http))).encode()
    return head + http + b"\r\n\r\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("machinekey")
    parser.add_argument("out")
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--filler-keys", type=int, default=5000)
    parser.add_argument("--ordinary", type=int, default=200,
                        help="ordinary pages per file")
    args = parser.parse_args()
    rng = random.Random(20261203)
    os.makedirs(os.path.join(args.out, "warc"), exist_ok=True)

    records = []  # (uri, http bytes)
    planted, decoys, keys = [], [], []
    for i, case in enumerate(CASES):
        for role in ("planted", "decoy"):
            vk, dk = key_pair(rng, case[2])
            site = "https://%s%d.example" % (role, i)
            app = "/" if i % 2 == 0 else "/shop"
            page = app.rstrip("/") + "/default.aspx"
            generator = run(args.machinekey, "viewstate", "generator", "--path", page,
                            "--app-path", app)["generator"]
            value = protect(args.machinekey, case, vk, dk, app, page)
            uri = site + page + "?q=%d" % i
            records.append((uri, http_page(args.machinekey, case[0], value, app, page,
                                           generator)))
            entry = {"kind": case[0], "validation": case[1], "mode": case[3], "url": uri,
                     "validation_key": vk}
            if role == "planted":
                planted.append(entry)
                keys.append("%s,%s" % (vk, dk))
            else:
                decoys.append(entry)
    # The planted pairs among filler pairs, at random places.
    filler = []
    for _ in range(args.filler_keys):
        vk, dk = key_pair(rng, "AES")
        filler.append("%s,%s" % (vk, dk))
    for k in keys:
        filler.insert(rng.randrange(len(filler) + 1), k)
    with open(os.path.join(args.out, "keys.txt"), "w", encoding="ascii") as f:
        f.write("# filler pairs and the planted ones\n")
        f.write("\n".join(filler) + "\n")

    rng.shuffle(records)
    paths = []
    malformed = 0
    for n in range(args.files):
        path = os.path.abspath(os.path.join(args.out, "warc", "crawl-%05d.warc.gz" % n))
        paths.append(path)
        mine = records[n::args.files]
        with open(path, "wb") as f:
            for j in range(args.ordinary):
                f.write(gzip.compress(record("https://plain%d.example/p%d.html" % (n, j),
                                             ordinary(j)), 1))
                if j == args.ordinary // 2 and mine:
                    for uri, http in mine:
                        f.write(gzip.compress(record(uri, http), 1))
            # Garbage where a record should start, then one more ordinary record.
            f.write(gzip.compress(b"this is not a WARC record\r\n\r\n", 1))
            malformed += 1
            f.write(gzip.compress(record("https://plain%d.example/after.html" % n,
                                         ordinary(-1)), 1))
            if n == args.files - 1:
                # The file ends inside a record.
                whole = record("https://plain%d.example/cut.html" % n, ordinary(-2))
                f.write(gzip.compress(whole[: len(whole) // 2], 1))
                malformed += 1
    with open(os.path.join(args.out, "paths.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(paths) + "\n")
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"planted": planted, "decoys": decoys, "malformed_records": malformed,
                   "files": paths}, f, indent=1)
    print("corpus: %d files, %d planted values, %d decoys, %d keys, %d malformed records"
          % (len(paths), len(planted), len(decoys), len(filler), malformed))


if __name__ == "__main__":
    main()
