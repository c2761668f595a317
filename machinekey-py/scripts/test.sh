#!/usr/bin/env bash
# Builds the wheel with maturin (from PyPI), installs it into a fresh virtual environment
# with pytest and badsecrets 1.3.0 (for the differential test), and runs the Python tests.
# Run from anywhere; needs python3 (3.10+ for badsecrets) with venv, a Rust toolchain, and
# PyPI. Everything goes under target/python-ci/.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(cd .. && pwd)"
work="$root/target/python-ci"
rm -rf "$work/venv" "$work/wheels"
mkdir -p "$work"
python3 -m venv "$work/build"
"$work/build/bin/pip" install -q "maturin>=1.9.4,<2"
"$work/build/bin/maturin" build --release --locked -o "$work/wheels"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "$work"/wheels/machinekey-*.whl pytest "badsecrets==1.3.0"
# From outside the source tree, so the installed wheel (not python/) is what is imported.
cd "$work"
"$work/venv/bin/python" -c "import machinekey, json; v = json.load(open('$root/tests/data/viewstate_legacy.json'))['vectors'][0]; f = machinekey.audit(v['viewstate_b64'], generator=v['generator']); assert f, 'no finding'; print('import machinekey: audited', v['id'], '->', f)"
"$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/machinekey-py/tests"
