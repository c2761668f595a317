"""The known-key audit of a web crawl on Apache Spark.

Reads a list of WARC or .warc.gz files (the format Common Crawl publishes), pipes each file
through `machinekey carve -`, groups the carved values by site and page, pipes each group of
partitions through `machinekey audit --batch -`, and writes the findings as JSON lines.

    spark-submit spark/audit_job.py --paths warc.paths --keys keys.txt --out results/ \
        [--machinekey target/release/machinekey] [--partitions N] [--show-keys]

It runs unchanged with `spark-submit` on a cluster and in local mode (`--master local[2]`):
the `machinekey` binary and the key list are shipped to the executors with
`SparkContext.addFile`, so only the driver needs them on disk. A path is a local file, a
`file://` URI or an `http(s)://` address (Common Crawl's `https://data.commoncrawl.org/...`),
streamed into `carve` in 1 MiB pieces: an executor holds no whole WARC file in memory.

What it writes under `--out`:

- `findings/`: one JSON line per value a known key protects (the `audit --batch` result:
  `found`, the key's list line and fingerprints, `url`, `source` = WARC path, record offset and
  field; the key pair itself with `--show-keys`); for an ASP.NET Core value under a published
  Data Protection key, `data_protection` names the key id, where it was published, the
  discriminator and the consumer (`--app-name` adds discriminators to try; a `--keys` file in
  the published-key list's JSON format adds Data Protection keys);
- `errors/`: one JSON line per malformed WARC record (`carve`'s error lines) and per value the
  audit could not read, with its source;
- `summary/`: one JSON line of counts: files, values, findings and errors.

Grouping: the values of one site go to one partition, sorted by page, so consecutive lines of
the audit's input share a page. `audit --batch` audits 64 lines per pass over the keys (each
key's MAC states keyed once for the group), and keeps the IsolateApps and Framework45
derivations of an application level for the process's lifetime: sorting by site and page is
what lets those derivations be shared instead of recomputed on every executor.
"""

import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
import zlib

CHUNK = 1 << 20


def open_path(path):
    """A binary stream of the WARC file at `path` (local, file:// or http(s)://)."""
    parsed = urllib.parse.urlparse(path)
    if parsed.scheme in ("http", "https"):
        return urllib.request.urlopen(path, timeout=300)
    if parsed.scheme == "file":
        return open(urllib.request.url2pathname(parsed.path), "rb")
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # a plain path (C:\ on Windows)
        return open(path, "rb")
    raise ValueError("unsupported path scheme %r (local paths, file:// and http(s):// are read)"
                     % parsed.scheme)


def executable(name):
    """The shipped binary on this executor, made executable."""
    path = shipped(name)
    mode = os.stat(path).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(path, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def pipe(command, feed):
    """Runs `command`, writing to its standard input from `feed(stdin)` on a thread (so a full
    pipe never blocks the reader), and yields its standard output line by line."""
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    failure = []

    def writer():
        try:
            feed(proc.stdin)
        except BrokenPipeError:
            pass
        except Exception as e:  # reported after the output is read
            failure.append(e)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    for line in proc.stdout:
        yield line.decode("utf-8", "replace").rstrip("\n")
    thread.join()
    code = proc.wait()
    if failure:
        raise failure[0]
    # audit --batch exits 1 when no key is found: that is an answer, not a failure.
    if code not in (0, 1):
        raise RuntimeError("%s exited with %d" % (" ".join(command), code))


def carve_partition(binary_name):
    def run(paths):
        binary = executable(binary_name)
        for path in paths:
            def feed(stdin, path=path):
                with open_path(path) as stream:
                    while True:
                        piece = stream.read(CHUNK)
                        if not piece:
                            break
                        stdin.write(piece)

            for line in pipe([binary, "carve", "-"], feed):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except ValueError:
                    value = {"error": {"code": "carve_output", "message": line[:200]}}
                # carve names standard input "-": name the WARC file instead.
                source = value.get("source")
                if isinstance(source, str) and source.startswith("-"):
                    value["source"] = path + source[1:]
                yield value
    return run


def site_and_page(value):
    """(site, page) of a carved value: the URL's scheme and host, and its path without the
    query; values without a URL group under their WARC file."""
    url = value.get("url")
    if isinstance(url, str) and url:
        parsed = urllib.parse.urlsplit(url)
        return ("%s://%s" % (parsed.scheme, parsed.netloc.lower()), parsed.path)
    source = value.get("source") or ""
    return (source.split("@", 1)[0], "")


def site_partition(partitions):
    def part(key):
        # A stable hash (Python's str hash is salted per process).
        return zlib.crc32(key[0].encode("utf-8", "replace")) % partitions
    return part


def audit_partition(binary_name, keys_name, show_keys, dp_lists=(), app_names=()):
    def run(rows):
        binary = executable(binary_name)
        command = [binary, "audit", "--batch", "-"]
        if keys_name:
            command += ["--keys", shipped(keys_name)]
        for name in dp_lists:
            command += ["--keys", shipped(name)]
        for name in app_names:
            command += ["--app-name", name]
        if show_keys:
            command.append("--show-keys")

        def feed(stdin):
            for _, value in rows:
                # The result echoes `id` and `source`: the page URL rides in `id`.
                if "id" not in value and "url" in value:
                    value["id"] = value["url"]
                stdin.write(json.dumps(value, separators=(",", ":")).encode() + b"\n")

        for line in pipe(command, feed):
            yield json.loads(line)
    return run


def shipped(name):
    """The path on this executor of a file shipped with `SparkContext.addFile`."""
    from pyspark import SparkFiles

    return SparkFiles.get(name)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", required=True,
                        help="a text file of WARC paths or URLs, one per line")
    parser.add_argument("--keys", action="append", default=[],
                        help="a key list (validationKey,decryptionKey lines, or published "
                             "Data Protection keys as JSON) besides the built-in ones; "
                             "repeatable")
    parser.add_argument("--app-name", action="append", default=[],
                        help="a Data Protection application discriminator to try on "
                             "CfDJ8 values (SetApplicationName, a content root); repeatable")
    parser.add_argument("--out", required=True,
                        help="the output directory, on any file system Spark writes "
                             "(must not exist)")
    parser.add_argument("--machinekey", default=shutil.which("machinekey") or "machinekey",
                        help="the machinekey binary to ship to the executors")
    parser.add_argument("--partitions", type=int, default=0,
                        help="partitions for the audit (default: Spark's default parallelism)")
    parser.add_argument("--show-keys", action="store_true",
                        help="write the key pairs found, not only their fingerprints")
    args = parser.parse_args(argv)

    from pyspark import SparkContext, StorageLevel

    sc = SparkContext.getOrCreate()
    binary = os.path.abspath(args.machinekey)
    if not os.path.isfile(binary):
        parser.error("no machinekey binary at %s (build it: cargo build --release "
                     "-p machinekey-cli)" % binary)
    sc.addFile(binary)
    binary_name = os.path.basename(binary)
    keys_name = None

    def is_json(path):
        with open(path, "rb") as f:
            head = f.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
        return head[:1] in (b"{", b"[")

    dp_lists = [k for k in args.keys if is_json(k)]
    machine_key_lists = [k for k in args.keys if not is_json(k)]
    for k in dp_lists:
        sc.addFile(os.path.abspath(k))
    dp_names = [os.path.basename(k) for k in dp_lists]
    if machine_key_lists:
        # One list for the executors: the <machineKey> lists given, joined.
        scratch = tempfile.mkdtemp(prefix="machinekey-spark-")
        joined = os.path.join(scratch, "keys.txt")
        with open(joined, "wb") as out:
            for k in machine_key_lists:
                with open(k, "rb") as f:
                    shutil.copyfileobj(f, out)
                out.write(b"\n")
        sc.addFile(joined)
        keys_name = os.path.basename(joined)

    with open(args.paths, encoding="utf-8") as f:
        paths = [p.strip() for p in f if p.strip() and not p.startswith("#")]
    partitions = args.partitions or sc.defaultParallelism
    # One WARC file per task: Common Crawl files are about 1 GB each.
    carved = (sc.parallelize(paths, max(1, len(paths)))
              .mapPartitions(carve_partition(binary_name))
              .persist(StorageLevel.MEMORY_AND_DISK))
    carve_errors = carved.filter(lambda v: "error" in v)
    values = carved.filter(lambda v: "error" not in v)
    results = (values
               .map(lambda v: (site_and_page(v), v))
               .repartitionAndSortWithinPartitions(partitions, site_partition(partitions))
               .mapPartitions(audit_partition(binary_name, keys_name, args.show_keys,
                                              dp_names, args.app_name))
               .persist(StorageLevel.MEMORY_AND_DISK))
    findings = results.filter(lambda r: r.get("found"))
    audit_errors = results.filter(lambda r: "error" in r)

    # Any Hadoop file system: a local directory, hdfs://, s3a:// (with hadoop-aws).
    out = args.out.rstrip("/")
    findings.map(json.dumps).saveAsTextFile(out + "/findings")
    carve_errors.union(audit_errors).map(json.dumps).saveAsTextFile(out + "/errors")
    summary = {
        "files": len(paths),
        "values": results.count(),
        "findings": findings.count(),
        "carve_errors": carve_errors.count(),
        "audit_errors": audit_errors.count(),
    }
    sc.parallelize([json.dumps(summary)], 1).saveAsTextFile(out + "/summary")
    print(json.dumps(summary))
    if keys_name:
        shutil.rmtree(scratch, ignore_errors=True)
    sc.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
