#!/usr/bin/env python3
"""Bounded memory on a multi-gigabyte WARC: streams a generated WARC of about 2.2 GB (one
response record of 2 GiB among 20,000 ordinary ones, a planted ViewState in the last) into
`machinekey carve -`, and checks that the process's peak resident memory stays under 256 MiB (a few copies of the 16 MiB a record is carved from, whatever the file size)
and that the planted value after the giant record is still carved.

Usage: checks/warc/rss.py PATH/TO/machinekey
"""
import resource
import subprocess
import sys
import threading
import time

BIN = sys.argv[1]
LIMIT_KIB = 256 * 1024
GIANT = 2 << 30

VIEWSTATE = "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w=="


def record(uri: str, http: bytes) -> bytes:
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s\r\n"
        "Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % (uri, len(http))
    ).encode()
    return head + http + b"\r\n\r\n"


def page(n: int) -> bytes:
    body = ('<html><body><p>page %d</p><input type="hidden" name="__VIEWSTATE" value="%s" />'
            '<input type="hidden" name="__VIEWSTATEGENERATOR" value="EDD8C9AE" /></body></html>' % (n, VIEWSTATE)).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body


def feed(stdin):
    try:
        ordinary = b"".join(record("https://site.example/p%d.aspx" % i, page(i)) for i in range(1000))
        for _ in range(10):
            stdin.write(ordinary)
        # The giant record: its body streamed in 1 MiB pieces.
        head = (
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://huge.example/\r\n"
            "Content-Length: %d\r\n\r\n" % GIANT
        ).encode()
        stdin.write(head)
        stdin.write(b"HTTP/1.1 200 OK\r\n\r\n")
        piece = b"x" * (1 << 20)
        left = GIANT - len(b"HTTP/1.1 200 OK\r\n\r\n")
        while left > 0:
            n = min(left, len(piece))
            stdin.write(piece[:n])
            left -= n
        stdin.write(b"\r\n\r\n")
        for _ in range(10):
            stdin.write(ordinary)
        stdin.write(record("https://planted.example/last.aspx", page(-1)))
    finally:
        stdin.close()


start = time.time()
proc = subprocess.Popen([BIN, "carve", "-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
feeder = threading.Thread(target=feed, args=(proc.stdin,))
feeder.start()
lines = 0
errors = 0
planted = False
for line in proc.stdout:
    lines += 1
    if b'"error"' in line:
        errors += 1
    if b"planted.example" in line:
        planted = True
proc.wait()
feeder.join()
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
elapsed = time.time() - start
print("carve of a %.1f GB WARC stream: %d lines (%d errors), peak RSS %.1f MiB, %.1f s"
      % ((GIANT + 20_000 * 300) / 1e9, lines, errors, peak_kib / 1024, elapsed))
ok = proc.returncode == 0 and planted and peak_kib < LIMIT_KIB and lines >= 20_001
if not ok:
    print("FAILED: exit %s, planted carved: %s, peak %d KiB (limit %d)" % (proc.returncode, planted, peak_kib, LIMIT_KIB))
    sys.exit(1)
print("bounded memory check passed")
