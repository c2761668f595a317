#!/usr/bin/env python3
"""Packs a fuzz corpus directory into one file, or unpacks it: the checked-in
`corpus-min/<target>.bin` format (a 4-byte little-endian length, then the bytes, one input
after another), which `tests/fuzz_replay.rs` replays on every `cargo test`.

    python3 fuzz/corpus.py unpack fuzz/corpus-min/warc.bin DIR
    python3 fuzz/corpus.py pack DIR fuzz/corpus-min/warc.bin
"""
import hashlib
import os
import struct
import sys


def unpack(packed, out):
    os.makedirs(out, exist_ok=True)
    data = open(packed, "rb").read() if os.path.exists(packed) else b""
    i = n = 0
    while i + 4 <= len(data):
        (length,) = struct.unpack_from("<I", data, i)
        item = data[i + 4 : i + 4 + length]
        if len(item) != length:
            sys.exit(f"{packed} is truncated")
        with open(os.path.join(out, hashlib.sha1(item).hexdigest()), "wb") as f:
            f.write(item)
        i += 4 + length
        n += 1
    print(f"{n} inputs from {packed}")


def pack(directory, packed):
    items = sorted(
        open(os.path.join(directory, name), "rb").read() for name in os.listdir(directory)
    )
    with open(packed, "wb") as f:
        for item in items:
            f.write(struct.pack("<I", len(item)))
            f.write(item)
    print(f"{len(items)} inputs into {packed} ({os.path.getsize(packed)} bytes)")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    (unpack if sys.argv[1] == "unpack" else pack)(sys.argv[2], sys.argv[3])
