#!/usr/bin/env bash
# The Spark job (spark/audit_job.py) in local mode over a generated crawl: sets up PySpark
# (from PyPI) and a JRE (from Debian, when the machine has no java), writes .warc.gz files
# with planted keys among decoys (checks/spark/corpus.py), runs the job with spark-submit,
# and checks that every planted key is found at its page, no decoy is reported, and every
# malformed record is an error line.
#
# Usage: checks/spark/run.sh [PATH/TO/machinekey]   (default: target/release/machinekey,
#        built with `cargo build --release -p machinekey-cli` when missing)
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${1:-target/release/machinekey}
if [ ! -x "$BIN" ]; then
    cargo build --release -p machinekey-cli
fi
BIN=$(realpath "$BIN")
PYSPARK_VERSION=3.5.3
VENV=${SPARK_VENV:-target/spark-venv}

if ! command -v java >/dev/null 2>&1; then
    echo "spark check: installing a JRE (default-jre-headless)"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq default-jre-headless >/dev/null
fi
if [ ! -x "$VENV/bin/spark-submit" ] ||
    [ "$("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null)" != "$PYSPARK_VERSION" ]; then
    echo "spark check: installing pyspark $PYSPARK_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/machinekey-spark-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 checks/spark/corpus.py "$BIN" "$WORK/corpus" --files 4 --filler-keys 5000

start=$(date +%s)
VENV=$(realpath "$VENV")
PATH="$VENV/bin:$PATH" PYSPARK_PYTHON="$VENV/bin/python" \
    SPARK_HOME="$("$VENV/bin/python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" \
    "$VENV/bin/spark-submit" --master 'local[2]' --conf spark.ui.enabled=false \
    --driver-memory 1g \
    spark/audit_job.py --paths "$WORK/corpus/paths.txt" --keys "$WORK/corpus/keys.txt" \
    --machinekey "$BIN" --show-keys --out "$WORK/out" 2> "$WORK/spark.log" ||
    { tail -n 60 "$WORK/spark.log"; exit 1; }
echo "spark check: spark-submit took $(( $(date +%s) - start )) s"

python3 - "$WORK/corpus/expected.json" "$WORK/out" <<'EOF'
import glob, json, sys

expected = json.load(open(sys.argv[1]))
out = sys.argv[2]
def lines(name):
    for part in sorted(glob.glob("%s/%s/part-*" % (out, name))):
        for line in open(part):
            if line.strip():
                yield json.loads(line)

findings = list(lines("findings"))
errors = list(lines("errors"))
summary = next(lines("summary"))
found = {}
for f in findings:
    found.setdefault(f.get("id"), []).append(f)
failures = []
for p in expected["planted"]:
    got = found.get(p["url"], [])
    if not got:
        failures.append("planted %s (%s, %s) at %s not found" % (p["kind"], p["validation"], p["mode"], p["url"]))
    elif any(g.get("key", {}).get("validation_key", "").upper() != p["validation_key"] for g in got):
        failures.append("planted %s at %s found with another key: %s" % (p["kind"], p["url"], got))
for d in expected["decoys"]:
    if d["url"] in found:
        failures.append("decoy %s at %s reported: %s" % (d["kind"], d["url"], found[d["url"]]))
planted_urls = {p["url"] for p in expected["planted"]}
for url in found:
    if url not in planted_urls:
        failures.append("unexpected finding at %s" % url)
carve_errors = [e for e in errors if e.get("error", {}).get("code") == "warc_record"]
if len(carve_errors) != expected["malformed_records"]:
    failures.append("%d warc_record error lines for %d malformed records: %s"
                    % (len(carve_errors), expected["malformed_records"], errors))
if summary["files"] != len(expected["files"]):
    failures.append("summary names %d files, not %d" % (summary["files"], len(expected["files"])))
print("spark check: %s" % json.dumps(summary))
if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("spark check: every planted key found (%d), no decoy reported (%d), %d malformed records as error lines"
      % (len(expected["planted"]), len(expected["decoys"]), len(carve_errors)))
EOF
